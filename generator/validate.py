"""Stage 1b: validation at the trust boundary. openapi-spec-validator on the repaired
document (findings are warnings, errors with `--strict`), in this process or in a child
interpreter (`python -m generator.validate`) while generation goes on. What it found in a
document is remembered in the user's cache folder, by the document's content and the
validator's version, so the same document is validated once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import pickle
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.child import Child, serve
from generator.errors import SpecError, json_pointer
from generator.fsutil import cache_folder, write_atomic

if TYPE_CHECKING:
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from openapi_spec_validator.validation.validators import SpecValidator
from generator.load import check_basics, read_spec


@dataclass(frozen=True)
class Problem:
    """Something wrong with a document that did not stop it: repaired, or left as it is."""

    pointer: str
    rule: str
    message: str

    def line(self, source: str) -> str:
        return f"{source}: {self.pointer}: {self.message} [{self.rule}]"


MAX_PROBLEM_TEXT = 160
# The rules of what openapi-spec-validator finds start with this (repairs have their own).
VALIDATOR_RULE = "openapi-"


def problems_of(repaired: dict[str, Any], invalid: list[Problem]) -> list[Problem]:
    """The repairs recorded in a document, then what the validator still found."""
    from generator.normalize import repairs

    return [Problem(**entry) for entry in repairs(repaired)] + invalid


def accepted(problems: list[Problem], source: str, *, strict: bool) -> list[Problem]:
    """`problems` as warnings; with `strict` the first one is an error (exit 2)."""
    if strict and problems:
        first = problems[0]
        more = (
            f" (--strict; {len(problems)} problems in all)" if len(problems) > 1 else " (--strict)"
        )
        raise SpecError(
            f"{first.message} [{first.rule}]{more}", source=source, pointer=first.pointer
        )
    return problems


@dataclass(frozen=True)
class Checked:
    """A document that passed the check: repaired (what normalization goes on from, so the
    repair passes run once per document) and what was found in it."""

    repaired: dict[str, Any]
    problems: list[Problem]


def check_openapi(
    document: dict[str, Any],
    source: str,
    *,
    strict: bool = False,
    findings: list[Problem] | None = None,
) -> list[Problem]:
    """Accept an OpenAPI 3.x document that passes `check_basics`; what openapi-spec-validator
    still finds once known quirks are repaired comes back as warnings (errors if `strict`).
    `findings`: what the validator found when this very document was vendored (see
    `Snapshot.findings_for`), used instead of validating it again."""
    return checked(document, source, strict=strict, findings=findings).problems


def checked(
    document: dict[str, Any],
    source: str,
    *,
    strict: bool = False,
    findings: list[Problem] | None = None,
) -> Checked:
    """`check_openapi`, handing on the repaired document too."""
    repaired = _repaired(document, source, strict=strict)
    if findings is None:
        remembered = _findings_file(repaired)
        findings = _remembered(remembered)
        if findings is None:
            findings = _remember(remembered, validate(repaired, source))
    return Checked(repaired, accepted(problems_of(repaired, findings), source, strict=strict))


def _repaired(document: dict[str, Any], source: str, *, strict: bool) -> dict[str, Any]:
    """`check_basics`, then the repair passes; under `strict` a repair is already an error."""
    from generator.normalize import repair

    check_basics(document, source)
    repaired = repair(document)
    accepted(problems_of(repaired, []), source, strict=strict)
    return repaired


def validate(document: dict[str, Any], source: str) -> list[Problem]:
    """What openapi-spec-validator finds, one short problem per error (imported here:
    importing it alone takes 0.4 s, which a vendored snapshot never pays, and `generate`
    pays in a child while it renders). The document is held against the OpenAPI schema by
    jsonschema-rs (a large document: half the time); only when that finds something does
    the pure Python backend look again, for errors that say which keyword failed."""
    from openapi_spec_validator.schemas.backend import jsonschema as python_backend
    from openapi_spec_validator.schemas.backend import jsonschema_rs as rust_backend
    from openapi_spec_validator.shortcuts import get_validator_cls

    try:
        kind = get_validator_cls(document)
        errors = _errors(_backed(kind, rust_backend.create_validator), document)
        if not all(isinstance(error.validator, str) for error in errors):  # no keyword named
            errors = _errors(_backed(kind, python_backend.create_validator), document)
    except RecursionError as exc:
        raise SpecError("document nests too deeply to validate", source=source) from exc
    except Exception as exc:  # the validator's own resolver errors
        raise SpecError(f"invalid OpenAPI: {_short(str(exc))}", source=source) from exc
    return [_problem(error) for error in errors]


@functools.cache
def _backed(kind: type[SpecValidator], backend: Callable[[Any], Any]) -> type[SpecValidator]:
    """`kind` holding documents against its OpenAPI schema with `backend`, whatever the
    environment's OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND says; made once per
    process, as the validator's own schema validators are (jsonschema-rs compiles the
    OpenAPI schema: 7 ms)."""
    schema = dict(kind.schema_validator.schema)
    return type(kind.__name__, (kind,), {"schema_validator": backend(schema)})


def _errors(kind: type[SpecValidator], document: dict[str, Any]) -> list[OpenAPIValidationError]:
    return [error for error in kind(document).iter_errors() if not _tolerated(error)]


# The validator's module whose import is the slow part.
VALIDATOR = "openapi_spec_validator.shortcuts"


# The packages whose versions decide what `validate` finds.
VALIDATOR_PACKAGES = (
    "openapi-spec-validator",
    "openapi-schema-validator",
    "jsonschema",
    "jsonschema-specifications",
    "jsonschema-path",
    "referencing",
    "jsonschema-rs",
)


def _findings_file(repaired: dict[str, Any]) -> Path | None:
    """Where `validate`'s findings in `repaired` are remembered: named by a digest of the
    document (its pickle: types and key order kept), the validator packages' versions and
    this module's source (its tolerances and messages)."""
    from importlib import metadata

    folder = cache_folder("findings")
    if folder is None:
        return None
    digest = hashlib.sha256(pickle.dumps(repaired, protocol=5))
    for package in VALIDATOR_PACKAGES:
        try:
            digest.update(f"{package}=={metadata.version(package)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} absent;".encode())
    digest.update(Path(__file__).read_bytes())
    return folder / f"{digest.hexdigest()}.json"


def _remembered(path: Path | None) -> list[Problem] | None:
    """The findings remembered at `path`, or None (none yet, or unreadable)."""
    if path is None:
        return None
    try:
        return [Problem(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        return None


def _remember(path: Path | None, findings: list[Problem]) -> list[Problem]:
    if path is not None:
        with contextlib.suppress(OSError):
            text = json.dumps([dataclasses.asdict(p) for p in findings], ensure_ascii=False)
            write_atomic(path, text.encode())
    return findings


def _problem(error: OpenAPIValidationError) -> Problem:
    """The most specific cause of a validation error, in a line (never a schema dump)."""
    from jsonschema.exceptions import best_match

    cause = best_match(error.context) if error.context else error
    where = [*error.absolute_path, *(cause.relative_path if cause is not error else [])]
    return Problem(json_pointer(where), f"{VALIDATOR_RULE}{cause.validator}", _short(cause.message))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_PROBLEM_TEXT else text[: MAX_PROBLEM_TEXT - 1] + "…"


def _tolerated(error: OpenAPIValidationError) -> bool:
    """A `pattern` that Python's `re` cannot compile (often valid ECMA-262, as NestJS
    emits it) is no obstacle: the generated client does not check patterns."""
    return error.validator == "format" and error.message.endswith("is not a 'regex'")


def load_spec(path: Path, *, strict: bool = True) -> dict[str, Any]:
    """Read, parse and validate a local document; any problem is a SpecError naming the file
    (with `strict=False`, only what cannot be repaired or understood)."""
    document = read_spec(path)
    check_openapi(document, str(path), strict=strict)
    return document


@dataclass(frozen=True)
class Validation:
    """A validation under way: the repaired document, and `wait` for the problems."""

    repaired: dict[str, Any]
    wait: Callable[[], list[Problem]]


@contextlib.contextmanager
def validating(
    document: dict[str, Any],
    source: str,
    *,
    strict: bool = False,
    findings: list[Problem] | None = None,
) -> Iterator[Validation]:
    """`check_openapi` with the validator run in a child interpreter while the block goes
    on (on a large document validation is the slowest step). The block gets the repaired
    document and a function that waits for the validator and returns the problems (raising
    the first under `strict`); leaving the block waits too, so a validation error wins over
    any error the document caused in the block meanwhile. With `findings` (the vendored
    snapshot), or findings remembered for this document, no child is started; nor in a
    process that has imported the validator already (a test run, a program calling `main`
    again), where a child would cost an interpreter and its imports and hide none."""
    repaired = _repaired(document, source, strict=strict)
    remembered = None if findings is not None else _findings_file(repaired)
    known = findings if findings is not None else _remembered(remembered)
    if known is None and VALIDATOR in sys.modules:
        known = _remember(remembered, validate(repaired, source))
    child = None if known is not None else _ValidationChild(repaired, source)
    outcome: list[list[Problem]] = []

    def wait() -> list[Problem]:
        if not outcome:
            found = known if child is None else _remember(remembered, child.findings())
            outcome.append(found)
        return accepted(problems_of(repaired, outcome[0]), source, strict=strict)

    try:
        yield Validation(repaired, wait)
    finally:
        wait()


class _ValidationChild(Child):
    """`validate` in a child interpreter, started with its document."""

    def __init__(self, repaired: dict[str, Any], source: str) -> None:
        super().__init__(__name__, "validation", source)
        self.send(repaired, source)

    def findings(self) -> list[Problem]:
        return [Problem(**finding) for finding in self.result()]


def _findings_of(repaired: dict[str, Any], source: str) -> list[dict[str, str]]:
    """The child's side of `_ValidationChild`: `validate`'s findings, as plain data."""
    return [dataclasses.asdict(p) for p in validate(repaired, source)]


if __name__ == "__main__":
    serve(_findings_of)
