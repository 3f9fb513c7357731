"""The verdict of a release: what it does to code that uses the generated client.

`diff` says what changed in the document; this module says what that does to a user's code,
by comparing the two client models (the data the templates render): methods, their arguments
and return types, model classes and their fields, literal sets, credentials. Variance decides:

- an argument or request field must accept at least what it accepted; accepting more is fine;
- a return value or response field must be at most what it was (an added enum value is not
  more: the client reads values it does not know);
- a Python name that disappears or changes (method, keyword argument, class) breaks;
- what no code can see (a scheme's key, a success status with the same body, text) is info.

Each diff change takes its level from the effects found at its place (operation, schema,
property); an effect no change explains becomes a change of its own.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from generator.changes import LEVELS, Change, Report
from generator.diff import diff as document_diff
from generator.diff import renamed_schemas
from generator.document import Document
from generator.errors import json_pointer
from generator.model import build
from generator.naming import identifier
from generator.notes import Side, client_terms
from generator.pytypes import PyType, is_subtype, literal_values
from generator.surface import Arg, FieldSig, Method, Model, Surface, surface


@dataclass(frozen=True)
class Effect:
    """What a release does to user code at one place (the coordinates of `changes.Change`)."""

    level: str
    rule: str
    operation: str | None
    schema: str | None
    property: str | None
    words: str
    """The effect in the user's terms, with their Python names."""


class _Comparison:
    """The effects of going from `old` to `new`; `renamed`: old class name → new."""

    def __init__(self, old: Surface, new: Surface, renamed: dict[str, str]):
        self.old, self.new, self.renamed = old, new, renamed
        self.effects: list[Effect] = []

    def same(self, one: str, other: str) -> bool:
        """Two class names name one class: the same name, or a schema renamed (either way)."""
        renamed = self.renamed
        return one == other or renamed.get(one) == other or renamed.get(other) == one

    def add(
        self,
        level: str,
        rule: str,
        words: str,
        *,
        op: str | None = None,
        schema: str | None = None,
        prop: str | None = None,
    ) -> None:
        self.effects.append(Effect(level, rule, op, schema, prop, words))

    def run(self) -> list[Effect]:
        self.methods()
        self.models()
        self.credentials()
        return self.effects

    def methods(self) -> None:
        old, new = self.old.methods, self.new.methods
        new_by_label = {m.label: m for m in new.values()}
        for call, before in old.items():
            after = new.get(call)
            if (
                after is None
                and (moved := new_by_label.get(before.label)) is not None
                and moved.call not in old
            ):
                self.add(
                    "breaking",
                    "method-renamed",
                    f"`{call}(...)` is now `{moved.call}(...)`",
                    op=before.label,
                )
                after = moved
            if after is None:
                self.add("breaking", "method-removed", f"`{call}(...)` is gone", op=before.label)
                continue
            self.method(before, after)
        renamed_to = {new_by_label[m.label].call for m in old.values() if m.label in new_by_label}
        for call, after in new.items():
            if call not in old and call not in renamed_to:
                self.add("non_breaking", "method-added", f"`{call}(...)` is new", op=after.label)

    def method(self, before: Method, after: Method) -> None:
        op, call = after.label, after.call
        if after.deprecated and not before.deprecated:
            self.add(
                "non_breaking",
                "method-deprecated",
                f"`{call}(...)` is deprecated: it warns, and type checkers flag it",
                op=op,
            )
        self.arguments(before, after)
        if before.body[0] != after.body[0] and before.body[0] and after.body[0]:
            self.add(
                "breaking",
                "body-encoding-changed",
                f"`{call}(...)` sends its body as {after.body[0]}, not {before.body[0]}",
                op=op,
            )
        elif before.body[1] and after.body[1] and not self.same(before.body[1], after.body[1]):
            self.add(
                "breaking",
                "body-model-changed",
                f"`{call}(...)` takes `{after.body[1]}`, not `{before.body[1]}`",
                op=op,
            )
        if after.body_required and not before.body_required:
            self.add(
                "breaking", "body-became-required", f"`{call}(...)` now requires its body", op=op
            )
        self.returns(
            f"`{call}(...)`",
            before.returns,
            after.returns,
            rule="return-type-changed",
            verb="now returns",
            op=op,
        )
        self.security(before, after)

    def arguments(self, before: Method, after: Method) -> None:
        op, call = after.label, after.call
        by_wire = {(a.wire, a.positional): a for a in after.args.values()}
        gone = [a for name, a in before.args.items() if name not in after.args]
        new_names = [a for name, a in after.args.items() if name not in before.args]
        for old_arg in gone:
            twin = by_wire.get((old_arg.wire, old_arg.positional))
            if twin is None and old_arg.positional:  # a path parameter renamed: same position
                position = [a for a in before.args.values() if a.positional].index(old_arg)
                positional = [a for a in after.args.values() if a.positional]
                twin = (
                    positional[position]
                    if position < len(positional) and positional[position] in new_names
                    else None
                )
            if twin is not None and twin in new_names:
                new_names.remove(twin)
                how = (
                    "positional calls still work" if old_arg.positional else "the wire is unchanged"
                )
                self.add(
                    "breaking",
                    "argument-renamed",
                    f"`{call}({old_arg.name}=...)` is now `{call}({twin.name}=...)`: "
                    f"keyword callers break; {how}",
                    op=op,
                    prop=old_arg.wire,
                )
                self.argument(call, op, old_arg, twin)
            else:
                self.add(
                    "breaking",
                    "argument-removed",
                    f"`{call}({old_arg.name}=...)`: `{old_arg.name}=` is gone",
                    op=op,
                    prop=old_arg.wire,
                )
        for new_arg in new_names:
            if new_arg.required:
                self.add(
                    "breaking",
                    "argument-added-required",
                    f"`{call}(...)` → `{call}(..., {new_arg.name}=...)`: "
                    f"`{new_arg.name}=` is now required",
                    op=op,
                    prop=new_arg.wire,
                )
            else:
                self.add(
                    "non_breaking",
                    "argument-added",
                    f"`{call}(...)` takes `{new_arg.name}=` (optional)",
                    op=op,
                    prop=new_arg.wire,
                )
        for name, old_arg in before.args.items():
            if name in after.args:
                self.argument(call, op, old_arg, after.args[name])

    def argument(self, call: str, op: str, before: Arg, after: Arg) -> None:
        name = after.name
        self.member(
            "argument",
            f"`{name}=` of `{call}(...)`",
            f"`{call}(...)` → `{call}(..., {name}=...)`: `{name}=` is now required",
            (before, after),
            (before.type, after.type),
            sent=True,
            op=op,
            prop=before.wire,
        )

    def member(
        self,
        kind: str,
        what: str,
        required: str,
        pair: tuple[Arg | FieldSig, Arg | FieldSig],
        types: tuple[PyType, PyType],
        *,
        sent: bool,
        read: bool = False,
        **where: Any,
    ) -> None:
        """What changed in an argument or a model field (`kind`): now required (`required`
        says it), deprecated, its type as sent and as read."""
        before, after = pair
        if sent and after.required and not before.required:
            self.add("breaking", f"{kind}-became-required", required, **where)
        if after.deprecated and not before.deprecated:
            self.add("non_breaking", f"{kind}-deprecated", f"{what} is deprecated", **where)
        if sent:
            self.accepts(what, *types, **where)
        if read:
            self.returns(what, *types, **where)

    def accepts(self, what: str, before: PyType, after: PyType, **where: Any) -> None:
        """A value the user sends: it must accept at least what it accepted."""
        if before == after or _renamed_only(before, after, self.same):
            return
        if is_subtype(before, after, same=self.same):
            self.add(
                "non_breaking",
                "accepts-more",
                f"{what} now takes `{after}` (was `{before}`)",
                **where,
            )
            return
        lost = literal_values(before) - literal_values(after)
        if lost and is_subtype(after, before, same=self.same):
            values = ", ".join(repr(v) for v in sorted(lost, key=repr))
            self.add(
                "breaking", "accepts-fewer-values", f"{what} no longer takes {values}", **where
            )
        else:
            self.add(
                "breaking", "accepts-other-type", f"{what} takes `{after}`, not `{before}`", **where
            )

    def returns(
        self,
        what: str,
        before: PyType,
        after: PyType,
        *,
        rule: str = "reads-other-type",
        verb: str = "is now",
        **where: Any,
    ) -> None:
        """A value the user reads (a field, a method's result): it must be at most what it
        was (new enum values are read)."""
        if before == after or _renamed_only(before, after, self.same):
            return
        narrower = is_subtype(after, before, open_literals=True, same=self.same)
        level = "non_breaking" if narrower else "breaking"
        self.add(level, rule, f"{what} {verb} `{after}`, not `{before}`", **where)

    def security(self, before: Method, after: Method) -> None:
        if before.security == after.security:
            return
        kept = all(any(b <= a for b in after.security) for a in before.security)
        if kept:
            self.add(
                "non_breaking",
                "credentials-accepted",
                f"`{after.call}(...)` also accepts other credentials",
                op=after.label,
            )
        else:
            self.add(
                "breaking",
                "credentials-required",
                f"`{after.call}(...)` needs other credentials than before",
                op=after.label,
            )

    def models(self) -> None:
        old, new = self.old.models, self.new.models
        for name, before in old.items():
            after_name = self.renamed.get(name, name)
            after = new.get(after_name)
            if after is None:
                self.add("breaking", "class-removed", f"`{name}` is gone", schema=before.spec_name)
                continue
            if after_name != name:
                self.add(
                    "breaking",
                    "class-renamed",
                    f"`{name}` is now `{after_name}`: the fields are the same",
                    schema=after.spec_name,
                )
            self.fields(after_name, before, after)
        kept = {self.renamed.get(name, name) for name in old}
        for name, after in new.items():
            if name not in kept:
                self.add("non_breaking", "class-added", f"`{name}` is new", schema=after.spec_name)

    def fields(self, class_name: str, before: Model, after: Model) -> None:
        schema = after.spec_name
        sent, read = before.request or after.request, before.response or after.response
        for wire, old_field in before.fields.items():
            attribute = f"`{class_name}.{identifier(wire)}`"
            new_field = after.fields.get(wire)
            if new_field is None:
                self.add(
                    "breaking", "field-removed", f"{attribute} is gone", schema=schema, prop=wire
                )
                continue
            self.member(
                "field",
                attribute,
                f"{attribute} is now required",
                (old_field, new_field),
                _field_types(old_field, new_field),
                sent=sent,
                read=read,
                schema=schema,
                prop=wire,
            )
        for wire, new_field in after.fields.items():
            if wire in before.fields:
                continue
            attribute = f"`{class_name}.{identifier(wire)}`"
            if sent and new_field.required:
                self.add(
                    "breaking",
                    "field-added-required",
                    f"{attribute} is new and required",
                    schema=schema,
                    prop=wire,
                )
            else:
                self.add(
                    "non_breaking",
                    "field-added",
                    f"{attribute} is new (optional)",
                    schema=schema,
                    prop=wire,
                )

    def credentials(self) -> None:
        old, new = set(self.old.credentials), set(self.new.credentials)
        for gone in sorted(old - new):
            self.add("breaking", "credential-removed", f"`Client({gone}=...)` is gone")
        for added in sorted(new - old):
            self.add("non_breaking", "credential-added", f"`Client(...)` takes `{added}=`")


def _field_types(before: FieldSig, after: FieldSig) -> tuple[PyType, PyType]:
    """The two fields' types as compared: with `None` where a field is optional, unless both
    are (then `Product.sku` reads `int`, not `int | None`)."""
    if before.required or after.required:
        return before.type, after.type
    return before.value, after.value


def _renamed_only(before: PyType, after: PyType, same: Any) -> bool:
    """The two types differ only by classes renamed with the same shape."""
    return is_subtype(before, after, same=same) and is_subtype(after, before, same=same)


def compare(old: Surface, new: Surface, renamed: dict[str, str] | None = None) -> list[Effect]:
    """What going from the client `old` to `new` does to user code."""
    return _Comparison(old, new, renamed or {}).run()


@dataclass(frozen=True)
class Verdict:
    """A release's report, each change at the level its effects give, and the words that
    say what each change does to user code."""

    report: Report
    terms: dict[Change, str]


# The effects each diff rule can explain; a rule not listed has none (text, servers, errors).
_ACCEPTS = frozenset({"accepts-more", "accepts-fewer-values", "accepts-other-type"})
_TYPES = _ACCEPTS | {"reads-other-type"}
EXPLAINS: dict[str, frozenset[str]] = {
    "operation-removed": frozenset({"method-removed"}),
    "operation-added": frozenset({"method-added"}),
    "operation-id-changed": frozenset({"method-renamed"}),
    "operation-deprecated": frozenset({"method-deprecated"}),
    "path-parameter-renamed": frozenset({"argument-renamed"}),
    "parameter-removed": frozenset({"argument-removed"}),
    "parameter-added-required": frozenset({"argument-added-required", "argument-added"}),
    "parameter-added": frozenset({"argument-added", "argument-added-required"}),
    "parameter-became-required": frozenset({"argument-became-required"}),
    "parameter-type-changed": _ACCEPTS,
    "parameter-deprecated": frozenset({"argument-deprecated"}),
    "request-body-became-required": frozenset({"body-became-required"}),
    "request-body-media-changed": frozenset({"body-encoding-changed", "body-model-changed"}),
    "response-type-changed": frozenset({"return-type-changed"}),
    "security-changed": frozenset({"credentials-accepted", "credentials-required"}),
    "schema-removed": frozenset({"class-removed"}),
    "schema-added": frozenset({"class-added"}),
    "schema-renamed": frozenset({"class-renamed"}),
    "response-property-removed": frozenset({"field-removed"}),
    "request-property-removed": frozenset({"field-removed"}),
    "request-property-added-required": frozenset({"field-added-required", "field-added"}),
    "optional-property-added": frozenset({"field-added", "field-added-required"}),
    "request-property-became-required": frozenset({"field-became-required"}),
    "property-type-changed": _TYPES,
    "enum-value-removed": _TYPES,
    "enum-value-added": _TYPES,
    "property-deprecated": frozenset({"field-deprecated"}),
}


def _place(item: Change | Effect) -> tuple[str | None, str | None, str | None]:
    return item.operation, item.schema, item.property


def judge(old: Document, new: Document, package: str) -> Verdict:
    """The diff of two normalized documents, each change at the level of what it does to
    the client's users, with what it does in their words; an effect no change of the
    document explains is a change of its own."""
    report = document_diff(old, new)
    if not report.changes:  # nothing to judge: no client to build (a large document's costs)
        return Verdict(report, {})
    old_client, new_client = build(old, package=package), build(new, package=package)
    old_classes = {s.spec_name: s.class_name for s in old_client.schemas}
    new_classes = {s.spec_name: s.class_name for s in new_client.schemas}
    renamed = {
        old_classes[before]: new_classes[after]
        for before, after in renamed_schemas(old, new).items()
    }
    effects = compare(surface(old, old_client), surface(new, new_client), renamed)
    by_place: dict[tuple[str | None, str | None, str | None], list[Effect]] = {}
    for effect in effects:
        by_place.setdefault(_place(effect), []).append(effect)
    changes, words, explained = [], {}, set()
    for change in report.changes:
        rules = EXPLAINS.get(change.rule, frozenset())
        found = [e for e in by_place.get(_place(change), []) if e.rule in rules]
        explained.update(id(e) for e in found)
        level = min((e.level for e in found), key=LEVELS.index, default="info")
        judged = dataclasses.replace(change, verdict=level)
        changes.append(judged)
        words[judged] = "; ".join(dict.fromkeys(e.words for e in found))
    for effect in effects:
        if id(effect) not in explained:
            pointer = json_pointer(("paths",) if effect.operation else ("components", "schemas"))
            change = Change(
                effect.rule,
                effect.operation,
                effect.schema,
                effect.property,
                pointer,
                effect.words,
                effect.level,
            )
            changes.append(change)
            words[change] = effect.words
    judged_report = dataclasses.replace(report, changes=changes)
    fallback = client_terms(judged_report, Side.of(old, old_client), Side.of(new, new_client))
    terms = {change: words[change] or fallback[change] for change in changes}
    changes, terms = _grouped(changes, terms)
    return Verdict(dataclasses.replace(report, changes=changes), terms)


# Rules whose changes, alike in many operations (a scheme renamed, a credential added), are
# said once for all of them.
_GROUPED_RULES = frozenset({"security-changed"})
_CALL = re.compile(r"`client\.[\w.]+\(\.\.\.\)`")


def _grouped(
    changes: list[Change], terms: dict[Change, str]
) -> tuple[list[Change], dict[Change, str]]:
    """Changes of a grouped rule with one message and level in several operations, as one."""
    groups: dict[tuple[str, str, str], list[Change]] = {}
    for change in changes:
        if change.rule in _GROUPED_RULES:
            groups.setdefault((change.rule, change.message, change.level), []).append(change)
    result, kept = [], {}
    for change in changes:
        group = groups.get((change.rule, change.message, change.level), [change])
        if len(group) == 1:
            result.append(change)
            kept[change] = terms[change]
        elif change is group[0]:
            message = f"{change.message} ({len(group)} operations)"
            merged = dataclasses.replace(change, operation=None, message=message)
            result.append(merged)
            kept[merged] = _CALL.sub("each of these methods", terms[change])
    return result, kept
