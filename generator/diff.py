"""API release diff: what changed between two normalized documents, for a client.

Every change has a stable rule id, a level (`breaking`, `non_breaking`, `info`), the
operation or schema and property it concerns, a JSON pointer into the new document
(the old one for removals) and a one-line message. Changes to tenants' custom
customer fields are reported apart: they are tenant shape, not API release.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from generator.changes import (
    CUSTOM_FIELD_RULE,
    Change,
    Report,
    describe,
    make_change,
    newly_deprecated,
    shape,
)
from generator.document import (
    SCHEMA_REF_PREFIX,
    Document,
    closure,
    escape,
    reference_graph,
    refs_in,
    schema_ref,
    schemas_of,
)
from generator.operation import operations
from generator.operation_diff import operation_changes


def diff(old: Document, new: Document) -> Report:
    """Every change from the normalized `old` to the normalized `new`, classified; changes
    of tenants' custom fields apart, each said once (one field shows in the create, update
    and response DTOs). A schema renamed with the same shape is one change: the rest of the
    comparison reads the old document with the new names."""
    renamed = renamed_schemas(old, new)
    old = with_renamed_schemas(old, renamed)
    found = [
        *_info_changes(old, new),
        *operation_changes(old, new),
        *(
            make_change(
                "schema-renamed",
                ("components", "schemas", after),
                f"schema {before} renamed to {after} (same shape)",
                schema=after,
            )
            for before, after in renamed.items()
        ),
        *_schema_changes(old, new),
    ]
    custom = [c for c in found if c.rule.startswith(CUSTOM_FIELD_RULE)]
    first = {(c.rule, c.message): c for c in reversed(custom)}
    return Report(
        [c for c in found if not c.rule.startswith(CUSTOM_FIELD_RULE)],
        [c for c in custom if first[(c.rule, c.message)] is c],
    )


def _info_changes(old: Document, new: Document) -> list[Change]:
    """Servers, and the text of `info` (title, description, terms, contact, licence)."""

    def urls(document: Document) -> list[str]:
        return [str(s.get("url")) for s in document.get("servers") or [] if isinstance(s, dict)]

    changes = []
    if urls(old) != urls(new):
        changes.append(
            make_change("servers-changed", ("servers",), f"servers {urls(old)} → {urls(new)}")
        )
    old_info, new_info = old.get("info") or {}, new.get("info") or {}
    for key in sorted({*old_info, *new_info} - {"version"}, key=str):
        if old_info.get(key) != new_info.get(key):
            changes.append(make_change("info-changed", ("info", key), f"info.{key} changed"))
    return changes


def _shape_text(schema: Any) -> str:
    """A schema's content without its title and descriptions (text is not shape)."""

    def shape(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: shape(v) for k, v in node.items() if k not in ("title", "description")}
        if isinstance(node, list):
            return [shape(item) for item in node]
        return node

    return json.dumps(shape(schema), sort_keys=True, default=str)


def renamed_schemas(old: Document, new: Document) -> dict[str, str]:
    """Schemas gone from `old` whose shape is that of exactly one schema new in `new`."""
    old_schemas, new_schemas = schemas_of(old), schemas_of(new)
    gone = [name for name in old_schemas if name not in new_schemas]
    added = [name for name in new_schemas if name not in old_schemas]
    if not gone or not added:
        return {}
    by_shape: dict[str, list[str]] = {}
    for name in added:
        by_shape.setdefault(_shape_text(new_schemas[name]), []).append(name)
    pairs = {}
    for name in gone:
        if isinstance(old_schemas[name], dict) and old_schemas[name].get("x-finalpos-custom-table"):
            continue
        matches = by_shape.get(_shape_text(old_schemas[name]), [])
        if len(matches) == 1 and matches[0] not in pairs.values():
            pairs[name] = matches[0]
    return pairs


def with_renamed_schemas(document: Document, renamed: dict[str, str]) -> Document:
    """`document` with the component schemas of `renamed` under their new names, and every
    reference to them following."""
    if not renamed:
        return document
    refs = {SCHEMA_REF_PREFIX + escape(old): schema_ref(new) for old, new in renamed.items()}

    def follow(node: Any) -> Any:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str) and node["$ref"] in refs:
                return {**node, **refs[node["$ref"]]}
            return {k: follow(v) for k, v in node.items()}
        if isinstance(node, list):
            return [follow(item) for item in node]
        return node

    result = follow(copy.deepcopy(document))
    schemas = schemas_of(result)
    result["components"]["schemas"] = {renamed.get(k, k): v for k, v in schemas.items()}
    return result


def schema_usage(document: Document) -> tuple[set[str], set[str]]:
    """Schemas reachable from what a call sends (parameters, body), and from responses."""
    schemas = schemas_of(document)
    requests: set[str] = set()
    responses: set[str] = set()
    for op in operations(document):
        requests |= refs_in([p.schema for p in op.parameters])
        requests |= refs_in(op.body.schema if op.body else None)
        responses |= refs_in([response.schema for response in op.responses])
    graph = reference_graph(schemas)
    return closure(requests, graph), closure(responses, graph)


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
    old_requests, old_responses = schema_usage(old_doc)
    new_requests, new_responses = schema_usage(new_doc)
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
                make_change(
                    rule, ("components", "schemas", name), f"schema {name} {verb}", schema=name
                )
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
            make_change(
                "description-changed",
                (*where, "description"),
                f"{name} description changed",
                schema=name,
            )
        )
    if shape(old) != shape(new) and not (old.get("properties") or new.get("properties")):
        message = f"{name}: {describe(old)} → {describe(new)}"
        changes.append(make_change("property-type-changed", where, message, schema=name))
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
        return make_change("custom-field-removed", pointer, message, schema=name, prop=field)
    renamed = [p for p, s in new_props.items() if p not in old_props and shape(s) == shape(schema)]
    hint = f" (renamed to {renamed[0]}?)" if len(renamed) == 1 else ""
    rule = "response-property-removed" if subject.response else "request-property-removed"
    return make_change(rule, pointer, f"{name}.{prop} removed{hint}", schema=name, prop=prop)


def _added_property(subject: _Subject, prop: str, schema: Any, required: bool) -> Change:
    pointer, name = subject.pointer("properties", prop), subject.name
    if subject.is_custom(prop):
        field = subject.field(prop)
        message = f"custom field {field} added: {describe(schema)}"
        return make_change("custom-field-added", pointer, message, schema=name, prop=field)
    if subject.request and required:
        message = f"{name}.{prop} added as required ({describe(schema)})"
        return make_change(
            "request-property-added-required", pointer, message, schema=name, prop=prop
        )
    message = f"{name}.{prop} added ({describe(schema)})"
    return make_change("optional-property-added", pointer, message, schema=name, prop=prop)


def _changed_property(
    subject: _Subject, prop: str, before: Any, after: Any, newly_required: bool
) -> list[Change]:
    pointer, name, custom = (
        subject.pointer("properties", prop),
        subject.name,
        subject.is_custom(prop),
    )
    changes = []
    if newly_deprecated(before, after) and not custom:
        message = f"{name}.{prop} is deprecated"
        changes.append(
            make_change(
                "property-deprecated", (*pointer, "deprecated"), message, schema=name, prop=prop
            )
        )
    if subject.request and newly_required and not custom:
        changes.append(
            make_change(
                "request-property-became-required",
                pointer,
                f"{name}.{prop} is now required",
                schema=name,
                prop=prop,
            )
        )
    if shape(before) != shape(after):
        if custom:
            field = subject.field(prop)
            message = f"custom field {field}: {describe(before)} → {describe(after)}"
            changes.append(
                make_change("custom-field-changed", pointer, message, schema=name, prop=field)
            )
        else:
            message = f"{name}.{prop}: {describe(before)} → {describe(after)}"
            changes.append(
                make_change("property-type-changed", pointer, message, schema=name, prop=prop)
            )
    elif isinstance(before, dict) and isinstance(after, dict):
        changes += _enum_changes(subject, prop, before, after)
        if before.get("description") != after.get("description") and not custom:
            changes.append(
                make_change(
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
    if bool(old_values) != bool(new_values) and not (prop and subject.is_custom(prop)):
        target = f"{name}.{prop}" if prop else name  # a free value became an enum, or back
        message = f"{target}: {describe(old)} → {describe(new)}"
        return [make_change("property-type-changed", pointer, message, schema=name, prop=prop)]
    if prop is not None and subject.is_custom(prop):
        if old_values == new_values:
            return []
        field = subject.field(prop)
        message = f"custom field {field}: {describe(old)} → {describe(new)}"
        return [make_change("custom-field-changed", pointer, message, schema=name, prop=field)]
    target = f"{name}.{prop}" if prop else name
    return [
        make_change(
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
