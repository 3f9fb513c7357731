"""The surface of a generated client: what user code can touch, as types.

Methods (arguments by name, whether positional, required, their types; the body's encoding;
the return type; the credentials each accepts), model classes (their fields' types and
whether each travels in requests, responses or both) and the client's credentials, read
from a client model and the document it was built from. `generator.compat` compares two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.client_model import ClientModel, Operation
from generator.diff import schema_usage
from generator.document import Document, merged_all_of, schemas_of
from generator.operation import OperationView, operations
from generator.pytypes import ANY, NONE, PyType, Typer, optional, prim

PAGE = "SyncPage"


@dataclass(frozen=True)
class Arg:
    """A method argument: a path, query or header parameter, or a raw `body`."""

    name: str
    wire: str
    positional: bool
    required: bool
    type: PyType
    deprecated: bool


@dataclass(frozen=True)
class Method:
    """A client method as user code sees it."""

    label: str
    call: str
    args: dict[str, Arg]
    body: tuple[str, str | None]
    """(encoding, model class) of the request body; ("", None) without one."""
    body_required: bool
    returns: PyType
    security: frozenset[frozenset[tuple[str, str, str]]]
    """Alternatives, each the set of (kind, place, name) the credentials must send."""
    deprecated: bool


@dataclass(frozen=True)
class FieldSig:
    wire: str
    value: PyType
    """The property's own type."""
    required: bool
    deprecated: bool

    @property
    def type(self) -> PyType:
        """What the model's attribute holds: `None` too when the field is optional."""
        return self.value if self.required else optional(self.value)


@dataclass(frozen=True)
class Model:
    """A model class: its fields (but tenants' custom fields) and which way it travels."""

    spec_name: str
    fields: dict[str, FieldSig]
    request: bool
    response: bool


@dataclass(frozen=True)
class Surface:
    """Everything a user's code can touch in one generated client."""

    methods: dict[str, Method]
    models: dict[str, Model]
    credentials: tuple[str, ...]


def _returns(op: Operation, view: OperationView, typer: Typer) -> PyType:
    success = view.success
    schema = success.schema if success else None
    if op.paginated:
        items = schema.get("items") if isinstance(schema, dict) else None
        return PyType("page", PAGE, args=(typer.of(items) if items is not None else ANY,))
    by_kind = {"none": NONE, "text": prim("str"), "binary": prim("bytes"), "json": ANY}
    return by_kind.get(op.response_kind) or typer.of(schema)


def _args(op: Operation, view: OperationView, typer: Typer) -> dict[str, Arg]:
    found = {
        a.name: Arg(
            a.name, a.wire_name, a in op.path_params, a.required, typer.of(a.schema), a.deprecated
        )
        for a in op.path_params + op.query_params + op.header_params
    }
    if op.body_annotation is not None and view.body is not None:
        body_type = prim("bytes") if op.body_encoding == "binary" else typer.of(view.body.schema)
        found["body"] = Arg("body", "body", False, op.body_required, body_type, False)
    return found


def _security(op: Operation, client: ClientModel) -> frozenset[frozenset[tuple[str, str, str]]]:
    schemes = {scheme.name: scheme for scheme in client.schemes}
    alternatives = op.security or ((),)
    return frozenset(
        frozenset(
            (schemes[n].kind, schemes[n].location, schemes[n].parameter.lower()) for n in names
        )
        for names in alternatives
    )


def surface(document: Document, client: ClientModel) -> Surface:
    """The client's surface, read from its model and the document it was built from."""
    schemas = schemas_of(document)
    typer = Typer(schemas, {s.spec_name: s.class_name for s in client.schemas})
    views = {view.label: view for view in operations(document)}
    methods = {}
    for op in client.operations:
        view = views[op.label]
        methods[f"client.{op.resource}.{op.method_name}"] = Method(
            label=op.label,
            call=f"client.{op.resource}.{op.method_name}",
            args=_args(op, view, typer),
            body=(op.body_encoding if view.body else "", op.body_model),
            body_required=op.body_required,
            returns=_returns(op, view, typer),
            security=_security(op, client),
            deprecated=op.deprecated,
        )
    sent, returned = schema_usage(document)
    models = {
        schema.class_name: _model(schema.spec_name, schemas, typer, sent, returned)
        for schema in client.schemas
        if not schema.custom_table
    }
    return Surface(methods, models, tuple(client.credentials))


def _model(
    name: str, schemas: dict[str, Any], typer: Typer, sent: set[str], returned: set[str]
) -> Model:
    schema = merged_all_of(schemas[name], schemas)
    custom = set(schema.get("x-finalpos-custom-fields") or [])
    required = set(schema.get("required") or [])
    fields = {}
    for wire, prop in (schema.get("properties") or {}).items():
        if wire in custom:
            continue
        fields[str(wire)] = FieldSig(
            str(wire),
            typer.of(prop),
            wire in required,
            isinstance(prop, dict) and prop.get("deprecated") is True,
        )
    return Model(name, fields, name in sent, name in returned)
