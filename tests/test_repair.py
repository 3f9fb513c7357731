"""Each repair pass on the quirk it repairs: the document is fixed in place, the repair is
recorded (pointer, rule) for the warning, and the result passes openapi-spec-validator."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator import repair as r
from generator.validate import validate

# Reads only fixed documents (marker `fixed_inputs`): the release rehearsal leaves it out.
pytestmark = pytest.mark.fixed_inputs


def document(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {}},
    }
    return {**base, **extra}


def ok(**response: Any) -> dict[str, Any]:
    return {"200": {"description": "ok", **response}}


def rules(repaired: dict[str, Any]) -> list[tuple[str, str]]:
    return [(entry["pointer"], entry["rule"]) for entry in repaired.get(r.REPAIRS, [])]


def test_http_schemes_lose_their_api_key_location():
    doc = document(
        components={
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "in": "header", "name": "Auth"},
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
            }
        }
    )
    repaired = r.http_schemes_without_location(doc)
    assert repaired["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert repaired["components"]["securitySchemes"]["key"]["in"] == "header"  # apiKey keeps it
    assert rules(repaired) == [
        ("#/components/securitySchemes/bearer/in", "http-scheme-location"),
        ("#/components/securitySchemes/bearer/name", "http-scheme-location"),
    ]
    assert validate(repaired, "mem") == []


def test_openapi31_keywords_become_30_ones_only_in_30_documents():
    schema = {"type": "object", "properties": {"kind": {"const": "a"}, "id": {"examples": [1, 2]}}}
    doc = document(components={"schemas": {"T": copy.deepcopy(schema)}})
    repaired = r.openapi31_keywords_in_30(doc)
    properties = repaired["components"]["schemas"]["T"]["properties"]
    assert properties == {"kind": {"enum": ["a"]}, "id": {"example": 1}}
    assert {rule for _p, rule in rules(repaired)} == {"openapi31-keyword"}
    assert validate(repaired, "mem") == []
    doc31 = document(openapi="3.1.0", components={"schemas": {"T": copy.deepcopy(schema)}})
    assert r.openapi31_keywords_in_30(doc31)["components"]["schemas"]["T"] == schema


def test_undeclared_path_parameters_are_declared_as_required_strings():
    doc = document(
        paths={
            "/users/{user_id}/notes/{note}": {
                "parameters": [{"$ref": "#/components/parameters/Note"}],
                "delete": {"responses": ok()},
            }
        },
        components={
            "parameters": {
                "Note": {
                    "name": "note",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            }
        },
    )
    repaired = r.undeclared_path_parameters(doc)
    added = repaired["paths"]["/users/{user_id}/notes/{note}"]["delete"]["parameters"]
    assert added == [
        {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]  # `note`, declared through a $ref on the path item, is left alone
    assert rules(repaired) == [
        ("#/paths/~1users~1{user_id}~1notes~1{note}/delete/parameters", "undeclared-path-parameter")
    ]
    assert validate(repaired, "mem") == []


def test_path_parameters_become_required():
    parameter = {"name": "id", "in": "path", "required": False, "schema": {"type": "string"}}
    doc = document(paths={"/a/{id}": {"get": {"parameters": [parameter], "responses": ok()}}})
    repaired = r.optional_path_parameters(doc)
    assert repaired["paths"]["/a/{id}"]["get"]["parameters"][0]["required"] is True
    assert rules(repaired) == [
        ("#/paths/~1a~1{id}/get/parameters/0/required", "optional-path-parameter")
    ]


def test_fields_an_operation_cannot_have_are_dropped_but_extensions_stay():
    doc = document(paths={"/a": {"get": {"title": "A", "x-mine": 1, "responses": ok()}}})
    repaired = r.misplaced_operation_fields(doc)
    assert repaired["paths"]["/a"]["get"] == {"x-mine": 1, "responses": ok()}
    assert rules(repaired) == [("#/paths/~1a/get/title", "unknown-operation-field")]
    assert validate(repaired, "mem") == []


@pytest.mark.parametrize(
    ("schema", "repaired_schema", "rule"),
    [
        ({"type": "string", "default": 1}, {"type": "string", "default": "1"}, "default-type"),
        ({"type": "integer", "default": "7"}, {"type": "integer", "default": 7}, "default-type"),
        ({"type": "integer", "default": "many"}, {"type": "integer"}, "default-type"),
        (
            {"type": "string", "enum": ["a"], "default": "b"},
            {"type": "string", "enum": ["a"]},
            "enum-default",
        ),
    ],
)
def test_mistyped_defaults_are_converted_or_dropped(schema, repaired_schema, rule):
    doc = document(components={"schemas": {"T": schema}})
    repaired = r.mistyped_defaults(doc)
    assert repaired["components"]["schemas"]["T"] == repaired_schema
    assert rules(repaired) == [("#/components/schemas/T/default", rule)]
    assert validate(repaired, "mem") == []


def test_a_dangling_ref_beside_its_schema_is_dropped():
    schema = {"$ref": "#/components/schemas/", "type": "object", "properties": {"a": {}}}
    doc = document(components={"schemas": {"T": schema}})
    repaired = r.dangling_refs_beside_schemas(doc)
    assert repaired["components"]["schemas"]["T"] == {"type": "object", "properties": {"a": {}}}
    assert rules(repaired) == [("#/components/schemas/T/$ref", "dangling-ref")]


def test_an_operation_with_an_unfollowable_ref_is_left_out_and_the_rest_kept():
    missing = {"$ref": "#/components/schemas/Missing"}
    uses_broken = {"$ref": "#/components/schemas/Broken"}
    doc = document(
        paths={
            "/a": {"get": {"responses": ok(content={"application/json": {"schema": missing}})}},
            "/b": {
                "get": {"responses": ok(content={"application/json": {"schema": uses_broken}})},
                "post": {"responses": ok()},
            },
            "/c": {"get": {"responses": ok(), "x-sample": {"$ref": "#/not/followed"}}},
        },
        components={
            "schemas": {
                "Broken": {"type": "object", "properties": {"m": {"$ref": "#/nowhere"}}},
                "Fine": {"type": "object"},
            }
        },
    )
    repaired = r.unfollowable_refs(doc)
    assert list(repaired["paths"]) == ["/b", "/c"]  # /a had nothing else
    assert list(repaired["paths"]["/b"]) == ["post"]
    assert list(repaired["components"]["schemas"]) == ["Fine"]
    assert rules(repaired) == [
        ("#/paths/~1a/get/responses/200/content/application~1json/schema/$ref", "unfollowable-ref"),
        ("#/paths/~1b/get/responses/200/content/application~1json/schema/$ref", "unfollowable-ref"),
        ("#/components/schemas/Broken", "unfollowable-ref"),
    ]
    assert "'#/nowhere' points to nothing: GET /b left out" in repaired[r.REPAIRS][1]["message"]
    assert validate(repaired, "mem") == []


def test_an_all_of_that_gives_a_property_two_types_is_flagged():
    base = {"type": "object", "properties": {"items": {"type": "object"}}}
    page = {
        "allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"properties": {"items": {"type": "array"}}},
        ]
    }
    doc = document(components={"schemas": {"Base": base, "Page": page}})
    repaired = r.contradictory_all_of(doc)
    assert repaired["components"]["schemas"]["Page"][r.CONTRADICTION] == "items"
    assert rules(repaired) == [("#/components/schemas/Page/allOf", "contradictory-all-of")]
    agreeing = document(components={"schemas": {"Base": base, "Page": {"allOf": [base, base]}}})
    assert r.REPAIRS not in r.contradictory_all_of(agreeing)


def test_a_clean_document_is_not_touched():
    doc = document(
        paths={
            "/a/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": ok(),
                }
            }
        }
    )
    before = copy.deepcopy(doc)
    for repair_pass in r.PASSES:
        doc = repair_pass(doc)
    assert doc == before
