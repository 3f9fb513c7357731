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
from typing import Any

from generator.document import iter_operations, ref_name

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
