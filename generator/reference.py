"""What the package's `api.md` says of each model: its fields, by wire name, each with the
Python type the model reads it as (`Annotations`, as the release notes name types), as plain
data for the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.client_model import ClientModel
from generator.document import schemas_of, text
from generator.model import Annotations
from generator.schema import flat_view


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
    class_names = {schema.spec_name: schema.class_name for schema in client.schemas}
    annotations = Annotations(schemas, class_names)
    docs = []
    for schema in client.schemas:
        raw = schemas.get(schema.spec_name)
        if schema.custom_table or not isinstance(raw, dict):
            continue
        shape = flat_view(raw, schemas)
        fields = [
            FieldDoc(
                str(wire),
                annotations.of(prop, accept_mappings=False).replace("builtins.", ""),
                str(wire) in shape.required,
                _about(prop),
            )
            for wire, prop in shape.properties.items()
        ]
        docs.append(ModelDoc(schema.class_name, schema.module, _about(raw), fields))
    return docs


def _about(schema: Any) -> str:
    """A schema's description (else its title), on one line."""
    if not isinstance(schema, dict):
        return ""
    return " ".join(text(schema.get("description") or schema.get("title")).split())
