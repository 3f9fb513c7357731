"""The first normalize passes: repair quirks real servers publish, each with a warning.

A document that breaks a rule of OpenAPI but can still be understood is generated: each pass
here fixes one known quirk in place and records what it did under the document's
`x-finalpos-repairs` (JSON pointer, rule, a few words), which the command line prints as
warnings and `--strict` refuses. The repaired document is valid OpenAPI again.
"""

from __future__ import annotations

import re
from typing import Any

from generator.document import (
    HTTP_METHODS,
    MISSING,
    Document,
    follow,
    iter_operations,
    iter_refs,
    iter_schemas,
    lookup,
    pointer_tokens,
)
from generator.errors import json_pointer

REPAIRS = "x-finalpos-repairs"
OPERATION_FIELDS = frozenset(
    {
        "tags",
        "summary",
        "description",
        "externalDocs",
        "operationId",
        "parameters",
        "requestBody",
        "responses",
        "callbacks",
        "deprecated",
        "security",
        "servers",
    }
)
_TEMPLATE = re.compile(r"{([^{}/]+)}")
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def record(document: Document, where: tuple[Any, ...], rule: str, message: str) -> None:
    """Note one repair (or one problem left as it is) for the warnings."""
    entry = {"pointer": json_pointer(where), "rule": rule, "message": message}
    document.setdefault(REPAIRS, []).append(entry)


def http_schemes_without_location(document: Document) -> Document:
    """`in`/`name` belong to apiKey schemes; @nestjs/swagger adds them to http bearer ones."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in schemes.items():
        if not isinstance(scheme, dict) or scheme.get("type") != "http":
            continue
        for key in ("in", "name"):
            if key in scheme:
                del scheme[key]
                where = ("components", "securitySchemes", name, key)
                record(document, where, "http-scheme-location", f"`{key}` dropped: http scheme")
    return document


def openapi31_keywords_in_30(document: Document) -> Document:
    """OpenAPI 3.0 schemas have no `const` or `examples`: `const: X` becomes `enum: [X]`, a
    list of `examples` becomes one `example`."""
    if not str(document.get("openapi", "")).startswith("3.0"):
        return document
    for schema, where in list(iter_schemas(document)):
        if "const" in schema:
            schema["enum"] = [schema.pop("const")]
            record(document, (*where, "const"), "openapi31-keyword", "`const` → `enum` (3.0)")
        if isinstance(schema.get("examples"), list):
            examples = schema.pop("examples")
            if examples and "example" not in schema:
                schema["example"] = examples[0]
            record(document, (*where, "examples"), "openapi31-keyword", "`examples` → `example`")
    return document


def _declared(document: Document, parameters: Any) -> set[str]:
    found = (follow(document, p) for p in parameters or [])
    return {str(p.get("name")) for p in found if isinstance(p, dict) and p.get("in") == "path"}


def undeclared_path_parameters(document: Document) -> Document:
    """A `{name}` in the path that no parameter declares becomes a required string parameter."""
    for path, method, operation in iter_operations(document):
        item = document["paths"][path]
        declared = _declared(document, item.get("parameters"))
        declared |= _declared(document, operation.get("parameters"))
        for name in _TEMPLATE.findall(path):
            if name in declared:
                continue
            parameter = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            operation.setdefault("parameters", []).append(parameter)
            where = ("paths", path, method, "parameters")
            record(document, where, "undeclared-path-parameter", f"{name!r} declared as a string")
    return document


def unused_path_parameters(document: Document) -> Document:
    """A path parameter whose `{name}` the path lacks is dropped (on the path item or an
    operation): it would be a required argument that is never sent."""
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        used = set(_TEMPLATE.findall(str(path)))
        owners = [(item, ("paths", path))] + [
            (operation, ("paths", path, method))
            for method, operation in item.items()
            if method in HTTP_METHODS and isinstance(operation, dict)
        ]
        for owner, where in owners:
            parameters = owner.get("parameters")
            if not isinstance(parameters, list):
                continue
            for index in reversed(range(len(parameters))):
                parameter = follow(document, parameters[index])
                unused = isinstance(parameter, dict) and parameter.get("in") == "path"
                if unused and str(parameter.get("name")) not in used:
                    del parameters[index]
                    message = f"path parameter {parameter.get('name')!r} dropped: not in the path"
                    record(
                        document, (*where, "parameters", index), "unused-path-parameter", message
                    )
    return document


def optional_path_parameters(document: Document) -> Document:
    """Path parameters are always required."""
    for path, method, operation in iter_operations(document):
        for index, parameter in enumerate(operation.get("parameters") or []):
            is_path = isinstance(parameter, dict) and parameter.get("in") == "path"
            if is_path and parameter.get("required") is not True:
                parameter["required"] = True
                where = ("paths", path, method, "parameters", index, "required")
                record(document, where, "optional-path-parameter", "path parameter required")
    return document


def duplicate_operation_ids(document: Document) -> Document:
    """An operationId used again (a NestJS app's `/customer/*` and `/driver/*` share 12) is
    numbered there (`findAll_2`), so each operation keeps a name of its own."""
    taken: set[str] = set()
    repeated: list[tuple[str, str, dict[str, Any]]] = []
    for path, method, operation in iter_operations(document):
        operation_id = operation.get("operationId")
        if isinstance(operation_id, str):
            if operation_id in taken:
                repeated.append((path, method, operation))
            taken.add(operation_id)
    for path, method, operation in repeated:
        original, number = operation["operationId"], 2
        while f"{original}_{number}" in taken:
            number += 1
        operation["operationId"] = f"{original}_{number}"
        taken.add(operation["operationId"])
        message = f"operationId {original!r} is used before: {operation['operationId']!r} here"
        record(document, ("paths", path, method, "operationId"), "duplicate-operation-id", message)
    return document


def misplaced_operation_fields(document: Document) -> Document:
    """Fields an operation cannot have (`title`...) are dropped; `x-` extensions stay."""
    for path, method, operation in iter_operations(document):
        for key in [k for k in operation if k not in OPERATION_FIELDS]:
            if not str(key).startswith("x-"):
                del operation[key]
                where = ("paths", path, method, key)
                record(document, where, "unknown-operation-field", f"`{key}` dropped")
    return document


def _coerced(value: Any, kind: str) -> tuple[bool, Any]:
    """(True, value as `kind`) when the value can say the same in that type."""
    if kind == "string" and isinstance(value, int | float) and not isinstance(value, bool):
        return True, str(value)
    if kind in ("integer", "number") and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return False, None
        if kind == "number":
            return True, number
        return (True, int(number)) if number.is_integer() else (False, None)
    return False, None


def _fits(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _JSON_TYPES[kind])


def mistyped_defaults(document: Document) -> Document:
    """A `default` outside the enum is dropped; one of the wrong type (`default: 1` on a
    string) is converted when it says the same (`"1"`), else dropped."""
    for schema, where in list(iter_schemas(document)):
        if "default" not in schema or schema["default"] is None:
            continue
        default, kind = schema["default"], schema.get("type")
        pointer = (*where, "default")
        if isinstance(schema.get("enum"), list) and default not in schema["enum"]:
            del schema["default"]
            record(document, pointer, "enum-default", f"default {default!r} not in the enum")
        elif isinstance(kind, str) and kind in _JSON_TYPES and not _fits(default, kind):
            converted, value = _coerced(default, kind)
            if converted:
                schema["default"] = value
                record(document, pointer, "default-type", f"default {default!r} → {value!r}")
            else:
                del schema["default"]
                record(document, pointer, "default-type", f"default {default!r} is not {kind}")
    return document


def _dangling(document: Document, ref: Any) -> bool:
    return isinstance(ref, str) and ref.startswith("#") and lookup(document, ref) is MISSING


_SCHEMA_KEYWORDS = ("type", "properties", "items", "allOf", "anyOf", "oneOf")


def dangling_refs_beside_schemas(document: Document) -> Document:
    """A `$ref` that points to nothing, beside the schema it meant (`{"$ref":
    "#/components/schemas/", "type": "object", "properties": ...}`), is dropped."""
    for schema, where in list(iter_schemas(document)):
        beside = any(key in schema for key in _SCHEMA_KEYWORDS)
        if beside and _dangling(document, schema.get("$ref")):
            ref = schema.pop("$ref")
            record(
                document, (*where, "$ref"), "dangling-ref", f"{ref!r} points to nothing: dropped"
            )
    return document


def _component_of(ref: str) -> tuple[str, str] | None:
    """(kind, name) of the component a local `$ref` points into, else None."""
    tokens = pointer_tokens(ref) or []
    return (tokens[1], tokens[2]) if len(tokens) >= 3 and tokens[0] == "components" else None


def _broken_components(document: Document, bad: set[str]) -> dict[tuple[str, str], str]:
    """Components that hold an unfollowable `$ref` or refer to a broken component,
    transitively: (kind, name) → the unfollowable ref at the bottom."""
    refs = {
        (str(kind), str(name)): [ref for ref, _ in iter_refs(component)]
        for kind, members in (document.get("components") or {}).items()
        if isinstance(members, dict) and not str(kind).startswith("x-")
        for name, component in members.items()
    }
    broken = {
        key: next(r for r in found if r in bad) for key, found in refs.items() if bad & set(found)
    }
    while True:
        more = {
            key: broken[target]
            for key, found in refs.items()
            if key not in broken
            for target in map(_component_of, found)
            if target in broken
        }
        if not more:
            return broken
        broken.update(more)


def _unfollowable(
    node: dict[str, Any], bad: set[str], broken: dict[tuple[str, str], str]
) -> tuple[str, tuple[Any, ...], str] | None:
    """The first `$ref` in `node` that cannot be followed, directly or through a broken
    component: (ref, where it sits, the unfollowable ref at the bottom)."""
    for ref, where in iter_refs(node):
        if ref in bad:
            return ref, where, ref
        component = _component_of(ref)
        if component in broken:
            return ref, where, broken[component]
    return None


def unfollowable_refs(document: Document) -> Document:
    """A local `$ref` that points to nothing makes what holds it unusable: the operations
    that hold or reach one are left out, and so are the components that do, each with a
    warning naming the ref. (External refs are refused before: we never read other files.)"""
    bad = {
        ref
        for ref, _ in iter_refs(document)
        if ref.startswith("#") and lookup(document, ref) is MISSING
    }
    if not bad:
        return document
    broken = _broken_components(document, bad)
    for path, item in list((document.get("paths") or {}).items()):
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            cause = _unfollowable(operation, bad, broken) if isinstance(operation, dict) else None
            if cause is not None:
                ref, where, bottom = cause
                del item[method]
                message = f"$ref {bottom!r} points to nothing: {method.upper()} {path} left out"
                record(
                    document, ("paths", path, method, *where, "$ref"), "unfollowable-ref", message
                )
        if isinstance(item, dict) and not any(m in item for m in HTTP_METHODS):
            del document["paths"][path]
    for kind, name in sorted(broken):
        del document["components"][kind][name]
        message = f"$ref {broken[kind, name]!r} points to nothing: left out"
        record(document, ("components", kind, name), "unfollowable-ref", message)
    return document


CONTRADICTION = "x-finalpos-contradiction"


def _types_by_property(document: Document, part: Any) -> dict[str, str]:
    part = follow(document, part)
    properties = part.get("properties") if isinstance(part, dict) else None
    return {
        str(name): prop["type"]
        for name, prop in (properties or {}).items()
        if isinstance(prop, dict) and isinstance(prop.get("type"), str) and not prop.get("nullable")
    }


def contradictory_all_of(document: Document) -> Document:
    """An `allOf` whose parts give one property two types (`items`: object in the base, array
    in the extension) describes no value at all: flagged (`x-finalpos-contradiction`), so no
    contract test expects a server to return one; the model takes the last part's type."""
    for schema, where in list(iter_schemas(document)):
        parts = schema.get("allOf")
        if not isinstance(parts, list) or len(parts) < 2:
            continue
        seen: dict[str, str] = {}
        for part in parts:
            for name, kind in _types_by_property(document, part).items():
                if seen.setdefault(name, kind) != kind and CONTRADICTION not in schema:
                    schema[CONTRADICTION] = name
                    message = f"allOf parts give {name!r} two types ({seen[name]}, {kind})"
                    record(document, (*where, "allOf"), "contradictory-all-of", message)
    return document


# Keywords that describe an object's members: meaningless on a schema that cannot be one.
OBJECT_KEYWORDS = ("properties", "required", "additionalProperties", "patternProperties")


def object_keywords_on_scalars(document: Document) -> Document:
    """`type: string` with `properties` (Plaid documents an enum's values that way) is a
    string: a server sends one, so the object keywords go (else the model generator makes
    a class of it, and names it itself)."""
    for schema, where in list(iter_schemas(document)):
        declared = schema.get("type")
        kinds = declared if isinstance(declared, list) else [declared]
        if declared is None or "object" in kinds or not any(k in schema for k in OBJECT_KEYWORDS):
            continue
        for key in OBJECT_KEYWORDS:
            schema.pop(key, None)
        message = f"object keywords dropped: the schema is of type {declared}"
        record(document, (*where, "properties"), "object-keywords-on-scalar", message)
    return document


PASSES = (
    dangling_refs_beside_schemas,
    unfollowable_refs,
    http_schemes_without_location,
    openapi31_keywords_in_30,
    undeclared_path_parameters,
    unused_path_parameters,
    optional_path_parameters,
    misplaced_operation_fields,
    duplicate_operation_ids,
    mistyped_defaults,
    contradictory_all_of,
    object_keywords_on_scalars,
)
