"""What the package's `api.md` says of each model: its fields, by wire name, with a type a
reader understands at a glance (`str (date-time)`, `list[Product]`, `"open" | "closed"`), as
plain data for the template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.client_model import ClientModel
from generator.document import merged_all_of, ref_name, schemas_of, text
from generator.schema import view

MAX_DEPTH = 4


@dataclass(frozen=True)
class FieldDoc:
    wire_name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class ModelDoc:
    class_name: str
    module: str
    description: str
    fields: list[FieldDoc]


def model_docs(client: ClientModel) -> list[ModelDoc]:
    """Each model class of the package but a tenant's custom tables, in document order."""
    schemas = schemas_of(client.document)
    names = {schema.spec_name: schema.class_name for schema in client.schemas}
    docs = []
    for schema in client.schemas:
        raw = schemas.get(schema.spec_name)
        if schema.custom_table or not isinstance(raw, dict):
            continue
        flat = merged_all_of(raw, schemas)
        shape = view(flat)
        fields = [
            FieldDoc(str(wire), type_text(prop, names), str(wire) in shape.required, _about(prop))
            for wire, prop in shape.properties.items()
        ]
        docs.append(ModelDoc(schema.class_name, schema.module, _about(raw), fields))
    return docs


def type_text(schema: Any, names: dict[str, str], depth: int = 0) -> str:
    """A schema's type as a reader of the reference wants it."""
    name = ref_name(schema)
    if name is not None:
        return names.get(name, name)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return "any"
    shape = view(schema)
    nullable = " | None" if shape.nullable and not shape.null_only else ""
    if shape.enum:
        return " | ".join(json.dumps(value) for value in shape.enum) + nullable
    members = shape.union or shape.all_of
    if members:
        joiner = " | " if shape.union else " & "
        return joiner.join(type_text(m, names, depth + 1) for m in members) + nullable
    if shape.kind == "array":
        return f"list[{type_text(schema.get('items'), names, depth + 1)}]" + nullable
    if shape.is_object:
        values = schema.get("additionalProperties")
        inner = type_text(values, names, depth + 1) if isinstance(values, dict) else "any"
        return ("object" if shape.properties else f"dict[str, {inner}]") + nullable
    kind = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}.get(
        shape.kind or "", "any"
    )
    return kind + (f" ({shape.format})" if shape.format else "") + nullable


def _about(schema: Any) -> str:
    """A schema's description (else its title), on one line."""
    if not isinstance(schema, dict):
        return ""
    return " ".join(text(schema.get("description") or schema.get("title")).split())
