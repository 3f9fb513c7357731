"""One typed view of an operation, read once from the document: every stage that asks about an
operation (the client model, the contract cases, pagination, `diff`) reads it here, so no two
readers can disagree on what the operation takes or returns.

Parameters are merged (the path item's, overridden by the operation's own); the body is the
one media type the client sends; responses are split into the success the method returns and
the errors it documents; security is the operation's own requirement, else the document's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.document import (
    Document,
    Field,
    body_schema,
    is_json_media,
    iter_operations,
    response_media,
    text,
)

# How a request body is sent, by the media types it documents (first match wins).
_FORM_ENCODINGS = (
    ("multipart/form-data", "multipart"),
    ("application/octet-stream", "binary"),
    ("application/x-www-form-urlencoded", "form"),
)


@dataclass(frozen=True)
class Parameter:
    """A path, query, header or cookie parameter, where the operation reads it."""

    name: str
    location: str
    schema: Any
    required: bool
    description: str
    deprecated: bool

    @property
    def field(self) -> Field:
        return (self.name, self.schema, self.required, self.description, self.deprecated)


@dataclass(frozen=True)
class Body:
    """The request body: what the client sends, and how."""

    media_type: str
    schema: Any
    required: bool
    encoding: str
    """"json", "multipart", "form" or "binary"."""
    part_types: tuple[tuple[str, str], ...] = ()
    """(property, media type) of the multipart parts whose `encoding` says a `contentType`."""


@dataclass(frozen=True)
class Response:
    """One documented response."""

    status: str
    description: str
    schema: Any
    has_content: bool
    media: str | None
    """How its body is read: "json", "text", "binary", or None without content."""
    media_types: tuple[str, ...]
    raw: dict[str, Any]


@dataclass(frozen=True)
class OperationView:
    """An operation as every stage reads it."""

    path: str
    method: str
    raw: dict[str, Any]
    """The operation object itself, for what no stage but one reads (examples)."""
    parameters: tuple[Parameter, ...]
    body: Body | None
    responses: tuple[Response, ...]
    security: tuple[dict[str, Any], ...]
    """The requirement alternatives in force: the operation's own, else the document's."""
    servers: tuple[dict[str, Any], ...] = ()
    """Its own servers (the operation's, else its path item's); () uses the document's."""

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str:
        return str(self.raw.get("operationId") or "")

    @property
    def summary(self) -> str:
        return text(self.raw.get("summary"))

    @property
    def description(self) -> str:
        return text(self.raw.get("description"))

    @property
    def deprecated(self) -> bool:
        return self.raw.get("deprecated") is True

    @property
    def resource(self) -> Any:
        """The client resource normalization put it in (`x-finalpos-resource`)."""
        return self.raw.get("x-finalpos-resource")

    @property
    def client_method(self) -> Any:
        """The client method name normalization gave it (`x-finalpos-method`)."""
        return self.raw.get("x-finalpos-method")

    @property
    def paginated(self) -> bool:
        return "x-finalpos-pagination" in self.raw

    @property
    def success(self) -> Response | None:
        """The first 2xx response: what the method returns."""
        return next((r for r in self.responses if r.status.startswith("2")), None)

    @property
    def errors(self) -> list[Response]:
        """The documented 4xx and 5xx responses."""
        return [r for r in self.responses if r.status.isdigit() and int(r.status) >= 400]

    def params(self, location: str) -> list[Parameter]:
        return [p for p in self.parameters if p.location == location]

    def fields(self, location: str) -> list[Field]:
        return [p.field for p in self.params(location)]

    def param(self, location: str, name: str) -> Parameter | None:
        return next((p for p in self.params(location) if p.name == name), None)


def _parameters(operation: dict[str, Any], path_item: dict[str, Any]) -> tuple[Parameter, ...]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for parameter in [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]:
        if isinstance(parameter, dict) and "name" in parameter and "in" in parameter:
            merged[(str(parameter["in"]), str(parameter["name"]))] = parameter
    return tuple(
        Parameter(
            name=name,
            location=location,
            schema=p.get("schema") or {},
            required=bool(p.get("required")) or location == "path",
            description=text(p.get("description")),
            deprecated=p.get("deprecated") is True,
        )
        for (location, name), p in merged.items()
    )


def body_encoding(media_types: list[str]) -> str:
    """How a body documented in `media_types` is sent: JSON, or the form encoding given."""
    if any(is_json_media(media) for media in media_types):
        return "json"
    return next((kind for media, kind in _FORM_ENCODINGS if media in media_types), "json")


def _body(operation: dict[str, Any]) -> Body | None:
    body = operation.get("requestBody")
    if not isinstance(body, dict):
        return None
    media_types = [str(media) for media in body.get("content") or {}]
    if not media_types:
        return None
    json_media = next((m for m in media_types if m == "application/json"), media_types[0])
    encoding = body_encoding(media_types)
    required = bool(body.get("required"))
    return Body(json_media, body_schema(body), required, encoding, _part_types(body["content"]))


def _part_types(content: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """What a multipart body's `encoding` says each part is (its first `contentType`)."""
    found = []
    for media, media_object in content.items():
        encoding = media_object.get("encoding") if isinstance(media_object, dict) else None
        if not str(media).startswith("multipart/") or not isinstance(encoding, dict):
            continue
        for part, how in encoding.items():
            declared = how.get("contentType") if isinstance(how, dict) else None
            first = declared.split(",")[0].strip() if isinstance(declared, str) else ""
            if first:
                found.append((str(part), first))
    return tuple(found)


def _responses(operation: dict[str, Any]) -> tuple[Response, ...]:
    found = []
    for status, response in (operation.get("responses") or {}).items():
        if not isinstance(response, dict):
            continue
        content = response.get("content") or {}
        found.append(
            Response(
                status=str(status),
                description=text(response.get("description")),
                schema=body_schema(response),
                has_content=bool(content),
                media=response_media(response),
                media_types=tuple(str(media) for media in content),
                raw=response,
            )
        )
    return tuple(found)


def view_of(document: Document, path: str, method: str, operation: dict[str, Any]) -> OperationView:
    path_item = (document.get("paths") or {}).get(path) or {}
    security = operation.get("security", document.get("security")) or []
    return OperationView(
        path=path,
        method=method,
        raw=operation,
        parameters=_parameters(operation, path_item),
        body=_body(operation),
        responses=_responses(operation),
        security=tuple(s for s in security if isinstance(s, dict)),
        servers=tuple(
            s
            for s in operation.get("servers") or path_item.get("servers") or []
            if isinstance(s, dict)
        ),
    )


def operations(document: Document) -> list[OperationView]:
    """Every operation of the document, in document order."""
    return [view_of(document, *found) for found in iter_operations(document)]
