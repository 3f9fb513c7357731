"""Code a user writes against a generated client, made from its client model: every method
called with every argument by keyword (example values), each result kept in a variable of
the type the method returns, and each field of a returned model read into a variable of its
type. Type-checked against a *later* package, it shows what a release breaks in user code:
the release verdict (`generator.compat`) must call a release breaking exactly when mypy
finds an error here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from generator.client_model import Argument, ClientModel, Operation
from generator.document import merged_all_of, schemas_of
from generator.examples import example_value
from generator.model import Annotations
from generator.naming import identifier
from generator.render import python_literal

HEADER = """\
from __future__ import annotations

import builtins
import datetime
import uuid
from typing import Any, Literal

import {package}
from {package} import SyncPage, models


def use(client: {package}.Client) -> None:
"""


def _value(argument: Argument, schemas: dict[str, Any]) -> str:
    annotation = argument.annotation
    if "FileTypes" in annotation or "FileContent" in annotation:
        return 'b"data"'
    given = example_value(argument.schema, schemas)
    literal = python_literal(given)
    if annotation.startswith("uuid.UUID") and isinstance(given, str):
        return f"uuid.UUID({literal})"
    return literal


def _call(op: Operation, schemas: dict[str, Any]) -> str:
    arguments = [f"{a.name}={_value(a, schemas)}" for a in op.arguments]
    if op.body_encoding == "binary" and op.body_annotation is not None:
        arguments.append('body=b"data"')
    return f"client.{op.resource}.{op.method_name}({', '.join(arguments)})"


def _returns(op: Operation) -> str:
    if op.paginated:
        return f"SyncPage[{op.response_model or 'Any'}]"
    return op.response_annotation


_LITERAL = re.compile(r"^Literal\[(.*)\]( \| None)?$")


def _opened(annotation: str) -> str:
    """A field of an enum's values read as users read it, as its kind (`str`): the client
    reads values it does not know, so a value the API adds is not a break (README)."""
    found = _LITERAL.match(annotation)
    if found is None:
        return annotation
    kind = "str" if found.group(1).startswith(("'", '"')) else "int"
    return kind + (found.group(2) or "")


def model_attributes(package: Path) -> dict[str, dict[str, str]]:
    """Class → wire name → attribute, as the generated models spell them (the model
    generator names the attributes: `_id` is `field_id`)."""
    found: dict[str, dict[str, str]] = {}
    for module in sorted((package / "models").glob("*.py")):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.ClassDef):
                found[node.name] = {
                    _wire_name(statement): statement.target.id
                    for statement in node.body
                    if isinstance(statement, ast.AnnAssign)
                    and isinstance(statement.target, ast.Name)
                }
    return found


def _wire_name(statement: ast.AnnAssign) -> str:
    for node in ast.walk(statement):
        if isinstance(node, ast.keyword) and node.arg == "alias":
            return str(ast.literal_eval(node.value))
    assert isinstance(statement.target, ast.Name)
    return statement.target.id


def _field_reads(
    variable: str,
    model: str,
    client: ClientModel,
    annotations: Annotations,
    attributes: dict[str, str],
) -> list[str]:
    schemas = schemas_of(client.document)
    spec = next((s for s in client.schemas if s.class_name == model), None)
    if spec is None or spec.properties is None:
        return []
    schema = merged_all_of(schemas[spec.spec_name], schemas)
    required = set(schema.get("required") or [])
    custom = set(schema.get("x-finalpos-custom-fields") or [])
    lines = []
    for wire, prop in (schema.get("properties") or {}).items():
        if wire in custom or wire not in attributes:
            continue
        annotation = _opened(annotations.of(prop, accept_mappings=False))
        if wire not in required and not annotation.endswith("| None") and annotation != "Any":
            annotation += " | None"
        attribute = attributes[wire]
        lines.append(f"    _{variable}_{identifier(wire)}: {annotation} = {variable}.{attribute}")
    return lines


def _qualified(line: str, classes: re.Pattern[str]) -> str:
    """Model classes named as user code names them: `models.Product`."""
    return classes.sub(lambda found: f"models.{found.group()}", line)


def usage_source(client: ClientModel, attributes: dict[str, dict[str, str]]) -> str:
    """The user code of `client` (`attributes`: its models', `model_attributes`)."""
    schemas = schemas_of(client.document)
    names = sorted((s.class_name for s in client.schemas), key=len, reverse=True)
    classes = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")(?![\w(=])")
    annotations = Annotations(schemas, {s.spec_name: s.class_name for s in client.schemas})
    lines = [HEADER.format(package=client.package)]
    for index, op in enumerate(client.operations):
        if (
            op.body_annotation is not None
            and op.body_model is None
            and op.body_encoding != "binary"
        ):
            continue  # a free-form body: nothing typed to call it with
        variable = f"r{index}"
        returns = _qualified(_returns(op), classes)
        lines.append(f"    {variable}: {returns} = {_call(op, schemas)}")
        if op.response_kind == "model" and op.response_model and not op.paginated:
            model = op.response_model
            reads = _field_reads(variable, model, client, annotations, attributes.get(model, {}))
            lines += [_qualified(line, classes) for line in reads]
    return "\n".join(lines) + "\n"
