"""API release diff: what changed between two normalized documents, for a client.

Every change has a stable rule id, a level (`breaking`, `non_breaking`, `info`), the
operation or schema and property it concerns, a JSON pointer into the new document
(the old one for removals) and a one-line message. Changes to tenants' custom
customer fields are reported apart: they are tenant shape, not API release.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from generator.document import (
    Document,
    body_schema,
    closure,
    iter_operations,
    ref_name,
    refs_in,
    schemas_of,
    success_response,
)
from generator.errors import json_pointer
from generator.fsutil import CHANGELOG as CHANGELOG  # where the package keeps its changelog

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
    "description-changed": "info",
    "servers-changed": "info",
    "custom-field-added": "info",
    "custom-field-removed": "info",
    "custom-field-changed": "info",
}


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
    name = ref_name(schema)
    if name:
        return name
    if schema.get("enum"):
        return "enum " + "|".join(str(value) for value in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"array of {describe(schema.get('items'))}"
    text = "|".join(kind) if isinstance(kind, list) else str(kind or "any")
    return f"{text} ({schema['format']})" if schema.get("format") else text


def _shape(schema: Any) -> tuple[Any, ...]:
    """What a client's type depends on: type, format, item shape, referenced schema."""
    if not isinstance(schema, dict):
        return ()
    kind = schema.get("type")
    items = _shape(schema.get("items")) if kind == "array" else ()
    return (
        tuple(kind) if isinstance(kind, list) else kind,
        schema.get("format"),
        ref_name(schema),
        items,
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


def _success(operation: dict[str, Any]) -> tuple[str | None, Any]:
    status, response = success_response(operation)
    return status, body_schema(response)


class _Differ:
    def __init__(self, old: Document, new: Document):
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.custom: list[Change] = []

    def add(
        self,
        rule: str,
        pointer: tuple[Any, ...],
        message: str,
        *,
        operation: str | None = None,
        schema: str | None = None,
        prop: str | None = None,
        custom: bool = False,
    ) -> None:
        change = Change(rule, operation, schema, prop, json_pointer(pointer), message)
        (self.custom if custom else self.changes).append(change)

    def run(self) -> Report:
        self.servers()
        self.operations()
        self.schemas()
        # One custom field shows in the create, update and response DTOs: say it once.
        unique = {(c.rule, c.message): c for c in reversed(self.custom)}
        return Report(self.changes, [c for c in self.custom if unique[(c.rule, c.message)] is c])

    def servers(self) -> None:
        def urls(document: Document) -> list[str]:
            return [str(s.get("url")) for s in document.get("servers") or [] if isinstance(s, dict)]

        if urls(self.old) != urls(self.new):
            self.add(
                "servers-changed", ("servers",), f"servers {urls(self.old)} → {urls(self.new)}"
            )

    def operations(self) -> None:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        removed = [key for key in old_ops if key not in new_ops]
        added = [key for key in new_ops if key not in old_ops]
        for key in removed:
            match = next(
                (
                    k
                    for k in added
                    if k[0] == key[0] and _client_method(new_ops[k]) == _client_method(old_ops[key])
                ),
                None,
            )
            label = _label(*key)
            if match is None:
                self.add(
                    "operation-removed",
                    ("paths", key[1], key[0]),
                    f"{label} removed",
                    operation=label,
                )
                continue
            added.remove(match)
            resource, method = _client_method(new_ops[match])
            self.add(
                "operation-moved",
                ("paths", match[1], match[0]),
                f"{resource}.{method} moved from {label} to {_label(*match)}",
                operation=_label(*match),
            )
            self.operation_pair(old_ops[key], new_ops[match], match)
        for key in added:
            op = new_ops[key]
            resource, method = _client_method(op)
            self.add(
                "operation-added",
                ("paths", key[1], key[0]),
                f"{_label(*key)} added ({resource}.{method})",
                operation=_label(*key),
            )
        for key in old_ops:
            if key in new_ops:
                self.operation_pair(old_ops[key], new_ops[key], key)

    def operation_pair(
        self, old: dict[str, Any], new: dict[str, Any], key: tuple[str, str]
    ) -> None:
        label, where = _label(*key), ("paths", key[1], key[0])
        if old.get("operationId") != new.get("operationId"):
            self.add(
                "operation-id-changed",
                (*where, "operationId"),
                f"operationId {old.get('operationId')} → {new.get('operationId')}",
                operation=label,
            )
        for field in ("summary", "description"):
            if old.get(field) != new.get(field):
                self.add(
                    "description-changed", (*where, field), f"{field} changed", operation=label
                )
        self.parameters(old, new, label, where)
        if not (old.get("requestBody") or {}).get("required") and (
            new.get("requestBody") or {}
        ).get("required"):
            self.add(
                "request-body-became-required",
                (*where, "requestBody"),
                "request body is now required",
                operation=label,
            )
        old_status, old_schema = _success(old)
        new_status, new_schema = _success(new)
        if old_status != new_status:
            self.add(
                "response-status-changed",
                (*where, "responses"),
                f"success status {old_status} → {new_status}",
                operation=label,
            )
        if _shape(old_schema) != _shape(new_schema):
            self.add(
                "response-type-changed",
                (*where, "responses", new_status or ""),
                f"response {describe(old_schema)} → {describe(new_schema)}",
                operation=label,
            )
        old_errors = {s for s in old.get("responses") or {} if str(s)[:1] in "45"}
        new_errors = {s for s in new.get("responses") or {} if str(s)[:1] in "45"}
        for status in sorted(new_errors - old_errors, key=str):
            self.add(
                "error-response-added",
                (*where, "responses", status),
                f"documents error {status}",
                operation=label,
            )
        for status in sorted(old_errors - new_errors, key=str):
            self.add(
                "error-response-removed",
                (*where, "responses", status),
                f"no longer documents error {status}",
                operation=label,
            )
        old_security, new_security = _security(self.old, old), _security(self.new, new)
        if old_security != new_security:

            def show(items: list[tuple[Any, ...]]) -> str:
                return ", ".join(f"{n} ({t} in {i} {h})" for n, t, i, h in items) or "none"

            self.add(
                "security-changed",
                (*where, "security"),
                f"security {show(old_security)} → {show(new_security)}",
                operation=label,
            )

    def parameters(
        self, old: dict[str, Any], new: dict[str, Any], label: str, where: tuple[Any, ...]
    ) -> None:
        old_params, new_params = _parameters(old), _parameters(new)
        for place, name in old_params:
            if (place, name) not in new_params:
                self.add(
                    "parameter-removed",
                    (*where, "parameters"),
                    f"{place} parameter {name} removed",
                    operation=label,
                    prop=name,
                )
        for index, ((place, name), param) in enumerate(new_params.items()):
            pointer = (*where, "parameters", index)
            before = old_params.get((place, name))
            if before is None:
                rule = "parameter-added-required" if param.get("required") else "parameter-added"
                self.add(
                    rule,
                    pointer,
                    f"{place} parameter {name} added"
                    f"{' (required)' if param.get('required') else ''}",
                    operation=label,
                    prop=name,
                )
                continue
            if param.get("required") and not before.get("required"):
                self.add(
                    "parameter-became-required",
                    pointer,
                    f"{place} parameter {name} is now required",
                    operation=label,
                    prop=name,
                )
            if _shape(before.get("schema")) != _shape(param.get("schema")):
                self.add(
                    "parameter-type-changed",
                    pointer,
                    f"{place} parameter {name}: "
                    f"{describe(before.get('schema'))} → {describe(param.get('schema'))}",
                    operation=label,
                    prop=name,
                )

    def usage(self, document: Document) -> tuple[set[str], set[str]]:
        """Schemas reachable from request bodies, and from responses."""
        schemas = schemas_of(document)
        requests: set[str] = set()
        responses: set[str] = set()
        for _path, _method, op in iter_operations(document):
            requests |= refs_in(op.get("requestBody") or {})
            responses |= refs_in(op.get("responses") or {})
        return closure(requests, schemas), closure(responses, schemas)

    def schemas(self) -> None:
        old_schemas, new_schemas = schemas_of(self.old), schemas_of(self.new)
        old_requests, old_responses = self.usage(self.old)
        new_requests, new_responses = self.usage(self.new)
        for name in [*old_schemas, *(n for n in new_schemas if n not in old_schemas)]:
            old, new = old_schemas.get(name), new_schemas.get(name)
            table = (new or old or {}).get("x-finalpos-custom-table")
            if table:  # a tenant's custom table appearing or going: report its fields
                old, new = (
                    old or {"x-finalpos-custom-table": table},
                    new or {"x-finalpos-custom-table": table},
                )
            elif old is None or new is None:
                rule, verb = (
                    ("schema-added", "added") if old is None else ("schema-removed", "removed")
                )
                self.add(
                    rule, ("components", "schemas", name), f"schema {name} {verb}", schema=name
                )
                continue
            self.schema_pair(
                name,
                old,
                new,
                request=name in old_requests | new_requests,
                response=name in old_responses | new_responses,
            )

    def schema_pair(self, name: str, old: Any, new: Any, *, request: bool, response: bool) -> None:
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        where = ("components", "schemas", name)
        table = new.get("x-finalpos-custom-table") or old.get("x-finalpos-custom-table")
        if old.get("description") != new.get("description") and not table:
            self.add(
                "description-changed",
                (*where, "description"),
                f"{name} description changed",
                schema=name,
            )
        if _shape(old) != _shape(new) and not (old.get("properties") or new.get("properties")):
            self.add(
                "property-type-changed",
                where,
                f"{name}: {describe(old)} → {describe(new)}",
                schema=name,
            )
        self.enum(old, new, where, name, None, custom=False)
        custom_fields = set(old.get("x-finalpos-custom-fields") or []) | set(
            new.get("x-finalpos-custom-fields") or []
        )
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_required, new_required = set(old.get("required") or []), set(new.get("required") or [])
        for prop, prop_schema in old_props.items():
            custom = bool(table) or prop in custom_fields
            path = f"{table}.{prop}" if table else prop
            if prop not in new_props:
                if custom:
                    self.add(
                        "custom-field-removed",
                        (*where, "properties", prop),
                        f"custom field {path} removed (was {describe(prop_schema)})",
                        schema=name,
                        prop=path,
                        custom=True,
                    )
                else:
                    rule = "response-property-removed" if response else "request-property-removed"
                    renamed = [
                        p
                        for p, s in new_props.items()
                        if p not in old_props and _shape(s) == _shape(prop_schema)
                    ]
                    hint = f" (renamed to {renamed[0]}?)" if len(renamed) == 1 else ""
                    self.add(
                        rule,
                        (*where, "properties", prop),
                        f"{name}.{prop} removed{hint}",
                        schema=name,
                        prop=prop,
                    )
        for prop, prop_schema in new_props.items():
            pointer = (*where, "properties", prop)
            custom = bool(table) or prop in custom_fields
            path = f"{table}.{prop}" if table else prop
            before = old_props.get(prop)
            if before is None:
                if custom:
                    self.add(
                        "custom-field-added",
                        pointer,
                        f"custom field {path} added: {describe(prop_schema)}",
                        schema=name,
                        prop=path,
                        custom=True,
                    )
                elif request and prop in new_required:
                    self.add(
                        "request-property-added-required",
                        pointer,
                        f"{name}.{prop} added as required ({describe(prop_schema)})",
                        schema=name,
                        prop=prop,
                    )
                else:
                    self.add(
                        "optional-property-added",
                        pointer,
                        f"{name}.{prop} added ({describe(prop_schema)})",
                        schema=name,
                        prop=prop,
                    )
                continue
            if request and prop in new_required and prop not in old_required and not custom:
                self.add(
                    "request-property-became-required",
                    pointer,
                    f"{name}.{prop} is now required",
                    schema=name,
                    prop=prop,
                )
            if _shape(before) != _shape(prop_schema):
                if custom:
                    self.add(
                        "custom-field-changed",
                        pointer,
                        f"custom field {path}: {describe(before)} → {describe(prop_schema)}",
                        schema=name,
                        prop=path,
                        custom=True,
                    )
                else:
                    self.add(
                        "property-type-changed",
                        pointer,
                        f"{name}.{prop}: {describe(before)} → {describe(prop_schema)}",
                        schema=name,
                        prop=prop,
                    )
            elif isinstance(before, dict) and isinstance(prop_schema, dict):
                self.enum(before, prop_schema, pointer, name, prop, custom=custom, path=path)
                if before.get("description") != prop_schema.get("description") and not custom:
                    self.add(
                        "description-changed",
                        (*pointer, "description"),
                        f"{name}.{prop} description changed",
                        schema=name,
                        prop=prop,
                    )

    def enum(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        where: tuple[Any, ...],
        schema: str,
        prop: str | None,
        *,
        custom: bool,
        path: str | None = None,
    ) -> None:
        old_values, new_values = old.get("enum") or [], new.get("enum") or []
        if not old_values and not new_values:
            return
        target = f"{schema}.{prop}" if prop else schema
        if custom:
            if old_values != new_values:
                self.add(
                    "custom-field-changed",
                    (*where, "enum"),
                    f"custom field {path}: {describe(old)} → {describe(new)}",
                    schema=schema,
                    prop=path,
                    custom=True,
                )
            return
        for verb, values, others in (
            ("removed", old_values, new_values),
            ("added", new_values, old_values),
        ):
            for value in values:
                if value not in others:
                    self.add(
                        f"enum-value-{verb}",
                        (*where, "enum"),
                        f"{target}: enum value {value!r} {verb}",
                        schema=schema,
                        prop=prop,
                    )


def diff(old: Document, new: Document) -> Report:
    """Every change from the normalized `old` to the normalized `new`, classified."""
    return _Differ(old, new).run()


def to_json(report: Report) -> str:
    payload: dict[str, Any] = {
        level: [asdict(c) for c in report.by_level(level)] for level in LEVELS
    }
    payload["custom_fields"] = [asdict(c) for c in report.custom_fields]
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def to_text(report: Report) -> str:
    lines = []
    for level in LEVELS:
        changes = report.by_level(level)
        lines.append(f"{LEVEL_TITLES[level]} ({len(changes)})")
        lines += [f"  [{c.rule}] {c.message}  ({c.pointer})" for c in changes]
    lines.append(f"Customer custom fields ({len(report.custom_fields)})")
    lines += [f"  [{c.rule}] {c.message}  ({c.pointer})" for c in report.custom_fields]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report, title: str = "API changes") -> str:
    lines = [f"## {title}", ""]
    counts = ", ".join(
        f"{len(report.by_level(level))} {LEVEL_TITLES[level].lower()}" for level in LEVELS
    )
    lines += [f"{counts}; {len(report.custom_fields)} custom-field changes.", ""]
    sections = [(LEVEL_TITLES[level], report.by_level(level)) for level in LEVELS]
    sections.append(("Customer custom fields (tenant shape)", report.custom_fields))
    for heading, changes in sections:
        if not changes:
            continue
        lines += [f"### {heading}", "", "| rule | where | change |", "|---|---|---|"]
        for change in changes:
            where = change.operation or change.schema or ""
            lines.append(f"| `{change.rule}` | `{_md(where)}` | {_md(change.message)} |")
        lines.append("")
    return "\n".join(lines)


def next_version(current: str, report: Report) -> str:
    """Semantic version after `report`: breaking → major, other changes → minor, info →
    patch; no change at all keeps `current`."""
    if not report.changes and not report.custom_fields:
        return current
    parts = [int(part) for part in current.split(".")[:3] if part.isdigit()]
    major, minor, patch = (parts + [0, 0, 0])[:3]
    if report.by_level("breaking"):
        return f"{major + 1}.0.0"
    if report.by_level("non_breaking") or report.custom_fields:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def changelog_entry(report: Report, *, version: str, old_api: str, new_api: str) -> str:
    """A Markdown CHANGELOG entry: the new client version and what changed for its users."""
    body = to_markdown(report, title=f"{version} (API {old_api} → {new_api})")
    return body.replace("### ", "#### ").replace("## ", "### ", 1)
