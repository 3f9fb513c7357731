"""Stage 1: get the OpenAPI document (URL or file), check it, and vendor it into spec/.

A document is accepted only when it parses, is OpenAPI 3.x and passes
openapi-spec-validator; the snapshot and its lock file are replaced only then.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from generator.document import iter_refs
from generator.errors import FetchError, SpecError, json_pointer

if TYPE_CHECKING:
    import httpx
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from generator.fsutil import write_atomic

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# YAML aliases are shared references: a few kilobytes can stand for billions of
# nodes once anything walks the tree. Count the expanded size before building it.
MAX_EXPANDED_NODES = 2_000_000
# Deeper JSON nesting than this is refused: real descriptions stay far below it, and the
# validator and the model generator recurse.
MAX_NESTING = 128
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class _SpecLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML without implicit timestamps: `2025-01-01` stays the string the spec wrote."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_document(data: bytes, source: str) -> dict[str, Any]:
    """Parse JSON or YAML bytes into a plain dict, refusing alias bombs and non-mappings."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise SpecError(f"document is larger than {MAX_DOCUMENT_BYTES} bytes", source=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"document is not UTF-8 text ({exc.reason})", source=source) from exc
    if not text.strip():
        raise SpecError("document is empty", source=source)
    document = _parse_json(text) if text.lstrip()[:1] in "{[" else None
    if document is None:
        document = _parse_yaml(text, source)
    if not isinstance(document, dict):
        kind = type(document).__name__
        hint = " (an HTML page?)" if text.lstrip().startswith("<") else ""
        raise SpecError(f"expected an OpenAPI object at the top, got {kind}{hint}", source=source)
    return document


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None  # not JSON after all: YAML may still read it


def _parse_yaml(text: str, source: str) -> Any:
    loader = _SpecLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError("document is empty", source=source)
        _check_expanded_size(node, source)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"not valid YAML or JSON{where}: {exc.problem}", source=source) from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML or JSON: {exc}", source=source) from exc
    finally:
        loader.dispose()


def _check_expanded_size(root: yaml.Node, source: str) -> None:
    """Count nodes as if every alias were copied out, memoized so the count itself is cheap."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise SpecError("YAML alias refers to itself (recursive document)", source=source)
        in_progress.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        in_progress.discard(key)
        sizes[key] = total
        if total > MAX_EXPANDED_NODES:
            raise SpecError(
                f"YAML aliases expand past {MAX_EXPANDED_NODES} nodes (alias bomb?)", source=source
            )
        return total

    size(root)


def _walk(node: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every node with its path, depth first, without recursion."""
    stack = [(node, where)]
    while stack:
        current, path = stack.pop()
        yield current, path
        if isinstance(current, dict):
            stack.extend((value, (*path, key)) for key, value in reversed(current.items()))
        elif isinstance(current, list):
            stack.extend(
                (value, (*path, index)) for index, value in reversed(list(enumerate(current)))
            )


def check_structure(document: dict[str, Any], source: str) -> None:
    """What the validator reports badly or not at all, each with its JSON pointer:
    nesting too deep to process, external $refs, duplicate operationIds. (A local `$ref`
    that points to nothing is a repair: `generator.repair.unfollowable_refs`.)"""
    operation_ids: dict[str, str] = {}
    for node, where in _walk(document):
        if len(where) > MAX_NESTING:
            raise SpecError(
                f"nests deeper than {MAX_NESTING} levels",
                source=source,
                pointer=json_pointer(where),
            )
        if not isinstance(node, dict):
            continue
        if len(where) == 3 and where[0] == "paths" and isinstance(node.get("operationId"), str):
            operation_id = node["operationId"]
            if operation_id in operation_ids:
                raise SpecError(
                    f"operationId {operation_id!r} is also used at {operation_ids[operation_id]}",
                    source=source,
                    pointer=json_pointer((*where, "operationId")),
                )
            operation_ids[operation_id] = json_pointer(where)
    for ref, where in iter_refs(document):
        if not ref.startswith("#"):
            raise SpecError(
                f"external $ref {ref!r} is not supported",
                source=source,
                pointer=json_pointer((*where, "$ref")),
            )


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
    repaired = _repaired(document, source, strict=strict)
    if findings is None:
        findings = validate(repaired, source)
    return accepted(problems_of(repaired, findings), source, strict=strict)


def _repaired(document: dict[str, Any], source: str, *, strict: bool) -> dict[str, Any]:
    """`check_basics`, then the repair passes; under `strict` a repair is already an error."""
    from generator.normalize import repair

    check_basics(document, source)
    repaired = repair(document)
    accepted(problems_of(repaired, []), source, strict=strict)
    return repaired


def check_basics(document: dict[str, Any], source: str) -> None:
    """OpenAPI 3.x, and `check_structure`: what later stages rely on, checked quickly."""
    if "swagger" in document:
        raise SpecError(
            f"Swagger {document['swagger']} is not supported; convert it to OpenAPI 3",
            source=source,
            pointer="#/swagger",
        )
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise SpecError(
            f"expected 'openapi: 3.x', got {version!r}", source=source, pointer="#/openapi"
        )
    check_structure(document, source)


def validate(document: dict[str, Any], source: str) -> list[Problem]:
    """What openapi-spec-validator finds, one short problem per error (imported here:
    importing it alone takes 0.4 s, which a vendored snapshot never pays, and `generate`
    pays in a child while it renders)."""
    from openapi_spec_validator.shortcuts import get_validator_cls

    try:
        validator = get_validator_cls(document)(document)
        errors = [e for e in validator.iter_errors() if not _tolerated(e)]
    except RecursionError as exc:
        raise SpecError("document nests too deeply to validate", source=source) from exc
    except Exception as exc:  # the validator's own resolver errors
        raise SpecError(f"invalid OpenAPI: {_short(str(exc))}", source=source) from exc
    return [_problem(error) for error in errors]


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


def read_spec(path: Path) -> dict[str, Any]:
    """Read and parse a local document (not yet validated)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the document: {exc.strerror}", source=str(path)) from exc
    return parse_document(data, str(path))


def load_spec(path: Path, *, strict: bool = True) -> dict[str, Any]:
    """Read, parse and validate a local document; any problem is a SpecError naming the file
    (with `strict=False`, only what cannot be repaired or understood)."""
    document = read_spec(path)
    check_openapi(document, str(path), strict=strict)
    return document


@contextlib.contextmanager
def validating(
    document: dict[str, Any],
    source: str,
    *,
    strict: bool = False,
    findings: list[Problem] | None = None,
) -> Iterator[Callable[[], list[Problem]]]:
    """`check_openapi` with the validator run in a child interpreter while the block goes
    on (on a large document validation is the slowest step). The block gets a function
    that waits for it and returns the problems (raising the first under `strict`); leaving
    the block waits too, so a validation error wins over any error the document caused in
    the block meanwhile. With `findings` (the vendored snapshot) no child is started."""
    repaired = _repaired(document, source, strict=strict)
    child = None if findings is not None else _ValidationChild(repaired, source)
    outcome: list[list[Problem]] = []

    def wait() -> list[Problem]:
        if not outcome:
            outcome.append(findings if child is None else child.findings())
        return accepted(problems_of(repaired, outcome[0]), source, strict=strict)

    try:
        yield wait
    finally:
        wait()


class _ValidationChild:
    """`validate` in a new interpreter (`python -m generator.fetch`): portable, and safe in
    a process with threads, unlike a fork. The document goes over a pickle file."""

    def __init__(self, repaired: dict[str, Any], source: str) -> None:
        self._source = source
        self._input = tempfile.NamedTemporaryFile(prefix="finalpos-validate-", suffix=".pickle")  # noqa: SIM115 (closed by findings)
        pickle.dump((repaired, source), self._input)
        self._input.flush()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "generator.fetch", self._input.name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def findings(self) -> list[Problem]:
        try:
            output, errors = self._process.communicate()
        finally:
            self._input.close()
        if self._process.returncode != 0:
            last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise SpecError(f"validation failed: {last[0]}", source=self._source)
        kind, value = pickle.loads(output)
        if kind == "error":
            raise SpecError(value[0], source=self._source, pointer=value[1])
        return [Problem(**finding) for finding in value]


def _validate_in_child(input_path: str) -> None:
    """The child's side of `_ValidationChild`: its findings (or error) as a pickle on stdout."""
    with open(input_path, "rb") as file:
        repaired, source = pickle.load(file)  # written by our own parent process
    try:
        result: tuple[str, Any] = (
            "ok",
            [dataclasses.asdict(p) for p in validate(repaired, source)],
        )
    except SpecError as error:
        result = ("error", (error.message, error.pointer))
    sys.stdout.buffer.write(pickle.dumps(result))


@dataclass(frozen=True)
class Download:
    """What the server answered: a body, or `not_modified` for a 304."""

    body: bytes
    etag: str | None
    not_modified: bool = False


def download(
    url: str,
    *,
    etag: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Download:
    """GET `url` with a timeout, retrying 5xx/408/429 and connection errors with backoff.
    `headers` (credentials for a tenant's document) are sent, never logged or reported."""
    headers = {"Accept": "application/yaml, application/json;q=0.9, */*;q=0.1", **(headers or {})}
    if etag:
        headers["If-None-Match"] = etag
    last_problem = "no attempt made"
    import httpx  # only fetching needs it; every other command starts faster without

    with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client:
        for attempt in range(retries + 1):
            if attempt:
                sleep(backoff * 2 ** (attempt - 1))
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in RETRY_STATUSES:
                last_problem = f"HTTP {response.status_code}"
                continue
            if response.status_code == 304:
                return Download(b"", etag, not_modified=True)
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}", source=url)
            _refuse_html(response, url)
            return Download(response.content, response.headers.get("etag"))
    raise FetchError(f"giving up after {retries + 1} attempts: {last_problem}", source=url)


def _refuse_html(response: httpx.Response, url: str) -> None:
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/html"):
        raise SpecError(f"expected an OpenAPI document, got {content_type}", source=url)


@dataclass(frozen=True)
class Snapshot:
    """Where the vendored document and its lock file live."""

    spec_path: Path
    lock_path: Path

    def read_lock(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.lock_path.read_text()))
        except (OSError, ValueError):
            return {}

    def findings_for(self, path: Path) -> list[Problem] | None:
        """What the validator found in the document at `path` when it was vendored, if it is
        the snapshot the lock vouches for (same sha256): the trust boundary is `fetch`, and
        a vendored document is not validated again. None: validate it."""
        lock = self.read_lock()
        if not isinstance(lock.get("findings"), list):
            return None
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None
        if digest != lock.get("sha256"):
            return None
        return [Problem(**finding) for finding in lock["findings"]]


@dataclass
class Release:
    """A retrieved, checked document about to become the snapshot."""

    body: bytes
    document: dict[str, Any]
    source: str
    """A URL, or a path relative to the project (never an absolute local path)."""
    etag: str | None
    problems: list[Problem]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def is_vendored(self, snapshot: Snapshot) -> bool:
        return snapshot.read_lock().get("sha256") == self.sha256 and snapshot.spec_path.exists()


def lock_source(file: Path, root: Path) -> str:
    """How the lock names a local file: relative to the project, never absolute."""
    return os.path.relpath(file.resolve(), root.resolve())


def retrieve(
    *,
    url: str | None,
    file: Path | None,
    snapshot: Snapshot,
    root: Path,
    strict: bool = False,
    headers: dict[str, str] | None = None,
    **download_options: Any,
) -> Release | None:
    """Get the document from `file` or `url` and check it; None when the server answers that
    the snapshot is current (304)."""
    if file is not None:
        try:
            body = file.read_bytes()
        except OSError as exc:
            raise FetchError(f"cannot read: {exc.strerror}", source=str(file)) from exc
        source, etag = lock_source(file, root), None
    else:
        assert url is not None
        lock = snapshot.read_lock()
        known_etag = lock.get("etag") if lock.get("source") == url else None
        result = download(url, etag=known_etag, headers=headers, **download_options)
        if result.not_modified:
            return None
        body, source, etag = result.body, url, result.etag
    document = parse_document(body, source)
    problems = check_openapi(document, source, strict=strict)
    return Release(body, document, source, etag, problems)


def lock_of(release: Release, **extra: Any) -> bytes:
    """The lock file's text for `release` (`extra`: fields kept from the previous lock)."""
    info = release.document.get("info") or {}
    lock = {
        "source": release.source,
        "sha256": release.sha256,
        "api_title": info.get("title"),
        "api_version": info.get("version"),
        "retrieved_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "etag": release.etag,
        "findings": [
            dataclasses.asdict(problem)
            for problem in release.problems
            if problem.rule.startswith(VALIDATOR_RULE)
        ],
        **extra,
    }
    return (json.dumps(lock, indent=2) + "\n").encode()


def vendor(release: Release, snapshot: Snapshot) -> bool:
    """Make `release` the snapshot; False when it already is."""
    if release.is_vendored(snapshot):
        return False
    try:
        write_atomic(snapshot.spec_path, release.body)
        write_atomic(snapshot.lock_path, lock_of(release))
    except OSError as exc:
        raise FetchError(
            f"cannot write the snapshot: {exc.strerror}", source=str(exc.filename)
        ) from exc
    return True


def fetch(*, snapshot: Snapshot, root: Path | None = None, **options: Any) -> bool:
    """`retrieve` (same options) and `vendor`: True when the snapshot changed."""
    release = retrieve(snapshot=snapshot, root=root or Path.cwd(), **options)
    return release is not None and vendor(release, snapshot)


def read_source(source: str, **download_options: Any) -> dict[str, Any]:
    """A document from a URL or a local path, parsed (not yet validated)."""
    if source.startswith(("http://", "https://")):
        return parse_document(download(source, **download_options).body, source)
    return read_spec(Path(source))


if __name__ == "__main__":
    _validate_in_child(sys.argv[1])
