"""The client model: what stage 3 (`generator.model`) hands the templates, as plain data.

One frozen view of the client to generate: its resources and their operations (each with
its arguments, response, errors, security and contract test case), the model classes of the
schemas, and the package's settings. `render`, `contract`, `finalpos`, `notes` and the
templates read these types; only `generator.model` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.security import CREDENTIALS, Requirement, Scheme

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
    "InternalServerError",
    "PaginationError",
    "RequestValidationError",
)


def exceptions(error_class: str) -> tuple[str, ...]:
    """Every exception class of a package whose base error class is `error_class`, sorted."""
    status = tuple(name for name, _ in STATUS_EXCEPTIONS.values())
    return tuple(sorted((*OTHER_EXCEPTIONS, *status, error_class)))


# Attributes every resource has besides its operations' methods.
RESERVED_METHODS = frozenset(
    {"with_raw_response", "with_streaming_response", "custom_fields_model"}
)


@dataclass(frozen=True)
class Profile:
    """What a package is called by, and whether it is the Final POS API's own
    (`generator.finalpos.profile`): the one place the generic stages learn either."""

    stem: str
    """Its classes' stem: `FinalPOS` → `FinalPOSError`, `FinalPOSModel`; `myapi` → `Myapi`."""
    final_pos: bool = False
    """The Final POS API's description: runtime-shaped customers, custom tables, and its
    documented paging rule (`skip` a multiple of `limit`)."""

    @property
    def error_class(self) -> str:
        return f"{self.stem}Error"

    @property
    def model_class(self) -> str:
        return f"{self.stem}Model"


@dataclass(frozen=True)
class CheckedField:
    """What the document guarantees of a response property, which any correct server meets:
    its parsed types, presence when required, membership when an enum."""

    wire_name: str
    python_types: list[str]
    required: bool
    enum: list[Any] | None


@dataclass(frozen=True)
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
class ParamField:
    """One key of a request TypedDict: a property by its wire name."""

    wire_name: str
    annotation: str
    required: bool


@dataclass(frozen=True)
class Param:
    """The TypedDict of a request object (`<package>.params`): what a mapping given for it
    may hold, so a wrong key is a type error."""

    name: str
    fields: list[ParamField]


@dataclass(frozen=True)
class Argument:
    """A method argument: a path or query parameter, or a property of the request body."""

    name: str
    wire_name: str
    annotation: str
    required: bool
    description: str
    schema: Any = None
    deprecated: bool = False
    place: str = ""
    """Where it is sent: `query parameter "limit"`, `request body property "name"`..."""
    default: tuple[Any, ...] = ()
    """`(value,)`: a parameter the API requires, with a documented default (an API-version
    header): optional in the signature, and the default is sent when it is not given."""


@dataclass(frozen=True)
class ErrorResponse:
    """A documented error status of an operation, and the exception the client raises."""

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


@dataclass(frozen=True)
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
    header_params: list[Argument]
    """Header parameters but for those OpenAPI says to ignore (`IGNORED_HEADERS`)."""
    fixed_headers: dict[str, str]
    """Headers sent on every call: an ignored header parameter's documented default."""
    body_model: str | None
    body_param: str | None
    """The TypedDict a mapping given as the whole body may be (with `body_model`)."""
    body_fields: list[Argument]
    body_encoding: str  # "json", "multipart", "form" or "binary"
    part_types: dict[str, str]
    """A multipart part's media type by its wire name, where `encoding` says one."""
    body_annotation: str | None
    """A body that is not an object model (a string, a list, bytes): the `body` argument's type."""
    body_required: bool
    response_kind: str  # "model", "list", "typed", "json" or "none"
    response_model: str | None
    response_annotation: str
    success_status: int
    accept: str
    """The success response's media type: what the call asks for (`Accept`)."""
    paginated: bool
    errors: list[ErrorResponse]
    security: Requirement = ()
    """Alternatives of scheme names to authenticate with; `()` needs no credentials."""
    deprecated: bool = False
    """`deprecated: true`: its methods carry `@deprecated` (PEP 702) and warn when called."""
    server: str = ""
    """Its own server (operation-level `servers`), used while the client is on its default."""
    contract: Case | None = None
    """What its generated contract tests call and check (`generator.contract`)."""

    @property
    def label(self) -> str:
        return f"{self.http_method.upper()} {self.path}"

    @property
    def arguments(self) -> list[Argument]:
        """Every argument of its method, in signature order: path, query and header
        parameters, then body properties."""
        return self.path_params + self.query_params + self.header_params + self.body_fields

    @property
    def deprecated_arguments(self) -> list[Argument]:
        """Its deprecated parameters and body properties: passing one warns."""
        return [argument for argument in self.arguments if argument.deprecated]


@dataclass(frozen=True)
class Resource:
    """A group of operations: `client.<attribute>` in the generated client."""

    attribute: str
    class_name: str
    operations: list[Operation] = field(default_factory=list)
    imports: dict[str, list[str]] = field(default_factory=dict)
    """Model classes the resource module imports, by models module."""
    field_checks: dict[str, FieldChecks] = field(default_factory=dict)
    """The contract tests' field checks, once per response model."""
    params: list[str] = field(default_factory=list)
    """The TypedDicts its signatures name (`<package>.params`)."""

    @property
    def downloads(self) -> list[Operation]:
        """Its operations that return bytes: `with_streaming_response` offers them."""
        return [op for op in self.operations if op.response_kind == "binary"]


@dataclass(frozen=True)
class ClientModel:
    """Everything the templates need, as plain data."""

    package: str
    title: str
    api_version: str
    client_version: str
    base_url: str
    env_prefix: str
    """Environment variables are `<env_prefix>_API_KEY`, `_BASE_URL`, `_LOG`..."""
    profile: Profile
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
    params: list[Param]
    param_imports: dict[str, list[str]]
    """The model classes `params` names, by models module."""
    document: dict[str, Any]
    """The normalized document, shipped with the contract tests for the mock server."""

    @property
    def operations(self) -> list[Operation]:
        return [op for resource in self.resources for op in resource.operations]

    @property
    def exceptions(self) -> tuple[str, ...]:
        return exceptions(self.profile.error_class)

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
