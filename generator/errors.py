"""Errors the command line reports without a traceback, each naming where the problem is."""

from __future__ import annotations

from collections.abc import Iterable


def json_pointer(parts: Iterable[object]) -> str:
    """RFC 6901 pointer for a path of keys and indexes."""
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in parts]
    return "#/" + "/".join(escaped) if escaped else "#"


class CodegenError(Exception):
    """Base class: a message for the user and the exit code the CLI returns."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, pointer: str | None = None):
        self.message = message
        self.source = source
        self.pointer = pointer
        super().__init__(str(self))

    def __str__(self) -> str:
        place = ": ".join(part for part in (self.source, self.pointer) if part)
        return f"{place}: {self.message}" if place else self.message


class SpecError(CodegenError):
    """The document is invalid or cannot be turned into a client (exit 2)."""


class FetchError(CodegenError):
    """The network or the file system failed (exit 3)."""

    exit_code = 3


class ConfigError(CodegenError):
    """The project's settings (`[tool.finalpos-codegen]`) are invalid (exit 2)."""
