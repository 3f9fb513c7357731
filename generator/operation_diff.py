"""What changed in the operations of a release: removed, moved and added operations, and
in each operation its parameters, body, responses and security, read through the typed
operation views (`generator.operation`), path-item parameters included."""

from __future__ import annotations

import re
from typing import Any

from generator.changes import Change, describe, make_change, shape
from generator.document import Document
from generator.operation import OperationView, operations


def _label(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def _operations(document: Document) -> dict[tuple[str, str], OperationView]:
    return {(view.method, view.path): view for view in operations(document)}


def _client_method(view: OperationView) -> tuple[Any, Any]:
    return view.resource, view.client_method


def _security(document: Document, view: OperationView) -> list[list[tuple[str, str, str]]]:
    """Effective security requirements: alternatives, each the schemes sent together as
    (name, type, how it is sent)."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return [
        [(str(name), *_scheme_words(schemes.get(name) or {})) for name in sorted(requirement)]
        for requirement in view.security
    ]


def _scheme_words(scheme: dict[str, Any]) -> tuple[str, str]:
    """(kind, how it is sent): `apiKey`, `header x-api-key`; `http`, `bearer`."""
    kind = str(scheme.get("type") or "unknown")
    if kind == "apiKey":
        return kind, f"{scheme.get('in')} {scheme.get('name')}"
    if kind == "http":
        return kind, str(scheme.get("scheme") or "")
    return kind, ""


def _template(path: str) -> str:
    """A path with its parameters' names left out: `/a/{}`, the same wire for any names."""
    return re.sub(r"{[^{}/]*}", "{}", path)


def operation_changes(old_doc: Document, new_doc: Document) -> list[Change]:
    """Operations removed, moved (same client method at a new path), added, and changed."""
    old_ops, new_ops = _operations(old_doc), _operations(new_doc)
    added = [key for key in new_ops if key not in old_ops]
    changes: list[Change] = []
    for key in (key for key in old_ops if key not in new_ops):
        moved = next(
            (
                k
                for k in added
                if k[0] == key[0] and _client_method(new_ops[k]) == _client_method(old_ops[key])
            ),
            None,
        )
        if moved is None:
            changes.append(
                make_change(
                    "operation-removed",
                    ("paths", key[1], key[0]),
                    f"{_label(*key)} removed",
                    operation=_label(*key),
                )
            )
            continue
        added.remove(moved)
        if _template(key[1]) != _template(moved[1]):  # same names, other path: moved
            resource, method = _client_method(new_ops[moved])
            message = f"{resource}.{method} moved from {_label(*key)} to {_label(*moved)}"
            changes.append(
                make_change(
                    "operation-moved",
                    ("paths", moved[1], moved[0]),
                    message,
                    operation=_label(*moved),
                )
            )
        changes += _operation_pair(old_doc, new_doc, old_ops[key], new_ops[moved])
    for key in added:
        resource, method = _client_method(new_ops[key])
        message = f"{_label(*key)} added ({resource}.{method})"
        changes.append(
            make_change(
                "operation-added", ("paths", key[1], key[0]), message, operation=_label(*key)
            )
        )
    for key in (key for key in old_ops if key in new_ops):
        changes += _operation_pair(old_doc, new_doc, old_ops[key], new_ops[key])
    return changes


def _operation_pair(
    old_doc: Document, new_doc: Document, old: OperationView, new: OperationView
) -> list[Change]:
    """What changed in one operation, in the order a reader checks it."""
    label, where = new.label, ("paths", new.path, new.method)

    def change(
        rule: str, pointer: tuple[Any, ...], message: str, prop: str | None = None
    ) -> Change:
        return make_change(rule, (*where, *pointer), message, operation=label, prop=prop)

    changes: list[Change] = []
    if old.operation_id != new.operation_id:
        changes.append(
            change(
                "operation-id-changed",
                ("operationId",),
                f"operationId {old.operation_id or None} → {new.operation_id or None}",
            )
        )
    if new.deprecated and not old.deprecated:
        changes.append(change("operation-deprecated", ("deprecated",), f"{label} is deprecated"))
    for field in ("summary", "description"):
        if old.raw.get(field) != new.raw.get(field):
            changes.append(change("description-changed", (field,), f"{field} changed"))
    changes += _parameter_changes(old, new, change)
    changes += _body_changes(old, new, change)
    changes += _response_changes(old, new, change)
    old_security, new_security = _security(old_doc, old), _security(new_doc, new)
    if old_security != new_security:
        message = f"security {_show_security(old_security)} → {_show_security(new_security)}"
        changes.append(change("security-changed", ("security",), message))
    return changes


def _show_security(alternatives: list[list[tuple[str, str, str]]]) -> str:
    """`A (apiKey header x-api-key) or B (http bearer)`; schemes sent together with `and`."""
    shown = [
        " and ".join(f"{name} ({kind} {how})".replace(" )", ")") for name, kind, how in together)
        or "no credentials"
        for together in alternatives
    ]
    return " or ".join(shown) or "none"


def _renamed_path_parameters(old: OperationView, new: OperationView) -> dict[str, str]:
    """Path parameters renamed where the path template keeps its shape: `{id}` →
    `{customerId}` at the same place."""
    before = re.findall(r"{([^{}/]*)}", old.path)
    after = re.findall(r"{([^{}/]*)}", new.path)
    if _template(old.path) != _template(new.path) or len(before) != len(after):
        return {}
    return {b: a for b, a in zip(before, after, strict=True) if b != a}


def _parameter_changes(old: OperationView, new: OperationView, change: Any) -> list[Change]:
    renamed = _renamed_path_parameters(old, new)
    old_params = {(p.location, p.name): p for p in old.parameters}
    new_params = {(p.location, p.name): p for p in new.parameters}
    for before, after in renamed.items():  # one change each: compared under the new name
        if ("path", before) in old_params:
            old_params[("path", after)] = old_params.pop(("path", before))
    changes = [
        change(
            "path-parameter-renamed",
            ("parameters",),
            f"path parameter {before} renamed to {after} (the path is the same)",
            before,
        )
        for before, after in renamed.items()
    ]
    changes += [
        change("parameter-removed", ("parameters",), f"{place} parameter {name} removed", name)
        for place, name in old_params
        if (place, name) not in new_params
    ]
    for index, ((place, name), param) in enumerate(new_params.items()):
        pointer, before = ("parameters", index), old_params.get((place, name))
        if before is None:
            rule = "parameter-added-required" if param.required else "parameter-added"
            message = f"{place} parameter {name} added{' (required)' if param.required else ''}"
            changes.append(change(rule, pointer, message, name))
            continue
        if param.deprecated and not before.deprecated:
            message = f"{place} parameter {name} is deprecated"
            changes.append(change("parameter-deprecated", (*pointer, "deprecated"), message, name))
        if param.required and not before.required:
            message = f"{place} parameter {name} is now required"
            changes.append(change("parameter-became-required", pointer, message, name))
        if shape(before.schema) != shape(param.schema) or _enum(before.schema) != _enum(
            param.schema
        ):
            types = f"{describe(before.schema)} → {describe(param.schema)}"
            message = f"{place} parameter {name}: {types}"
            changes.append(change("parameter-type-changed", pointer, message, name))
    return changes


def _enum(schema: Any) -> list[Any]:
    return list(schema.get("enum") or []) if isinstance(schema, dict) else []


def _body_changes(old: OperationView, new: OperationView, change: Any) -> list[Change]:
    changes = []
    if old.body and new.body and old.body.media_type != new.body.media_type:
        message = f"request body {old.body.media_type} → {new.body.media_type}"
        changes.append(change("request-body-media-changed", ("requestBody",), message))
    if new.body and new.body.required and not (old.body and old.body.required):
        changes.append(
            change("request-body-became-required", ("requestBody",), "request body is now required")
        )
    return changes


def _response_changes(old: OperationView, new: OperationView, change: Any) -> list[Change]:
    """The success status and type, and the documented errors."""
    old_status = old.success.status if old.success else None
    new_status = new.success.status if new.success else None
    old_schema = old.success.schema if old.success else None
    new_schema = new.success.schema if new.success else None
    changes = []
    if old_status != new_status:
        changes.append(
            change(
                "response-status-changed",
                ("responses",),
                f"success status {old_status} → {new_status}",
            )
        )
    if shape(old_schema) != shape(new_schema):
        message = f"response {describe(old_schema)} → {describe(new_schema)}"
        changes.append(change("response-type-changed", ("responses", new_status or ""), message))
    old_errors = {r.status for r in old.errors}
    new_errors = {r.status for r in new.errors}
    changes += [
        change("error-response-added", ("responses", status), f"documents error {status}")
        for status in sorted(new_errors - old_errors)
    ]
    changes += [
        change(
            "error-response-removed", ("responses", status), f"no longer documents error {status}"
        )
        for status in sorted(old_errors - new_errors)
    ]
    return changes
