"""The vocabulary of a release report: each change's rule, level, place and message.

`diff` (schemas, renames) and `operation_diff` (operations) find the changes; `compat` gives
each its level by what it does to the client's users; `changelog` and `notes` say them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    "path-parameter-renamed": "breaking",
    "request-body-media-changed": "breaking",
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
    "schema-renamed": "breaking",
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
    "info-changed": "info",
    "custom-field-added": "info",
    "custom-field-removed": "info",
    "custom-field-changed": "info",
}
# The rules of changes to tenants' custom fields, reported apart from the API's.
CUSTOM_FIELD_RULE = "custom-field-"
# Deprecations: non-breaking, but the changelog lists them apart (the next major removes them).
DEPRECATED_RULE = "-deprecated"


def newly_deprecated(old: Any, new: Any) -> bool:
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
    verdict: str | None = None
    """The level the client comparison gave it (`generator.compat`); None: the rule's own."""

    @property
    def level(self) -> str:
        return self.verdict or RULES.get(self.rule, "breaking")


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
    found, declared = view(schema), schema.get("type")
    if found.ref:
        return found.ref
    if found.enum and "enum" in schema:
        return "enum " + "|".join(str(value) for value in found.enum)
    if declared == "array":
        return f"array of {describe(found.items)}"
    text = "|".join(declared) if isinstance(declared, list) else str(declared or "any")
    return f"{text} ({found.format})" if found.format else text


def shape(schema: Any) -> tuple[Any, ...]:
    """What a client's type depends on: type, format, item shape, referenced schema."""
    if not isinstance(schema, dict):
        return ()
    found = view(schema)
    declared = schema.get("type")
    return (
        tuple(declared) if isinstance(declared, list) else declared,
        found.format,
        found.ref,
        shape(found.items) if declared == "array" else (),
    )


def make_change(
    rule: str,
    pointer: tuple[Any, ...],
    message: str,
    *,
    operation: str | None = None,
    schema: str | None = None,
    prop: str | None = None,
) -> Change:
    return Change(rule, operation, schema, prop, json_pointer(pointer), message)
