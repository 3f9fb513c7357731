"""The release verdict (`generator.compat`): each one-change release gets the bump a user of
the client expects, each rule beside its opposite; one change is one entry in the user's
words; and the type checker agrees: user code of the old client that mypy rejects against
the new package is always in a release called breaking."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.changelog import next_version
from generator.compat import Verdict, judge
from generator.model import build
from generator.normalize import normalize
from generator.render import render
from generator.validate import load_spec
from tests.conftest import FROZEN_SPEC
from tests.releases import ONE_CHANGE_RELEASES, realistic_release
from tests.releases import next_version as bumped
from tests.usage import model_attributes, usage_source

# Reads only fixed documents (marker `fixed_inputs`): the release rehearsal leaves it out.
pytestmark = pytest.mark.fixed_inputs

RELEASES = [
    pytest.param(make, bump, id=make.__name__) for make, bump in ONE_CHANGE_RELEASES.items()
]


@pytest.fixture(scope="module")
def frozen() -> dict[str, Any]:
    return load_spec(FROZEN_SPEC)


def verdict_of(pair: tuple[dict[str, Any], dict[str, Any]]) -> Verdict:
    return judge(normalize(pair[0]), normalize(pair[1]), "finalpos")


@pytest.mark.parametrize(("make", "bump"), RELEASES)
def test_a_one_change_release_gets_the_bump_a_user_expects(make, bump, frozen):
    verdict = verdict_of(make(frozen))
    report = verdict.report
    assert next_version("1.2.4", report) == bumped("1.2.4", bump), [
        (c.level, c.rule, c.message) for c in report.changes
    ]
    for change in report.by_level("breaking") + report.by_level("non_breaking"):
        assert verdict.terms[change], change  # what it does, in the user's words


def rows(verdict: Verdict) -> list[tuple[str, str, str]]:
    return [(c.level, c.rule, verdict.terms[c]) for c in verdict.report.changes]


def test_a_renamed_path_parameter_is_one_entry_per_method_and_names_both_arguments(frozen):
    from tests.releases import path_parameter_renamed

    found = rows(verdict_of(path_parameter_renamed(frozen)))
    assert {rule for _level, rule, _words in found} == {"path-parameter-renamed"}
    assert all(level == "breaking" for level, _rule, _words in found)
    assert all("(id=...)` is now" in words and "(resource_id=...)`" in words for *_, words in found)
    assert all("positional calls still work" in words for *_, words in found)


def test_a_schema_renamed_with_its_shape_is_one_entry_and_one_class(frozen):
    from tests.releases import schema_renamed_with_the_same_shape

    old, new = schema_renamed_with_the_same_shape(frozen)
    verdict = verdict_of((old, new))
    assert rows(verdict) == [
        ("breaking", "schema-renamed", "`Product` is now `ProductRecord`: the fields are the same")
    ]
    classes = [schema.class_name for schema in build(normalize(new), package="finalpos").schemas]
    assert "ProductRecord" in classes and "Product" not in classes


def test_a_removed_enum_value_is_named(frozen):
    from tests.releases import request_enum_value_removed

    ((level, rule, words),) = rows(verdict_of(request_enum_value_removed(frozen)))
    assert (level, rule) == ("breaking", "enum-value-removed")
    assert words.endswith("no longer takes 'closed'")


def test_types_are_spelled_as_user_code_sees_them(frozen):
    from tests.releases import list_wrapped_in_an_envelope, request_string_widened_to_union

    wrapped = dict(
        (rule, words) for _l, rule, words in rows(verdict_of(list_wrapped_in_an_envelope(frozen)))
    )
    assert wrapped["response-type-changed"].endswith(
        "now returns `ListEnvelope`, not `SyncPage[Product]`"
    )
    widened = rows(verdict_of(request_string_widened_to_union(frozen)))
    assert any("now takes `str | float` (was `str`)" in words for *_, words in widened)


def test_what_no_code_can_see_is_info_and_says_so(frozen):
    from tests.releases import (
        info_description_changed,
        security_scheme_key_renamed,
        success_status_200_becomes_201,
    )

    assert rows(verdict_of(info_description_changed(frozen))) == [("info", "info-changed", "")]
    (key,) = rows(verdict_of(security_scheme_key_renamed(frozen)))
    assert key[:2] == ("info", "security-changed") and "your code does not change" in key[2]
    (status,) = rows(verdict_of(success_status_200_becomes_201(frozen)))
    assert status[:2] == ("info", "response-status-changed") and "same body" in status[2]


def test_a_credential_alternative_adds_an_argument_and_a_required_one_breaks(frozen):
    from tests.releases import bearer_added_as_an_alternative, bearer_required_as_well

    alternative = rows(verdict_of(bearer_added_as_an_alternative(frozen)))
    assert (
        "non_breaking",
        "credential-added",
        "`Client(...)` takes `bearer_token=`",
    ) in alternative
    assert all("needs other credentials" not in words for *_, words in alternative)
    required = rows(verdict_of(bearer_required_as_well(frozen)))
    assert any(level == "breaking" and "needs other credentials" in w for level, _r, w in required)


# mypy --strict on user code of the old client, against each release's package.
MYPY = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary"]  # the seeded cache


def type_errors(user: Path, package: Path) -> list[str]:
    """mypy's errors in `user/usage.py` with `package` (a generated tree) importable."""
    checked = subprocess.run(
        [*MYPY, "usage.py"],
        cwd=user,
        env={**os.environ, "MYPYPATH": str(package)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert checked.returncode in (0, 1), checked.stderr
    return [line for line in checked.stdout.splitlines() if ": error:" in line]


@pytest.mark.long_running
def test_the_type_checker_agrees_with_every_verdict(frozen, tmp_path):
    """The old client's user code, type-checked against each release's package: wherever
    mypy finds an error, the release is called breaking. It finds one for most breaking
    releases (user code passes one value per argument, so a removed enum value it does not
    pass stays unseen), and none for the others. The releases that start from the snapshot
    are checked; the others are their opposites."""
    base = normalize(frozen)
    package, user = tmp_path / "generated", tmp_path / "user"
    user.mkdir()
    client = render(base, package, package="finalpos", import_check=False)
    (user / "usage.py").write_text(usage_source(client, model_attributes(package / "finalpos")))
    assert type_errors(user, package) == []  # the old code against its own client
    releases = [make(frozen) for make in ONE_CHANGE_RELEASES]
    names = [make.__name__ for make in ONE_CHANGE_RELEASES]
    checked = [
        (name, new) for name, (old, new) in zip(names, releases, strict=True) if old is frozen
    ]
    checked.append(("realistic_release", realistic_release(frozen)))
    unseen = []
    for name, new in checked:
        normalized = normalize(new)
        breaking = judge(base, normalized, "finalpos").report.level_reached("breaking")
        render(normalized, package, package="finalpos", import_check=False)  # mypy reads it
        errors = type_errors(user, package)
        assert breaking or not errors, (name, errors[:5])
        if breaking and not errors:
            unseen.append(name)
    # Credentials a client now needs are checked when it is made, not by types.
    assert unseen == ["bearer_required_as_well"]
