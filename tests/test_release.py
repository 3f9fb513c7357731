"""A release rehearsed on a copy of this repository: `update --file` with a synthetic additive
release and a synthetic breaking one, then the copy's own checks pass with no other edit, the
client version bumps as stated, and the same release again changes nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.fetch import read_spec
from tests.conftest import ROOT, run_cli

COPIED = ["pyproject.toml", "README.md", "generator", "templates", "spec", "generated", "tests"]


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A copy of the repository's sources (no venv, no caches); node_modules linked."""
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mypy_cache", "*.egg-info")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy2(source, copy / name)
    if (ROOT / "node_modules").exists():
        (copy / "node_modules").symlink_to(ROOT / "node_modules")
    return copy


def release(repository: Path, change: str) -> Path:
    """The copy's snapshot changed as a release would change it, with a new API version."""
    document: dict[str, Any] = read_spec(repository / "spec" / "finalpos-openapi.yaml")
    version = [int(p) for p in str(document["info"]["version"]).split(".")[:3] if p.isdigit()]
    major, minor, patch = (version + [0, 0, 0])[:3]
    schemas = document["components"]["schemas"]
    first = next(name for name, s in schemas.items() if s.get("properties"))
    if change == "additive":
        document["info"]["version"] = f"{major}.{minor}.{patch + 1}"
        schemas[first]["properties"]["rehearsalNote"] = {"type": "string"}
    else:
        document["info"]["version"] = f"{major + 1}.0.0"
        removed = next(reversed(document["paths"]))
        del document["paths"][removed]
    path = repository.parent / f"{change}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return path


def client_version(repository: Path) -> str:
    config = tomllib.loads((repository / "pyproject.toml").read_text())
    return str(config["tool"]["finalpos-codegen"]["client-version"])


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "node_modules" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def copy_checks(repository: Path, *tests: str) -> subprocess.CompletedProcess[str]:
    """The copy's own pytest, on its own generator, spec and generated/."""
    environment = {**os.environ, "PYTHONPATH": str(repository)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.mark.parametrize(("change", "bump"), [("additive", "minor"), ("breaking", "major")])
def test_update_rehearsal(repository, change, bump):
    before = client_version(repository)
    major, minor, _patch = (int(p) for p in before.split("."))
    expected = f"{major}.{minor + 1}.0" if bump == "minor" else f"{major + 1}.0.0"
    next_release = release(repository, change)

    updated = run_cli("update", "--file", str(next_release), cwd=repository)
    print(updated.stdout, updated.stderr)
    assert updated.returncode == 0, updated.stderr
    assert f"client {before} → {expected}" in updated.stdout
    assert ("BREAKING" in updated.stdout) == (change == "breaking")
    assert client_version(repository) == expected
    generated = tomllib.loads((repository / "generated" / "pyproject.toml").read_text())
    assert generated["project"]["version"] == expected
    assert (
        f'__version__ = "{expected}"'
        in (repository / "generated" / "finalpos" / "_version.py").read_text()
    )
    changelog = (repository / "generated" / "CHANGELOG.md").read_text()
    assert changelog.count(f"### {expected} (API ") == 1
    lock = (repository / "spec" / "finalpos-openapi.lock.json").read_text()
    assert str(next_release) not in lock and "../" + next_release.name in lock

    assert run_cli("check", cwd=repository).returncode == 0
    state = tree_digest(repository)
    again = run_cli("update", "--file", str(next_release), cwd=repository)
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert tree_digest(repository) == state

    checks = ["tests/test_normalize.py", "tests/test_diff.py", "tests/test_generate.py"]
    if change == "additive":
        checks.append("tests/test_contract.py::test_contract_suite_passes_against_prism")
    result = copy_checks(repository, *checks)
    assert result.returncode == 0, result.stdout[-6000:]


def test_failed_update_changes_nothing(repository):
    """All or nothing: an invalid release leaves spec/, the lock, pyproject and generated/."""
    state = tree_digest(repository)
    broken = repository.parent / "broken.yaml"
    broken.write_text("openapi: 3.0.0\ninfo: {title: t, version: '9'}\npaths: {/a: []}\n")
    result = run_cli("update", "--file", str(broken), "--strict", cwd=repository)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert tree_digest(repository) == state


def test_drift_fails_and_says_why_when_the_description_cannot_be_fetched(repository, tmp_path):
    """Offline (here: a closed loopback port) `make drift` exits non-zero, and the report's
    first line says the fetch failed: the weekly job goes red instead of reporting no change."""
    shutil.copy2(ROOT / "Makefile", repository / "Makefile")
    pyproject = repository / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'spec-url = "https://docs.finalpos.com/_spec/openapi.yaml?download"',
            'spec-url = "http://127.0.0.1:9/openapi.yaml"',
        )
    )
    venv = Path(sys.executable).parent.parent
    state = tree_digest(repository / "spec")
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", f"{venv}/.installed", "drift", f"VENV={venv}"],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    report = (repository / "drift-report.md").read_text().splitlines()
    assert report[0].startswith("**Drift check failed: the live API description could not")
    assert "127.0.0.1:9" in report[0]
    assert tree_digest(repository / "spec") == state
