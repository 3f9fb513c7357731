"""Stage 2: normalize the document into what the client should look like.

Each pass is a small named function over the plain document dict, applied in the
order of PASSES. Passes own the dict they are given (`normalize` hands them a deep
copy) and return it. What they add is recorded in `x-finalpos-*` extensions, so the
normalized document stays a valid OpenAPI document that any other tool can read.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml

from generator import repair as repair_stage
from generator.document import (
    SCHEMA_REF_PREFIX,
    Document,
    is_annotation_only,
    is_json_media,
    iter_operations,
    iter_schemas,
    lookup,
    lookup_parent,
    pointer_tokens,
    refs_in,
    schema_ref,
    schemas_of,
    text,
)
from generator.finalpos import (
    CORE_KEY,
    NEST_METHOD_NAMES,
    Official,
    mark_runtime_shaped_schemas,
)
from generator.naming import pascal, pluralize, singularize, snake, unique
from generator.operation import operations

PAGINATION_PARAMETERS = ("skip", "limit")


UNTAGGED = "untagged"
"""The resource of operations without a tag."""


def _tag_base(tag: str) -> str:
    """`Custom Tables: structure` → `custom_tables`: the tag before a colon, in snake_case."""
    return snake(tag.split(":")[0])


def _plural_forms(word: str) -> list[str]:
    forms = [word + "s", word + "es"]
    return [*forms, word[:-1] + "ies"] if word.endswith("y") else forms


def _plural(base: str) -> str:
    """`zapier_trigger` → `zapier_triggers`; a name ending in a digit stays as it is."""
    head, _, last = base.rpartition("_")
    if not last[-1:].isalpha():
        return base
    return f"{head}_{pluralize(last)}" if head else pluralize(last)


def resource_names(tags: list[str]) -> dict[str, str]:
    """Each tag's resource attribute: the tag in snake_case, as written. NestJS singular and
    plural controllers (`Customer` + `Customers`) are one resource, under the plural tag;
    an API that pairs most of its controllers so (Final POS) names all its resources in the
    plural, its own convention. Untagged operations are `untagged`."""
    bases = {tag: _tag_base(tag) for tag in tags}
    present = set(bases.values()) - {""}
    partner = {b: next((p for p in _plural_forms(b) if p in present), None) for b in present}
    paired = {b for b, p in partner.items() if p} | {p for p in partner.values() if p}
    plural_api = bool(paired) and 2 * len(paired) >= len(present)

    def name(base: str) -> str:
        if not base:
            return UNTAGGED
        return partner[base] or (_plural(base) if plural_api else base)

    return {tag: name(base) for tag, base in bases.items()}


def _first_tag(operation: dict[str, Any]) -> str:
    tags = operation.get("tags") or []
    return tags[0] if tags and isinstance(tags[0], str) else ""


# Pointer tokens that say where a schema sits, not what it is: left out of hoisted names.
_STRUCTURE_TOKENS = frozenset(
    {
        "components",
        "schemas",
        "properties",
        "items",
        "schema",
        "content",
        "paths",
        "responses",
        "requestBody",
        "requestBodies",
        "parameters",
        "headers",
        "allOf",
        "anyOf",
        "oneOf",
        "additionalProperties",
    }
)


def _is_component_schema_ref(ref: str) -> bool:
    tokens = pointer_tokens(ref)
    return tokens is not None and len(tokens) == 3 and tokens[:2] == ["components", "schemas"]


def _pointer_name(ref: str) -> str:
    """`#/components/schemas/Field/properties/name` → `FieldName`: a name from a pointer."""
    tokens = pointer_tokens(ref) or []
    return pascal(" ".join(t for t in tokens if t not in _STRUCTURE_TOKENS)) or "Schema"


# What a union member may hold and still only constrain the object it sits in.
_CONSTRAINTS_ONLY = frozenset({"required", "description", "title", "minProperties"})


def drop_required_only_unions(document: Document) -> Document:
    """`oneOf: [{required: [a]}, {required: [b]}]` beside an object's `properties` says
    which properties must be present, not which types the value has: a client reads and
    sends the object as it is, so the union goes (else the model generator makes a class
    per member, and no value fits them)."""
    for schema, _where in list(iter_schemas(document)):
        if not isinstance(schema.get("properties"), dict):
            continue
        for union in ("oneOf", "anyOf"):
            members = schema.get(union)
            if (
                isinstance(members, list)
                and members
                and all(isinstance(m, dict) and m and set(m) <= _CONSTRAINTS_ONLY for m in members)
            ):
                del schema[union]
    return document


def hoist_referenced_subschemas(document: Document) -> Document:
    """A `$ref` may point into another schema (`#/components/schemas/X/properties/name`)
    or at any schema of the document. Each such target moves into components, under a name
    from its pointer, and both places refer to it: one schema, so one class. A `$ref` to
    something that is not a schema (`#/info`) is read as any JSON, with a warning."""
    schemas = schemas_of(document)
    holders: dict[str, list[tuple[dict[str, Any], tuple[Any, ...]]]] = {}
    in_place: set[int] = set()  # the schema objects of the document, by identity
    for schema, where in iter_schemas(document):
        in_place.add(id(schema))
        ref = schema.get("$ref")
        if isinstance(ref, str) and not _is_component_schema_ref(ref):
            holders.setdefault(ref, []).append((schema, where))
    pending = sorted(holders, key=lambda ref: (-len(pointer_tokens(ref) or []), ref))
    while pending:  # deepest first; a target that is itself a reference waits for it
        ready = [ref for ref in pending if not _is_pending_ref(lookup(document, ref), pending)]
        batch = ready or pending[:1]  # a cycle of references: take one
        for ref in batch:
            replacement = _hoisted(document, schemas, ref, in_place)
            for holder, where in holders[ref]:
                if replacement is not None:
                    holder["$ref"] = replacement
                    continue
                del holder["$ref"]
                message = f"$ref {ref!r} points to no schema: read as any JSON"
                repair_stage.record(document, (*where, "$ref"), "ref-to-non-schema", message)
        pending = [ref for ref in pending if ref not in batch]
    return document


def _is_pending_ref(target: Any, pending: list[str]) -> bool:
    return isinstance(target, dict) and target.get("$ref") in pending


def _hoisted(
    document: Document, schemas: dict[str, Any], ref: str, in_place: set[int]
) -> str | None:
    """The component `$ref` that replaces `ref`: the one its target already is, or a new
    component that the target moves into (its old place then refers to it); None when the
    target is no schema."""
    target = lookup(document, ref)
    if isinstance(target, dict) and _is_component_schema_ref(str(target.get("$ref", ""))):
        return str(target["$ref"])
    if id(target) not in in_place:
        return None
    name = unique(_pointer_name(ref), set(schemas))
    schemas[name] = target
    container, key = lookup_parent(document, ref)
    container[key] = schema_ref(name)
    return str(container[key]["$ref"])


def inline_component_refs(document: Document) -> Document:
    """Replace `$ref`s to parameters, request bodies, responses and headers (shared ones or
    any other a pointer names) by copies of what they name, so later passes see every
    operation whole. Schema refs stay."""

    def inline(node: Any, seen: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [inline(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen and not ref.startswith(SCHEMA_REF_PREFIX):
            target = lookup(document, ref)
            if isinstance(target, dict):
                return inline(copy.deepcopy(target), seen | {ref})
        return {key: inline(value, seen) for key, value in node.items()}

    document["paths"] = inline(document.get("paths") or {}, frozenset())
    return document


# Request bodies the client can send besides JSON, in order of preference.
FORM_MEDIA_TYPES = (
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
)


def _kept_media(media_types: list[str], request: bool) -> list[str]:
    """JSON if there is any; else, for a request body, its first form encoding, and for a
    response its first text type, else its first other type (read as bytes)."""
    json_types = [media for media in media_types if is_json_media(media)]
    if json_types:
        return json_types
    if request:
        return [media for media in FORM_MEDIA_TYPES if media in media_types][:1]
    text_types = [media for media in media_types if media.startswith("text/")]
    return (text_types or media_types)[:1]


def drop_unsupported_media(document: Document) -> Document:
    """The client sends JSON, multipart, form and raw bytes, and reads JSON, text and bytes:
    keep one kind per body (JSON first), noting the others in
    `x-finalpos-dropped-media-types`. A request body left with nothing is removed."""
    for _path, _method, operation in iter_operations(document):
        holders = [("requestBody", operation.get("requestBody"))]
        holders += [(status, r) for status, r in (operation.get("responses") or {}).items()]
        for key, holder in holders:
            if not isinstance(holder, dict) or not isinstance(holder.get("content"), dict):
                continue
            media_types = [str(media) for media in holder["content"]]
            kept = _kept_media(media_types, key == "requestBody")
            dropped = [media for media in media_types if media not in kept]
            if not dropped:
                continue
            holder["content"] = {m: v for m, v in holder["content"].items() if m in kept}
            holder["x-finalpos-dropped-media-types"] = dropped
            if key == "requestBody" and not holder["content"]:
                operation["x-finalpos-dropped-request-body"] = dropped
                del operation["requestBody"]
    return document


def merge_resource_tags(document: Document) -> Document:
    """Group operations into resources by their first tag (`resource_names`): the
    singular/plural NestJS controllers and the custom-table tags become one each."""
    operations = [operation for _path, _method, operation in iter_operations(document)]
    names = resource_names([_first_tag(operation) for operation in operations])
    for operation in operations:
        operation["x-finalpos-resource"] = names[_first_tag(operation)]
    return document


def _method_verb(operation: dict[str, Any], http_method: str, path: str) -> str:
    operation_id = str(operation.get("operationId") or "")
    # `Controller_method`, or `Controller_method_2` as `duplicate_operation_ids` numbers it
    nest_method = next((p for p in reversed(operation_id.split("_")) if not p.isdigit()), "")
    if nest_method in NEST_METHOD_NAMES:
        return NEST_METHOD_NAMES[nest_method]
    return snake(nest_method) or snake(f"{http_method} {path}")


def _path_qualifier(path: str, resource: str) -> str:
    """What the last static path segment adds to the resource: `custom-table-rows` → `rows`."""
    segments = [part for part in path.split("/") if part and "{" not in part]
    last = snake(segments[-1]) if segments else ""
    for form in (resource, singularize(resource)):
        if last == form or last == f"{form}s":
            return ""
        if last.startswith(form + "_"):
            return last[len(form) + 1 :]
    return ""


def name_client_methods(document: Document) -> Document:
    """Name each operation's client method: NestJS verbs mapped, qualified where a resource
    has several of one verb (`list_rows`), falling back to the operationId on a clash."""
    proposals: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for path, method, operation in iter_operations(document):
        resource = operation["x-finalpos-resource"]
        verb = _method_verb(operation, method, path)
        qualifier = _path_qualifier(path, resource)
        name = f"{verb}_{qualifier}" if qualifier else verb
        proposals.setdefault((resource, name), []).append(operation)
    taken: dict[str, set[str]] = {}
    for (resource, name), proposed in proposals.items():
        names = taken.setdefault(resource, set())
        for operation in proposed:
            candidate = name
            if len(proposed) > 1:
                candidate = snake(str(operation.get("operationId") or "")) or name
            operation["x-finalpos-method"] = unique(candidate, names)
    return document


def integer_pagination_parameters(document: Document) -> Document:
    """`skip`/`limit` are counts: type them integer (the API documents them as number)."""
    for view in operations(document):
        for parameter in view.params("query"):
            schema = parameter.schema
            if parameter.name in PAGINATION_PARAMETERS and schema.get("type") in (
                None,
                "number",
                "integer",
            ):
                schema["type"] = "integer"
                schema["minimum"] = 1 if parameter.name == "limit" else 0
    return document


def mark_offset_pagination(document: Document) -> Document:
    """GET operations taking skip and limit and returning a list are offset-paginated."""
    for view in operations(document):
        if view.method != "get":
            continue
        if not all(view.param("query", name) for name in PAGINATION_PARAMETERS):
            continue
        schema = view.success.schema if view.success else None
        if not schema or (isinstance(schema, dict) and schema.get("type") == "array"):
            view.raw["x-finalpos-pagination"] = {
                "style": "offset",
                "offset": "skip",
                "limit": "limit",
            }
    return document


def _is_named_object(schema: Any) -> bool:
    """An inline object with its own properties, or an inline `allOf` merge, deserves a
    model of its own (else the model generator would name it, and could take a name a
    component has)."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return False
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        parts = [part for part in schema["allOf"] if not is_annotation_only(part)]
        if len(parts) == 1:  # `allOf: [{$ref: X}, {description: ...}]` is X
            return "$ref" not in parts[0] and _is_named_object(parts[0])
        return len(parts) > 1
    if schema.get("type") == "object" and refs_in(schema.get("additionalProperties")):
        return True  # a map of models: inline, the model generator loses its type
    return _may_be_object(schema.get("type")) and bool(schema.get("properties"))


def _may_be_object(declared: Any) -> bool:
    """No `type`, `object`, or a 3.1 type list with `object` in it (`[object, "null"]`)."""
    if isinstance(declared, list):
        return "object" in declared
    return declared in ("object", None)


def _schema_stem(name: str) -> str:
    """`CreateCustomerDto` → `Customer`: the family a request or response DTO belongs to."""
    stem = name
    for prefix in ("Create", "Update"):
        if stem.startswith(prefix) and stem[len(prefix) : len(prefix) + 1].isupper():
            stem = stem[len(prefix) :]
    if stem.endswith("Dto") and len(stem) > 3:
        stem = stem[:-3]
    return stem


def _hoist(schemas: dict[str, Any], schema: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Move an inline object into components under the first free or identical name."""
    for name in names:
        existing = schemas.get(name)
        if existing is None:
            schemas[name] = schema
            _hoist_within(schemas, name, schema)
            return schema_ref(name)
        if existing == schema:
            return schema_ref(name)
    return _hoist(schemas, schema, [unique(names[-1], set(schemas))])


def _hoist_value(schemas: dict[str, Any], names: list[str], schema: Any) -> Any:
    """`schema` with its inline objects hoisted: itself, union members, array items."""
    if not isinstance(schema, dict):
        return schema
    if _is_named_object(schema):
        return _hoist(schemas, schema, names)
    for union in ("anyOf", "oneOf"):
        if isinstance(schema.get(union), list):
            schema[union] = [_hoist_value(schemas, names, m) for m in schema[union]]
    if isinstance(schema.get("items"), dict):
        schema["items"] = _hoist_value(schemas, [n + "Item" for n in names], schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        values = [n + "Value" for n in names]
        schema["additionalProperties"] = _hoist_value(
            schemas, values, schema["additionalProperties"]
        )
    return schema


def _hoist_within(schemas: dict[str, Any], owner: str, schema: dict[str, Any]) -> None:
    """Hoist what sits inside the component `owner`: its properties' objects, items and
    union members (`Customer.billing` → `CustomerBilling`), and those of its allOf parts."""
    for prop, prop_schema in (schema.get("properties") or {}).items():
        part = pascal(prop) or "Field"
        names = [_schema_stem(owner) + part, owner + part]
        items = prop_schema.get("items") if isinstance(prop_schema, dict) else None
        if isinstance(items, dict) and not _is_named_object(prop_schema):
            item_part = pascal(singularize(prop)) or "Item"
            prop_schema["items"] = _hoist_value(
                schemas, [_schema_stem(owner) + item_part, owner + item_part], items
            )
        schema["properties"][prop] = _hoist_value(schemas, names, prop_schema)
    for part_schema in schema.get("allOf") or []:
        if isinstance(part_schema, dict) and "$ref" not in part_schema:
            _hoist_within(schemas, owner, part_schema)
    for union in ("anyOf", "oneOf"):
        if isinstance(schema.get(union), list):
            schema[union] = [_hoist_value(schemas, [owner + "Option"], m) for m in schema[union]]
    if isinstance(schema.get("items"), dict):
        schema["items"] = _hoist_value(schemas, [owner + "Item"], schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = _hoist_value(
            schemas, [owner + "Value"], schema["additionalProperties"]
        )


def _hoist_operation_schema(schemas: dict[str, Any], holder: dict[str, Any], name: str) -> None:
    for media in (holder.get("content") or {}).values():
        if isinstance(media, dict) and isinstance(media.get("schema"), dict):
            media["schema"] = _hoist_value(schemas, [name], media["schema"])


def name_inline_schemas(document: Document) -> Document:
    """Give every inline object a component name built from where it sits
    (`Customer.billing` → `CustomerBilling`), so models never get numbered names."""
    schemas = schemas_of(document)
    for owner in list(schemas):
        if isinstance(schemas[owner], dict):
            _hoist_within(schemas, owner, schemas[owner])
    for _path, _method, operation in iter_operations(document):
        base = pascal(str(operation.get("operationId") or "")) or "Operation"
        body = operation.get("requestBody")
        if isinstance(body, dict):
            _hoist_operation_schema(schemas, body, base + "Body")
        for status, response in (operation.get("responses") or {}).items():
            if isinstance(response, dict):
                _hoist_operation_schema(schemas, response, f"{base}Response{status}")
    return document


# Integers a `Literal` can hold: mypy refuses wider literals, and pydantic-core reads a
# wider JSON integer only into a plain `int`.
_INT64 = range(-(2**63), 2**63)


def wide_integer_enums(document: Document) -> Document:
    """An integer enum with a value outside 64 bits is an `int`: its values are said in its
    description instead (a server may well send them: a 64-bit unsigned id, a bit mask)."""
    for schema, _where in list(iter_schemas(document)):
        values = schema.get("enum")
        if not isinstance(values, list):
            continue
        numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if any(number not in _INT64 for number in numbers):
            listed = ", ".join(str(v) for v in values)
            schema["description"] = f"{text(schema.get('description'))} One of: {listed}.".strip()
            del schema["enum"]
    return document


def reconcile_property_formats(document: Document) -> Document:
    """Where DTOs of one family disagree on a string's format (`lastAction` string in the
    create body, date-time in the response), use the one format any of them declares."""
    families: dict[str, list[dict[str, Any]]] = {}
    for name, schema in schemas_of(document).items():
        if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
            families.setdefault(_schema_stem(name), []).append(schema["properties"])
    for members in families.values():
        by_property: dict[str, list[dict[str, Any]]] = {}
        for properties in members:
            for prop, prop_schema in properties.items():
                if isinstance(prop_schema, dict) and prop_schema.get("type") == "string":
                    by_property.setdefault(prop, []).append(prop_schema)
        for variants in by_property.values():
            formats = {variant["format"] for variant in variants if "format" in variant}
            if len(formats) == 1:
                (only_format,) = formats
                for variant in variants:
                    variant["format"] = only_format
    return document


def type_schemaless_responses(document: Document) -> Document:
    """A GET success response without content (the custom-table lists) still returns JSON
    we cannot type: declare it as any JSON rather than as no body."""
    for _path, method, operation in iter_operations(document):
        if method != "get":
            continue
        for status, response in (operation.get("responses") or {}).items():
            if (
                str(status).startswith("2")
                and isinstance(response, dict)
                and not response.get("content")
            ):
                response["content"] = {"application/json": {"schema": {}}}
                response["x-finalpos-untyped"] = True
    return document


Pass = Callable[[Document], Document]
REPAIR_PASSES: tuple[Pass, ...] = repair_stage.PASSES
PASSES: tuple[Pass, ...] = (
    *REPAIR_PASSES,
    drop_required_only_unions,
    hoist_referenced_subschemas,
    inline_component_refs,
    drop_unsupported_media,
    merge_resource_tags,
    name_client_methods,
    integer_pagination_parameters,
    mark_offset_pagination,
    name_inline_schemas,
    wide_integer_enums,
    reconcile_property_formats,
    type_schemaless_responses,
    mark_runtime_shaped_schemas,
)


# What normalization does to a document validation repaired already.
AFTER_REPAIR: tuple[Pass, ...] = PASSES[len(REPAIR_PASSES) :]

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: same text, far faster


def to_yaml(document: Document) -> str:
    """The normalized document as YAML, keys in document order (deterministic)."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def normalize(document: Document, passes: tuple[Pass, ...] = PASSES) -> Document:
    """Apply every pass (or `passes`), in order, to a copy of `document`."""
    result = copy.deepcopy(document)
    for normalization_pass in passes:
        result = normalization_pass(result)
    return result


def _version(document: Document) -> str:
    return str((document.get("info") or {}).get("version"))


def normalize_against(
    document: Document, official: Official | None, *, repaired: bool = False
) -> Document:
    """Normalize `document` (`repaired`: the repair passes ran already, in validation);
    when it has the API version of `official` (the vendored snapshot) it is a tenant's
    description of that release, so its customer properties beyond the official ones are
    custom fields. Another version is a release: its new customer properties are API
    changes."""
    passes = AFTER_REPAIR if repaired else PASSES
    if official is None or _version(document) != official.api_version:
        return normalize(document, passes)
    normalized = normalize({**document, CORE_KEY: list(official.core)}, passes)
    schemas = schemas_of(normalized).values()
    if not any(isinstance(s, dict) and "x-finalpos-custom-fields" in s for s in schemas):
        del normalized[CORE_KEY]  # nothing beyond the official properties: not a tenant's
    return normalized


def repair(document: Document) -> Document:
    """Only the repair passes: the document as its server meant it, still laid out as written
    (so validation errors point where the author looks)."""
    return normalize(document, REPAIR_PASSES)


def repairs(document: Document) -> list[dict[str, str]]:
    """What the repair passes did, as recorded in the document."""
    return list(document.get(repair_stage.REPAIRS) or [])
