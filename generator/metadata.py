"""The generated package's distribution metadata, from the document's `info`, `servers` and
`externalDocs`: its licence, its project URLs, its classifiers. A project that vendors the
package must be able to tell under which terms it may.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.document import Document

# What every generated package is: typed (py.typed), pure Python, for these versions.
CLASSIFIERS = (
    "Intended Audience :: Developers",
    "Operating System :: OS Independent",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Typing :: Typed",
)


@dataclass(frozen=True)
class Metadata:
    """What `pyproject.toml` and the README say of the package's terms and whereabouts."""

    license_expression: str | None = None
    """An SPDX expression (OpenAPI 3.1 `info.license.identifier`)."""
    license_name: str | None = None
    """The licence as the document names it (`info.license.name`)."""
    license_url: str | None = None
    urls: dict[str, str] = field(default_factory=dict)
    classifiers: tuple[str, ...] = CLASSIFIERS


def metadata(document: Document) -> Metadata:
    info = _mapping(document.get("info"))
    license_ = _mapping(info.get("license"))
    name = _text(license_.get("name"))
    return Metadata(
        license_expression=_spdx(license_.get("identifier")),
        license_name=name,
        license_url=_web_url(license_.get("url")),
        urls=_urls(document, info),
    )


def _urls(document: Document, info: dict[str, Any]) -> dict[str, str]:
    """Project URLs by label, each an absolute http(s) address the document gives."""
    servers = document.get("servers") if isinstance(document.get("servers"), list) else []
    candidates = {
        "Homepage": _mapping(info.get("contact")).get("url"),
        "Documentation": _mapping(document.get("externalDocs")).get("url"),
        "API": next((s.get("url") for s in servers if isinstance(s, dict)), None),
        "Terms of service": info.get("termsOfService"),
    }
    return {label: url for label, value in candidates.items() if (url := _web_url(value))}


def _spdx(value: Any) -> str | None:
    """`value` when it is a valid SPDX licence expression (else None: said as text)."""
    text = _text(value)
    if text is None:
        return None
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    try:
        return str(canonicalize_license_expression(text))
    except InvalidLicenseExpression:
        return None


def _web_url(value: Any) -> str | None:
    text = _text(value)
    if text and text.startswith(("https://", "http://")) and not any(c.isspace() for c in text):
        return text
    return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
