"""The generated contract tests' cases: for each operation, a call with the document's
example arguments, and what its success response must satisfy (field types, presence,
enum membership; exact values only from the response's own example).

Built from the model of an operation; `templates/tests/test_resource.py.jinja` renders them.
"""

from __future__ import annotations

from typing import Any

from generator.client_model import Case, CheckedField, FieldChecks, Operation
from generator.document import merged_all_of, resolve
from generator.examples import example_value, media_example, python_types
from generator.naming import snake, unique
from generator.operation import OperationView
from generator.repair import CONTRADICTION

# The page size the list tests ask for: small, so a second page is likely.
TEST_PAGE_SIZE = 2


def field_checks(operations: list[Operation]) -> dict[str, FieldChecks]:
    """Response model → its checks, once per model: `Customer` → `CUSTOMER_FIELDS`."""
    taken: set[str] = set()
    checks: dict[str, FieldChecks] = {}
    for op in operations:
        model, case = op.response_model, op.contract
        if model and case and case.checked_fields and model not in checks:
            constant = unique(f"{snake(model) or 'model'}_fields", taken).upper()
            checks[model] = FieldChecks(constant, case.checked_fields)
    return checks


def contract_case(op: Operation, view: OperationView, schemas: dict[str, Any]) -> Case:
    """The contract test case of `op` (`view`: the operation as the document has it)."""
    checked, example = [], None
    if op.response_kind in ("model", "list"):
        checked, example = _response_checks(op, view, schemas)
    return Case(
        positional=[example_value(p.schema, schemas) for p in view.params("path")],
        keywords=_keywords(op, view, schemas),
        documented_success=_satisfiable_success(view, schemas),
        checked_fields=checked,
        response_example=example,
    )


def _keywords(op: Operation, view: OperationView, schemas: dict[str, Any]) -> dict[str, Any]:
    keywords = {
        argument.name: example_value(argument.schema, schemas)
        for argument in op.query_params + op.header_params
        if argument.required
    }
    if op.paginated:
        keywords["limit"] = TEST_PAGE_SIZE
    if not (op.body_annotation or op.body_model) or view.body is None:
        return keywords
    body = example_value(view.body.schema, schemas)
    if op.body_annotation:
        keywords["body"] = "example" if op.body_encoding == "binary" else body
    if op.body_model:
        if op.body_encoding != "json" and isinstance(body, dict):
            body = _unambiguous_form(body, view.body.schema, schemas)
        keywords.update(_as_arguments(op, body))
    return keywords


def _as_arguments(op: Operation, body: Any) -> dict[str, Any]:
    """A body example as the method's keyword arguments, as a user writes the call; as
    `body=` when some property has no argument of its own (a tenant's extra field)."""
    names = {argument.wire_name: argument.name for argument in op.body_fields}
    if isinstance(body, dict) and body and all(key in names for key in body):
        return {names[key]: value for key, value in body.items()}
    return {"body": body}


def _satisfiable_success(view: OperationView, schemas: dict[str, Any]) -> bool:
    """A 2xx response is documented, and its schema describes some value (not a
    contradictory allOf)."""
    success = view.success
    return success is not None and CONTRADICTION not in resolve(success.schema, schemas)


def _response_checks(
    op: Operation, view: OperationView, schemas: dict[str, Any]
) -> tuple[list[CheckedField], dict[str, Any] | None]:
    """The fields a model (or list item) response must satisfy, and its own example."""
    response = view.success
    if response is None:
        return [], None
    schema, example = response.schema, media_example(response.raw)
    if op.response_kind == "list":
        schema = (schema or {}).get("items")
        example = example[0] if isinstance(example, list) and example else None
    target = merged_all_of(resolve(schema, schemas), schemas)
    required = set(target.get("required") or [])
    checked = []
    for name, prop in (target.get("properties") or {}).items():
        types = python_types(prop, schemas)
        if types:
            enum = resolve(prop, schemas).get("enum")
            checked.append(CheckedField(str(name), types, name in required, enum or None))
    return checked, example if isinstance(example, dict) else None


def _unambiguous_form(
    body: dict[str, Any], body_schema: Any, schemas: dict[str, Any]
) -> dict[str, Any]:
    """A form example a server reads one way only: form encodings cannot tell a list of one
    from a scalar, so send the required fields (or, when none is, the scalar ones)."""
    required = set(resolve(body_schema, schemas).get("required") or [])
    if required:
        return {k: v for k, v in body.items() if k in required}
    return {k: v for k, v in body.items() if not isinstance(v, list | dict)}
