"""Releases shaped like real ones, made on top of whatever Final POS snapshot is vendored.

`realistic_release` changes a document the way an API release does, all at once: paths
moved, an operation removed, a new required query parameter, a response property removed,
a type changed, a request property made required, enum values changed, a new operation, a
new schema, new optional properties, deprecations, new servers. It picks its targets by
their shape (a list operation, a create DTO...), never by name, so it applies to any
snapshot, and again on top of its own result (`generation` keeps the new names apart).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from generator.document import HTTP_METHODS, iter_operations, ref_name

Document = dict[str, Any]


def next_version(version: str, part: str) -> str:
    """`1.2.4` with its `major`, `minor` or `patch` part bumped."""
    numbers = [int(p) for p in version.split(".")[:3] if p.isdigit()]
    major, minor, patch = (numbers + [0, 0, 0])[:3]
    if part == "major":
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if part == "minor" else f"{major}.{minor}.{patch + 1}"


def _operations(document: Document) -> list[tuple[str, str, dict[str, Any]]]:
    """Operations other than the customers' and the custom tables' (tenant-shaped)."""
    return [
        (path, method, operation)
        for path, method, operation in iter_operations(document)
        if "custom" not in path and "customer" not in path
    ]


def _response_schema(document: Document, operation: dict[str, Any]) -> str | None:
    for status, response in (operation.get("responses") or {}).items():
        if str(status).startswith("2"):
            for media in (response.get("content") or {}).values():
                schema = media.get("schema") or {}
                name = ref_name(schema) or ref_name(schema.get("items"))
                if name in document["components"]["schemas"]:
                    return name
    return None


def _body_schema(operation: dict[str, Any]) -> str | None:
    content = (operation.get("requestBody") or {}).get("content") or {}
    return ref_name((content.get("application/json") or {}).get("schema"))


def _string_property(schema: dict[str, Any], *, optional: bool) -> str | None:
    required = set(schema.get("required") or [])
    for name, prop in (schema.get("properties") or {}).items():
        plain = isinstance(prop, dict) and prop.get("type") == "string" and "format" not in prop
        if plain and "enum" not in prop and (name not in required or not optional):
            return str(name)
    return None


def realistic_release(document: Document, *, generation: int = 1) -> Document:
    """`document` as its next major release: every kind of change the diff knows, at once."""
    new = copy.deepcopy(document)
    new["info"]["version"] = next_version(str(new["info"]["version"]), "major")
    paths, schemas = new["paths"], new["components"]["schemas"]
    operations = _operations(new)
    lists = [(p, o) for p, m, o in operations if m == "get" and "{" not in p]
    items = [p for p in paths if "{" in p and "custom" not in p and "customer" not in p]

    # A new operation (and its resource), a copy of a list, with a schema of its own.
    source_path, source = lists[0]
    added = copy.deepcopy(source)
    tag = f"GiftCards{generation}"
    added.update(operationId=f"{tag}Controller_findAll", tags=[tag], deprecated=False)
    schemas[f"GiftCard{generation}"] = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}, "balance": {"type": "number"}},
    }
    response = next(r for s, r in added["responses"].items() if str(s).startswith("2"))
    for media in (response.get("content") or {}).values():
        media["schema"] = {
            "type": "array",
            "items": {"$ref": f"#/components/schemas/GiftCard{generation}"},
        }
    paths[f"/v1/api/gift-cards-{generation}"] = {"get": added}

    # A list operation takes a new required query parameter and a new optional one; another
    # list operation's parameter is deprecated.
    _path, listed = lists[-1]
    listed.setdefault("parameters", []).extend(
        [
            {
                "name": f"companyId{generation}",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
            },
            {"name": f"search{generation}", "in": "query", "schema": {"type": "string"}},
        ]
    )
    for _path, other in lists[1:-1]:
        if other.get("parameters"):
            other["parameters"][0]["deprecated"] = True
            break

    # An item path moves (its methods stay), another loses an operation, a third is deprecated.
    moved = items[0]
    paths[moved.replace("/v1/", f"/v{generation + 1}/", 1)] = paths.pop(moved)
    removed_from = next(p for p in items[1:] if "delete" in paths[p])
    del paths[removed_from]["delete"]
    deprecated_at = next(p for p in items[2:] if p != removed_from and "get" in paths[p])
    paths[deprecated_at]["get"]["deprecated"] = True

    # Response and request schemas change shape.
    response_names = [n for _p, _m, o in operations if (n := _response_schema(new, o))]
    body_names = [n for _p, _m, o in operations if (n := _body_schema(o))]
    changed = schemas[response_names[0]]
    if (gone := _string_property(changed, optional=True)) is not None:
        del changed["properties"][gone]  # response-property-removed
    retyped = schemas[response_names[-1]]
    if (kind := _string_property(retyped, optional=True)) is not None:
        retyped["properties"][kind] = {"type": "integer"}  # property-type-changed
    note = f"releaseNote{generation}"
    changed["properties"][note] = {"type": "string"}  # optional-property-added
    warned = next(s for n in response_names[1:] if (s := schemas[n]).get("properties"))
    first = next(iter(warned["properties"]))
    warned["properties"][first] = {**warned["properties"][first], "deprecated": True}
    body = schemas[body_names[0]]
    if (now_required := _string_property(body, optional=True)) is not None:
        body.setdefault("required", []).append(now_required)  # request-property-became-required
    body["properties"][f"code{generation}"] = {"type": "string"}
    body.setdefault("required", []).append(f"code{generation}")  # request-property-added-required

    new["servers"] = [{"url": f"https://api-{generation}.finalpos.example"}]
    return new


# One-change releases, each the way an API release makes it, picked by shape (never by
# name) so that it applies to any snapshot. `ONE_CHANGE_RELEASES` pairs each (a function of
# a document giving the documents before and after) with the bump a user of the client
# expects: major when code written against the old client may break, minor when it still
# works and the client can do more, patch when no code can tell. Each rule has its opposite.
Pair = tuple[Document, Document]


def _copy(document: Document) -> tuple[Document, dict[str, Any], dict[str, Any]]:
    new = copy.deepcopy(document)
    new["info"]["version"] = next_version(str(new["info"]["version"]), "patch")
    return new, new["paths"], new["components"]["schemas"]


def _body_property(document: Document) -> tuple[dict[str, Any], str]:
    """A JSON request body's free string property: (its schema's properties, its name)."""
    schemas = document["components"]["schemas"]
    for _path, method, operation in _operations(document):
        name = _body_schema(operation)
        if method == "post" and name and (prop := _string_property(schemas[name], optional=False)):
            return schemas[name]["properties"], prop
    raise LookupError("no JSON request body with a free string property")


def _with_enum(document: Document) -> Document:
    new, _paths, _schemas = _copy(document)
    properties, prop = _body_property(new)
    properties[prop] = {**properties[prop], "enum": ["open", "closed"]}
    return new


def request_string_becomes_enum(document: Document) -> Pair:
    return document, _with_enum(document)


def request_enum_becomes_string(document: Document) -> Pair:
    return _with_enum(document), document


def _widened(document: Document, find: Any, other: str) -> Pair:
    """`document` and a copy where the string property `find` picks is `string | other`."""
    new, _paths, _schemas = _copy(document)
    properties, prop = find(new)
    schema = {k: v for k, v in properties[prop].items() if k != "type"}
    properties[prop] = {**schema, "oneOf": [{"type": "string"}, {"type": other}]}
    return document, new


def request_string_widened_to_union(document: Document) -> Pair:
    return _widened(document, _body_property, "number")


def request_union_narrowed_to_string(document: Document) -> Pair:
    return request_string_widened_to_union(document)[::-1]  # type: ignore[return-value]


def _create(document: Document) -> tuple[str, dict[str, Any]]:
    """A create operation with a JSON body: (path, operation)."""
    return next(
        (path, operation)
        for path, method, operation in _operations(document)
        if method == "post" and _body_schema(operation)
    )


def json_body_becomes_multipart_with_file(document: Document) -> Pair:
    new, paths, schemas = _copy(document)
    path, _operation = _create(document)
    body = paths[path]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    name = f"{ref_name(schema)}Upload"
    schemas[name] = {
        "allOf": [schema],
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}},
    }
    body["content"] = {"multipart/form-data": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
    return document, new


def json_body_gains_an_optional_property(document: Document) -> Pair:
    new, _paths, _schemas = _copy(document)
    properties, _prop = _body_property(new)
    properties["releaseNote"] = {"type": "string"}
    return document, new


def _list(document: Document) -> tuple[str, dict[str, Any]]:
    """A list operation of a static resource (not tenant-shaped): (path, operation)."""
    return next(
        (path, operation)
        for path, method, operation in _operations(document)
        if method == "get" and "{" not in path and _response_schema(document, operation)
    )


def operation_id_renames_the_method(document: Document) -> Pair:
    new, paths, _schemas = _copy(document)
    path, operation = _list(new)
    controller = str(operation["operationId"]).rpartition("_")[0]
    paths[path]["get"]["operationId"] = f"{controller}_listEverything"
    return document, new


def operation_id_changes_but_the_method_stays(document: Document) -> Pair:
    new, paths, _schemas = _copy(document)
    path, operation = _list(new)
    controller, _, verb = str(operation["operationId"]).rpartition("_")
    paths[path]["get"]["operationId"] = f"{controller}V2_{verb}"
    return document, new


def _path_item_query(document: Document, *, required: bool) -> Pair:
    new, paths, _schemas = _copy(document)
    path, _operation = _list(new)
    paths[path]["parameters"] = [
        {"name": "outletScope", "in": "query", "required": required, "schema": {"type": "string"}}
    ]
    return document, new


def path_item_query_parameter_added_required(document: Document) -> Pair:
    return _path_item_query(document, required=True)


def path_item_query_parameter_added_optional(document: Document) -> Pair:
    return _path_item_query(document, required=False)


def _scheme(document: Document) -> str:
    return next(iter(document["components"]["securitySchemes"]))


def bearer_added_as_an_alternative(document: Document) -> Pair:
    new, _paths, _schemas = _copy(document)
    new["components"]["securitySchemes"]["Bearer"] = {"type": "http", "scheme": "bearer"}
    key = _scheme(document)
    new["security"] = [{key: []}, {"Bearer": []}]
    for _path, _method, operation in iter_operations(new):
        if "security" in operation:
            operation["security"] = [*operation["security"], {"Bearer": []}]
    return document, new


def bearer_required_as_well(document: Document) -> Pair:
    new, _paths, _schemas = _copy(document)
    new["components"]["securitySchemes"]["Bearer"] = {"type": "http", "scheme": "bearer"}
    key = _scheme(document)
    new["security"] = [{key: [], "Bearer": []}]
    for _path, _method, operation in iter_operations(new):
        operation["security"] = [{key: [], "Bearer": []}]
    return document, new


def security_scheme_key_renamed(document: Document) -> Pair:
    new, _paths, _schemas = _copy(document)
    key = _scheme(document)
    schemes = new["components"]["securitySchemes"]
    schemes["ApiKeyAuth"] = schemes.pop(key)
    text = json.dumps(new).replace(json.dumps(key) + ": []", '"ApiKeyAuth": []')
    return document, json.loads(text)


def success_status_200_becomes_201(document: Document) -> Pair:
    new, paths, _schemas = _copy(document)
    path, _operation = _create(document)
    responses = paths[path]["post"]["responses"]
    status = next(s for s in responses if str(s).startswith("2"))
    paths[path]["post"]["responses"] = {
        ("201" if str(s) == str(status) and str(s) != "201" else "200" if s == status else s): r
        for s, r in responses.items()
    }
    return document, new


def _response_property(document: Document) -> tuple[dict[str, Any], str]:
    """A free string property of a list operation's item schema."""
    schemas = document["components"]["schemas"]
    _path, operation = _list(document)
    name = _response_schema(document, operation)
    properties = schemas[str(name)]["properties"]
    return properties, str(_string_property(schemas[str(name)], optional=False))


def response_string_widened_to_union(document: Document) -> Pair:
    return _widened(document, _response_property, "integer")


def response_union_narrowed_to_string(document: Document) -> Pair:
    return response_string_widened_to_union(document)[::-1]  # type: ignore[return-value]


def _response_enum(document: Document, values: list[str]) -> Document:
    new, _paths, _schemas = _copy(document)
    properties, prop = _response_property(new)
    properties[prop] = {**properties[prop], "enum": values}
    return new


def response_enum_value_added(document: Document) -> Pair:
    return _response_enum(document, ["a", "b"]), _response_enum(document, ["a", "b", "c"])


def request_enum_value_removed(document: Document) -> Pair:
    before = _with_enum(document)
    after, _paths, _schemas = _copy(before)
    properties, prop = _body_property(document)
    for schema in after["components"]["schemas"].values():
        for found in (schema.get("properties") or {}).values():
            if isinstance(found, dict) and found.get("enum") == ["open", "closed"]:
                found["enum"] = ["open"]
    return before, after


def path_parameter_renamed(document: Document) -> Pair:
    new, paths, _schemas = _copy(document)
    path = next(p for p in paths if p.endswith("/{id}") and "custom" not in p)
    renamed = path.replace("{id}", "{resourceId}")
    item = paths.pop(path)
    for key, operation in item.items():
        for parameter in operation.get("parameters") or [] if key in HTTP_METHODS else []:
            if parameter.get("in") == "path" and parameter.get("name") == "id":
                parameter["name"] = "resourceId"
    paths[renamed] = item
    return document, new


def schema_renamed_with_the_same_shape(document: Document) -> Pair:
    new, _paths, schemas = _copy(document)
    _path, operation = _list(document)
    name = str(_response_schema(document, operation))
    text = json.dumps(new).replace(
        f'"#/components/schemas/{name}"', f'"#/components/schemas/{name}Record"'
    )
    renamed = json.loads(text)
    renamed["components"]["schemas"] = {
        (f"{name}Record" if key == name else key): value
        for key, value in renamed["components"]["schemas"].items()
    }
    return document, renamed


def list_wrapped_in_an_envelope(document: Document) -> Pair:
    new, paths, schemas = _copy(document)
    path, operation = _list(new)
    response = next(r for s, r in operation["responses"].items() if str(s).startswith("2"))
    media = response["content"]["application/json"]
    schemas["ListEnvelope"] = {
        "type": "object",
        "required": ["items"],
        "properties": {"items": media["schema"], "total": {"type": "integer"}},
    }
    media["schema"] = {"$ref": "#/components/schemas/ListEnvelope"}
    return document, new


def info_description_changed(document: Document) -> Pair:
    new, _paths, _schemas = _copy(document)
    new["info"]["description"] = f"{new['info'].get('description') or ''} Now with more words."
    return document, new


def path_moved_same_method(document: Document) -> Pair:
    new, paths, _schemas = _copy(document)
    path, _operation = _list(new)
    paths[path.replace("/v1/", "/v2/", 1)] = paths.pop(path)
    return document, new


ONE_CHANGE_RELEASES = {
    request_string_becomes_enum: "major",
    request_enum_becomes_string: "minor",
    request_string_widened_to_union: "minor",
    request_union_narrowed_to_string: "major",
    json_body_becomes_multipart_with_file: "major",
    json_body_gains_an_optional_property: "minor",
    operation_id_renames_the_method: "major",
    operation_id_changes_but_the_method_stays: "patch",
    path_item_query_parameter_added_required: "major",
    path_item_query_parameter_added_optional: "minor",
    bearer_added_as_an_alternative: "minor",
    bearer_required_as_well: "major",
    security_scheme_key_renamed: "patch",
    success_status_200_becomes_201: "patch",
    response_string_widened_to_union: "major",
    response_union_narrowed_to_string: "minor",
    response_enum_value_added: "minor",
    request_enum_value_removed: "major",
    path_parameter_renamed: "major",
    schema_renamed_with_the_same_shape: "major",
    list_wrapped_in_an_envelope: "major",
    info_description_changed: "patch",
    path_moved_same_method: "patch",
}
