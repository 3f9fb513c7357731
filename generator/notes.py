"""Release notes in the client's terms: what each change of a release does to code that uses
the generated client, with its Python names (`client.products.list(...)` now requires
`company_id=`; `Product.short_description` is gone; `Order.balance` is now `float`, not `str`).

The diff (`generator.diff`) speaks of paths and schemas; its readers write Python. This module
builds the client model of both documents and names, for every change, the method, argument,
class or attribute it touches.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.changes import Change, Report
from generator.client_model import ClientModel, Operation
from generator.document import Document, schemas_of
from generator.model import Annotations
from generator.naming import identifier


@dataclass(frozen=True)
class Side:
    """One document's client model, looked up by the diff's operation labels and schema names."""

    client: ClientModel
    annotations: Annotations

    @classmethod
    def of(cls, document: Document, client: ClientModel) -> Side:
        """The side of `client`, built from the normalized `document`."""
        class_names = {schema.spec_name: schema.class_name for schema in client.schemas}
        return cls(client, Annotations(schemas_of(document), class_names))

    def operation(self, label: str | None) -> Operation | None:
        return next((op for op in self.client.operations if op.label == label), None)

    def class_name(self, schema: str | None) -> str:
        return next((s.class_name for s in self.client.schemas if s.spec_name == schema), "")

    def python_type(self, schema: str | None, prop: str | None) -> str:
        """The annotation of a schema's property (or of the schema), as models read it."""
        found = schemas_of(self.client.document).get(schema or "")
        if isinstance(found, dict) and prop is not None:
            found = (found.get("properties") or {}).get(prop)
        return self.annotations.of(found, accept_mappings=False).replace("builtins.", "")

    def takers(self, schema: str | None) -> list[Operation]:
        """The operations whose request body is this schema."""
        name = self.class_name(schema)
        return [op for op in self.client.operations if name and op.body_model == name]


def _call(op: Operation | None, *extra: str) -> str:
    if op is None:
        return ""
    return f"client.{op.resource}.{op.method_name}({', '.join(['...', *extra])})"


def _argument(op: Operation | None, wire_name: str | None) -> str:
    """The method argument of a parameter or body property, by its wire name."""
    arguments = [] if op is None else op.arguments
    found = next((a.name for a in arguments if a.wire_name == wire_name), None)
    return found or identifier(str(wire_name or ""))


def _attribute(side: Side, change: Change) -> str:
    return f"{side.class_name(change.schema)}.{identifier(str(change.property or ''))}"


# What a change of an operation does to a call, by rule: `before`/`after` are the call in the
# old/new client, `argument` the parameter's argument, `with_it` a call that passes it.
_OPERATION_TERMS = {
    "operation-removed": "`{before}` is gone",
    "operation-added": "`{after}` is new",
    "operation-moved": "`{after}` calls its new path; your code does not change",
    "parameter-added-required": "`{before}` → `{with_it}`: `{argument}=` is now required",
    "parameter-became-required": "`{before}` → `{with_it}`: `{argument}=` is now required",
    "parameter-added": "`{after}` takes `{argument}=` (optional)",
    "parameter-removed": "`{with_it}` → `{after}`: `{argument}=` is gone",
    "parameter-type-changed": "`{argument}=` of `{after}` takes another type",
    "request-body-became-required": "`{after}` now requires its body",
    "response-type-changed": "`{after}` now returns `{returns}`, not `{returned}`",
    "security-changed": "`{after}` needs other credentials",
    "operation-deprecated": "`{after}` is deprecated: it warns, and type checkers flag it",
    "parameter-deprecated": "`{argument}=` of `{after}` is deprecated: passing it warns",
}


def _operation_terms(change: Change, old: Side, new: Side) -> str:
    template = _OPERATION_TERMS.get(change.rule)
    if template is None:
        return ""
    before, after = old.operation(change.operation), new.operation(change.operation)
    before, after = before or after, after or before  # removed or added: the one there is
    argument = _argument(after, change.property)
    return template.format(
        before=_call(before),
        after=_call(after),
        argument=argument,
        with_it=_call(after if change.rule != "parameter-removed" else before, f"{argument}=..."),
        returns=after.response_annotation if after else "",
        returned=before.response_annotation if before else "",
    )


def _schema_terms(change: Change, old: Side, new: Side) -> str:
    rule = change.rule
    attribute = _attribute(new if rule != "response-property-removed" else old, change)
    if rule == "schema-removed":
        return f"`{old.class_name(change.schema)}` is gone"
    if rule == "schema-added":
        return f"`{new.class_name(change.schema)}` is new"
    if rule == "request-property-removed" and old.takers(change.schema):
        argument = _argument(old.takers(change.schema)[0], change.property)
        calls = [f"`{_call(op)}`" for op in old.takers(change.schema)]
        return f"{', '.join(calls)}: `{argument}=` is gone"
    if rule in ("response-property-removed", "request-property-removed"):
        return f"`{_attribute(old, change)}` is gone"
    if rule in ("request-property-added-required", "request-property-became-required"):
        calls = [
            f"`{_call(op, f'{_argument(op, change.property)}=...')}`"
            for op in new.takers(change.schema)
        ]
        return f"{', '.join(calls) or '`' + attribute + '`'}: now required"
    if rule == "property-type-changed":
        was = old.python_type(change.schema, change.property)
        return (
            f"`{attribute}` is now `{new.python_type(change.schema, change.property)}`, not `{was}`"
        )
    if rule == "optional-property-added":
        return f"`{attribute}` is new (optional)"
    if rule in ("enum-value-added", "enum-value-removed"):
        verb = "takes" if rule == "enum-value-added" else "no longer takes"
        value = change.message.rsplit("enum value ", 1)[-1].rsplit(" ", 1)[0]
        return f"`{attribute}` {verb} {value}"
    if rule == "property-deprecated":
        return f"`{attribute}` is deprecated"
    return ""


def client_terms(report: Report, before: Side, after: Side) -> dict[Change, str]:
    """Each change of `report` (old → new) as it reads in client code; what no code sees
    (a scheme's key, a status, a path) says that the code does not change; "" for text."""
    terms = {}
    for change in report.changes:
        if change.level == "info" and change.operation and change.rule in _UNSEEN:
            terms[change] = f"{_UNSEEN[change.rule]}: your code does not change"
            continue
        text = _operation_terms(change, before, after) if change.operation else ""
        terms[change] = text or _schema_terms(change, before, after)
    return terms


# What a change a client's user cannot see does on the wire, by rule.
_UNSEEN = {
    "operation-moved": "the method calls the new path",
    "security-changed": "the credentials sent are the same",
    "response-status-changed": "the success status is another, with the same body",
    "operation-id-changed": "the method keeps its name",
}
