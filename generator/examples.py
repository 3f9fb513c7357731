"""Example values for the generated contract tests, built from the spec's own examples.

Where the spec gives no example, a value of the right type is made up, so a mock
server that validates requests (Prism) accepts the call.
"""

from __future__ import annotations

import random
import re
from typing import Any

from rstr.xeger import Xeger

from generator.document import resolve

MAX_DEPTH = 6
_FORMAT_EXAMPLES = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "email": "user@example.com",
    "uri": "https://example.com",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


MAX_PATTERN_EXAMPLE = 200
_LARGE_REPEAT = re.compile(r"\{\s*\d{4,}")


class _Repeats(random.Random):
    """Repeats each part of a pattern `times` times where it may (so the strings are short);
    seeded, so they are the same on every run."""

    def __init__(self, times: int) -> None:
        super().__init__(0)
        self.times = times

    def randint(self, a: int, b: int) -> int:
        return min(b, max(a, self.times))


def matching(
    pattern: str, min_length: int = 0, max_length: int = MAX_PATTERN_EXAMPLE
) -> str | None:
    """A short string that matches `pattern` within the lengths, or None when Python's `re`
    cannot read the pattern (ECMA-262 syntax) or it asks for huge repeats."""
    if _LARGE_REPEAT.search(pattern):
        return None
    try:
        compiled = re.compile(pattern)
        for times in (1, 2, 4, 8, 16):
            text = Xeger(_Repeats(times)).xeger(pattern)
            fits = min_length <= len(text) <= min(max_length, MAX_PATTERN_EXAMPLE)
            if fits and compiled.search(text):
                return text
    except (re.error, ValueError, IndexError, RecursionError):
        return None
    return None


def example_value(schema: Any, schemas: dict[str, Any]) -> Any:
    """The schema's example where it gives one, else a made-up value that validates against
    it (so a mock server that validates requests, Prism, accepts the call)."""
    return sample(schema, schemas, examples=True)


# String formats the models parse into another type than str.
_PARSED_FORMATS = {
    "date-time": "datetime.datetime",
    "date": "datetime.date",
    "uuid": "uuid.UUID",
    "binary": "bytes",
}


def python_types(schema: Any, schemas: dict[str, Any]) -> list[str]:
    """Names of the Python types a parsed value of `schema` may have (for isinstance)."""
    target = resolve(schema, schemas)
    kind = target.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    names: list[str] = []
    for each in kinds:
        if each == "string":
            names.append(_PARSED_FORMATS.get(str(target.get("format")), "str"))
        elif each == "integer":
            names.append("int")
        elif each == "number":
            names += ["float", "int"]
        elif each == "boolean":
            names.append("bool")
        elif each == "array":
            names.append("list")
        elif each == "object" or "properties" in target:
            names.append("pydantic.BaseModel" if "properties" in target else "dict")
        elif each == "null":
            names.append("type(None)")
    if target.get("nullable") and names:
        names.append("type(None)")
    return names


def _nullable(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return bool(schema.get("nullable")) or (isinstance(kind, list) and "null" in kind)


def sample(
    schema: Any,
    schemas: dict[str, Any],
    *,
    nulls: bool = False,
    examples: bool = False,
    depth: int = 0,
) -> Any:
    """An instance of `schema` built from its structure: every property present, every
    nullable one None when `nulls`, the schema's own `example`s used when `examples`.
    Proves that a generated client parses each documented response into the class the
    document names, and makes the contract tests' call arguments."""
    schema = resolve(schema, schemas)
    if examples and "example" in schema:
        return schema["example"]
    if nulls and _nullable(schema):
        return None
    if "const" in schema:
        return schema["const"]
    values = [value for value in schema.get("enum") or [] if value is not None]
    if values:
        return values[0]
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = sample(part, schemas, nulls=nulls, examples=examples, depth=depth)
            if isinstance(value, dict):
                merged.update(value)
            elif not merged:
                return value
        return {**merged, **_object_sample(schema, schemas, nulls, examples, depth)}
    for union in ("oneOf", "anyOf"):
        members = [m for m in schema.get(union) or [] if resolve(m, schemas).get("type") != "null"]
        if members:
            return sample(members[0], schemas, nulls=nulls, examples=examples, depth=depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        return _object_sample(schema, schemas, nulls, examples, depth)
    if kind == "array":
        if depth >= MAX_DEPTH:
            return []
        return [
            sample(schema.get("items"), schemas, nulls=nulls, examples=examples, depth=depth + 1)
        ]
    if kind in ("integer", "number"):
        return schema.get("minimum", 1 if kind == "integer" else 1.5)
    if kind == "boolean":
        return True
    if kind == "string":
        pattern = schema.get("pattern")
        lengths = int(schema.get("minLength") or 0), int(schema.get("maxLength") or 10**6)
        if isinstance(pattern, str) and (text := matching(pattern, *lengths)) is not None:
            return text
        text = _FORMAT_EXAMPLES.get(str(schema.get("format")), "example")
        text = text.ljust(int(schema.get("minLength") or 0), "x")
        return text[: int(schema["maxLength"])] if "maxLength" in schema else text
    return "any"  # no type: any JSON value is valid


def _object_sample(
    schema: dict[str, Any], schemas: dict[str, Any], nulls: bool, examples: bool, depth: int
) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    if depth >= 2 * MAX_DEPTH:
        return {}
    if depth >= MAX_DEPTH:  # recursive schemas: only what is required
        properties = {k: v for k, v in properties.items() if k in (schema.get("required") or [])}
    return {
        str(name): sample(prop, schemas, nulls=nulls, examples=examples, depth=depth + 1)
        for name, prop in properties.items()
    }
