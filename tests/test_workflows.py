"""The git host's workflows: CI runs the README's test command on every push and pull
request; the scheduled job turns a release into one pull request whose branch, title, body
and labels our own code computes; actions are pinned and permissions least-privilege, as
zizmor checks."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import diff as diff_stage
from generator.changelog import changelog_entry
from generator.normalize import normalize
from generator.release import Outcome, pull_request
from generator.validate import load_spec
from tests.conftest import FROZEN_SPEC, OLD_SPEC, ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(document: dict) -> list[dict]:
    return [step for job in document["jobs"].values() for step in job["steps"]]


def readme_test_command() -> str:
    """The second command of the README's first code block: the one that runs every test."""
    block = (ROOT / "README.md").read_text().split("```sh\n", 1)[1].split("```", 1)[0]
    return block.splitlines()[1].split("#")[0].strip()


def test_ci_runs_the_readme_test_command_on_every_push_and_pull_request():
    ci = workflow("ci.yml")
    assert set(ci[True]) == {"push", "pull_request"}  # YAML reads `on` as True
    assert readme_test_command() == "make test"
    assert [step["run"] for step in steps(ci) if "run" in step] == [readme_test_command()]
    assert ci["permissions"] == {"contents": "read"}


def test_the_release_job_runs_update_and_writes_only_where_it_must():
    drift = workflow("api-drift.yml")
    assert "schedule" in drift[True] and drift["permissions"] == {}
    (job,) = drift["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'make update ARGS="--pull-request pull-request.json"' in runs
    assert "exit 1" in runs  # a failed fetch fails the job
    assert "${{" not in runs  # inputs reach scripts through env, never spliced into code


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_every_action_is_pinned_to_a_commit(name):
    used = [step["uses"] for step in steps(workflow(name)) if "uses" in step]
    assert used and all(PINNED.match(action) for action in used), used


def test_zizmor_finds_nothing_of_medium_severity_or_above():
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    assert zizmor, "zizmor is a dev dependency (pyproject.toml)"
    found = subprocess.run(
        [zizmor, "--offline", "--min-severity", "medium", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 0, found.stdout + found.stderr


def outcome_of(old: Path, new: Path, versions: tuple[str, str]) -> Outcome:
    report = diff_stage.diff(normalize(load_spec(old)), normalize(load_spec(new)))
    entry = changelog_entry(report, version=versions[1], old_api="a", new_api="b")
    return Outcome(report, versions[0], versions[1], "1.0.0", "1.2.4", entry)


def test_a_breaking_release_opens_a_labelled_pull_request_with_the_changelog():
    outcome = outcome_of(OLD_SPEC, FROZEN_SPEC, ("1.0.0", "2.0.0"))
    opened = pull_request(outcome)
    assert opened["branch"] == "api-release/1.2.4"
    assert opened["title"] == "API 1.2.4: client 2.0.0 (breaking)"
    assert opened["labels"] == ["api-release", "breaking"]
    assert opened["body"].startswith(outcome.summary())
    assert outcome.entry in opened["body"]


def test_an_additive_release_is_not_labelled_breaking_and_branch_names_are_safe():
    outcome = outcome_of(FROZEN_SPEC, FROZEN_SPEC, ("1.2.4", "1.2.4"))
    odd = Outcome(outcome.report, "1.2.4", "1.3.0", "1.2.4", "2025-01 beta/$(x)", "entry")
    opened = pull_request(odd)
    assert opened["labels"] == ["api-release"]
    assert opened["branch"] == "api-release/2025-01-beta-x"
    assert "(breaking)" not in opened["title"]
