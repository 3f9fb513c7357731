"""The generated contract tests' cases: for each operation, a call with the document's
example arguments, and what its success response must satisfy (field types, presence,
enum membership; exact values only from the response's own example).

Built from the model of an operation; `templates/tests/test_resource.py.jinja` renders them.
"""

from __future__ import annotations

from typing import Any

from generator.client_model import Case, CheckedField, FieldChecks, Operation
from generator.document import (
    body_schema,
    merged_all_of,
    parameters,
    resolve,
    success_response,
    success_schema,
)
from generator.examples import example_value, python_types
from generator.naming import snake, unique
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


def contract_case(
    op: Operation, operation: dict[str, Any], path_item: dict[str, Any], schemas: dict[str, Any]
) -> Case:
    """The contract test case of `op` (`operation` as the document has it)."""
    checked, example = [], None
    if op.response_kind in ("model", "list"):
        checked, example = _response_checks(op, operation, schemas)
    return Case(
        positional=[
            example_value(schema, schemas)
            for _name, schema, *_rest in parameters(operation, path_item, "path")
        ],
        keywords=_keywords(op, operation, path_item, schemas),
        documented_success=_satisfiable_success(operation, schemas),
        checked_fields=checked,
        response_example=example,
    )


def _keywords(
    op: Operation, operation: dict[str, Any], path_item: dict[str, Any], schemas: dict[str, Any]
) -> dict[str, Any]:
    keywords = {
        argument.name: example_value(argument.schema, schemas)
        for argument in op.query_params + op.header_params
        if argument.required
    }
    if op.paginated:
        keywords["limit"] = TEST_PAGE_SIZE
    if not (op.body_annotation or op.body_model):
        return keywords
    body = example_value(body_schema(operation.get("requestBody")), schemas)
    if op.body_annotation:
        keywords["body"] = "example" if op.body_encoding == "binary" else body
    if op.body_model:
        if op.body_encoding != "json" and isinstance(body, dict):
            body = _unambiguous_form(body, operation, schemas)
        keywords.update(_as_arguments(op, body))
    return keywords


def _as_arguments(op: Operation, body: Any) -> dict[str, Any]:
    """A body example as the method's keyword arguments, as a user writes the call; as
    `body=` when some property has no argument of its own (a tenant's extra field)."""
    names = {argument.wire_name: argument.name for argument in op.body_fields}
    if isinstance(body, dict) and body and all(key in names for key in body):
        return {names[key]: value for key, value in body.items()}
    return {"body": body}


def _satisfiable_success(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """A 2xx response is documented, and its schema describes some value (not a
    contradictory allOf)."""
    status, schema = success_schema(operation)
    return status is not None and CONTRADICTION not in resolve(schema, schemas)


def _response_checks(
    op: Operation, operation: dict[str, Any], schemas: dict[str, Any]
) -> tuple[list[CheckedField], dict[str, Any] | None]:
    """The fields a model (or list item) response must satisfy, and its own example."""
    response = success_response(operation)[1]
    schema, example = body_schema(response), _media_example(response)
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
    body: dict[str, Any], operation: dict[str, Any], schemas: dict[str, Any]
) -> dict[str, Any]:
    """A form example a server reads one way only: form encodings cannot tell a list of one
    from a scalar, so send the required fields (or, when none is, the scalar ones)."""
    required = set(resolve(body_schema(operation["requestBody"]), schemas).get("required") or [])
    if required:
        return {k: v for k, v in body.items() if k in required}
    return {k: v for k, v in body.items() if not isinstance(v, list | dict)}


def _media_example(response: dict[str, Any]) -> Any:
    """The example a response's media type gives itself (`example`, else the first of
    `examples`), or None."""
    for media in (response.get("content") or {}).values():
        if not isinstance(media, dict):
            continue
        if "example" in media:
            return media["example"]
        examples = media.get("examples")
        if isinstance(examples, dict) and examples:
            first = next(iter(examples.values()))
            return first.get("value") if isinstance(first, dict) else None
    return None
