"""The generated contract tests' cases: for each operation, a call with the document's
example arguments, and what its success response must satisfy (field types, presence,
enum membership; exact values only from the response's own example).

Built from the model of an operation; `templates/tests/test_resource.py.jinja` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from generator.model import Operation

# The page size the list tests ask for: small, so a second page is likely.
TEST_PAGE_SIZE = 2


@dataclass(frozen=True)
class CheckedField:
    """What the document guarantees of a response property, which any correct server meets:
    its parsed types, presence when required, membership when an enum."""

    wire_name: str
    python_types: list[str]
    required: bool
    enum: list[Any] | None


@dataclass
class Case:
    """One operation's contract test case."""

    positional: list[Any]
    """Path arguments, in order."""
    keywords: dict[str, Any]
    """Other arguments by Python name: required query parameters, body fields (or `body`)."""
    documented_success: bool
    """A 2xx response describes some value (else no test can know what success looks like)."""
    checked_fields: list[CheckedField] = field(default_factory=list)
    response_example: dict[str, Any] | None = None
    """The response's own example (media type `example`), the only values a test may expect
    exactly: property examples are hints a server (or mock) need not return."""


@dataclass(frozen=True)
class FieldChecks:
    """The checks of one response model, under the test module's constant `constant`."""

    constant: str
    fields: list[CheckedField]


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
    case = Case(
        positional=[
            example_value(schema, schemas)
            for _name, schema, _required, _doc in parameters(operation, path_item, "path")
        ],
        keywords=_keywords(op, operation, path_item, schemas),
        documented_success=_satisfiable_success(operation, schemas),
    )
    if op.response_kind in ("model", "list"):
        _add_response_checks(case, op, operation, schemas)
    return case


def _keywords(
    op: Operation, operation: dict[str, Any], path_item: dict[str, Any], schemas: dict[str, Any]
) -> dict[str, Any]:
    keywords = {
        argument.name: example_value(schema, schemas)
        for argument, (_name, schema, required, _doc) in zip(
            op.query_params, parameters(operation, path_item, "query"), strict=True
        )
        if required
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


def _add_response_checks(
    case: Case, op: Operation, operation: dict[str, Any], schemas: dict[str, Any]
) -> None:
    """The fields a model (or list item) response must satisfy, and its own example."""
    response = success_response(operation)[1]
    schema, example = body_schema(response), _media_example(response)
    if op.response_kind == "list":
        schema = (schema or {}).get("items")
        example = example[0] if isinstance(example, list) and example else None
    case.response_example = example if isinstance(example, dict) else None
    target = merged_all_of(resolve(schema, schemas), schemas)
    required = set(target.get("required") or [])
    for name, prop in (target.get("properties") or {}).items():
        types = python_types(prop, schemas)
        if types:
            enum = resolve(prop, schemas).get("enum")
            case.checked_fields.append(
                CheckedField(str(name), types, name in required, enum if enum else None)
            )


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
