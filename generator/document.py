"""Reading an OpenAPI document: operations, schemas and `$ref`s, shared by every stage."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

Document = dict[str, Any]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
SCHEMA_REF_PREFIX = "#/components/schemas/"


def iter_operations(document: Document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation, in document order."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield path, method, operation


def schemas_of(document: Document) -> dict[str, Any]:
    """The components/schemas mapping, created if missing."""
    components = document.setdefault("components", {})
    return components.setdefault("schemas", {})


def body_schema(holder: Any) -> Any:
    """The schema of a request body or response: its JSON media type's, else its first's."""
    content = (holder.get("content") if isinstance(holder, dict) else None) or {}
    media = content.get("application/json") or next(iter(content.values()), None)
    return media.get("schema") if isinstance(media, dict) else None


def success_response(operation: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(status, response object) of the first 2xx response; (None, {}) when there is none."""
    for status, response in (operation.get("responses") or {}).items():
        if str(status).startswith("2") and isinstance(response, dict):
            return str(status), response
    return None, {}


def success_schema(operation: dict[str, Any]) -> tuple[str | None, Any]:
    """(status, body schema) of the first 2xx response; (None, None) when there is none."""
    status, response = success_response(operation)
    return status, body_schema(response)


def unescape(token: str) -> str:
    """One JSON-pointer token as the key it names (RFC 6901: `~1` is `/`, `~0` is `~`)."""
    return token.replace("~1", "/").replace("~0", "~")


def schema_ref(name: str) -> dict[str, str]:
    """A `$ref` to the component schema `name`, escaped as a JSON pointer."""
    return {"$ref": SCHEMA_REF_PREFIX + name.replace("~", "~0").replace("/", "~1")}


def ref_name(schema: Any) -> str | None:
    """`Customer` for `{"$ref": "#/components/schemas/Customer"}`, else None."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith(SCHEMA_REF_PREFIX):
        return unescape(ref.removeprefix(SCHEMA_REF_PREFIX))
    return None


def refs_in(node: Any) -> set[str]:
    """Every schema name a subtree refers to."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            name = ref_name(current)
            if name:
                found.add(name)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def closure(names: set[str], schemas: dict[str, Any]) -> set[str]:
    """`names` and every schema they refer to, transitively."""
    seen: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        stack.extend(refs_in(schemas[name]))
    return seen


def resolve(schema: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`s to the schema they name ({} for a cycle or a non-schema)."""
    seen: set[str] = set()
    while (name := ref_name(schema)) is not None:
        if name in seen:
            return {}
        seen.add(name)
        schema = schemas.get(name, {})
    return schema if isinstance(schema, dict) else {}


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "contains", "if", "then", "else")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _subschemas(
    schema: dict[str, Any], where: tuple[Any, ...]
) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    for key in _SCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            yield from ((v, (*where, key, k)) for k, v in schema[key].items())
    for key in _SCHEMA_VALUES:
        yield schema.get(key), (*where, key)
    for key in _SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            yield from ((v, (*where, key, i)) for i, v in enumerate(schema[key]))


def _schema_roots(document: Document) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Where schemas start: component schemas and every `schema` of a parameter, header or
    media type, wherever it sits."""
    components = document.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        yield schema, ("components", "schemas", name)
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document.get("paths"), ("paths",))]
    stack += [(v, ("components", k)) for k, v in components.items() if k != "schemas"]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "schema":
                    yield value, (*where, key)
                elif key != "example" and key != "examples":
                    stack.append((value, (*where, key)))
        elif isinstance(node, list):
            stack.extend((value, (*where, i)) for i, value in enumerate(node))


def iter_schemas(document: Document) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
    """Every schema object of the document with its path (for a JSON pointer), once each."""
    stack = list(_schema_roots(document))
    while stack:
        schema, where = stack.pop()
        if isinstance(schema, dict):
            yield schema, where
            stack.extend(_subschemas(schema, where))


def follow(document: Document, node: Any) -> Any:
    """`node`, or what its local `$ref` points to (any component kind; cycles stop)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return node
        seen.add(ref)
        target: Any = document
        for token in ref[2:].split("/"):
            target = target.get(unescape(token)) if isinstance(target, dict) else None
        if target is None:
            return node
        node = target
    return node


def text(value: Any) -> str:
    """A document's text field, or "" when it is absent or not text."""
    return value if isinstance(value, str) else ""


def parameters(
    operation: dict[str, Any], path_item: dict[str, Any], location: str
) -> list[tuple[str, Any, bool, str]]:
    """(name, schema, required, description) of the `location` parameters of an operation,
    the operation's overriding its path item's."""
    merged: dict[str, dict[str, Any]] = {}
    for parameter in [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]:
        if isinstance(parameter, dict) and parameter.get("in") == location and "name" in parameter:
            merged[str(parameter["name"])] = parameter
    return [
        (
            name,
            p.get("schema") or {},
            bool(p.get("required")) or location == "path",
            text(p.get("description")),
        )
        for name, p in merged.items()
    ]


def is_object(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "object" or "properties" in schema or "allOf" in schema
    )


def merged_all_of(schema: Any, schemas: dict[str, Any], depth: int = 0) -> Any:
    """An `allOf` of objects as one flat object (later parts win), so a model never inherits
    a base whose property a later part redefines with another type."""
    parts = schema.get("allOf") if isinstance(schema, dict) else None
    if not isinstance(parts, list) or depth > 16:
        return copy.deepcopy(schema)
    resolved = [merged_all_of(resolve(part, schemas), schemas, depth + 1) for part in parts]
    if not resolved or not all(is_object(part) for part in resolved):
        return copy.deepcopy(schema)
    merged = {key: copy.deepcopy(v) for key, v in schema.items() if key != "allOf"}
    merged["type"] = "object"
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in [*resolved, schema]:
        properties.update(copy.deepcopy(part.get("properties") or {}))
        required += [r for r in part.get("required") or [] if r not in required]
    merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged
