"""One test (or a few) per normalization pass, on small documents written for the pass,
plus a golden record of the whole normalized 1.2.4 document."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import yaml

from generator import normalize as n
from generator.finalpos import core_properties, official_of
from generator.validate import check_openapi
from tests.conftest import FIXTURES


def op(operation_id: str, tag: str, **extra: Any) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "tags": [tag],
        "responses": {"200": {"description": "ok"}},
        **extra,
    }


def ok_json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def doc(paths: dict[str, Any], schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas or {}},
    }


PAGE_PARAMS = [
    {"name": "skip", "in": "query", "required": False, "schema": {"type": "number"}},
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "number"}},
]


def test_inline_component_refs_copies_shared_parameters_and_responses():
    document = doc(
        {
            "/x": {
                "get": {
                    "parameters": [{"$ref": "#/components/parameters/Skip"}],
                    "responses": {"200": {"$ref": "#/components/responses/Ok"}},
                }
            }
        }
    )
    document["components"]["parameters"] = {
        "Skip": {"name": "skip", "in": "query", "schema": {"type": "number"}}
    }
    schema_ref = {"$ref": "#/components/schemas/X"}
    document["components"]["responses"] = {
        "Ok": {"description": "ok", "content": {"application/json": {"schema": schema_ref}}}
    }
    operation = n.inline_component_refs(document)["paths"]["/x"]["get"]
    assert operation["parameters"] == [
        {"name": "skip", "in": "query", "schema": {"type": "number"}}
    ]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == schema_ref
    operation["parameters"][0]["name"] = "changed"
    assert document["components"]["parameters"]["Skip"]["name"] == "skip"  # a copy, not shared


def test_drop_unsupported_media_keeps_json_forms_and_nothing_else():
    form = {"schema": {"type": "object", "properties": {"file": {"format": "binary"}}}}
    upload = {"content": {"multipart/form-data": form, "application/octet-stream": {}}}
    json_or_form = {"content": {"application/json": {}, "application/x-www-form-urlencoded": {}}}
    octet = {"content": {"text/csv": {"schema": {}}}}
    both = {
        "content": {"application/json": {"schema": {}}, "text/plain": {"schema": {}}},
        "description": "ok",
    }
    document = doc(
        {
            "/up": {"post": op("Up_create", "Up", requestBody=upload, responses={"200": both})},
            "/json": {"post": op("Json_create", "Json", requestBody=json_or_form)},
            "/raw": {"post": op("Raw_create", "Raw", requestBody=octet)},
        }
    )
    paths = n.drop_unsupported_media(document)["paths"]
    operation = paths["/up"]["post"]
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    assert list(operation["responses"]["200"]["content"]) == ["application/json"]
    assert operation["responses"]["200"]["x-finalpos-dropped-media-types"] == ["text/plain"]
    assert list(paths["/json"]["post"]["requestBody"]["content"]) == ["application/json"]
    assert "requestBody" not in paths["/raw"]["post"]
    assert paths["/raw"]["post"]["x-finalpos-dropped-request-body"] == ["text/csv"]


def test_merge_resource_tags_joins_singular_plural_and_custom_table_tags():
    document = doc(
        {
            "/customer": {"post": op("CustomerController_create", "Customer")},
            "/customers": {"get": op("CustomersController_findAll", "Customers")},
            "/categories": {"get": op("CategoriesController_findAll", "Categories")},
            "/category": {"post": op("CategoryController_create", "Category")},
            "/custom-tables": {
                "get": op("CustomTablesController_findAll", "Custom Tables: structure")
            },
            "/custom-table-row": {
                "post": op("CustomTableDataController_create", "Custom Table: content")
            },
            "/zapier-triggers": {"post": op("ZapierTriggersController_create", "ZapierTriggers")},
            "/untagged": {"get": {"responses": {"200": {"description": "ok"}}}},
        }
    )
    result = n.merge_resource_tags(document)
    resources = [o["x-finalpos-resource"] for _p, _m, o in n.iter_operations(result)]
    assert resources == [
        "customers",
        "customers",
        "categories",
        "categories",
        "custom_tables",
        "custom_tables",
        "zapier_triggers",
        "untagged",
    ]


def test_resource_names_are_tags_as_written_unless_the_api_pairs_its_controllers():
    # No plural rule: a tag is its resource, in snake_case; untagged operations say so.
    assert n.resource_names(["Auth", "Main", "true", "OAuth Delegations", "Users", ""]) == {
        "Auth": "auth",
        "Main": "main",
        "true": "true",
        "OAuth Delegations": "oauth_delegations",
        "Users": "users",
        "": "untagged",
    }
    # One singular/plural pair among singular tags is one resource; the others stay as written.
    assert n.resource_names(["User", "Users", "Auth", "Message", "Search"]) == {
        "User": "users",
        "Users": "users",
        "Auth": "auth",
        "Message": "message",
        "Search": "search",
    }
    # An API that pairs most of its controllers (Final POS) names every resource in the plural.
    paired = n.resource_names(["Customer", "Customers", "Category", "Categories", "Session"])
    assert set(paired.values()) == {"customers", "categories", "sessions"}


def test_name_client_methods_maps_nest_verbs_and_qualifies_sub_collections():
    document = doc(
        {
            "/customer": {"post": op("CustomerController_create", "Customer")},
            "/customer/{id}": {
                "get": op("CustomerController_findOne", "Customer"),
                "put": op("CustomerController_update", "Customer"),
                "delete": op("CustomerController_delete", "Customer"),
            },
            "/customers": {"get": op("CustomersController_findAll", "Customers")},
            "/custom-tables": {
                "get": op("CustomTablesController_findAll", "Custom Tables: structure")
            },
            "/custom-table-fields": {
                "get": op("CustomTableFieldsController_findAll", "Custom Tables: structure")
            },
            "/custom-table-row/{id}": {
                "get": op("CustomTableDataController_findOne", "Custom Table: content")
            },
        }
    )
    result = n.name_client_methods(n.merge_resource_tags(document))
    names = [o["x-finalpos-method"] for _p, _m, o in n.iter_operations(result)]
    assert names == [
        "create",
        "retrieve",
        "update",
        "delete",
        "list",
        "list",
        "list_fields",
        "retrieve_row",
    ]


def test_name_client_methods_falls_back_to_operation_id_on_a_clash():
    document = doc(
        {
            "/a": {"get": op("AController_findAll", "Things")},
            "/things": {"get": op("ThingsController_findAll", "Things")},
            "/b": {"post": op("Dup", "Things"), "put": op("Dup", "Things")},
        }
    )
    result = n.name_client_methods(n.merge_resource_tags(document))
    names = [o["x-finalpos-method"] for _p, _m, o in n.iter_operations(result)]
    assert names == ["a_controller_find_all", "things_controller_find_all", "dup", "dup_2"]


def test_integer_pagination_parameters_types_skip_and_limit():
    document = doc(
        {
            "/x": {
                "get": op(
                    "X_findAll",
                    "X",
                    parameters=[dict(p, schema=dict(p["schema"])) for p in PAGE_PARAMS],
                )
            }
        }
    )
    result = n.integer_pagination_parameters(document)
    skip, limit = result["paths"]["/x"]["get"]["parameters"]
    assert skip["schema"] == {"type": "integer", "minimum": 0}
    assert limit["schema"] == {"type": "integer", "minimum": 1}


def test_mark_offset_pagination_only_marks_list_gets():
    array = {
        "content": {"application/json": {"schema": {"type": "array", "items": {}}}},
        "description": "ok",
    }
    obj = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}},
        "description": "ok",
    }
    document = doc(
        {
            "/list": {
                "get": op("L_findAll", "X", parameters=PAGE_PARAMS, responses={"200": array})
            },
            "/one": {"get": op("O_findOne", "X", parameters=PAGE_PARAMS, responses={"200": obj})},
            "/nopage": {"get": op("N_findAll", "X", responses={"200": array})},
            "/post": {
                "post": op("P_create", "X", parameters=PAGE_PARAMS, responses={"201": array})
            },
        },
        {"X": {"type": "object"}},
    )
    result = n.mark_offset_pagination(document)
    marked = [path for path, _m, o in n.iter_operations(result) if "x-finalpos-pagination" in o]
    assert marked == ["/list"]


def test_name_inline_schemas_hoists_and_shares_identical_objects():
    address = {"type": "object", "properties": {"city": {"type": "string"}}}
    item = {"type": "object", "properties": {"sku": {"type": "string"}}}
    document = doc(
        {},
        {
            "CreateOrderDto": {
                "type": "object",
                "properties": {
                    "billing": dict(address),
                    "lineItems": {"type": "array", "items": item},
                },
            },
            "Order": {
                "type": "object",
                "properties": {"billing": dict(address), "free": {"type": "object"}},
            },
            "Other": {
                "type": "object",
                "properties": {
                    "billing": {"type": "object", "properties": {"zip": {"type": "string"}}}
                },
            },
        },
    )
    result = n.name_inline_schemas(document)
    schemas = result["components"]["schemas"]
    assert schemas["CreateOrderDto"]["properties"]["billing"] == {
        "$ref": "#/components/schemas/OrderBilling"
    }
    assert schemas["Order"]["properties"]["billing"] == {
        "$ref": "#/components/schemas/OrderBilling"
    }
    assert schemas["CreateOrderDto"]["properties"]["lineItems"]["items"] == {
        "$ref": "#/components/schemas/OrderLineItem"
    }
    assert schemas["Other"]["properties"]["billing"] == {
        "$ref": "#/components/schemas/OtherBilling"
    }
    assert schemas["Order"]["properties"]["free"] == {"type": "object"}  # free-form stays a dict
    assert not [name for name in schemas if name[-1].isdigit()]


def test_refs_into_other_schemas_become_components_both_places_share():
    value = {"type": "object", "properties": {"label": {"type": "string"}}}
    field = {"type": "object", "properties": {"value": value, "id": {"type": "string"}}}
    response = {"$ref": "#/components/schemas/Field/properties/value"}
    echo = {"$ref": "#/paths/~1v/get/responses/200/content/application~1json/schema"}
    document = doc(
        {
            "/v": {"get": op("V_get", "V", responses={"200": ok_json(response)})},
            "/echo": {"get": op("E_get", "E", responses={"200": ok_json(echo)})},
        },
        {"Field": field},
    )
    result = n.hoist_referenced_subschemas(document)
    schemas = result["components"]["schemas"]
    assert schemas["FieldValue"] == value
    assert schemas["Field"]["properties"]["value"] == {"$ref": "#/components/schemas/FieldValue"}
    for path in ("/v", "/echo"):
        schema = result["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert schema["schema"] == {"$ref": "#/components/schemas/FieldValue"}
    assert sorted(schemas) == ["Field", "FieldValue"]  # no alias for the ref to a ref


def test_name_inline_schemas_names_operation_level_objects():
    inline = {"type": "object", "properties": {"a": {"type": "string"}}}
    body = {"content": {"application/json": {"schema": dict(inline)}}}
    document = doc({"/x": {"post": op("ThingController_create", "Thing", requestBody=body)}})
    result = n.name_inline_schemas(document)
    assert result["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/ThingControllerCreateBody"}


def test_reconcile_property_formats_uses_the_one_declared_format():
    document = doc(
        {},
        {
            "CreateCustomerDto": {
                "type": "object",
                "properties": {"lastAction": {"type": "string"}, "phone": {"type": "string"}},
            },
            "Customer": {
                "type": "object",
                "properties": {
                    "lastAction": {"type": "string", "format": "date-time"},
                    "phone": {"type": "string"},
                },
            },
            "Order": {"type": "object", "properties": {"lastAction": {"type": "string"}}},
        },
    )
    schemas = n.reconcile_property_formats(document)["components"]["schemas"]
    assert schemas["CreateCustomerDto"]["properties"]["lastAction"]["format"] == "date-time"
    assert "format" not in schemas["CreateCustomerDto"]["properties"]["phone"]
    assert "format" not in schemas["Order"]["properties"]["lastAction"]  # another family


def test_type_schemaless_responses_declares_any_json_for_gets_only():
    document = doc(
        {
            "/rows": {"get": op("Rows_findAll", "X")},
            "/gone/{id}": {"delete": op("Gone_delete", "X")},
        }
    )
    result = n.type_schemaless_responses(document)
    ok = result["paths"]["/rows"]["get"]["responses"]["200"]
    assert ok["content"] == {"application/json": {"schema": {}}}
    assert ok["x-finalpos-untyped"] is True
    assert "content" not in result["paths"]["/gone/{id}"]["delete"]["responses"]["200"]


def test_mark_runtime_shaped_schemas_flags_customer_dtos_and_keeps_them_open():
    ref = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Customer"}}},
        "description": "ok",
    }
    body = {
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CreateCustomerDto"}}
        }
    }
    document = doc(
        {
            "/customer": {
                "post": op(
                    "CustomerController_create",
                    "Customers",
                    requestBody=body,
                    responses={"201": ref},
                )
            },
            "/product": {
                "get": op(
                    "ProductController_findOne", "Product", responses={"200": {"description": "ok"}}
                )
            },
        },
        {
            "Customer": {
                "type": "object",
                "properties": {"loyalty": {"type": "object"}},
                "additionalProperties": False,
            },
            "CreateCustomerDto": {"type": "object"},
            "Product": {"type": "object"},
        },
    )
    another_api = n.mark_runtime_shaped_schemas(n.merge_resource_tags(copy.deepcopy(document)))
    assert "x-finalpos-runtime-shaped" not in json.dumps(another_api)  # Final POS's alone
    document["info"]["title"] = "Final POS API"
    schemas = n.mark_runtime_shaped_schemas(n.merge_resource_tags(document))["components"][
        "schemas"
    ]
    assert schemas["Customer"]["x-finalpos-runtime-shaped"] is True
    assert "additionalProperties" not in schemas["Customer"]
    assert schemas["Customer"]["properties"] == {"loyalty": {"type": "object"}}
    assert schemas["CreateCustomerDto"]["x-finalpos-runtime-shaped"] is True
    assert "x-finalpos-runtime-shaped" not in schemas["Product"]


def test_mark_runtime_shaped_schemas_tells_custom_fields_from_core():
    ref = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Customer"}}},
        "description": "ok",
    }
    document = doc(
        {
            "/customer/{id}": {
                "get": op("CustomerController_findOne", "Customers", responses={"200": ref})
            }
        },
        {
            "Customer": {
                "type": "object",
                "properties": {
                    "email": {"type": "string"},
                    "billing": {"$ref": "#/components/schemas/CustomerBilling"},
                    "loyalty": {"$ref": "#/components/schemas/CustomerLoyalty"},
                    "vip": {"type": "boolean"},
                },
            },
            "CustomerBilling": {"type": "object", "properties": {"city": {"type": "string"}}},
            "CustomerLoyalty": {"type": "object", "properties": {"tier": {"type": "string"}}},
        },
    )
    document["servers"] = [{"url": "https://api.finalpos.com"}]  # Final POS's, retitled
    official = n.mark_runtime_shaped_schemas(n.merge_resource_tags(copy.deepcopy(document)))
    schemas = official["components"]["schemas"]
    assert schemas["Customer"]["x-finalpos-runtime-shaped"] is True
    assert "x-finalpos-custom-fields" not in schemas["Customer"]  # official: all core
    assert core_properties(official) == ["billing", "email", "loyalty", "vip"]
    document[n.CORE_KEY] = ["email", "billing"]  # a tenant of a release with two properties
    schemas = n.mark_runtime_shaped_schemas(n.merge_resource_tags(document))["components"][
        "schemas"
    ]
    assert schemas["Customer"]["x-finalpos-custom-fields"] == ["loyalty", "vip"]
    assert schemas["CustomerLoyalty"]["x-finalpos-custom-table"] == "loyalty"
    assert "x-finalpos-custom-table" not in schemas["CustomerBilling"]


def test_a_document_of_another_version_is_a_release_not_a_tenant(normalized_frozen):
    """Same API version: extra customer properties are a tenant's custom fields; another
    version: they are the release's new properties (an API change)."""
    document = copy.deepcopy(normalized_frozen)
    document["components"]["schemas"]["Customer"]["properties"]["loyaltyPoints"] = {
        "type": "integer"
    }
    tenant = n.normalize_against(document, official_of(normalized_frozen))
    assert tenant["components"]["schemas"]["Customer"]["x-finalpos-custom-fields"] == [
        "loyaltyPoints"
    ]
    document["info"]["version"] = "1.3.0"
    release = n.normalize_against(document, official_of(normalized_frozen))
    assert "x-finalpos-custom-fields" not in release["components"]["schemas"]["Customer"]


def test_normalize_does_not_touch_its_input_and_is_deterministic(base_document):
    before = yaml.safe_dump(base_document, sort_keys=False)
    first = yaml.safe_dump(n.normalize(base_document), sort_keys=False)
    second = yaml.safe_dump(n.normalize(base_document), sort_keys=False)
    assert first == second
    assert yaml.safe_dump(base_document, sort_keys=False) == before


def test_normalized_document_is_valid_openapi(normalized_base):
    check_openapi(normalized_base, "normalized")


def test_demo_tenant_custom_properties_survive(normalized_frozen):
    from generator.validate import load_spec
    from tests.conftest import DEMO_TENANT_SPEC

    tenant = n.normalize_against(load_spec(DEMO_TENANT_SPEC), official_of(normalized_frozen))
    customer = tenant["components"]["schemas"]["Customer"]["properties"]
    assert {"loyalty", "preferences"} <= set(customer)
    assert set(normalized_frozen["components"]["schemas"]["Customer"]["properties"]) < set(customer)


def test_golden_normalized_document(normalized_frozen):
    """The whole normalized 1.2.4 document, reviewed once: any pass change shows as a diff here.
    Regenerate with UPDATE_GOLDEN=1 after checking the change is intended."""
    golden = FIXTURES / "golden" / "normalized-1.2.4.yaml"
    text = n.to_yaml(normalized_frozen)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()
