"""Stage 4c: the model generator's code made ours, on its syntax tree: tagged unions, open
enums, value aliases and declared configs (`model_passes`), and the proof that every
component became exactly one class of its name (`check_model_binding`). Every span comes
from the tree, so nothing inside a string is touched."""

from __future__ import annotations

import ast
import functools
import itertools
import json
from collections.abc import Callable

from generator.client_model import ClientModel
from generator.errors import SpecError, json_pointer

# An edit of model code: the byte span it replaces, and what makes the new text of the old.
Edit = tuple[int, int, Callable[[str], str]]


def model_passes(code: str, tree: ast.Module, package: str) -> str:
    """The model generator's code (`tree`: its syntax tree) with tagged unions, open enums
    and value aliases in place. Every span comes from the tree, so nothing inside a string
    is touched; a value alias replaces its whole class, edits inside it included."""
    starts = [0]  # each line's first byte: the tree's columns count UTF-8 bytes
    for line in code.encode().splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    aliases = value_aliases(tree, code, starts)
    passes = {
        (f"{package}._model_base", "Tagged"): tagged_unions(tree, starts),
        (f"{package}._model_base", "OpenEnum"): open_enums(tree, starts),
        ("typing", "ClassVar"): declared_configs(tree, starts),
    }
    outside = {
        name: [e for e in edits if not any(a[0] <= e[0] < a[1] for a in aliases)]
        for name, edits in passes.items()
    }
    data = code.encode()
    every = [*aliases, *itertools.chain(*outside.values())]
    for begin, finish, make in sorted(every, key=lambda edit: edit[0], reverse=True):
        data = data[:begin] + make(data[begin:finish].decode()).encode() + data[finish:]
    result = data.decode()
    for (module, name), edits in [*outside.items(), (("typing", "TypeAlias"), aliases)]:
        result = _imported(result, module, name) if edits else result
    return result


def _span(node: ast.expr, starts: list[int], make: Callable[[str], str]) -> Edit:
    """An edit of `node`'s source."""
    begin = starts[node.lineno - 1] + node.col_offset
    return begin, starts[(node.end_lineno or 1) - 1] + (node.end_col_offset or 0), make


def _imported(code: str, module: str, name: str) -> str:
    """`code` importing `name` from `module`, after its `__future__` import."""
    future = "from __future__ import annotations\n"
    return code.replace(future, f"{future}\nfrom {module} import {name}\n", 1)


def open_enums(tree: ast.Module, starts: list[int]) -> list[Edit]:
    """Each enum field's `Literal[...]` as `OpenEnum[Literal[...]]` (`_model_base.OpenEnum`:
    typed as the documented values, a newer value kept at run time)."""
    return [
        _span(node, starts, lambda literal: f"OpenEnum[{literal}]")
        for statement in ast.walk(tree)
        if isinstance(statement, ast.AnnAssign)
        for node in ast.walk(statement.annotation)
        if isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Literal"
    ]


def declared_configs(tree: ast.Module, starts: list[int]) -> list[Edit]:
    """Each class's `model_config = ConfigDict(...)` declared as the base class declares
    it, `model_config: ClassVar[ConfigDict] = ...`: an undeclared one is a type other
    checkers may infer differently (`pyright --verifytypes` counts the class unknown)."""
    return [
        _span(statement.targets[0], starts, lambda name: f"{name}: ClassVar[ConfigDict]")
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for statement in node.body
        if isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and statement.targets[0].id == "model_config"
    ]


def tagged_unions(tree: ast.Module, starts: list[int]) -> list[Edit]:
    """The model generator's `Field(discriminator="kind", ...)` as `Tagged("kind"),
    Field(...)` (`_model_base.Tagged`: the tag picks the member, and an unknown tag keeps
    the item as it came instead of failing the response)."""
    edits = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "Field"):
            continue
        tags = [k for k in node.keywords if k.arg == "discriminator"]
        if len(tags) == 1 and isinstance(tags[0].value, ast.Constant):
            rest = ast.Call(node.func, node.args, [k for k in node.keywords if k not in tags])
            field = f", {ast.unparse(rest)}" if rest.args or rest.keywords else ""
            tagged = f"Tagged({json.dumps(str(tags[0].value.value))}){field}"
            edits.append(_span(node, starts, functools.partial(_constant, tagged)))
    return edits


def _constant(text: str, _replaced_text: str) -> str:
    return text


def value_aliases(tree: ast.Module, code: str, starts: list[int]) -> list[Edit]:
    """Each value component's `class X(RootModel[Literal[...]])` (or of `str`, `int`,
    `Datetime`...) as the type alias `X: TypeAlias = Literal[...]`: a field is the value
    itself (`model_document` puts it where it is used), and so is what a user annotates
    with `X`, so `cat.status == "active"` holds. Its docstring stays under it. Each edit
    spans its class's whole lines, decorators included."""
    lines = code.splitlines(keepends=True)
    edits: list[Edit] = []
    for node in tree.body:
        value = _value_root(node)
        if value is None:
            continue
        assert isinstance(node, ast.ClassDef) and node.end_lineno is not None
        docstring = _attribute_doc(node, lines)
        alias = f"{node.name}: TypeAlias = {value}\n" + (f"{docstring}\n" if docstring else "")
        first = node.lineno - 1 - len(node.decorator_list)
        edits.append((starts[first], starts[node.end_lineno], functools.partial(_constant, alias)))
    return edits


# What a value component's root is: a literal, or one of these (with `| None`).
_VALUE_TYPES = frozenset(
    {"str", "int", "float", "bool", "bytes", "Datetime", "AwareDatetime", "date", "time"}
    | {"timedelta", "UUID", "Decimal", "None"}
)


def _value_root(node: ast.stmt) -> str | None:
    """The type of `class X(RootModel[T])` when T is a value (`Literal[...]`, `str`, `int
    | None`...), not a list, a union of models or a mapping."""
    if not isinstance(node, ast.ClassDef) or len(node.bases) != 1:
        return None
    base = node.bases[0]
    if not (isinstance(base, ast.Subscript) and ast.unparse(base.value) == "RootModel"):
        return None
    members = [base.slice]
    while isinstance(last := members[-1], ast.BinOp) and isinstance(last.op, ast.BitOr):
        members[-1:] = [last.left, last.right]
    for member in members:
        is_literal = isinstance(member, ast.Subscript) and ast.unparse(member.value) == "Literal"
        if not is_literal and ast.unparse(member) not in _VALUE_TYPES:
            return None
    return ast.unparse(base.slice)


def _attribute_doc(node: ast.ClassDef, lines: list[str]) -> str | None:
    """The source of the docstring under a root model's `root` field (where the model
    generator puts the schema's description), as it was written: its whole lines (not
    `ast.get_source_segment`, which splits the module again for every call)."""
    for first, second in itertools.pairwise(node.body):
        is_text = isinstance(second, ast.Expr) and isinstance(second.value, ast.Constant)
        if isinstance(first, ast.AnnAssign) and is_text:
            return "".join(lines[second.lineno - 1 : second.end_lineno]).strip()
    return None


def _class_fields(module: ast.Module) -> dict[str, list[set[str]]]:
    """Class name → the wire names of its fields, for every definition of that name."""
    found: dict[str, list[set[str]]] = {}
    for node in module.body:
        if isinstance(node, ast.ClassDef):
            own = {"model_config", *(("root",) if _is_root_model(node) else ())}  # pydantic's
            fields = {
                _wire_name(statement)
                for statement in node.body
                if isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.target.id not in own
            }
            found.setdefault(node.name, []).append(fields)
    return found


def _is_root_model(node: ast.ClassDef) -> bool:
    """`class X(RootModel[...])`: its `root` field is pydantic's, not a property."""
    return any(ast.unparse(base).startswith("RootModel") for base in node.bases)


def _wire_name(statement: ast.AnnAssign) -> str:
    for node in ast.walk(statement):
        is_alias = isinstance(node, ast.keyword) and node.arg == "alias"
        if is_alias and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    assert isinstance(statement.target, ast.Name)
    return statement.target.id


def check_model_binding(client: ClientModel, trees: dict[str, ast.Module]) -> None:
    """Resources and `models/__init__` import models by the names `model` chose: prove that
    each component became exactly one class of that name, with the component's own
    properties, so no method can parse into a class another schema took. Fail loudly."""
    classes = {path: _class_fields(tree) for path, tree in trees.items()}
    for schema in client.schemas:
        path = f"{client.package}/models/{schema.module}.py"
        definitions = [
            fields for p, found in classes.items() for fields in found.get(schema.class_name, [])
        ]
        problem = None
        if len(definitions) != 1:
            problem = f"{len(definitions)} classes {schema.class_name} (expected one in {path})"
        elif not classes.get(path, {}).get(schema.class_name):
            problem = f"class {schema.class_name} is not in {path}"
        elif schema.properties is not None and definitions[0] != set(schema.properties):
            problem = f"class {schema.class_name} has other fields than the schema"
        if problem:
            raise SpecError(
                f"model generation did not bind schema {schema.spec_name!r}: {problem}",
                pointer=json_pointer(("components", "schemas", schema.spec_name)),
            )
