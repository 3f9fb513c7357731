"""What a package's `testing.FakeAPI` knows of each operation, as plain data (shipped in the
package as `_fake.json`, never as code): an in-memory fake of the API, built from the same
description as the client, so a downstream project tests its own code with no network, no
Node and no mock server.

An operation is one of a resource's store operations when its method name and shape say so:
`create` (a POST of a body, returning a model with an `id`), `retrieve`, `update` and
`delete` (one path parameter: the id), `list` (a list of the same resource). Anything else
answers its documented example, or a sample of its response schema.
"""

from __future__ import annotations

from typing import Any

from generator.client_model import ClientModel, Operation
from generator.document import resolve, schemas_of
from generator.examples import MAX_DEPTH, media_example, sample
from generator.operation import OperationView, operations
from generator.schema import flat_view
from generator.schema import view as schema_view

# The store operations and the HTTP method each must have.
STORE_ROLES = {
    "create": "post",
    "retrieve": "get",
    "update": ("put", "patch"),
    "delete": "delete",
    "list": "get",
}
# The property a stored item is found by.
KEY = "id"


def fake_operations(client: ClientModel) -> list[dict[str, Any]]:
    """Each operation of `client`, in order, as the fake reads it."""
    schemas = schemas_of(client.document)
    views = {(v.method, v.path): v for v in operations(client.document)}
    return [_entry(op, views[(op.http_method, op.path)], schemas) for op in client.operations]


def _entry(op: Operation, view: OperationView, schemas: dict[str, Any]) -> dict[str, Any]:
    role = _role(op, view, schemas)
    item = _item_schema(view, schemas) if role != "other" else None
    return {
        "operation": f"{op.resource}.{op.method_name}",
        "method": op.http_method.upper(),
        "path": op.path,
        "role": role,
        "store": op.resource,
        "status": op.success_status,
        "media": view.success.media if view.success and view.success.has_content else None,
        "required": [argument.wire_name for argument in op.body_fields if argument.required],
        "item": sample(item, schemas) if item is not None else None,
        "owned": _owned(item, view, schemas) if role == "create" else {},
        "answer": None if role != "other" else _answer(view, schemas),
    }


def _role(op: Operation, view: OperationView, schemas: dict[str, Any]) -> str:
    """The store operation `op` is, or "other"."""
    name = op.method_name
    methods = STORE_ROLES.get(name)
    if methods is None or op.http_method not in methods:
        return "other"
    item = _item_schema(view, schemas)
    keyed = item is not None and KEY in flat_view(item, schemas).properties
    if name == "list":
        return name if op.response_kind == "list" and keyed and not op.path_params else "other"
    if name == "create":
        return name if op.response_kind == "model" and keyed and not op.path_params else "other"
    one_id = len(op.path_params) == 1 and op.path.rstrip("/").endswith("}")
    if name == "delete":
        return name if one_id else "other"
    return name if one_id and op.response_kind == "model" and keyed else "other"


def _item_schema(view: OperationView, schemas: dict[str, Any]) -> Any:
    """The schema of the item a store operation returns (a list's item), or None."""
    if view.success is None or view.success.media != "json":
        return None
    schema = resolve(view.success.schema, schemas)
    if isinstance(schema, dict) and schema.get("type") == "array":
        schema = resolve(schema.get("items"), schemas)
    return schema if isinstance(schema, dict) and flat_view(schema, schemas).properties else None


def _owned(item: Any, view: OperationView, schemas: dict[str, Any]) -> dict[str, str]:
    """What the server assigns on create: the id, and the times of the item's properties
    the request body does not have (`createdAt`, `updatedAt`): "id-integer", "id-string" or
    "now"."""
    sent = set(flat_view(view.body.schema, schemas).properties) if view.body else set()
    owned = {}
    for name, schema in flat_view(item, schemas).properties.items():
        shape = schema_view(resolve(schema, schemas))
        if name == KEY:
            owned[name] = "id-integer" if shape.kind == "integer" else "id-string"
        elif name not in sent and shape.kind == "string" and shape.format == "date-time":
            owned[name] = "now"
    return owned


def _answer(view: OperationView, schemas: dict[str, Any]) -> Any:
    """What another operation answers: its documented example, else a sample of what its
    response schema requires (a whole sample of a large API's responses runs to megabytes)."""
    if view.success is None or not view.success.has_content or view.success.media != "json":
        return None
    example = media_example(view.success.raw)
    if example is not None:
        return example
    return sample(view.success.schema, schemas, depth=MAX_DEPTH)  # what is required: small
