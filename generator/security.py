"""How a client authenticates: the document's security schemes and each operation's
requirements, as plain data the templates render.

Credentials are one per kind, whatever the schemes are called: `api_key` (apiKey schemes in a
header, query or cookie), `bearer_token` (http bearer, OAuth 2 and OpenID Connect access
tokens), `username` and `password` (http basic).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.document import Document

CREDENTIALS = {
    "api_key": ("api_key",),
    "bearer": ("bearer_token",),
    "basic": ("username", "password"),
}


@dataclass(frozen=True)
class Scheme:
    """One security scheme the client can satisfy."""

    name: str
    kind: str  # "api_key", "bearer" or "basic"
    location: str  # "header", "query" or "cookie"
    parameter: str  # the header, query or cookie name

    @property
    def credentials(self) -> tuple[str, ...]:
        return CREDENTIALS[self.kind]


Requirement = tuple[tuple[str, ...], ...]
"""Alternatives, each the scheme names that must all be sent; `()` needs nothing."""


def scheme_of(name: str, spec: Any) -> Scheme | None:
    """The client's view of a security scheme object; None when it cannot send it."""
    if not isinstance(spec, dict):
        return None
    kind = spec.get("type")
    if kind == "apiKey" and spec.get("in") in ("header", "query", "cookie") and spec.get("name"):
        return Scheme(name, "api_key", str(spec["in"]), str(spec["name"]))
    scheme = str(spec.get("scheme", "")).lower()
    if (kind == "http" and scheme == "bearer") or kind in ("oauth2", "openIdConnect"):
        return Scheme(name, "bearer", "header", "Authorization")
    if kind == "http" and scheme == "basic":
        return Scheme(name, "basic", "header", "Authorization")
    return None


def schemes_of(document: Document) -> dict[str, Scheme]:
    found = ((document.get("components") or {}).get("securitySchemes") or {}).items()
    return {name: s for name, spec in found if (s := scheme_of(str(name), spec)) is not None}


def requirement(declared: Any, schemes: dict[str, Scheme]) -> Requirement:
    """The alternatives the client can satisfy of an operation's `declared` requirement (its
    own `security`, else the document's). An alternative naming a scheme the client cannot
    send is dropped, unless nothing is left: then the operation needs nothing the client
    knows how to send."""
    alternatives = []
    for alternative in declared if isinstance(declared, list | tuple) else []:
        if not isinstance(alternative, dict):
            continue
        names = tuple(str(name) for name in alternative)
        if not names:
            return ()  # one alternative is "no credentials": the call works without
        if all(name in schemes for name in names):
            alternatives.append(names)
    return tuple(dict.fromkeys(alternatives))


def most_common(requirements: Iterable[Requirement]) -> Requirement:
    """The most common requirement: operations with it leave it out of their code."""
    counts = Counter(requirements)
    return counts.most_common(1)[0][0] if counts else ()
