"""Example values for the generated contract tests, built from the spec's own examples.

Where the spec gives no example, a value of the right type is made up, so a mock
server that validates requests (Prism) accepts the call.
"""

from __future__ import annotations

import random
import re
from typing import Any

from rstr.xeger import Xeger

from generator.document import merged_all_of, resolve
from generator.schema import FORMAT_TYPES, SchemaView, view

MAX_DEPTH = 6
ANY_VALUE = "any"
"""The sample of a schema that names no type: any JSON value is valid."""
_FORMAT_EXAMPLES = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "iri": "https://example.com",
    "uri-reference": "https://example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "time": "12:00:00",
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


_KIND_TYPES = {
    "integer": ["int"],
    "number": ["float", "int"],
    "boolean": ["bool"],
    "array": ["list"],
}


def python_types(schema: Any, schemas: dict[str, Any]) -> list[str]:
    """Names of the Python types a parsed value of `schema` may have (for isinstance)."""
    shape = view(resolve(schema, schemas))
    if shape.null_only:
        return ["type(None)"]
    names: list[str] = []
    for kind in shape.kinds or (None,):
        if kind == "string":
            names.append(FORMAT_TYPES.get(str(shape.format), "str"))
        elif kind in _KIND_TYPES:
            names += _KIND_TYPES[kind]
        elif kind == "object" or "properties" in shape.raw:
            names.append("pydantic.BaseModel" if "properties" in shape.raw else "dict")
    if shape.nullable and names:
        names.append("type(None)")
    return names


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
    shape = view(schema)
    if examples and "example" in schema:
        return schema["example"]
    if (nulls and shape.nullable) or shape.null_only:
        return None
    values = [value for value in shape.enum or () if value is not None or shape.has_const]
    if values:
        return values[0]
    if shape.all_of is not None:
        flat = merged_all_of(schema, schemas)  # one object: `required` from every part
        if "allOf" not in flat:
            return sample(flat, schemas, nulls=nulls, examples=examples, depth=depth)
        parts = [
            sample(p, schemas, nulls=nulls, examples=examples, depth=depth) for p in shape.all_of
        ]
        if not any(isinstance(part, dict) for part in parts):  # `[{description}, {$ref}]`
            return next((part for part in parts if part != ANY_VALUE), ANY_VALUE)
        merged = {k: v for part in parts if isinstance(part, dict) for k, v in part.items()}
        return {**merged, **_object_sample(shape, schemas, nulls, examples, depth)}
    members = [m for m in shape.union or () if not view(resolve(m, schemas)).null_only]
    if members:
        return sample(members[0], schemas, nulls=nulls, examples=examples, depth=depth)
    if shape.is_object:
        return _object_sample(shape, schemas, nulls, examples, depth)
    if shape.kind == "array" or (shape.kind is None and "items" in schema):
        at_least = int(schema.get("minItems") or 0)
        if depth >= 2 * MAX_DEPTH or (depth >= MAX_DEPTH and not at_least):
            return []
        item = sample(shape.items, schemas, nulls=nulls, examples=examples, depth=depth + 1)
        return [item] * max(1, at_least)
    if shape.kind in ("integer", "number"):
        return _number_sample(schema, shape.kind)
    if shape.kind == "boolean":
        return True
    if shape.kind == "string":
        return _string_sample(schema, shape.format)
    return ANY_VALUE  # no type: any JSON value is valid


def _number_sample(schema: dict[str, Any], kind: str) -> int | float:
    """A number within the schema's bounds: its minimum (just above it when exclusive, in
    the 3.0 boolean and the 3.1 numeric spelling), else 1 (1.5), else its maximum."""
    step = 1 if kind == "integer" else 0.5
    low, exclusive = schema.get("minimum"), schema.get("exclusiveMinimum")
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        low, exclusive = exclusive, True
    high = schema.get("maximum")
    if isinstance(low, int | float):
        return low + step if exclusive is True else low
    default = 1 if kind == "integer" else 1.5
    return high if isinstance(high, int | float) and high < default else default


def _string_sample(schema: dict[str, Any], format_: str | None) -> str:
    """The schema's pattern matched, else its format's example, within its lengths."""
    pattern = schema.get("pattern")
    lengths = int(schema.get("minLength") or 0), int(schema.get("maxLength") or 10**6)
    if isinstance(pattern, str) and (text := matching(pattern, *lengths)) is not None:
        return text
    text = _FORMAT_EXAMPLES.get(str(format_), "example")
    text = text.ljust(int(schema.get("minLength") or 0), "x")
    return text[: int(schema["maxLength"])] if "maxLength" in schema else text


def _object_sample(
    shape: SchemaView, schemas: dict[str, Any], nulls: bool, examples: bool, depth: int
) -> dict[str, Any]:
    properties = shape.properties
    if depth >= 2 * MAX_DEPTH:
        return {}
    if depth >= MAX_DEPTH:  # recursive schemas: only what is required
        properties = {k: v for k, v in properties.items() if k in shape.required}
    return {
        str(name): sample(prop, schemas, nulls=nulls, examples=examples, depth=depth + 1)
        for name, prop in properties.items()
    }


def media_example(response: dict[str, Any]) -> Any:
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
