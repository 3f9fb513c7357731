"""API release diff: what changed between two normalized documents, for a client.

Every change has a stable rule id, a level (`breaking`, `non_breaking`, `info`), the
operation or schema and property it concerns, a JSON pointer into the new document
(the old one for removals) and a one-line message. Changes to tenants' custom
customer fields are reported apart: they are tenant shape, not API release.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.document import (
    Document,
    closure,
    iter_operations,
    refs_in,
    schemas_of,
    success_schema,
)
from generator.errors import json_pointer
from generator.schema import view

LEVELS = ("breaking", "non_breaking", "info")
LEVEL_TITLES = {
    "breaking": "Breaking changes",
    "non_breaking": "Non-breaking changes",
    "info": "Info",
}
RULES = {
    "operation-removed": "breaking",
    "operation-moved": "breaking",
    "operation-added": "non_breaking",
    "operation-id-changed": "info",
    "parameter-removed": "breaking",
    "parameter-added-required": "breaking",
    "parameter-added": "non_breaking",
    "parameter-became-required": "breaking",
    "parameter-type-changed": "breaking",
    "request-body-became-required": "breaking",
    "response-status-changed": "breaking",
    "response-type-changed": "breaking",
    "error-response-added": "non_breaking",
    "error-response-removed": "info",
    "security-changed": "breaking",
    "schema-removed": "breaking",
    "schema-added": "non_breaking",
    "response-property-removed": "breaking",
    "request-property-removed": "breaking",
    "request-property-added-required": "breaking",
    "request-property-became-required": "breaking",
    "property-type-changed": "breaking",
    "enum-value-removed": "breaking",
    "enum-value-added": "non_breaking",
    "optional-property-added": "non_breaking",
    "operation-deprecated": "non_breaking",
    "parameter-deprecated": "non_breaking",
    "property-deprecated": "non_breaking",
    "description-changed": "info",
    "servers-changed": "info",
    "custom-field-added": "info",
    "custom-field-removed": "info",
    "custom-field-changed": "info",
}
# The rules of changes to tenants' custom fields, reported apart from the API's.
CUSTOM_FIELD_RULE = "custom-field-"
# Deprecations: non-breaking, but the changelog lists them apart (the next major removes them).
DEPRECATED_RULE = "-deprecated"


def _newly_deprecated(old: Any, new: Any) -> bool:
    """`deprecated: true` now, and not before (a new one deprecated from the start too)."""
    was = isinstance(old, dict) and old.get("deprecated") is True
    return isinstance(new, dict) and new.get("deprecated") is True and not was


@dataclass(frozen=True)
class Change:
    rule: str
    operation: str | None
    schema: str | None
    property: str | None
    pointer: str
    message: str

    @property
    def level(self) -> str:
        return RULES[self.rule]


@dataclass
class Report:
    changes: list[Change]
    custom_fields: list[Change]

    def level_reached(self, level: str) -> bool:
        if level == "never":
            return False
        if level == "any":
            return bool(self.changes)
        return any(change.level == "breaking" for change in self.changes)

    def by_level(self, level: str) -> list[Change]:
        return [change for change in self.changes if change.level == level]


def describe(schema: Any) -> str:
    """A short type description: `enum bronze|silver|gold`, `string (date-time)`, `array of X`."""
    if not isinstance(schema, dict):
        return "any"
    shape, declared = view(schema), schema.get("type")
    if shape.ref:
        return shape.ref
    if shape.enum and "enum" in schema:
        return "enum " + "|".join(str(value) for value in shape.enum)
    if declared == "array":
        return f"array of {describe(shape.items)}"
    text = "|".join(declared) if isinstance(declared, list) else str(declared or "any")
    return f"{text} ({shape.format})" if shape.format else text


def _shape(schema: Any) -> tuple[Any, ...]:
    """What a client's type depends on: type, format, item shape, referenced schema."""
    if not isinstance(schema, dict):
        return ()
    shape = view(schema)
    declared = schema.get("type")
    return (
        tuple(declared) if isinstance(declared, list) else declared,
        shape.format,
        shape.ref,
        _shape(shape.items) if declared == "array" else (),
    )


def _label(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def _operations(document: Document) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method, path): op for path, method, op in iter_operations(document)}


def _client_method(operation: dict[str, Any]) -> tuple[Any, Any]:
    return operation.get("x-finalpos-resource"), operation.get("x-finalpos-method")


def _security(document: Document, operation: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Effective security requirements, each scheme as (name, type, in, header name)."""
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    requirements = operation.get("security", document.get("security")) or []
    result = []
    for requirement in requirements:
        for name in sorted(requirement or {}):
            scheme = schemes.get(name) or {}
            result.append((name, scheme.get("type"), scheme.get("in"), scheme.get("name")))
    return result


def _parameters(operation: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (str(p.get("in")), str(p.get("name"))): p
        for p in operation.get("parameters") or []
        if isinstance(p, dict)
    }


def _change(
    rule: str,
    pointer: tuple[Any, ...],
    message: str,
    *,
    operation: str | None = None,
    schema: str | None = None,
    prop: str | None = None,
) -> Change:
    return Change(rule, operation, schema, prop, json_pointer(pointer), message)


def diff(old: Document, new: Document) -> Report:
    """Every change from the normalized `old` to the normalized `new`, classified; changes
    of tenants' custom fields apart, each said once (one field shows in the create, update
    and response DTOs)."""
    found = [*_server_changes(old, new), *_operation_changes(old, new), *_schema_changes(old, new)]
    custom = [c for c in found if c.rule.startswith(CUSTOM_FIELD_RULE)]
    first = {(c.rule, c.message): c for c in reversed(custom)}
    return Report(
        [c for c in found if not c.rule.startswith(CUSTOM_FIELD_RULE)],
        [c for c in custom if first[(c.rule, c.message)] is c],
    )


def _server_changes(old: Document, new: Document) -> list[Change]:
    def urls(document: Document) -> list[str]:
        return [str(s.get("url")) for s in document.get("servers") or [] if isinstance(s, dict)]

    if urls(old) == urls(new):
        return []
    return [_change("servers-changed", ("servers",), f"servers {urls(old)} → {urls(new)}")]


def _operation_changes(old_doc: Document, new_doc: Document) -> list[Change]:
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
                _change(
                    "operation-removed",
                    ("paths", key[1], key[0]),
                    f"{_label(*key)} removed",
                    operation=_label(*key),
                )
            )
            continue
        added.remove(moved)
        resource, method = _client_method(new_ops[moved])
        message = f"{resource}.{method} moved from {_label(*key)} to {_label(*moved)}"
        changes.append(
            _change(
                "operation-moved", ("paths", moved[1], moved[0]), message, operation=_label(*moved)
            )
        )
        changes += _operation_pair(old_doc, new_doc, old_ops[key], new_ops[moved], moved)
    for key in added:
        resource, method = _client_method(new_ops[key])
        message = f"{_label(*key)} added ({resource}.{method})"
        changes.append(
            _change("operation-added", ("paths", key[1], key[0]), message, operation=_label(*key))
        )
    for key in (key for key in old_ops if key in new_ops):
        changes += _operation_pair(old_doc, new_doc, old_ops[key], new_ops[key], key)
    return changes


def _operation_pair(
    old_doc: Document,
    new_doc: Document,
    old: dict[str, Any],
    new: dict[str, Any],
    key: tuple[str, str],
) -> list[Change]:
    """What changed in one operation, in the order a reader checks it."""
    label, where = _label(*key), ("paths", key[1], key[0])

    def change(
        rule: str, pointer: tuple[Any, ...], message: str, prop: str | None = None
    ) -> Change:
        return _change(rule, (*where, *pointer), message, operation=label, prop=prop)

    changes: list[Change] = []
    if old.get("operationId") != new.get("operationId"):
        changes.append(
            change(
                "operation-id-changed",
                ("operationId",),
                f"operationId {old.get('operationId')} → {new.get('operationId')}",
            )
        )
    if _newly_deprecated(old, new):
        changes.append(change("operation-deprecated", ("deprecated",), f"{label} is deprecated"))
    for field in ("summary", "description"):
        if old.get(field) != new.get(field):
            changes.append(change("description-changed", (field,), f"{field} changed"))
    changes += _parameter_changes(old, new, change)
    if not (old.get("requestBody") or {}).get("required") and (new.get("requestBody") or {}).get(
        "required"
    ):
        changes.append(
            change("request-body-became-required", ("requestBody",), "request body is now required")
        )
    changes += _response_changes(old, new, change)
    old_security, new_security = _security(old_doc, old), _security(new_doc, new)
    if old_security != new_security:
        message = f"security {_show_security(old_security)} → {_show_security(new_security)}"
        changes.append(change("security-changed", ("security",), message))
    return changes


def _show_security(items: list[tuple[Any, ...]]) -> str:
    return ", ".join(f"{n} ({t} in {i} {h})" for n, t, i, h in items) or "none"


def _parameter_changes(old: dict[str, Any], new: dict[str, Any], change: Any) -> list[Change]:
    old_params, new_params = _parameters(old), _parameters(new)
    changes = [
        change("parameter-removed", ("parameters",), f"{place} parameter {name} removed", name)
        for place, name in old_params
        if (place, name) not in new_params
    ]
    for index, ((place, name), param) in enumerate(new_params.items()):
        pointer, before = ("parameters", index), old_params.get((place, name))
        if before is None:
            required = bool(param.get("required"))
            rule = "parameter-added-required" if required else "parameter-added"
            message = f"{place} parameter {name} added{' (required)' if required else ''}"
            changes.append(change(rule, pointer, message, name))
            continue
        if _newly_deprecated(before, param):
            message = f"{place} parameter {name} is deprecated"
            changes.append(change("parameter-deprecated", (*pointer, "deprecated"), message, name))
        if param.get("required") and not before.get("required"):
            message = f"{place} parameter {name} is now required"
            changes.append(change("parameter-became-required", pointer, message, name))
        if _shape(before.get("schema")) != _shape(param.get("schema")):
            types = f"{describe(before.get('schema'))} → {describe(param.get('schema'))}"
            message = f"{place} parameter {name}: {types}"
            changes.append(change("parameter-type-changed", pointer, message, name))
    return changes


def _response_changes(old: dict[str, Any], new: dict[str, Any], change: Any) -> list[Change]:
    """The success status and type, and the documented errors."""
    (old_status, old_schema), (new_status, new_schema) = success_schema(old), success_schema(new)
    changes = []
    if old_status != new_status:
        changes.append(
            change(
                "response-status-changed",
                ("responses",),
                f"success status {old_status} → {new_status}",
            )
        )
    if _shape(old_schema) != _shape(new_schema):
        message = f"response {describe(old_schema)} → {describe(new_schema)}"
        changes.append(change("response-type-changed", ("responses", new_status or ""), message))
    old_errors, new_errors = _error_statuses(old), _error_statuses(new)
    changes += [
        change("error-response-added", ("responses", status), f"documents error {status}")
        for status in sorted(new_errors - old_errors, key=str)
    ]
    changes += [
        change(
            "error-response-removed", ("responses", status), f"no longer documents error {status}"
        )
        for status in sorted(old_errors - new_errors, key=str)
    ]
    return changes


def _error_statuses(operation: dict[str, Any]) -> set[Any]:
    return {status for status in operation.get("responses") or {} if str(status)[:1] in "45"}


def _usage(document: Document) -> tuple[set[str], set[str]]:
    """Schemas reachable from request bodies, and from responses."""
    schemas = schemas_of(document)
    requests: set[str] = set()
    responses: set[str] = set()
    for _path, _method, op in iter_operations(document):
        requests |= refs_in(op.get("requestBody") or {})
        responses |= refs_in(op.get("responses") or {})
    return closure(requests, schemas), closure(responses, schemas)


@dataclass(frozen=True)
class _Subject:
    """A component schema being compared: where it is, how the client uses it, and which of
    its properties are a tenant's custom fields (all of them, for a custom table)."""

    name: str
    table: str | None
    custom_fields: frozenset[str]
    request: bool
    response: bool

    def pointer(self, *more: Any) -> tuple[Any, ...]:
        return ("components", "schemas", self.name, *more)

    def is_custom(self, prop: str) -> bool:
        return bool(self.table) or prop in self.custom_fields

    def field(self, prop: str) -> str:
        """How a custom field is named in messages: `table.field` for a custom table's."""
        return f"{self.table}.{prop}" if self.table else prop


def _schema_changes(old_doc: Document, new_doc: Document) -> list[Change]:
    old_schemas, new_schemas = schemas_of(old_doc), schemas_of(new_doc)
    old_requests, old_responses = _usage(old_doc)
    new_requests, new_responses = _usage(new_doc)
    changes: list[Change] = []
    for name in [*old_schemas, *(n for n in new_schemas if n not in old_schemas)]:
        old, new = old_schemas.get(name), new_schemas.get(name)
        table = (new or old or {}).get("x-finalpos-custom-table")
        if table:  # a tenant's custom table appearing or going: report its fields
            old, new = (
                old or {"x-finalpos-custom-table": table},
                new or {"x-finalpos-custom-table": table},
            )
        elif old is None or new is None:
            rule, verb = ("schema-added", "added") if old is None else ("schema-removed", "removed")
            changes.append(
                _change(rule, ("components", "schemas", name), f"schema {name} {verb}", schema=name)
            )
            continue
        if not isinstance(old, dict) or not isinstance(new, dict):
            continue
        subject = _Subject(
            name,
            table or None,
            frozenset(old.get("x-finalpos-custom-fields") or [])
            | frozenset(new.get("x-finalpos-custom-fields") or []),
            request=name in old_requests | new_requests,
            response=name in old_responses | new_responses,
        )
        changes += _schema_pair(subject, old, new)
    return changes


def _schema_pair(subject: _Subject, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    name, where = subject.name, subject.pointer()
    changes = []
    if old.get("description") != new.get("description") and not subject.table:
        changes.append(
            _change(
                "description-changed",
                (*where, "description"),
                f"{name} description changed",
                schema=name,
            )
        )
    if _shape(old) != _shape(new) and not (old.get("properties") or new.get("properties")):
        message = f"{name}: {describe(old)} → {describe(new)}"
        changes.append(_change("property-type-changed", where, message, schema=name))
    changes += _enum_changes(subject, None, old, new)
    old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
    changes += [
        _removed_property(subject, prop, schema, old_props, new_props)
        for prop, schema in old_props.items()
        if prop not in new_props
    ]
    newly_required = set(new.get("required") or []) - set(old.get("required") or [])
    for prop, schema in new_props.items():
        if prop not in old_props:
            changes.append(
                _added_property(subject, prop, schema, prop in set(new.get("required") or []))
            )
        else:
            changes += _changed_property(
                subject, prop, old_props[prop], schema, prop in newly_required
            )
    return changes


def _removed_property(
    subject: _Subject, prop: str, schema: Any, old_props: dict[str, Any], new_props: dict[str, Any]
) -> Change:
    pointer, name = subject.pointer("properties", prop), subject.name
    if subject.is_custom(prop):
        field = subject.field(prop)
        message = f"custom field {field} removed (was {describe(schema)})"
        return _change("custom-field-removed", pointer, message, schema=name, prop=field)
    renamed = [
        p for p, s in new_props.items() if p not in old_props and _shape(s) == _shape(schema)
    ]
    hint = f" (renamed to {renamed[0]}?)" if len(renamed) == 1 else ""
    rule = "response-property-removed" if subject.response else "request-property-removed"
    return _change(rule, pointer, f"{name}.{prop} removed{hint}", schema=name, prop=prop)


def _added_property(subject: _Subject, prop: str, schema: Any, required: bool) -> Change:
    pointer, name = subject.pointer("properties", prop), subject.name
    if subject.is_custom(prop):
        field = subject.field(prop)
        message = f"custom field {field} added: {describe(schema)}"
        return _change("custom-field-added", pointer, message, schema=name, prop=field)
    if subject.request and required:
        message = f"{name}.{prop} added as required ({describe(schema)})"
        return _change("request-property-added-required", pointer, message, schema=name, prop=prop)
    message = f"{name}.{prop} added ({describe(schema)})"
    return _change("optional-property-added", pointer, message, schema=name, prop=prop)


def _changed_property(
    subject: _Subject, prop: str, before: Any, after: Any, newly_required: bool
) -> list[Change]:
    pointer, name, custom = (
        subject.pointer("properties", prop),
        subject.name,
        subject.is_custom(prop),
    )
    changes = []
    if _newly_deprecated(before, after) and not custom:
        message = f"{name}.{prop} is deprecated"
        changes.append(
            _change(
                "property-deprecated", (*pointer, "deprecated"), message, schema=name, prop=prop
            )
        )
    if subject.request and newly_required and not custom:
        changes.append(
            _change(
                "request-property-became-required",
                pointer,
                f"{name}.{prop} is now required",
                schema=name,
                prop=prop,
            )
        )
    if _shape(before) != _shape(after):
        if custom:
            field = subject.field(prop)
            message = f"custom field {field}: {describe(before)} → {describe(after)}"
            changes.append(
                _change("custom-field-changed", pointer, message, schema=name, prop=field)
            )
        else:
            message = f"{name}.{prop}: {describe(before)} → {describe(after)}"
            changes.append(
                _change("property-type-changed", pointer, message, schema=name, prop=prop)
            )
    elif isinstance(before, dict) and isinstance(after, dict):
        changes += _enum_changes(subject, prop, before, after)
        if before.get("description") != after.get("description") and not custom:
            changes.append(
                _change(
                    "description-changed",
                    (*pointer, "description"),
                    f"{name}.{prop} description changed",
                    schema=name,
                    prop=prop,
                )
            )
    return changes


def _enum_changes(
    subject: _Subject, prop: str | None, old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    """Enum values removed (breaking) or added; for a custom field, one change."""
    old_values, new_values = old.get("enum") or [], new.get("enum") or []
    pointer = subject.pointer(*(("properties", prop) if prop else ()), "enum")
    name = subject.name
    if prop is not None and subject.is_custom(prop):
        if old_values == new_values:
            return []
        field = subject.field(prop)
        message = f"custom field {field}: {describe(old)} → {describe(new)}"
        return [_change("custom-field-changed", pointer, message, schema=name, prop=field)]
    target = f"{name}.{prop}" if prop else name
    return [
        _change(
            f"enum-value-{verb}",
            pointer,
            f"{target}: enum value {value!r} {verb}",
            schema=name,
            prop=prop,
        )
        for verb, values, others in (
            ("removed", old_values, new_values),
            ("added", new_values, old_values),
        )
        for value in values
        if value not in others
    ]
