"""The command-line contract: exit codes, messages that name the place, no tracebacks,
and output folders left exactly as they were when the input is bad."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from generator.fsutil import MANIFEST, manifest_text
from tests.conftest import BASE_SPEC, DEMO_TENANT_SPEC, FIXTURES, FROZEN_SPEC, run_cli

CORPUS = FIXTURES / "corpus"


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(path.relative_to(root).as_posix().encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def minimal(**paths: object) -> dict[str, object]:
    return {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": paths}


BAD_INPUTS = {
    "missing.yaml": (None, "cannot read"),
    "empty.yaml": ("", "empty"),
    "page.html": ("<!doctype html><html><body>hi</body></html>", "HTML"),
    "list.yaml": ("- openapi: 3.0.0\n", "got list"),
    "swagger.json": (json.dumps({"swagger": "2.0", "info": {}, "paths": {}}), "#/swagger"),
    "broken.yaml": ("openapi: 3.0.0\npaths: {a: [\n", "line"),
    "dangling.yaml": (
        yaml.safe_dump(
            minimal(
                **{
                    "/a": {
                        "get": {
                            "responses": {
                                "200": {
                                    "description": "ok",
                                    "content": {
                                        "application/json": {
                                            "schema": {"$ref": "#/components/schemas/Nope"}
                                        }
                                    },
                                }
                            }
                        }
                    }
                }
            )
        ),
        "Nope",
    ),
}


INVALID_BUT_UNDERSTOOD = yaml.safe_dump(
    minimal(**{"/a": {"get": {"title": "x", "responses": {"200": {"description": 3}}}}})
)


def test_generate_warns_by_default_and_strict_refuses(tmp_path, existing_output, cli):
    spec = tmp_path / "invalid.yaml"
    spec.write_text(INVALID_BUT_UNDERSTOOD)
    before = (existing_output / "finalpos" / "__init__.py").read_text()
    code, _out, err = cli(
        "generate", "--spec", str(spec), "--output", str(existing_output), "--strict"
    )
    assert code == 2 and "#/paths/~1a/get/title" in err and "(--strict" in err
    assert (existing_output / "finalpos" / "__init__.py").read_text() == before
    code, _out, err = cli("generate", "--spec", str(spec), "--output", str(existing_output))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if ": warning: " in line]
    assert len(warnings) == 2 and all(str(spec) in line for line in warnings)
    assert "#/paths/~1a/get/title: `title` dropped [unknown-operation-field]" in warnings[0]
    assert "#/paths/~1a/get/responses/200" in warnings[1]
    assert all(len(line) < 300 for line in warnings)


@pytest.fixture
def existing_output(tmp_path: Path) -> Path:
    """An earlier generation: its files and the manifest that lists them."""
    output = tmp_path / "out"
    (output / "finalpos").mkdir(parents=True)
    (output / "finalpos" / "__init__.py").write_text("# an earlier generation\n")
    (output / "finalpos" / "gone.py").write_text("# a module the API no longer has\n")
    files = ["finalpos/__init__.py", "finalpos/gone.py", MANIFEST]
    (output / MANIFEST).write_text(manifest_text(files))
    return output


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_generate_rejects_bad_input_and_leaves_output_alone(name, tmp_path, existing_output, cli):
    text, expected = BAD_INPUTS[name]
    spec = tmp_path / name
    if text is not None:
        spec.write_text(text)
    before = tree_digest(tmp_path)
    code, out, err = cli("generate", "--spec", str(spec), "--output", str(existing_output))
    assert code == 2, (out, err)
    assert str(spec) in err
    assert expected in err
    assert "Traceback" not in err
    assert tree_digest(tmp_path) == before


def test_refs_inside_extensions_and_examples_are_data_not_references(tmp_path, cli):
    dangling = {"$ref": "#/components/schemas/NotThere"}
    ok = {"description": "ok", "content": {"application/json": {"example": dangling}}}
    document = minimal(**{"/a": {"get": {"x-sample": dangling, "responses": {"200": ok}}}})
    spec = tmp_path / "extensions.yaml"
    spec.write_text(yaml.safe_dump({**document, "x-vendor": {"nested": [dangling]}}))
    code, _out, err = cli(
        "generate", "--strict", "--spec", str(spec), "--output", str(tmp_path / "out")
    )
    assert (code, err) == (0, "")  # not even a warning: nothing was followed


def test_a_document_without_operations_is_a_clear_error(tmp_path, cli):
    spec = tmp_path / "empty-paths.yaml"
    spec.write_text(yaml.safe_dump(minimal()))
    code, _out, err = cli("generate", "--spec", str(spec), "--output", str(tmp_path / "out"))
    assert code == 2
    assert f"{spec}: #/paths: the document has no operations" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["normalize", "check"])
def test_other_commands_reject_bad_input_with_exit_2(command, tmp_path, cli):
    spec = tmp_path / "list.yaml"
    spec.write_text("- a\n")
    code, _out, err = cli(
        command, "--spec", str(spec), *(["--output", str(tmp_path)] if command == "check" else [])
    )
    assert code == 2
    assert str(spec) in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["os; import x", "class", "match", "list", "_private"])
def test_bad_package_name_is_exit_2(name, tmp_path, existing_output, cli):
    before = tree_digest(existing_output)
    code, _out, err = cli("generate", "--output", str(existing_output), "--package-name", name)
    assert code == 2 and "--package-name" in err
    assert tree_digest(existing_output) == before


def test_generate_replaces_its_own_earlier_output_whole(tmp_path, existing_output, cli):
    (existing_output / "finalpos" / "__pycache__").mkdir()
    (existing_output / "finalpos" / "__pycache__" / "x.pyc").write_bytes(b"")  # tool leftover
    code, out, _err = cli("generate", "--output", str(existing_output))
    assert code == 0, out
    assert not (existing_output / "finalpos" / "gone.py").exists()
    assert (existing_output / "finalpos" / "_client.py").exists()
    assert "finalpos/_client.py" in (existing_output / MANIFEST).read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left


def git_checkout(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / "notes.txt").write_text("mine\n")
    return folder


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("user-file", "holds 'finalpos/notes.txt', which this generator did not write"),
        ("foreign-folder", "has no .finalpos-codegen-manifest.json"),
        ("git-checkout", "holds a git repository (.git)"),
        ("project-root", "the generator's project folder"),
        ("a-file", "it is not a folder"),
    ],
)
def test_generate_refuses_a_folder_it_did_not_write(case, reason, tmp_path, existing_output, cli):
    output = {
        "user-file": existing_output,
        "foreign-folder": tmp_path / "precious",
        "git-checkout": tmp_path / "checkout",
        "project-root": tmp_path / "project",
        "a-file": tmp_path / "file.txt",
    }[case]
    if case == "user-file":
        (output / "finalpos" / "notes.txt").write_text("my notes\n")
    elif case == "foreign-folder":
        output.mkdir()
        (output / "notes.txt").write_text("my notes\n")
    elif case == "git-checkout":
        git_checkout(output)
    elif case == "project-root":
        output.mkdir()
        (output / "pyproject.toml").write_text("[tool.finalpos-codegen]\n")
    elif case == "a-file":
        output.write_text("data\n")
    before = tree_digest(tmp_path)
    code, _out, err = cli("generate", "--output", str(output))
    assert code == 2 and "refusing to replace the output folder" in err and reason in err, err
    assert tree_digest(tmp_path) == before


def test_generate_into_an_empty_or_new_folder(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    for name in ("empty", "new"):
        code, _out, err = cli("generate", "--output", str(tmp_path / name))
        assert code == 0, err
        assert (tmp_path / name / MANIFEST).is_file()


def passes_run(monkeypatch) -> list[str]:
    """The name of every normalization pass run from now on, in order."""
    from generator import commands
    from generator import normalize as normalize_stage

    runs: list[str] = []
    original = normalize_stage.normalize

    def counted(document, passes=normalize_stage.PASSES):
        runs.extend(each.__name__ for each in passes)
        return original(document, passes)

    monkeypatch.setattr(normalize_stage, "normalize", counted)
    monkeypatch.setattr(commands, "normalize", counted)
    return runs


@pytest.mark.parametrize(
    ("spec", "documents"),
    [(None, 1), (CORPUS / "quirks.yaml", 1), (DEMO_TENANT_SPEC, 1)],
    ids=["snapshot", "another-api", "tenant"],
)
def test_generate_runs_each_normalization_pass_once_per_document(
    spec, documents, tmp_path, cli, monkeypatch
):
    """Each stage once: validation hands its repaired document on (the repair passes do
    not run again), the snapshot is not normalized a second time as its own official
    version, and a tenant's description is read against the core customer properties the
    lock recorded when the snapshot was vendored, not against the snapshot normalized anew."""
    from generator.normalize import PASSES

    runs = passes_run(monkeypatch)
    given = ["--spec", str(spec)] if spec else []
    assert cli("generate", *given, "--output", str(tmp_path / "out"))[0] == 0
    assert Counter(runs) == {each.__name__: documents for each in PASSES}


def test_a_lock_from_before_the_record_costs_one_normalization_of_the_snapshot(
    tmp_path, cli, monkeypatch
):
    """A lock written before locks recorded the core customer properties still works: the
    snapshot is normalized to find them, and the tenant's custom fields are the same."""
    from generator.fetch import CORE_LOCK_KEY
    from generator.normalize import PASSES

    project = tmp_path / "project"
    (project / "spec").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.finalpos-codegen]\nspec-path = "spec/a.yaml"\nlock-path = "spec/a.lock"\n'
    )
    (project / "spec" / "a.yaml").write_bytes(FROZEN_SPEC.read_bytes())
    assert cli("fetch", "--file", str(FROZEN_SPEC), cwd=project)[0] == 0
    lock = json.loads((project / "spec" / "a.lock").read_text())
    assert "email" in lock.pop(CORE_LOCK_KEY)
    (project / "spec" / "a.lock").write_text(json.dumps(lock))
    runs = passes_run(monkeypatch)
    out = tmp_path / "out"
    assert (
        cli("generate", "--spec", str(DEMO_TENANT_SPEC), "--output", str(out), cwd=project)[0] == 0
    )
    assert Counter(runs) == {each.__name__: 2 for each in PASSES}
    tenant_model = (out / "finalpos" / "_model_base.py").read_text()
    assert '"loyalty"' not in tenant_model.split("CORE_CUSTOMER_PROPERTIES")[1].split(")")[0]


def test_normalize_writes_yaml_to_a_file(tmp_path, cli):
    target = tmp_path / "normalized.yaml"
    code, _out, _err = cli("normalize", "-o", str(target))
    assert code == 0
    document = yaml.safe_load(target.read_text())
    assert (
        document["paths"]["/v1/api/customers"]["get"]["x-finalpos-pagination"]["style"] == "offset"
    )


def test_fetch_from_file_that_is_invalid_keeps_the_snapshot(tmp_path, cli):
    project = tmp_path / "project"
    (project / "spec").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.finalpos-codegen]\nspec-path = "spec/a.yaml"\nlock-path = "spec/a.lock"\n'
    )
    (project / "spec" / "a.yaml").write_bytes(BASE_SPEC.read_bytes())
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 2.0\n")
    code, _out, err = cli("fetch", "--file", str(bad), cwd=project)
    assert code == 2 and "#/openapi" in err
    assert (project / "spec" / "a.yaml").read_bytes() == BASE_SPEC.read_bytes()
    assert not (project / "spec" / "a.lock").exists()
    code, _out, err = cli("fetch", "--file", str(tmp_path / "absent.yaml"), cwd=project)
    assert code == 3 and "absent.yaml" in err


def test_the_vendored_snapshot_is_trusted_by_its_checksum_and_an_edited_one_is_not(tmp_path, cli):
    """`fetch` validates and records what the validator found in the lock; later commands
    take those findings for the document with the lock's sha256 instead of validating it
    again, and validate any other bytes."""
    project = tmp_path / "project"
    (project / "spec").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.finalpos-codegen]\nspec-path = "spec/a.yaml"\nlock-path = "spec/a.lock"\n'
    )
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(INVALID_BUT_UNDERSTOOD)
    code, _out, err = cli("fetch", "--file", str(invalid), cwd=project)
    assert code == 0, err
    lock = json.loads((project / "spec" / "a.lock").read_text())
    (finding,) = lock["findings"]
    assert finding["pointer"] == "#/paths/~1a/get/responses/200"

    finding["message"] = "recorded when vendored"  # proves the lock, not the validator, speaks
    (project / "spec" / "a.lock").write_text(json.dumps(lock))
    code, _out, err = cli("normalize", "-o", str(tmp_path / "n.yaml"), cwd=project)
    assert code == 0 and "recorded when vendored" in err

    spec = project / "spec" / "a.yaml"
    spec.write_text(spec.read_text() + "\n# edited by hand\n")
    code, _out, err = cli("normalize", "-o", str(tmp_path / "n.yaml"), cwd=project)
    assert code == 0 and "recorded when vendored" not in err
    assert "#/paths/~1a/get/responses/200" in err


@pytest.mark.parametrize("command", ["", "fetch", "normalize", "generate", "check"])
def test_every_command_has_help(command):
    result = run_cli(*([command] if command else []), "--help")
    assert result.returncode == 0
    assert "usage: finalpos-codegen" in result.stdout


def test_generate_keeps_the_changelog_and_check_ignores_it(tmp_path, cli):
    output = tmp_path / "out"
    assert cli("generate", "--output", str(output))[0] == 0
    (output / "CHANGELOG.md").write_text("# Changelog\n\n### 1.2.4\n")
    assert cli("generate", "--output", str(output))[0] == 0
    assert (output / "CHANGELOG.md").read_text() == "# Changelog\n\n### 1.2.4\n"
    assert cli("check", "--output", str(output))[0] == 0


def test_what_the_validator_found_is_remembered_by_the_documents_content(
    tmp_path, monkeypatch, cli
):
    """The same document is validated once (a diff of a document with itself, generating it
    again), in this process or instead of the child; a changed document is validated again;
    with no cache folder to be had, every document is validated."""
    from generator import validate as validate_stage

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    seen: list[str] = []
    validate = validate_stage.validate
    monkeypatch.setattr(
        validate_stage, "validate", lambda d, source: seen.append(source) or validate(d, source)
    )
    spec = tmp_path / "api.yaml"
    document = yaml.safe_load(FROZEN_SPEC.read_text())
    spec.write_text(yaml.safe_dump(document))
    assert cli("diff", str(spec), str(spec))[0] == 0
    assert seen == [str(spec)]  # validated for the old side, remembered for the new
    (remembered,) = (tmp_path / "cache" / "finalpos-codegen" / "findings").glob("*.json")
    planted = {"pointer": "#/info", "rule": "openapi-planted", "message": "remembered finding"}
    remembered.write_text(json.dumps([planted]))
    code, _out, err = cli("generate", "--spec", str(spec), "--output", str(tmp_path / "out"))
    assert code == 0 and "remembered finding [openapi-planted]" in err  # no child validated it

    document["info"]["title"] = "Another API"
    spec.write_text(yaml.safe_dump(document))
    assert cli("diff", str(spec), str(spec))[0] == 0
    assert seen == [str(spec)] * 2

    (tmp_path / "no-cache").write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-cache"))
    assert cli("diff", str(spec), str(spec))[0] == 0
    assert seen == [str(spec)] * 4


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ('pakage-name = "shop"', "unknown setting 'pakage-name' (known: spec-url"),
        ("output = 3", "output must be a string, not int"),
    ],
    ids=["typo", "not-a-string"],
)
def test_a_setting_the_generator_cannot_read_is_an_error_naming_file_and_key(
    setting, said, tmp_path, cli
):
    """The settings are read once, into one typed object: a typo is not silently ignored."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(f"[tool.finalpos-codegen]\n{setting}\n")
    code, _out, err = cli("generate", "--output", str(tmp_path / "out"), cwd=project)
    assert code == 2
    assert f"{project / 'pyproject.toml'}: [tool.finalpos-codegen]: {said}" in err
    assert not (tmp_path / "out").exists()
