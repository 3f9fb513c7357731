"""One typed view of a schema: what its raw dict says about types, read once.

Annotations (`model`), examples and field checks (`examples`, `contract`) and the release
diff (`diff`) all ask the same questions of a schema: which type, which format, nullable,
an enum, a union, items, properties, a `$ref`. `view` answers them from whatever the raw
dict holds (OpenAPI 3.0 or 3.1 spelling, or no dict at all), so no stage re-reads the dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.document import merged_all_of, ref_name, resolve

# String formats the models parse into another Python type than `str`.
FORMAT_TYPES = {
    "date-time": "datetime.datetime",
    "date": "datetime.date",
    "uuid": "uuid.UUID",
    "binary": "bytes",
}
# Of those, the ones a method argument also takes as text (sent as written).
ARGUMENT_FORMATS = frozenset({"date-time", "date"})


@dataclass(frozen=True)
class SchemaView:
    """A schema's type-shaping keywords. `kinds` keeps the document's types in order
    without "null" (3.1 type arrays); `nullable` says whether null is allowed either way."""

    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    ref: str | None = None
    kinds: tuple[str, ...] = ()
    nullable: bool = False
    format: str | None = None
    enum: tuple[Any, ...] | None = None
    """`enum` values, or the one `const` value."""
    union: tuple[Any, ...] | None = None
    """The members of a `oneOf` or, without one, an `anyOf` (raw); None: not a union."""
    all_of: tuple[Any, ...] | None = None
    items: Any = None
    properties: dict[str, Any] = field(default_factory=dict)
    required: frozenset[str] = frozenset()

    @property
    def kind(self) -> str | None:
        """The first non-null type, or None when the schema names none."""
        return self.kinds[0] if self.kinds else None

    @property
    def null_only(self) -> bool:
        """`type: "null"` (or `[null]`): only null."""
        return not self.kinds and self.nullable and "type" in self.raw

    @property
    def is_object(self) -> bool:
        return self.kind == "object" or "properties" in self.raw

    @property
    def has_const(self) -> bool:
        return "const" in self.raw


def view(schema: Any) -> SchemaView:
    """The view of a raw schema; anything that is not a dict is the empty (any) schema."""
    if not isinstance(schema, dict):
        return SchemaView()
    declared = schema.get("type")
    types = [str(t) for t in declared] if isinstance(declared, list) else [declared]
    kinds = tuple(t for t in types if t is not None and t != "null")
    enum: tuple[Any, ...] | None = None
    if "const" in schema:
        enum = (schema["const"],)
    elif isinstance(schema.get("enum"), list):
        enum = tuple(schema["enum"])
    union = next((schema[k] for k in ("oneOf", "anyOf") if isinstance(schema.get(k), list)), None)
    properties = schema.get("properties")
    return SchemaView(
        raw=schema,
        ref=ref_name(schema),
        kinds=tuple(str(kind) for kind in kinds),
        nullable=bool(schema.get("nullable")) or "null" in types,
        format=str(schema["format"]) if schema.get("format") is not None else None,
        enum=enum,
        union=None if union is None else tuple(union),
        all_of=tuple(schema["allOf"]) if isinstance(schema.get("allOf"), list) else None,
        items=schema.get("items"),
        properties=dict(properties) if isinstance(properties, dict) else {},
        required=frozenset(str(r) for r in schema.get("required") or [] if isinstance(r, str)),
    )


def flat_view(schema: Any, schemas: dict[str, Any]) -> SchemaView:
    """The view of a schema through its `$ref`, its `allOf` parts merged into one object:
    every property (and every required one) an instance has."""
    return view(merged_all_of(resolve(schema, schemas), schemas))
