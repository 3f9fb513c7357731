"""Releases rehearsed on a copy of this repository: `update --file` with an additive release,
and with two releases shaped like real ones in a row; after each the client version bumps as
stated, the same release again changes nothing, and the copy's own suite passes with no other
edit."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.load import read_spec
from tests.conftest import ROOT, run_cli
from tests.releases import next_version, realistic_release

COPIED = [
    *("pyproject.toml", "README.md", "generator", "templates", "spec", "generated", "tests"),
    ".github",
]


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


def additive_release(repository: Path) -> Path:
    """The copy's snapshot with one more optional property and a patch-level API version."""
    document: dict[str, Any] = read_spec(repository / "spec" / "finalpos-openapi.yaml")
    document["info"]["version"] = next_version(str(document["info"]["version"]), "patch")
    schemas = document["components"]["schemas"]
    first = next(name for name, s in schemas.items() if s.get("properties"))
    schemas[first]["properties"]["rehearsalNote"] = {"type": "string"}
    return written(repository.parent / "additive.yaml", document)


def written(path: Path, document: dict[str, Any]) -> Path:
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


# The copy's test file that holds the released description to the generated package on a
# real server: its contract suites on Prism (the base client, and a tenant's responses on the
# new release). A release's goldens are `check` in `apply_release`; the other files read the
# snapshot as one valid Final POS description (tenants, transport, diff, normalization),
# which every release is, and ran in this very run, with the same generator. Left out too:
# this file (the copy would rehearse again).
COPY_SUITE = ("tests/test_contract.py",)


def start_copy_suite(repository: Path) -> subprocess.Popen[bytes]:
    """The copy's `make test` equivalent for what a release can change, started: the files
    of `COPY_SUITE` but the tests marked `fixed_inputs` (they read only documents kept in
    tests/fixtures or ../shared; they ran in this very run, with the same generator). Its
    output goes to `suite_log(repository)`."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},  # not a worker
        "PYTHONPATH": str(repository),
    }
    with open(suite_log(repository), "wb") as log:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"),
                *("-m", "not fixed_inputs", *COPY_SUITE),
            ],
            cwd=repository,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def suite_log(repository: Path) -> Path:
    """Beside the copy, not in it: the suite must not see its own log."""
    return repository.parent / f"{repository.name}-suite.log"


def finished_copy_suite(repository: Path, suite: subprocess.Popen[bytes]) -> str:
    """What the suite started on `repository` printed, once it has passed."""
    suite.wait(timeout=1500)
    output = suite_log(repository).read_text(errors="replace")
    assert suite.returncode == 0, output[-6000:]
    return output


def apply_release(repository: Path, release: Path, bump: str) -> str:
    """`update --file` with `release`: versions bumped as stated, the lock relative, `check`
    clean, and the same release again changes nothing. Returns the summary."""
    before = client_version(repository)
    expected = next_version(before, bump)
    pull_request = repository.parent / "pull-request.json"
    pull_request.unlink(missing_ok=True)
    updated = run_cli(
        "update", "--file", str(release), "--pull-request", str(pull_request), cwd=repository
    )
    print(updated.stdout, updated.stderr)
    assert updated.returncode == 0, updated.stderr
    assert f"client {before} → {expected}" in updated.stdout
    assert ("BREAKING" in updated.stdout) == (bump == "major")
    assert client_version(repository) == expected
    generated = tomllib.loads((repository / "generated" / "pyproject.toml").read_text())
    assert generated["project"]["version"] == expected
    version_file = repository / "generated" / "finalpos" / "_version.py"
    assert f'__version__ = "{expected}"' in version_file.read_text()
    changelog = (repository / "generated" / "CHANGELOG.md").read_text()
    assert changelog.count(f"### {expected} (API ") == 1
    lock = (repository / "spec" / "finalpos-openapi.lock.json").read_text()
    assert str(release) not in lock and "../" + release.name in lock
    opened = json.loads(pull_request.read_text())
    assert opened["labels"] == ["api-release", *(["breaking"] if bump == "major" else [])]
    assert expected in opened["title"] and changelog.split("\n", 2)[2][:40] in opened["body"]
    assert run_cli("check", cwd=repository).returncode == 0
    state = tree_digest(repository)
    pull_request.unlink()
    again = run_cli(
        "update", "--file", str(release), "--pull-request", str(pull_request), cwd=repository
    )
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert tree_digest(repository) == state and not pull_request.exists()  # no pull request
    return updated.stdout


def test_an_additive_release_bumps_the_minor_version(repository):
    summary = apply_release(repository, additive_release(repository), "minor")
    assert "cannot read" not in summary  # the previous client reads every response


def test_update_names_the_responses_the_previous_client_cannot_read(repository):
    """The release's documented responses (examples, else samples) are answered to the
    client generated before it: what it fails on is in the summary and the pull request,
    with the field and the value."""
    document: dict[str, Any] = read_spec(repository / "spec" / "finalpos-openapi.yaml")
    document["info"]["version"] = next_version(str(document["info"]["version"]), "minor")
    customer = document["components"]["schemas"]["Customer"]["properties"]
    customer["email"] = {"type": "integer", "example": 7}  # was a string
    before = client_version(repository)
    pull_request = repository.parent / "unreadable-pull-request.json"
    release = written(repository.parent / "unreadable.yaml", document)
    updated = run_cli(
        "update", "--file", str(release), "--pull-request", str(pull_request), cwd=repository
    )
    assert updated.returncode == 0, updated.stderr
    line = f"clients ≤ {before} cannot read `GET /v1/api/customer/{{id}}`: `email` 7"
    assert line in updated.stdout
    assert line in json.loads(pull_request.read_text())["body"]


@pytest.mark.timeout(3000)
@pytest.mark.long_running
def test_two_realistic_releases_in_a_row_leave_the_copy_green(repository):
    """Each release changes everything a real one does (`tests.releases`), on top of
    whatever is vendored, then on top of itself; each is applied, bumped and checked clean
    (`apply_release`). After the second, the copy's own tests of what a release moves pass
    with no other edit (`COPY_SUITE`): the contract suites on Prism. (One suite,
    not one per release: the second tree holds both releases.)"""
    for generation in (1, 2):
        document = read_spec(repository / "spec" / "finalpos-openapi.yaml")
        changed = realistic_release(document, generation=generation)
        release = written(repository.parent / f"release-{generation}.yaml", changed)
        summary = apply_release(repository, release, "major")
        for rule in ("operation-moved", "parameter-added-required", "operation-deprecated"):
            assert f"[{rule}]" in summary
    suite = start_copy_suite(repository)
    try:
        output = finished_copy_suite(repository, suite)
        summary = output.strip().splitlines()[-1]
        assert " passed" in summary and "skipped" not in summary, output[-3000:]
    finally:
        suite.kill()  # still running when something else failed
        suite.wait()


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


# What a test reads the vendored snapshot or generated/ through.
SNAPSHOT_FIXTURES = {"base_document", "normalized_base", "fresh_generation", "generated_package"}
SNAPSHOT_NAMES = ("BASE_SPEC", "CLIENT_VERSION", 'ROOT / "generated"', 'ROOT / "spec"')


def mark_names(holder: object) -> set[str]:
    """The names of the marks on a module (one mark or a list) or on a test function."""
    marks = getattr(holder, "pytestmark", [])
    return {mark.name for mark in (marks if isinstance(marks, list) else [marks])}


def fixed_input_tests() -> list[Any]:
    """Every test function marked `fixed_inputs`, itself or by its module."""
    found = []
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        for name, function in vars(module).items():
            marks = mark_names(module) | mark_names(function)
            if name.startswith("test_") and "fixed_inputs" in marks:
                found.append(function)
    return found


def test_tests_the_rehearsal_leaves_out_read_no_snapshot():
    """The rehearsal trusts the `fixed_inputs` marker: a marked test asks for no fixture of
    the snapshot and names neither it, generated/ nor the project's version."""
    marked = fixed_input_tests()
    assert len({function.__module__ for function in marked}) >= 5
    for function in marked:
        where = f"{function.__module__}.{function.__name__}"
        assert not SNAPSHOT_FIXTURES & set(inspect.signature(function).parameters), where
        source = inspect.getsource(function)
        assert not [name for name in SNAPSHOT_NAMES if name in source], where


def test_following_checks_advice_on_a_new_release_leaves_check_clean_and_bumped(repository):
    """`check --spec` on a document of another API version says to run `update`; running
    the command it prints leaves `check` clean, the version bumped and the changelog new."""
    release = additive_release(repository)
    before = client_version(repository)
    checked = run_cli("check", "--spec", str(release), cwd=repository)
    assert checked.returncode == 1
    advice = checked.stdout.strip().splitlines()[-1]
    assert "a new release" in advice and "update --file" in advice
    command = advice.split("`")[1].split()
    assert command[:2] == ["finalpos-codegen", "update"]
    assert run_cli(*command[1:], cwd=repository).returncode == 0
    assert client_version(repository) == next_version(before, "minor")
    assert run_cli("check", cwd=repository).returncode == 0
    assert run_cli("check", "--spec", str(release), cwd=repository).returncode == 0
