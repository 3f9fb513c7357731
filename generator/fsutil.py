"""Atomic file-system updates shared by the stages that write (fetch, render), the output
folder's manifest (the generator replaces only a folder it wrote itself), and the user's
cache folder."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def cache_folder(name: str) -> Path | None:
    """`$XDG_CACHE_HOME/finalpos-codegen/<name>` (else under `~/.cache`), made if needed; None
    where it cannot be made, and the caller works without a cache."""
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = root / "finalpos-codegen" / name
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home directory to be found
        return None
    return folder


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so readers see the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside `target`; on success swap it in, on error drop it.

    The old tree is moved aside, the new one renamed into place, then the old one
    removed: an exception or an interrupt before the swap leaves `target` untouched.
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    try:
        yield staging
        swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_in(new: Path, target: Path) -> None:
    """Rename `new` to `target`, replacing whatever tree was there."""
    if not target.exists():
        os.rename(new, target)
        return
    retired = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    os.rmdir(retired)
    os.rename(target, retired)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


MANIFEST = ".finalpos-codegen-manifest.json"
# The release notes `changelog --write` and `update` keep in the package; not rendered.
CHANGELOG = "CHANGELOG.md"
# What tools leave next to a package, and the changelog `update` keeps: not generator output,
# yet no reason to refuse the folder.
IGNORED_PARTS = frozenset(
    {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "build", CHANGELOG}
)


def is_tool_leftover(relative: Path) -> bool:
    return bool(IGNORED_PARTS.intersection(relative.parts)) or any(
        part.endswith(".egg-info") for part in relative.parts
    )


def manifest_text(paths: list[str]) -> str:
    """The manifest of a generation: every file it wrote, sorted."""
    return json.dumps({"generator": "finalpos-codegen", "files": sorted(paths)}, indent=2) + "\n"


def refusal(output: Path) -> str | None:
    """Why `output` may not be replaced by a generation (None: it may). Allowed: absent, empty,
    or holding a generation's files (per its manifest) and tool leftovers only."""
    if not output.exists():
        return None
    if not output.is_dir():
        return "it is not a folder"
    if (output / ".git").exists():
        return "it holds a git repository (.git)"
    if (output / "pyproject.toml").is_file() and "[tool.finalpos-codegen]" in (
        output / "pyproject.toml"
    ).read_text(errors="replace"):
        return "it is the generator's project folder"
    present = [p for p in sorted(output.rglob("*")) if p.is_file() or p.is_symlink()]
    if not present and not any(output.iterdir()):
        return None
    try:
        written = set(json.loads((output / MANIFEST).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return (
            f"it is not empty and has no {MANIFEST} (not a folder this generator wrote; "
            "if it is an older generation, delete it and generate again)"
        )
    for path in present:
        relative = path.relative_to(output)
        if relative.as_posix() not in written and not is_tool_leftover(relative):
            return f"it holds {relative.as_posix()!r}, which this generator did not write"
    return None
