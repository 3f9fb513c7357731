"""Schemas as the Python types a client's user sees, and when one type may stand for another.

The release verdict (`generator.compat`) asks of every argument, return value and model field
whether old code still type-checks: an argument must accept at least what it accepted (the
old type is a subtype of the new), a returned value must be at most what it was (the new type
is a subtype of the old). Types are spelled as user code spells them (`str | float`,
`SyncPage[Product]`, `Literal['a', 'b']`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.document import is_object, resolve
from generator.schema import view

# Formats whose values the models parse into another type than `str`.
_FORMAT_NAMES = {"date-time": "datetime", "date": "date", "uuid": "UUID", "binary": "bytes"}
_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
# What Python's type checkers accept in place of another (PEP 484's numeric tower).
_PROMOTIONS = {("int", "float"), ("bool", "int"), ("bool", "float")}


@dataclass(frozen=True)
class PyType:
    """A type: `any`, a primitive (`str`, `None`...), a `literal` value, a `model` class,
    `list[...]`, `dict[str, ...]`, a `page` of items, or a `union` of others."""

    kind: str
    name: str = ""
    value: Any = None
    args: tuple[PyType, ...] = ()

    def __str__(self) -> str:
        if self.kind == "literal":
            return f"Literal[{self.value!r}]"
        if self.kind in ("list", "page"):
            return f"{self.name}[{self.args[0]}]"
        if self.kind == "map":
            return f"dict[str, {self.args[0]}]"
        if self.kind == "union":
            literals = [repr(m.value) for m in self.args if m.kind == "literal"]
            others = [str(m) for m in self.args if m.kind != "literal" and m.name != "None"]
            shown = ([f"Literal[{', '.join(literals)}]"] if literals else []) + others
            return " | ".join(shown + (["None"] if NONE in self.args else []))
        return self.name or "Any"


ANY = PyType("any")
NONE = PyType("prim", "None")


def prim(name: str) -> PyType:
    return PyType("prim", name)


def union(members: list[PyType]) -> PyType:
    """`A | B`, flattened, each member once; `Any` absorbs the rest."""
    flat: list[PyType] = []
    for member in members:
        for part in member.args if member.kind == "union" else (member,):
            if part not in flat:
                flat.append(part)
    if ANY in flat or not flat:
        return ANY
    return flat[0] if len(flat) == 1 else PyType("union", args=tuple(flat))


def optional(member: PyType) -> PyType:
    return union([member, NONE])


class Typer:
    """The types of one document's schemas: a `$ref` to an object is its model class."""

    def __init__(self, schemas: dict[str, Any], class_names: dict[str, str]):
        self.schemas = schemas
        self.class_names = class_names

    def of(self, schema: Any, depth: int = 0) -> PyType:
        if not isinstance(schema, dict) or depth > 16:
            return ANY
        shape = view(schema)
        if shape.ref is not None:
            target = self.schemas.get(shape.ref)
            found = (
                PyType("model", self.class_names.get(shape.ref, shape.ref))
                if is_object(target)
                else self.of(resolve(schema, self.schemas), depth + 1)
            )
            return optional(found) if shape.nullable else found
        found = self._base(shape, schema, depth)
        return optional(found) if shape.nullable else found

    def _base(self, shape: Any, schema: dict[str, Any], depth: int) -> PyType:
        if shape.enum is not None:
            values = [PyType("literal", value=v) for v in shape.enum if v is not None]
            return union(values + ([NONE] if None in shape.enum else []))
        if shape.union is not None:
            return union([self.of(member, depth + 1) for member in shape.union])
        if shape.all_of is not None and len(shape.all_of) == 1:
            return self.of(shape.all_of[0], depth + 1)
        if len(shape.kinds) > 1:
            return union(
                [self._base(view({**schema, "type": k}), schema, depth) for k in shape.kinds]
            )
        if shape.null_only:
            return NONE
        if shape.kind == "array":
            return PyType("list", "list", args=(self.of(shape.items, depth + 1),))
        if shape.is_object:
            extra = schema.get("additionalProperties")
            return PyType(
                "map", args=(self.of(extra, depth + 1) if isinstance(extra, dict) else ANY,)
            )
        if shape.kind == "string" and shape.format in _FORMAT_NAMES:
            return prim(_FORMAT_NAMES[shape.format])
        return prim(_PRIMITIVES[shape.kind]) if shape.kind in _PRIMITIVES else ANY


def _base_name(value: Any) -> str:
    """The primitive a literal value belongs to."""
    if isinstance(value, bool):
        return "bool"
    return "int" if isinstance(value, int) else "float" if isinstance(value, float) else "str"


Same = Callable[[str, str], bool]
"""Whether two model class names name one class (the same name, or a renamed schema)."""


def _same_name(old: str, new: str) -> bool:
    return old == new


def is_subtype(
    sub: PyType, sup: PyType, *, open_literals: bool = False, same: Same = _same_name
) -> bool:
    """Whether every value of `sub` is a value of `sup`, as a type checker sees it.
    `open_literals`: a literal stands for any value of its kind where `sup` has literals of
    that kind (the client reads enum values it does not know: an added value breaks no
    reader)."""

    def check(a: PyType, b: PyType) -> bool:
        if a.kind == "any" or b.kind == "any":
            return True
        if a.kind == "union":
            return all(check(member, b) for member in a.args)
        if b.kind == "union":
            if open_literals and a.kind == "literal":
                kind = _base_name(a.value)
                if any(m.kind == "literal" and _base_name(m.value) == kind for m in b.args):
                    return True
            return any(check(a, member) for member in b.args)
        if a.kind == "literal":
            if b.kind == "literal":
                return a.value == b.value or (
                    open_literals and _base_name(a.value) == _base_name(b.value)
                )
            return b.kind == "prim" and (
                b.name == _base_name(a.value) or (_base_name(a.value), b.name) in _PROMOTIONS
            )
        if a.kind != b.kind:
            return False
        if a.kind == "prim":
            return a.name == b.name or (a.name, b.name) in _PROMOTIONS
        if a.kind == "model":
            return same(a.name, b.name)
        return a.name == b.name and all(check(x, y) for x, y in zip(a.args, b.args, strict=True))

    return check(sub, sup)


def literal_values(found: PyType) -> set[Any]:
    """The literal values a type lists."""
    members = found.args if found.kind == "union" else (found,)
    return {m.value for m in members if m.kind == "literal"}
