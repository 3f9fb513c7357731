"""Stage 5: drift check. Regenerate into a temporary folder and compare with the committed tree."""

from __future__ import annotations

import difflib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.document import Document
from generator.fsutil import is_tool_leftover
from generator.model import build
from generator.model_code import ModelCoder, model_code
from generator.render import write_package

MAX_DIFF_LINES = 40
# The normalized description a package was generated from, shipped with its contract tests.
SHIPPED_DESCRIPTION = "tests/openapi.json"


@dataclass(frozen=True)
class Drift:
    """One file that differs: `added`, `removed` or `changed`, with a short diff."""

    status: str
    path: str
    diff: str


def tree_files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not is_tool_leftover(path.relative_to(root))
    }


def _short_diff(relative: str, old: Path | None, new: Path | None) -> str:
    def lines(path: Path | None) -> list[str]:
        if path is None:
            return []
        return path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)

    diff = list(
        difflib.unified_diff(
            lines(old), lines(new), f"committed/{relative}", f"regenerated/{relative}", n=2
        )
    )
    if len(diff) > MAX_DIFF_LINES:
        diff = [*diff[:MAX_DIFF_LINES], f"... ({len(diff) - MAX_DIFF_LINES} more diff lines)\n"]
    return "".join(diff)


def compare_trees(committed: Path, regenerated: Path) -> list[Drift]:
    """Files added, removed or changed in `regenerated` relative to `committed`."""
    old, new = tree_files(committed), tree_files(regenerated)
    drifts = []
    for relative in sorted(old.keys() | new.keys()):
        before, after = old.get(relative), new.get(relative)
        if before is None:
            drifts.append(Drift("added", relative, _short_diff(relative, None, after)))
        elif after is None:
            drifts.append(Drift("removed", relative, _short_diff(relative, before, None)))
        elif before.read_bytes() != after.read_bytes():
            drifts.append(Drift("changed", relative, _short_diff(relative, before, after)))
    return drifts


def check(
    document: Document,
    output: Path,
    *,
    package: str,
    client_version: str = "0.0.0",
    coder: ModelCoder = model_code,
) -> list[Drift]:
    """Drift between `output` and a fresh generation from the normalized `document`."""
    client = build(document, package=package, client_version=client_version)
    with tempfile.TemporaryDirectory(prefix="finalpos-check-") as tmp:
        fresh = Path(tmp)
        write_package(client, fresh, coder)
        return compare_trees(output, fresh)
