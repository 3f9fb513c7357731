"""Stage 3: turn the normalized document into plain data the templates render.

Everything that becomes a Python name or annotation is decided here, through
`generator.naming`, so templates only place values and never invent names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from generator.contract import Case, FieldChecks, contract_case, field_checks
from generator.document import (
    Document,
    body_schema,
    closure,
    is_object,
    iter_operations,
    map_subschemas,
    merged_all_of,
    parameters,
    ref_name,
    refs_in,
    schema_ref,
    schemas_of,
    success_response,
    text,
)
from generator.errors import SpecError
from generator.finalpos import custom_table_endpoints, runtime_shaped_modules
from generator.naming import class_name, identifier, unique
from generator.repair import REPAIRS
from generator.schema import ARGUMENT_FORMATS, FORMAT_TYPES, SchemaView, view
from generator.security import (
    CREDENTIALS,
    Requirement,
    Scheme,
    default_requirement,
    requirement,
    schemes_of,
)

SHARED_MODULE = "shared"
# Names the generated model modules import; a schema may not take them.
_MODEL_MODULE_NAMES = frozenset(
    {
        "Annotated",
        "Any",
        "AwareDatetime",
        "BaseModel",
        "ConfigDict",
        "Datetime",
        "Field",
        "FinalPOSModel",
        "Literal",
        "RootModel",
        "RuntimeShapedModel",
    }
)
# The generated package's exceptions (`_exceptions.py`), the one list: its `__all__`, the
# package's exports, STATUS_ERRORS and each method's `Raises` line read it.
STATUS_EXCEPTIONS = {
    400: ("BadRequestError", "Bad Request"),
    401: ("AuthenticationError", "Unauthorized: the credentials are missing or wrong"),
    403: ("PermissionDeniedError", "Forbidden"),
    404: ("NotFoundError", "Not Found"),
    409: ("ConflictError", "Conflict"),
    422: ("UnprocessableEntityError", "Unprocessable Entity"),
    429: ("RateLimitError", "Too Many Requests"),
}
OTHER_EXCEPTIONS = (
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "FinalPOSError",
    "InternalServerError",
    "PaginationError",
)
EXCEPTIONS = tuple(sorted(OTHER_EXCEPTIONS + tuple(name for name, _ in STATUS_EXCEPTIONS.values())))
# Defaults go too: the client sends only what is set, and a default the document got wrong
# (an enum's string on a `$ref`, `null` on a required field) would not type-check.
DROPPED_MODEL_KEYWORDS = frozenset({"example", "examples", "pattern", "default", "discriminator"})
# Constraints dropped from inline union members: the model generator makes a class of a
# constrained member (`anyOf: [{type: string, maxLength: 5000}, ...]`) and names it after
# the property, which can take a component's name.
UNION_MEMBER_CONSTRAINTS = frozenset(
    {
        "maxLength",
        "minLength",
        "maximum",
        "minimum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "multipleOf",
        "maxItems",
        "minItems",
        "uniqueItems",
    }
)
_MEMBER_DROPPED = DROPPED_MODEL_KEYWORDS | UNION_MEMBER_CONSTRAINTS
# The client's own public attributes (`_base_client.py`, `_client.py`): no resource takes them.
CLIENT_ATTRIBUTES = frozenset(
    {
        "base_url",
        "close",
        "copy",
        "max_retries",
        "request",
        "request_raw",
        "timeout",
        "with_options",
    }
)
# Attributes every resource has besides its operations' methods.
RESERVED_METHODS = frozenset({"with_raw_response", "custom_fields_model"})
# Keyword arguments every method has; spec names must not take them.
RESERVED_ARGUMENTS = frozenset(
    {"self", "body", "extra_headers", "extra_query", "extra_body", "timeout", "max_retries"}
)


@dataclass(frozen=True)
class Schema:
    """One component schema and the model class it becomes."""

    spec_name: str
    class_name: str
    module: str
    custom_table: bool = False
    """A tenant's custom table: left out of tenant-independent files (models/__init__, README)."""
    properties: tuple[str, ...] | None = None
    """The wire names of its fields when it is a plain object (checked after generation)."""


@dataclass(frozen=True)
class Argument:
    """A method argument: a path or query parameter, or a property of the request body."""

    name: str
    wire_name: str
    annotation: str
    required: bool
    description: str
    schema: Any = None


@dataclass(frozen=True)
class ErrorResponse:
    status: int
    description: str
    model: str | None

    @property
    def exception(self) -> str:
        """The client's exception class for this status."""
        if self.status >= 500:
            return "InternalServerError"
        known = STATUS_EXCEPTIONS.get(self.status)
        return known[0] if known else "APIStatusError"


@dataclass
class Operation:
    """One HTTP operation and the client method that calls it."""

    operation_id: str
    resource: str
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    path_params: list[Argument]
    query_params: list[Argument]
    body_model: str | None
    body_fields: list[Argument]
    body_encoding: str  # "json", "multipart", "form" or "binary"
    body_annotation: str | None
    """A body that is not an object model (a string, a list, bytes): the `body` argument's type."""
    body_required: bool
    response_kind: str  # "model", "list", "typed", "json" or "none"
    response_model: str | None
    response_annotation: str
    success_status: int
    paginated: bool
    errors: list[ErrorResponse]
    security: Requirement = ()
    """Alternatives of scheme names to authenticate with; `()` needs no credentials."""
    contract: Case | None = None
    """What its generated contract tests call and check (`generator.contract`)."""

    @property
    def label(self) -> str:
        return f"{self.http_method.upper()} {self.path}"


@dataclass
class Resource:
    """A group of operations: `client.<attribute>` in the generated client."""

    attribute: str
    class_name: str
    operations: list[Operation] = field(default_factory=list)

    imports: dict[str, list[str]] = field(default_factory=dict)
    """Model classes the resource module imports, by models module."""
    methods: set[str] = field(default_factory=lambda: set(RESERVED_METHODS))
    """Method names taken: unique after truncation, checked last."""

    @cached_property
    def field_checks(self) -> dict[str, FieldChecks]:
        """The contract tests' field checks, once per response model (read by the templates
        once the resource is complete)."""
        return field_checks(self.operations)


@dataclass
class ClientModel:
    """Everything the templates need, as plain data."""

    package: str
    title: str
    api_version: str
    client_version: str
    base_url: str
    env_prefix: str
    """Environment variables are `<env_prefix>_API_KEY`, `_BASE_URL`, `_LOG`..."""
    schemes: list[Scheme]
    default_security: Requirement
    resources: list[Resource]
    schemas: list[Schema]
    runtime_shaped_modules: list[str]
    """Model modules whose schemas vary per tenant (customers)."""
    custom_table_endpoints: dict[str, str] | None
    """Paths of the custom-table structure lists (`tables`, `fields`) and the fields'
    table parameter, when the API has them: `custom_fields_model()` reads them."""
    model_document: dict[str, Any]
    document: dict[str, Any]
    """The normalized document, shipped with the contract tests for the mock server."""

    @property
    def operations(self) -> list[Operation]:
        return [op for resource in self.resources for op in resource.operations]

    @property
    def auth_required(self) -> bool:
        """Every operation needs credentials: a client without any is refused up front."""
        return bool(self.operations) and all(op.security for op in self.operations)

    @property
    def secret_query_parameters(self) -> list[str]:
        """Query parameters the document marks secret (`format: password`): never logged."""
        found = {
            q.wire_name
            for op in self.operations
            for q in op.query_params
            if isinstance(q.schema, dict) and q.schema.get("format") == "password"
        }
        return sorted(found)

    @property
    def credentials(self) -> list[str]:
        """The constructor's credential arguments this API uses, in a stable order."""
        used = {c for scheme in self.schemes for c in scheme.credentials}
        return [c for names in CREDENTIALS.values() for c in names if c in used]


def assign_modules(document: Document, resource_modules: dict[str, str]) -> dict[str, str]:
    """Put each schema in the module of the one resource that uses it, else in `shared`.

    Anything a shared schema refers to is shared too, so resource modules import
    `shared` and never each other.
    """
    schemas = schemas_of(document)
    users: dict[str, set[str]] = {name: set() for name in schemas}
    for _path, _method, operation in iter_operations(document):
        module = resource_modules[operation["x-finalpos-resource"]]
        for name in closure(refs_in(operation), schemas):
            users[name].add(module)
    modules = {name: (next(iter(u)) if len(u) == 1 else SHARED_MODULE) for name, u in users.items()}
    shared = {name for name, module in modules.items() if module == SHARED_MODULE}
    for name in closure(shared, schemas):
        modules[name] = SHARED_MODULE
    return modules


_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def _members(annotation: str) -> list[str]:
    """The top-level members of `A | B[C | D] | Literal['x | y']`."""
    members, depth, quote, escaped, start = [], 0, "", False, 0
    for index, char in enumerate(annotation):
        if quote:
            escaped, quote = (
                (not escaped and char == "\\"),
                ("" if char == quote and not escaped else quote),
            )
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif depth == 0 and annotation.startswith(" | ", index):
            members.append(annotation[start:index])
            start = index + 3
    return [*members, annotation[start:]]


def _union(parts: list[str]) -> str:
    """`A | B`, each member once, `None` last."""
    members = [member for part in parts for member in _members(part)]
    optional = "None" in members
    unique_parts = list(dict.fromkeys(m for m in members if m != "None"))
    if "Any" in unique_parts or not unique_parts:
        return "Any"
    return _nullable(" | ".join(unique_parts), optional)


def _nullable(annotation: str, nullable: bool) -> str:
    if not nullable or annotation in ("Any", "None") or annotation.endswith(" | None"):
        return annotation
    return f"{annotation} | None"


def _literal(values: list[Any]) -> str | None:
    """`Literal[...]` of an enum's values (spec text only as repr() literals), or None when a
    value cannot be one (objects, floats)."""
    kept = [v for v in values if v is not None]
    if not kept or not all(isinstance(v, str | int | bool) for v in kept):
        return None
    literal = f"Literal[{', '.join(repr(v) for v in kept)}]"
    return f"{literal} | None" if len(kept) < len(values) else literal


class _Annotations:
    """Python annotations for schemas: method arguments (`accept_mappings`: a model or a
    plain mapping) and parsed responses (the model classes themselves)."""

    def __init__(self, schemas: dict[str, Any], class_names: dict[str, str]):
        self.schemas = schemas
        self.class_names = class_names
        self.used_models: set[str] = set()

    def of(self, schema: Any, *, accept_mappings: bool = True, depth: int = 0) -> str:
        if not isinstance(schema, dict) or depth > 16:
            return "Any"
        shape = view(schema)
        if shape.ref is not None:
            target = self.schemas.get(shape.ref, {})
            if is_object(target):
                self.used_models.add(self.class_names[shape.ref])
                mapping = " | Mapping[str, Any]" if accept_mappings else ""
                return _nullable(f"{self.class_names[shape.ref]}{mapping}", shape.nullable)
            inner = self.of(target, accept_mappings=accept_mappings, depth=depth + 1)
            return _nullable(inner, shape.nullable)
        return _nullable(self._base(shape, accept_mappings, depth), shape.nullable)

    def _base(self, shape: SchemaView, accept_mappings: bool, depth: int) -> str:
        def of(member: Any) -> str:
            return self.of(member, accept_mappings=accept_mappings, depth=depth + 1)

        if shape.has_const:
            return _literal(list(shape.enum or ())) or "Any"
        if shape.enum is not None and (literal := _literal(list(shape.enum))):
            return literal
        if shape.union is not None:
            return _union([of(member) for member in shape.union])
        if shape.all_of:
            return of(shape.all_of[0]) if len(shape.all_of) == 1 else "Mapping[str, Any]"
        if len(shape.kinds) > 1:  # OpenAPI 3.1 type arrays
            return _union([of({**shape.raw, "type": kind}) for kind in shape.kinds])
        if shape.null_only:
            return "None"
        if shape.kind == "string" and shape.format == "binary":
            return "FileTypes" if accept_mappings else "str"  # an upload: bytes, a file...
        if shape.kind == "string" and shape.format in ARGUMENT_FORMATS:
            wire = " | str" if accept_mappings else ""
            return FORMAT_TYPES[shape.format] + wire
        if shape.kind == "array":
            item = of(shape.items)
            return f"Sequence[{item}]" if accept_mappings else f"builtins.list[{item}]"
        if shape.is_object:
            return "Mapping[str, Any]" if accept_mappings else "dict[str, Any]"
        return _PRIMITIVES.get(str(shape.kind), "Any")


def _arguments(
    items: list[tuple[str, Any, bool, str]], annotations: _Annotations, taken: set[str]
) -> list[Argument]:
    return [
        Argument(
            name=unique(identifier(wire_name), taken),
            wire_name=wire_name,
            annotation=annotations.of(schema),
            required=required,
            description=description,
            schema=schema,
        )
        for wire_name, schema, required, description in items
    ]


def _success(operation: dict[str, Any]) -> tuple[int, Any, bool]:
    """(status, schema, has content) of the first 2xx response."""
    status, response = success_response(operation)
    number = int(status) if status and status.isdigit() else 200
    return number, body_schema(response), bool(response.get("content"))


def _response_shape(
    operation: dict[str, Any], class_names: dict[str, str], annotations: _Annotations
) -> tuple[str, str | None, int, str]:
    """(kind, model class, status, annotation) of the success response. Kinds: `model` and
    `list` (of a component's class), `typed` (any other schema: primitives, arrays, unions,
    enums), `json` (no schema: untyped JSON), `none` (no body)."""
    status, schema, has_content = _success(operation)
    if not has_content:
        return "none", None, status, "None"
    name = ref_name(schema)
    if name is not None and is_object(annotations.schemas.get(name)):
        annotations.used_models.add(class_names[name])
        return "model", class_names[name], status, class_names[name]
    if isinstance(schema, dict) and schema.get("type") == "array":
        item = ref_name(schema.get("items"))
        if item is not None and is_object(annotations.schemas.get(item)):
            annotations.used_models.add(class_names[item])
            return "list", class_names[item], status, f"builtins.list[{class_names[item]}]"
    annotation = annotations.of(schema, accept_mappings=False)
    return ("json" if annotation == "Any" else "typed"), None, status, annotation


def _errors(operation: dict[str, Any], class_names: dict[str, str]) -> list[ErrorResponse]:
    errors = []
    for status, response in (operation.get("responses") or {}).items():
        code = str(status)
        if not (code.isdigit() and int(code) >= 400 and isinstance(response, dict)):
            continue
        name = ref_name(body_schema(response))
        model = class_names[name] if name else None
        errors.append(ErrorResponse(int(code), text(response.get("description")), model))
    return errors


def _body(
    operation: dict[str, Any], schemas: dict[str, Any]
) -> tuple[str | None, list[tuple[str, Any, bool, str]]]:
    name = ref_name(body_schema(operation.get("requestBody")))
    if name is None or not is_object(schemas.get(name)):
        return None, []
    schema = schemas.get(name) or {}
    required = set(schema.get("required") or [])
    properties = schema.get("properties") or {}
    fields = [
        (str(prop), prop_schema, prop in required, text((prop_schema or {}).get("description")))
        for prop, prop_schema in properties.items()
    ]
    return name, fields


def _body_encoding(operation: dict[str, Any]) -> str:
    """How the request body is sent: JSON, or the form encoding the document gives."""
    content = (operation.get("requestBody") or {}).get("content") or {}
    if any("json" in str(media) for media in content):
        return "json"
    if "multipart/form-data" in content:
        return "multipart"
    if "application/octet-stream" in content:
        return "binary"
    return "form" if "application/x-www-form-urlencoded" in content else "json"


def _raw_body(
    operation: dict[str, Any], body_name: str | None, annotations: _Annotations
) -> str | None:
    """The `body` argument's type when the body is not an object model, else None."""
    body = operation.get("requestBody")
    if body_name is not None or not isinstance(body, dict) or not body.get("content"):
        return None
    if _body_encoding(operation) == "binary":
        return "FileContent"
    return annotations.of(body_schema(body))


def _model_document(
    document: Document, modules: dict[str, str], class_names: dict[str, str], package: str
) -> dict[str, Any]:
    """The document datamodel-code-generator reads: schemas renamed `<module>.<Class>`, no
    paths, and without examples (they only bloat the models), `pattern`s or string formats
    other than those of `FORMAT_TYPES`: a client must not reject a response over a
    server-side format rule (`email`, `uri`), nor need a package for one, and a hostile
    pattern could make parsing backtrack forever."""
    originals = schemas_of(document)
    schemas = {name: merged_all_of(schema, originals) for name, schema in originals.items()}
    qualified = {name: f"{modules[name]}.{class_names[name]}" for name in schemas}

    # `datetime.datetime` for users, read as a WireDatetime that writes back the text it read
    wire_datetime = {"customTypePath": f"{package}._model_base.Datetime"}

    def base_class(name: str) -> dict[str, str]:
        if schemas[name].get("x-finalpos-runtime-shaped"):
            return {"customBasePath": f"{package}._model_base.RuntimeShapedModel"}
        return {}

    def rewrite(node: Any, dropped: frozenset[str] = DROPPED_MODEL_KEYWORDS) -> Any:
        if not isinstance(node, dict):
            return node
        name = ref_name(node)
        if name is not None:
            return {**node, **schema_ref(qualified[name])}
        if node.get("type") == "array" and "items" not in node:
            node = {**node, "items": {}}
        if node.get("format") is not None and node.get("format") not in FORMAT_TYPES:
            node = {k: v for k, v in node.items() if k != "format"}  # email, uri...: plain str
        if node.get("type") == "string" and node.get("format") == "date-time":
            node = {**node, **wire_datetime}
        if isinstance(node.get("properties"), dict):
            node = {**node, "properties": _optional_means_nullable(node)}
        kept = {k: v for k, v in node.items() if k not in dropped and not k.startswith("x-")}
        rewritten = map_subschemas(kept, rewrite)
        for union in ("anyOf", "oneOf"):
            if isinstance(kept.get(union), list):
                rewritten[union] = [rewrite(m, _MEMBER_DROPPED) for m in kept[union]]
        return rewritten

    return {
        "openapi": document.get("openapi", "3.0.0"),
        "info": {"title": "models", "version": "0"},
        "paths": {},
        "components": {
            "schemas": {
                qualified[name]: {**rewrite(s), **base_class(name)} for name, s in schemas.items()
            }
        },
    }


def _optional_means_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Properties of an object, the optional ones also nullable: models are generated with
    `strict_nullable` (required + nullable is `X | None` with no default), so an optional
    property must say it may be None to get its `= None` default."""
    required = set(schema.get("required") or [])
    properties = {}
    for name, prop in schema["properties"].items():
        if name in required or not isinstance(prop, dict) or prop.get("nullable"):
            properties[name] = prop
        elif "$ref" in prop:
            properties[name] = {"allOf": [prop], "nullable": True}
        else:
            properties[name] = {**prop, "nullable": True}
    return properties


def default_base_url(document: Document) -> str:
    """The first server's absolute URL, its variables at their defaults; "" when the document
    names none (the client then needs `base_url`)."""
    for server in document.get("servers") or []:
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        for name, variable in (server.get("variables") or {}).items():
            if isinstance(variable, dict) and "default" in variable:
                url = url.replace("{" + str(name) + "}", str(variable["default"]))
        if url.startswith(("http://", "https://")) and "{" not in url:
            return url.rstrip("/")
    return ""


def _own_properties(schema: Any) -> tuple[str, ...] | None:
    """The property names a plain object schema's class must have (None: not checked)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return None
    if any(key in schema for key in ("allOf", "anyOf", "oneOf", "$ref")):
        return None
    return tuple(str(name) for name in schema["properties"])


def build(document: Document, *, package: str, client_version: str = "0.0.0") -> ClientModel:
    """The client model of a normalized document."""
    if next(iter_operations(document), None) is None:
        left_out = [r for r in document.get(REPAIRS) or [] if r["rule"] == "unfollowable-ref"]
        if left_out:  # say why, where the cause is
            raise SpecError(
                f"no operation is left: {left_out[0]['message']}", pointer=left_out[0]["pointer"]
            )
        raise SpecError("the document has no operations: nothing to generate", pointer="#/paths")
    schemas = schemas_of(document)
    taken_classes = set(_MODEL_MODULE_NAMES)
    class_names = {name: unique(class_name(name), taken_classes) for name in schemas}
    resources = _resources(document)
    modules = assign_modules(document, {key: r.attribute for key, r in resources.items()})
    module_of_class = {class_names[name]: modules[name] for name in schemas}
    annotations = _Annotations(schemas, class_names)
    schemes = schemes_of(document)
    for path, method, operation in iter_operations(document):
        resource = resources[operation["x-finalpos-resource"]]
        annotations.used_models = set()
        op = _operation(document, path, method, operation, resource, annotations, schemes)
        resource.operations.append(op)
        used = annotations.used_models | {
            name for name in (op.body_model, op.response_model) if name
        }
        for name in used:
            resource.imports.setdefault(module_of_class[name], []).append(name)
    for resource in resources.values():
        resource.imports = {m: sorted(set(n)) for m, n in sorted(resource.imports.items())}
    info = document.get("info") or {}
    return ClientModel(
        package=package,
        title=text(info.get("title")),
        api_version=str(info.get("version", "")),
        client_version=client_version,
        base_url=default_base_url(document),
        env_prefix=package.upper(),
        schemes=list(schemes.values()),
        default_security=default_requirement(document, schemes),
        resources=list(resources.values()),
        schemas=[
            Schema(
                name,
                class_names[name],
                modules[name],
                "x-finalpos-custom-table" in schemas[name],
                _own_properties(schemas[name]),
            )
            for name in schemas
        ],
        custom_table_endpoints=custom_table_endpoints(resources),
        runtime_shaped_modules=runtime_shaped_modules(resources),
        model_document=_model_document(document, modules, class_names, package),
        document=document,
    )


def _resources(document: Document) -> dict[str, Resource]:
    """One resource per `x-finalpos-resource`, in document order, with unique module names."""
    resources: dict[str, Resource] = {}
    taken_modules = {SHARED_MODULE, "__init__", *CLIENT_ATTRIBUTES}
    for _path, _method, operation in iter_operations(document):
        key = operation["x-finalpos-resource"]
        if key not in resources:
            attribute = unique(identifier(key, fallback="tag"), taken_modules)
            resources[key] = Resource(attribute, class_name(key, fallback="Tag"))
    return resources


def _operation(
    document: Document,
    path: str,
    method: str,
    operation: dict[str, Any],
    resource: Resource,
    annotations: _Annotations,
    schemes: dict[str, Scheme],
) -> Operation:
    """The client method of one operation, with its contract test case."""
    schemas, class_names = annotations.schemas, annotations.class_names
    path_item = (document.get("paths") or {})[path]
    taken = set(RESERVED_ARGUMENTS)
    body_name, body_props = _body(operation, schemas)
    kind, response_model, status, response_annotation = _response_shape(
        operation, class_names, annotations
    )
    op = Operation(
        operation_id=str(operation.get("operationId") or f"{method} {path}"),
        resource=resource.attribute,
        method_name=unique(identifier(operation["x-finalpos-method"]), resource.methods),
        http_method=method,
        path=path,
        summary=text(operation.get("summary")),
        description=text(operation.get("description")),
        path_params=_arguments(parameters(operation, path_item, "path"), annotations, taken),
        query_params=_arguments(parameters(operation, path_item, "query"), annotations, taken),
        body_model=class_names[body_name] if body_name else None,
        body_fields=_arguments(body_props, annotations, taken),
        body_encoding=_body_encoding(operation),
        body_annotation=_raw_body(operation, body_name, annotations),
        body_required=bool((operation.get("requestBody") or {}).get("required")),
        response_kind=kind,
        response_model=response_model,
        response_annotation=response_annotation,
        success_status=status,
        paginated="x-finalpos-pagination" in operation,
        errors=_errors(operation, class_names),
        security=requirement(operation, document, schemes),
    )
    op.contract = contract_case(op, operation, path_item, schemas)
    return op
