"""Stage 1: get the OpenAPI document (URL or file) and vendor it into spec/: download with
retries and ETag, the snapshot and its lock. A document is vendored only when it parses
(`generator.load`), is OpenAPI 3.x and passes validation (`generator.validate`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import FetchError, SpecError

if TYPE_CHECKING:
    import httpx
from generator.fsutil import write_atomic
from generator.load import parse_document, read_spec
from generator.validate import VALIDATOR_RULE, Problem, checked

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


# The lock's record of the snapshot's core customer properties (`Release.core`).
CORE_LOCK_KEY = "core_customer_properties"


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
        findings = self.recorded(path, "findings")
        return None if findings is None else [Problem(**finding) for finding in findings]

    def recorded(self, path: Path, key: str) -> list[Any] | None:
        """The list the lock recorded under `key` when the document at `path` was vendored,
        if it is the snapshot the lock vouches for (same sha256); else None."""
        lock = self.read_lock()
        if not isinstance(lock.get(key), list):
            return None
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None
        return lock[key] if digest == lock.get("sha256") else None


@dataclass
class Release:
    """A retrieved, checked document about to become the snapshot."""

    body: bytes
    document: dict[str, Any]
    source: str
    """A URL, or a path relative to the project (never an absolute local path)."""
    etag: str | None
    problems: list[Problem]
    repaired: dict[str, Any]
    """`document` as validation repaired it: what normalization goes on from."""
    core: tuple[str, ...] | None = None
    """Its core customer properties (Final POS's descriptions), for the lock to record: a
    tenant's description of this release is read against them without normalizing it."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def is_vendored(self, snapshot: Snapshot) -> bool:
        """The snapshot already, with a lock that records all a lock now does."""
        lock = snapshot.read_lock()
        recorded = CORE_LOCK_KEY in lock or self.core is None
        return lock.get("sha256") == self.sha256 and snapshot.spec_path.exists() and recorded


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
    check = checked(document, source, strict=strict)
    return Release(body, document, source, etag, check.problems, check.repaired)


def lock_of(release: Release, **extra: Any) -> bytes:
    """The lock file's text for `release` (`extra`: fields kept from the previous lock)."""
    info = release.document.get("info") or {}
    recorded = {} if release.core is None else {CORE_LOCK_KEY: list(release.core)}
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
        **recorded,
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
