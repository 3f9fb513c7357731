"""The document datamodel-code-generator reads: the normalized schemas, renamed and trimmed
so that each becomes exactly the class `generator.model` named for it.
"""

from __future__ import annotations

from typing import Any

from generator.document import (
    Document,
    is_annotation_only,
    is_object,
    map_subschemas,
    merged_all_of,
    ref_name,
    schema_ref,
    schemas_of,
    text,
)
from generator.schema import FORMAT_TYPES

# Names the generated model modules import (and the package's base model class,
# `Profile.model_class`); a schema may not take them.
MODEL_MODULE_NAMES = frozenset(
    {
        "Annotated",
        "Any",
        "AwareDatetime",
        "BaseModel",
        "ConfigDict",
        "Datetime",
        "Field",
        "Literal",
        "OpenEnum",
        "RootModel",
        "RuntimeShapedModel",
    }
)
# Defaults go too: the client sends only what is set, and a default the document got wrong
# (an enum's string on a `$ref`, `null` on a required field) would not type-check.
DROPPED_MODEL_KEYWORDS = frozenset({"example", "examples", "pattern", "default", "discriminator"})
# Constraints dropped from inline union members (and array items, map values): the model
# generator makes a class of a constrained member (`anyOf: [{type: string, maxLength: 5000},
# ...]`) and names it after the property, which can take a component's name.
UNION_MEMBER_CONSTRAINTS = frozenset(
    {
        "maxLength",
        "minLength",
        "maximum",
        "minimum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "multipleOf",
        "maxItems",
        "minItems",
        "uniqueItems",
    }
)
# A union member's text goes too: `anyOf: [{$ref: X, description: ...}, {type: "null"}]` made
# the model generator define X again for the member.
_MEMBER_DROPPED = DROPPED_MODEL_KEYWORDS | UNION_MEMBER_CONSTRAINTS | {"description", "title"}
# Values with no field of their own, whose constraints the model generator puts on a class
# it names (`anyOf: [..., {items: {type: array, minItems: 1}}]` became `InputItem`): array
# items and map values lose their constraints as union members do, at any depth.
_UNNAMED_VALUES = ("items", "additionalProperties")


def model_document(
    document: Document, modules: dict[str, str], class_names: dict[str, str], package: str
) -> dict[str, Any]:
    """The document datamodel-code-generator reads: schemas renamed `<module>.<Class>`, no
    paths, and without examples (they only bloat the models), `pattern`s or string formats
    other than those of `FORMAT_TYPES`: a client must not reject a response over a
    server-side format rule (`email`, `uri`), nor need a package for one, and a hostile
    pattern could make parsing backtrack forever."""
    originals = schemas_of(document)
    schemas = {name: merged_all_of(schema, originals) for name, schema in originals.items()}
    qualified = {name: f"{modules[name]}.{class_names[name]}" for name in schemas}
    tagged = _followable_discriminators(schemas, qualified)

    # `datetime.datetime`, through the package's alias (see `_model_base.Datetime`)
    datetime_type = {"customTypePath": f"{package}._model_base.Datetime"}

    def base_class(name: str) -> dict[str, str]:
        if schemas[name].get("x-finalpos-runtime-shaped"):
            return {"customBasePath": f"{package}._model_base.RuntimeShapedModel"}
        return {}

    def rewrite(node: Any, dropped: frozenset[str] = DROPPED_MODEL_KEYWORDS) -> Any:
        if not isinstance(node, dict):
            return node
        node = _notes_lifted(node)
        parts = node.get("allOf")  # `allOf: [{$ref: Value}]` beside notes: the value, noted
        single = isinstance(parts, list) and len(parts) == 1
        if single and _is_value(schemas.get(ref_name(parts[0]) or "")):
            node = {**parts[0], **{k: v for k, v in node.items() if k != "allOf"}}
        name = ref_name(node)
        if name is not None and _is_value(schemas.get(name)):  # the value where it is used
            notes = {k: v for k, v in node.items() if k != "$ref"}
            return rewrite({**_value_schema(schemas[name]), **notes}, dropped)
        if name is not None:
            return {**node, **schema_ref(qualified[name])}
        if node.get("type") == "array" and "items" not in node:
            node = {**node, "items": {}}
        if node.get("format") is not None and node.get("format") not in FORMAT_TYPES:
            node = {k: v for k, v in node.items() if k != "format"}  # email, uri...: plain str
        if node.get("type") == "string" and node.get("format") == "date-time":
            node = {**node, **datetime_type}
        if isinstance(node.get("properties"), dict):
            node = {**node, "properties": _optional_means_nullable(node)}
        if node.get("deprecated") is True:  # said in the field's description
            node = {**node, "description": f"Deprecated. {text(node.get('description'))}".strip()}
        kept = {k: v for k, v in node.items() if k not in dropped and not k.startswith("x-")}
        rewritten = map_subschemas(kept, rewrite)
        for union in ("anyOf", "oneOf"):
            if isinstance(kept.get(union), list):
                rewritten[union] = [rewrite(m, _MEMBER_DROPPED) for m in kept[union]]
        for inner in _UNNAMED_VALUES:
            if isinstance(kept.get(inner), dict):
                rewritten[inner] = rewrite(kept[inner], _MEMBER_DROPPED)
        return rewritten

    return {
        "openapi": document.get("openapi", "3.0.0"),
        "info": {"title": "models", "version": "0"},
        "paths": {},
        "components": {
            "schemas": {
                qualified[name]: _root_undeprecated(
                    {
                        **_described(name, rewrite(s)),
                        **base_class(name),
                        **tagged.get(name, {}),
                    }
                )
                for name, s in schemas.items()
            }
        },
    }


def _described(name: str, schema: Any) -> Any:
    """An object schema the document does not describe gets a line naming it, so that its
    class has a docstring (every public class of the package has one)."""
    if not isinstance(schema, dict) or schema.get("description") or not is_object(schema):
        return schema
    return {**schema, "description": f"The `{name}` object of the API description."}


_SCALARS = frozenset({"string", "integer", "number", "boolean"})


def _member_names(node: dict[str, Any]) -> list[str]:
    members = node.get("oneOf") or node.get("anyOf")
    return [str(ref_name(m)) for m in members] if isinstance(members, list) else []


def _followable_discriminators(
    schemas: dict[str, Any], qualified: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Component name → `{"discriminator": ...}` for the component unions the model generator
    can follow: only components (an inline union it makes a class of, named after the
    property), and only unions whose members are in no other tagged union (it gives a member
    the `Literal` tag of its union, and for a second union a second class of the same name).
    The others stay plain unions, chosen by shape."""
    found = {name: _discriminator(s, schemas, qualified) for name, s in schemas.items()}
    tagged = {name: tags for name, tags in found.items() if tags}
    seen: dict[str, int] = {}
    for name in tagged:
        for member in _member_names(schemas[name]):
            seen[member] = seen.get(member, 0) + 1
    return {
        name: {"discriminator": tags}
        for name, tags in tagged.items()
        if all(seen[member] == 1 for member in _member_names(schemas[name]))
    }


def _discriminator(
    node: dict[str, Any], schemas: dict[str, Any], qualified: dict[str, str]
) -> dict[str, Any] | None:
    """A union's `discriminator`, its mapping made whole (a member it does not map is tagged
    by its component name) and pointing at the model document's names; None when it cannot
    be followed: a member that is no object component with the tag property."""
    discriminator = node.get("discriminator")
    members = node.get("oneOf") or node.get("anyOf")
    if not isinstance(discriminator, dict) or not isinstance(members, list) or not members:
        return None
    tag = discriminator.get("propertyName")
    names = [ref_name(member) for member in members]
    for name in names:
        properties = (schemas.get(name) or {}).get("properties") if name else None
        if not isinstance(tag, str) or not isinstance(properties, dict) or tag not in properties:
            return None
    mapping = discriminator.get("mapping")
    pairs = mapping.items() if isinstance(mapping, dict) else ()
    by_tag = {str(value): ref_name({"$ref": ref}) for value, ref in pairs}
    if any(name not in names for name in by_tag.values()):
        return None
    for name in names:
        if name not in by_tag.values():
            by_tag[str(name)] = name
    mapped = {value: schema_ref(qualified[str(name)])["$ref"] for value, name in by_tag.items()}
    return {"propertyName": tag, "mapping": mapped}


def _is_value(schema: Any) -> bool:
    """A component that is one plain value: an enum (`Status: {type: string, enum: [...]}`),
    or a string, number or boolean (`Id: {type: string, format: uuid}`)."""
    if not isinstance(schema, dict) or is_object(schema) or ref_name(schema) is not None:
        return False
    if any(key in schema for key in ("anyOf", "oneOf", "allOf", "not", "items")):
        return False
    declared = schema.get("type")
    kinds = set(declared) if isinstance(declared, list) else {declared}
    scalar = bool(kinds & _SCALARS) and kinds <= _SCALARS | {"null"}
    return isinstance(schema.get("enum"), list) or scalar


def _value_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """What a value component says about a value, without its own text (the use has its own)."""
    return {k: v for k, v in schema.items() if k not in ("description", "title", "deprecated")}


def _optional_means_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Properties of an object, the optional ones also nullable: models are generated with
    `strict_nullable` (required + nullable is `X | None` with no default), so an optional
    property must say it may be None to get its `= None` default."""
    required = set(schema.get("required") or [])
    properties = {}
    for name, prop in schema["properties"].items():
        if name in required or not isinstance(prop, dict) or prop.get("nullable"):
            properties[name] = prop
        elif "$ref" in prop:
            properties[name] = {"allOf": [prop], "nullable": True}
        else:
            properties[name] = {**prop, "nullable": True}
    return properties


def _root_undeprecated(schema: dict[str, Any]) -> dict[str, Any]:
    """A component that is no object becomes a `RootModel`, whose `root` pydantic cannot mark
    deprecated (setting it raises `AttributeError: root`): its description says it instead."""
    if is_object(schema) or "deprecated" not in schema:
        return schema
    return {key: value for key, value in schema.items() if key != "deprecated"}


def _notes_lifted(schema: dict[str, Any]) -> dict[str, Any]:
    """`allOf: [{$ref: X}, {nullable: true}]` as `{allOf: [{$ref: X}], nullable: true}`: the
    annotating parts said on the schema itself, where the model generator reads them (as a
    part, it made an empty class of the merge and named it after the property)."""
    parts = schema.get("allOf")
    if not isinstance(parts, list) or len(parts) < 2:
        return schema
    notes = [part for part in parts if is_annotation_only(part)]
    shaping = [part for part in parts if not is_annotation_only(part)]
    if not notes or not shaping:
        return schema
    lifted = {
        key: value for part in notes for key, value in part.items() if key not in ("type", "format")
    }
    return {**lifted, **{k: v for k, v in schema.items() if k != "allOf"}, "allOf": shaping}
