"""Example values for the generated contract tests, built from the spec's own examples.

Where the spec gives no example, a value of the right type is made up, so a mock
server that validates requests (Prism) accepts the call.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 6
_FORMAT_EXAMPLES = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "email": "user@example.com",
    "uri": "https://example.com",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def resolve(schema: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`s to the schema they name."""
    seen: set[str] = set()
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        name = schema["$ref"].rpartition("/")[2]
        if name in seen:
            return {}
        seen.add(name)
        schema = schemas.get(name, {})
    return schema if isinstance(schema, dict) else {}


def example_value(schema: Any, schemas: dict[str, Any], depth: int = 0) -> Any:
    """The schema's example, or a made-up value that validates against it."""
    schema = resolve(schema, schemas)
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        if depth >= MAX_DEPTH:
            return {}
        return {
            str(name): example_value(prop, schemas, depth + 1)
            for name, prop in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        return (
            [] if depth >= MAX_DEPTH else [example_value(schema.get("items"), schemas, depth + 1)]
        )
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1.5)
    if kind == "boolean":
        return True
    if kind == "string":
        return _FORMAT_EXAMPLES.get(str(schema.get("format")), "example")
    return None


def python_types(schema: Any, schemas: dict[str, Any]) -> list[str]:
    """Names of the Python types a parsed value of `schema` may have (for isinstance)."""
    target = resolve(schema, schemas)
    kind = target.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    names: list[str] = []
    for each in kinds:
        if each == "string":
            formats = {"date-time": "datetime.datetime", "date": "datetime.date"}
            names.append(formats.get(str(target.get("format")), "str"))
        elif each == "integer":
            names.append("int")
        elif each == "number":
            names += ["float", "int"]
        elif each == "boolean":
            names.append("bool")
        elif each == "array":
            names.append("list")
        elif each == "object" or "properties" in target:
            names.append("pydantic.BaseModel" if "properties" in target else "dict")
        elif each == "null":
            names.append("type(None)")
    return names
