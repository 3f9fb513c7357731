"""`update`: one API release, all or nothing: vendor the document, bump the client version by
what changed, add one changelog entry, regenerate the package.

The snapshot, its lock, the client version (in pyproject.toml) and the package change
together: they are written just before the new package is swapped in, and put back if
anything fails until the swap is done.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import changelog as changelog_stage
from generator import changes as changes_stage
from generator import readability
from generator import render as render_stage
from generator.compat import judge
from generator.config import Config
from generator.errors import FetchError, SpecError
from generator.fetch import Release, Snapshot, lock_of
from generator.finalpos import recorded_core
from generator.fsutil import CHANGELOG, write_atomic
from generator.load import parse_document
from generator.model_code import ModelCoder, model_code
from generator.normalize import normalize, normalize_against
from generator.readability import Unreadable

CLIENT_VERSION_KEY = "client-version"
_CLIENT_VERSION_LINE = re.compile(rf'^{CLIENT_VERSION_KEY}\s*=\s*"([^"]*)"\s*$', re.MULTILINE)
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")


def api_client_version(document: dict[str, Any]) -> str:
    """The client version of a package generated from another document than the project's:
    its API version when it looks like one (else 0.0.0)."""
    api_version = str((document.get("info") or {}).get("version", ""))
    return api_version if _VERSION.match(api_version) else "0.0.0"


def with_client_version(pyproject: str, version: str) -> str:
    """pyproject.toml text with `[tool.finalpos-codegen] client-version` set to `version`."""
    line = f'{CLIENT_VERSION_KEY} = "{version}"'
    if _CLIENT_VERSION_LINE.search(pyproject):
        return _CLIENT_VERSION_LINE.sub(line, pyproject, count=1)
    header = "[tool.finalpos-codegen]\n"
    if header not in pyproject:
        raise SpecError(f"no {header.strip()} table to record the client version in")
    return pyproject.replace(header, header + line + "\n", 1)


def with_entry(changelog: str | None, entry: str) -> str:
    """The changelog with `entry` first, unless an entry of the same heading is there."""
    previous = changelog or "# Changelog\n\n"
    heading = entry.splitlines()[0]
    if heading in previous.splitlines():
        return previous
    head, _, rest = previous.partition("\n\n")
    return f"{head}\n\n{entry}\n{rest}"


@dataclass(frozen=True)
class Outcome:
    """What an update did."""

    report: changes_stage.Report
    old_version: str
    new_version: str
    old_api: str
    new_api: str
    entry: str = ""
    """The changelog entry it added."""
    unreadable: tuple[Unreadable, ...] = ()
    """The new release's documented responses the previous client cannot read."""

    def summary(self) -> str:
        counts = ", ".join(
            f"{len(self.report.by_level(level))} {level.replace('_', '-')}"
            for level in changes_stage.LEVELS
        )
        breaking = " BREAKING:" if self.report.by_level("breaking") else ""
        lines = [
            f"API {self.old_api} → {self.new_api}:{breaking} {counts} change(s), "
            f"{len(self.report.custom_fields)} custom-field change(s); "
            f"client {self.old_version} → {self.new_version}",
            *(f"- {finding.line(self.old_version)}" for finding in self.unreadable),
        ]
        return "\n".join(lines)


RELEASE_LABEL = "api-release"
BREAKING_LABEL = "breaking"
_BRANCH_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def pull_request(outcome: Outcome) -> dict[str, Any]:
    """What the scheduled workflow opens (or updates) for a release: one branch per API
    version, a title with both versions, the summary and the changelog entry as the body,
    and the `breaking` label when the release breaks callers. Plain data: the workflow
    only passes it to the git host."""
    breaking = bool(outcome.report.by_level("breaking"))
    version = _BRANCH_UNSAFE.sub("-", outcome.new_api).strip("-.") or "unknown"
    title = f"API {outcome.new_api}: client {outcome.new_version}"
    return {
        "branch": f"{RELEASE_LABEL}/{version}",
        "title": title + (" (breaking)" if breaking else ""),
        "body": f"{outcome.summary()}\n\n{outcome.entry}",
        "labels": [RELEASE_LABEL, *([BREAKING_LABEL] if breaking else [])],
    }


class Transaction:
    """Files written now and put back as they were unless `commit` is reached."""

    def __init__(self) -> None:
        self._before: dict[Path, bytes | None] = {}

    def write(self, path: Path, data: bytes) -> None:
        if path not in self._before:
            self._before[path] = path.read_bytes() if path.exists() else None
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise FetchError(f"cannot write: {exc.strerror}", source=str(path)) from exc

    def roll_back(self) -> None:
        for path, data in self._before.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, data)


def update(
    release: Release,
    *,
    snapshot: Snapshot,
    pyproject: Path,
    config: Config,
    output: Path,
    package: str,
    coder: ModelCoder = model_code,
) -> Outcome:
    """Vendor `release`, bump the client version, add the changelog entry, regenerate
    (`coder` makes the models' code)."""

    previous = parse_document(snapshot.spec_path.read_bytes(), str(snapshot.spec_path))
    old = normalize(previous)  # the vendored snapshot: trusted, not validated again
    new = normalize_against(release.repaired, None, repaired=True)
    verdict = judge(old, new, package)
    report = verdict.report
    old_version = config.client_version
    new_version = changelog_stage.next_version(old_version, report)
    old_api = str((previous.get("info") or {}).get("version"))
    new_api = str((release.document.get("info") or {}).get("version"))
    entry = changelog_stage.changelog_entry(
        report, version=new_version, old_api=old_api, new_api=new_api, terms=verdict.terms
    )
    found = tuple(readability.unreadable(old, new, package, output))
    outcome = Outcome(report, old_version, new_version, old_api, new_api, entry, found)
    changelog_path = output / CHANGELOG
    changelog = with_entry(changelog_path.read_text() if changelog_path.is_file() else None, entry)
    transaction = Transaction()

    def write_release() -> None:
        transaction.write(snapshot.spec_path, release.body)
        recorded = dataclasses.replace(release, core=recorded_core(new))
        transaction.write(snapshot.lock_path, lock_of(recorded))
        text = with_client_version(pyproject.read_text(), outcome.new_version)
        transaction.write(pyproject, text.encode())

    try:
        render_stage.render(
            new,
            output,
            package=package,
            client_version=outcome.new_version,
            changelog=changelog,
            before_swap=write_release,
            coder=coder,
        )
    except BaseException:
        transaction.roll_back()
        raise
    return outcome
