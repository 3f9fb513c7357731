"""The generated package: deterministic, drift-checked, complete (one method per operation),
lint- and type-clean, and installable on its own."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
import yaml

from generator import model_code as model_code_stage
from generator import render as render_stage
from generator.check import compare_trees
from generator.child import Child
from generator.document import iter_operations
from generator.errors import SpecError
from generator.model import build
from generator.model_code import ModelCodeChild, model_code, model_coder
from generator.render import render
from tests.conftest import CLIENT_VERSION, ROOT, mypy_strict


def test_generation_is_byte_identical(normalized_base, fresh_generation, tmp_path):
    again = tmp_path / "again"
    render(normalized_base, again, package="finalpos", client_version=CLIENT_VERSION)
    assert compare_trees(fresh_generation, again) == []


def test_committed_generated_tree_is_up_to_date(normalized_base, fresh_generation):
    drifts = compare_trees(ROOT / "generated", fresh_generation)
    assert drifts == [], "generated/ is stale: run `make generate`\n" + "".join(
        d.diff for d in drifts
    )


MODEL_BASE = "finalpos._model_base.FinalPOSModel"


def test_the_model_generators_child_writes_what_this_process_writes(normalized_base):
    document = build(normalized_base, package="finalpos").model_document
    with ModelCodeChild() as child:
        assert child.model_code(document, MODEL_BASE, "# h") == model_code(
            document, MODEL_BASE, "# h"
        )


def test_models_asked_for_again_are_made_once_and_changed_ones_anew(monkeypatch):
    made: list[object] = []
    generated = model_code_stage._generated
    monkeypatch.setattr(model_code_stage, "_generated", lambda *a: made.append(a) or generated(*a))
    thing = {"type": "object", "properties": {"name": {"type": "string"}}}
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": {"Thing": thing}}
    first = model_code(document, MODEL_BASE, "# h")
    assert model_code(document, MODEL_BASE, "# h") == first and len(made) == 1
    thing["properties"]["size"] = {"type": "integer"}
    assert "size: int" in str(model_code(document, MODEL_BASE, "# h")) and len(made) == 2
    assert model_code(document, MODEL_BASE, "# other header") != first and len(made) == 3


def test_what_the_model_generator_refuses_is_the_same_error_from_its_child():
    schemas = {"Broken": {"type": 123}}
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": schemas}
    with pytest.raises(SpecError) as here:
        model_code(document, MODEL_BASE, "# h")
    with ModelCodeChild() as child, pytest.raises(SpecError) as there:
        child.model_code(document, MODEL_BASE, "# h")
    assert there.value.message == here.value.message
    assert there.value.message.startswith("cannot generate models: ")
    assert "#/components/schemas/Broken" in there.value.message


def test_a_child_that_dies_is_an_error_naming_its_job():
    with Child("generator.no_such_stage", "model generation") as child:
        child.send({})
        with pytest.raises(SpecError, match="model generation failed: .*No module named"):
            child.result()


def test_a_child_whose_result_is_not_wanted_is_ended():
    child = ModelCodeChild()
    with child:
        pass
    assert child._process.returncode is not None


def test_a_process_with_the_model_generator_loaded_uses_it_and_starts_no_child():
    import datamodel_code_generator.parser.openapi  # noqa: F401

    with model_coder() as coder:
        assert coder is model_code


CODER_OF_A_NEW_PROCESS = """
import sys
from generator.model_code import model_coder
with model_coder() as coder:
    print(type(coder.__self__).__name__, "datamodel_code_generator" in sys.modules)
"""


def test_a_new_process_gets_a_child_and_does_not_import_the_model_generator_itself():
    run = subprocess.run(
        [sys.executable, "-c", CODER_OF_A_NEW_PROCESS], capture_output=True, text=True, cwd=ROOT
    )
    assert run.stdout.split() == ["ModelCodeChild", "False"], run.stderr


def test_one_changed_template_character_is_drift(tmp_path, monkeypatch, cli):
    templates = shutil.copytree(render_stage.TEMPLATES, tmp_path / "templates")
    target = templates / "package" / "_pagination.py.jinja"
    target.write_text(
        target.read_text().replace("DEFAULT_PAGE_SIZE = 100", "DEFAULT_PAGE_SIZE = 101")
    )
    monkeypatch.setattr(render_stage, "TEMPLATES", templates)
    code, out, _err = cli("check")
    assert code == 1
    assert "changed  finalpos/_pagination.py" in out
    assert "-DEFAULT_PAGE_SIZE = 100" in out and "+DEFAULT_PAGE_SIZE = 101" in out


def test_check_reports_added_and_removed_files(tmp_path, fresh_generation, cli):
    copy = shutil.copytree(fresh_generation, tmp_path / "copy")
    (copy / "finalpos" / "extra.py").write_text("x = 1\n")
    (copy / "finalpos" / "_path.py").unlink()
    code, out, _err = cli("check", "--output", str(copy))
    assert code == 1
    assert "removed  finalpos/extra.py" in out  # present in the tree, not in a fresh generation
    assert "added    finalpos/_path.py" in out


# Methods that are not operations, documented in the generated README.
HELPER_METHODS = {"customers": {"custom_fields_model"}}


def public_methods(cls: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and name != "with_raw_response" and inspect.isfunction(member)
    }


def test_every_operation_maps_to_exactly_one_method_and_back(normalized_base, generated_package):
    expected: dict[str, set[str]] = {}
    for _path, _method, operation in iter_operations(normalized_base):
        methods = expected.setdefault(operation["x-finalpos-resource"], set())
        assert operation["x-finalpos-method"] not in methods
        methods.add(operation["x-finalpos-method"])
    assert sum(len(m) for m in expected.values()) == len(list(iter_operations(normalized_base)))
    for client_name in ("Client", "AsyncClient"):
        client_class = getattr(generated_package, client_name)
        resources = {
            n
            for n, m in inspect.getmembers(client_class)
            if not n.startswith("_") and hasattr(m, "func")
        }
        assert resources == set(expected), client_name
    for resource, methods in expected.items():
        module = importlib.import_module(f"finalpos.resources.{resource}")
        classes = [
            c
            for n, c in vars(module).items()
            if inspect.isclass(c) and c.__module__ == module.__name__
        ]
        assert len(classes) == 4  # sync, async, and their raw-response twins
        for cls in classes:
            if "RawResponse" not in cls.__name__:
                helpers = HELPER_METHODS.get(resource, set())
                assert public_methods(cls) == methods | helpers, cls.__name__
    for client_name in ("Client", "AsyncClient"):  # raw variants of each method
        client = getattr(generated_package, client_name)(api_key="k", base_url="http://x")
        for resource, methods in expected.items():
            raw = getattr(client, resource).with_raw_response
            where = f"{client_name}.{resource}.with_raw_response"
            assert public_methods(type(raw)) == methods, where


def test_models_use_spec_names_snake_case_and_keep_unknown_fields(generated_package):
    models = importlib.import_module("finalpos.models")
    customer = models.Customer.model_validate(
        {
            "id": "1",
            "firstName": "Ann",
            "createdAt": "2025-12-07T19:31:48.436+00:00",
            "loyalty": {"tier": "gold"},
        }
    )
    assert customer.first_name == "Ann"
    assert customer.created_at.year == 2025
    assert customer.model_extra == {"loyalty": {"tier": "gold"}}
    assert customer.model_dump(by_alias=True, exclude_unset=True)["loyalty"] == {"tier": "gold"}
    assert models.CreateCustomerDto.__name__ == "CreateCustomerDto"


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "ruff", "check", "--no-cache", "."],
        ["-m", "ruff", "format", "--check", "--no-cache", "."],
        ["-m", "mypy", "--strict", "finalpos"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_generated_code_is_clean(fresh_generation, command):
    result = subprocess.run(
        [sys.executable, *command], cwd=fresh_generation, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_openapi_python_client_accepts_the_normalized_document(normalized_base, tmp_path):
    """An independent second consumer of our normalized output: it must not warn."""
    spec = tmp_path / "normalized.yaml"
    spec.write_text(yaml.safe_dump(normalized_base, sort_keys=False))
    binary = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [
            str(binary),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(tmp_path / "opc"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{binary.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output and "WARNING" not in output, output


def test_installed_package_imports_lazily_without_the_generator(client_python):
    script = (
        "import sys, finalpos\n"
        "assert 'httpx' not in sys.modules and 'pydantic' not in sys.modules\n"
        "client = finalpos.Client(api_key='k')\n"
        "assert 'asyncio' not in sys.modules\n"
        "assert 'secret' not in repr(finalpos.Client(api_key='secret'))\n"
        "lazy = ('finalpos.resources.', 'finalpos.models.')\n"
        "loaded = [m for m in sys.modules if m.startswith(lazy)]\n"
        "assert loaded == [], loaded\n"
        "client.customers\n"
        "assert 'finalpos.resources.customers' in sys.modules\n"
        "assert 'finalpos.resources.products' not in sys.modules\n"
        "from finalpos.models import Product\n"
        "print(finalpos.__file__)\n"
    )
    result = subprocess.run(
        [str(client_python), "-c", script], capture_output=True, text=True, cwd="/"
    )
    assert result.returncode == 0, result.stderr
    assert "site-packages" in result.stdout
    importtime = subprocess.run(
        [str(client_python), "-X", "importtime", "-c", "import finalpos"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert "| finalpos" in importtime.stderr
    assert "generator" not in importtime.stderr


def test_missing_api_key_is_a_clear_error(client_python):
    script = "\n".join(
        [
            "import finalpos",
            "try:",
            "    finalpos.Client()",
            "except finalpos.FinalPOSError as e:",
            "    print(e)",
        ]
    )
    result = subprocess.run(
        [str(client_python), "-c", script],
        capture_output=True,
        text=True,
        cwd="/",
        env={"PATH": "/usr/bin"},
    )
    assert "FINALPOS_API_KEY" in result.stdout


def test_generated_readme_documents_every_resource(fresh_generation, normalized_base):
    readme = (fresh_generation / "README.md").read_text()
    for _path, _method, operation in iter_operations(normalized_base):
        assert f"client.{operation['x-finalpos-resource']}" in readme
        assert f"`{operation['x-finalpos-method']}(" in readme


def code_blocks(markdown: str) -> list[str]:
    """The Python blocks of a Markdown text, also those indented in a list item."""
    found = re.findall(r"^( *)```python\n(.*?)^ *```", markdown, re.DOTALL | re.MULTILINE)
    return [textwrap.dedent(block) for _indent, block in found]


OMITS_REQUIRED = """
from finalpos import Client

client = Client(api_key="k")
client.customers.create(first_name="Ann")
"""


def test_readme_code_blocks_pass_mypy_strict_and_omitting_a_required_argument_does_not(
    fresh_generation, tmp_path
):
    blocks = code_blocks((ROOT / "README.md").read_text())
    blocks += code_blocks((fresh_generation / "README.md").read_text())
    assert len(blocks) >= 2
    examples = tmp_path / "readme_examples"
    examples.mkdir()
    (examples / "__init__.py").write_text("")
    for index, block in enumerate(blocks):
        (examples / f"block_{index}.py").write_text(block)
    checked = mypy_strict({"finalpos": fresh_generation, "readme_examples": tmp_path}, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    (examples / "omits.py").write_text(OMITS_REQUIRED)
    checked = mypy_strict({"finalpos": fresh_generation, "readme_examples": tmp_path}, cwd=tmp_path)
    assert checked.returncode == 1
    assert 'omits.py:5: error: No overload variant of "create"' in checked.stdout


NESTED_TYPO = """
from finalpos import Client

client = Client(api_key="k")
client.customers.create(
    email="a@example.com",
    first_name="Ada",
    last_name="L",
    billing={"firstName": "Fa", "postcod": "NW1"},
)
client.customers.update("c1", body={"emial": "b@example.com"})
"""


def test_a_mistyped_key_of_a_nested_argument_or_a_body_is_a_type_error(fresh_generation, tmp_path):
    """Mappings given for request objects are TypedDicts keyed by wire names: mypy --strict
    names the wrong key; spelt right, the same call passes."""
    user = tmp_path / "user"
    user.mkdir()
    (user / "__init__.py").write_text("")
    (user / "typo.py").write_text(NESTED_TYPO)
    checked = mypy_strict({"finalpos": fresh_generation, "user": tmp_path}, cwd=tmp_path)
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["5", "11"], checked.stdout
    fixed = NESTED_TYPO.replace('"postcod"', '"postCode"').replace('"emial"', '"email"')
    (user / "typo.py").write_text(fixed)
    checked = mypy_strict({"finalpos": fresh_generation, "user": tmp_path}, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout


def test_every_method_docstring_documents_every_argument(fresh_generation):
    """An argument the document does not describe still says where it goes. A raw-response
    twin's docstring points at its method, which documents them."""
    missing = []
    for module in sorted((fresh_generation / "finalpos" / "resources").glob("*.py")):
        tree = ast.parse(module.read_text())
        twins = [c for c in tree.body if isinstance(c, ast.ClassDef) and "Raw" in c.name]
        for twin in twins:
            for method in twin.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    text = ast.get_docstring(method) or ""
                    stub = any(ast.unparse(d) == "overload" for d in method.decorator_list)
                    if not stub and method.name != "__init__" and "documented there" not in text:
                        missing.append(f"{module.name}:{twin.name}.{method.name}")
        for node in ast.walk(ast.Module([c for c in tree.body if c not in twins], [])):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            docstring = ast.get_docstring(node) or ""
            if "Args:" not in docstring and not node.args.kwonlyargs and len(node.args.args) < 2:
                continue  # no arguments of its own
            names = [a.arg for a in node.args.args[1:] + node.args.kwonlyargs]
            if any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list):
                continue  # the implementation documents them
            if node.name.startswith("_") or node.name == "__init__":
                continue
            for name in names:
                if f"\n{name}: " not in "\n" + docstring.split("Args:", 1)[-1].replace("    ", ""):
                    missing.append(f"{module.name}:{node.name}({name})")
    assert missing == []


PYRIGHT = ROOT / "node_modules" / ".bin" / "pyright"


@pytest.mark.skipif(not PYRIGHT.exists(), reason="run `npm ci` (make test does)")
def test_every_exported_type_is_declared_for_every_type_checker(client_python, tmp_path):
    """`pyright --verifytypes` on the package as installed: what it exports has declared
    types (raw-response methods, model configs, error attributes), not types a checker
    must infer, which checkers may infer differently."""
    checked = subprocess.run(
        [str(PYRIGHT), "--verifytypes", "finalpos", "--ignoreexternal", "--outputjson"],
        cwd=tmp_path,
        env={**os.environ, "PATH": f"{client_python.parent}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(checked.stdout)["typeCompleteness"]
    assert report["packageName"] == "finalpos" and report["exportedSymbolCounts"]["withKnownType"]
    ambiguous = [
        symbol["name"]
        for symbol in report["symbols"]
        if symbol["isExported"] and not (symbol["isTypeKnown"] and not symbol["isTypeAmbiguous"])
    ]
    assert report["completenessScore"] >= 0.95, ambiguous[:20]


def test_the_package_builds_clean_and_says_its_terms_and_whereabouts(
    fresh_generation, normalized_base, tmp_path
):
    """`python -m build` of the package (as a project that vendors it builds it): it leaves
    nothing in the source folder, twine's strict check passes, the sdist ships no tests it
    could not run, and the metadata carries the classifiers and the document's URLs; the
    README says that the description names no licence."""
    source = shutil.copytree(fresh_generation, tmp_path / "source")
    before = sorted(path.relative_to(source) for path in source.rglob("*"))
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert sorted(path.relative_to(source) for path in source.rglob("*")) == before
    (wheel,), (sdist,) = dist.glob("*.whl"), dist.glob("*.tar.gz")
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with tarfile.open(sdist) as archive:
        assert not [name for name in archive.getnames() if "/tests/" in name]
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(
            archive.read(n).decode() for n in archive.namelist() if n.endswith("METADATA")
        )
        assert "finalpos/_fake.json" in archive.namelist()  # the test kit's data
        entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        assert "finalpos._pytest_plugin" in archive.read(entry_points).decode()
    assert "Classifier: Typing :: Typed" in metadata
    server = (normalized_base.get("servers") or [{}])[0].get("url")
    assert not server or f"Project-URL: API, {server}" in metadata
    assert "License" not in metadata.split("\n\n", 1)[0]  # the description names none
    assert "names no licence" in (source / "README.md").read_text()


def test_the_licence_and_urls_come_from_the_document_and_nothing_else():
    """An SPDX identifier (3.1) is the licence expression; a name is said as text; only
    absolute http(s) addresses become project URLs."""
    from generator.metadata import metadata

    spdx = metadata({"info": {"license": {"name": "whatever", "identifier": "apache-2.0"}}})
    assert spdx.license_expression == "Apache-2.0"
    named = metadata({"info": {"license": {"name": "Apache 2.0", "identifier": "not spdx"}}})
    assert (named.license_expression, named.license_name) == (None, "Apache 2.0")
    urls = metadata(
        {
            "info": {"contact": {"url": "javascript:alert(1)"}, "termsOfService": "/tos"},
            "externalDocs": {"url": "https://docs.example.com"},
            "servers": [{"url": "/v1"}],
        }
    ).urls
    assert urls == {"Documentation": "https://docs.example.com"}


def test_api_md_covers_every_method_with_its_real_signature_and_every_model(
    fresh_generation, generated_package
):
    """The reference is complete and true: one section per method, whose `def` has the
    method's own arguments in order (per-call options aside), and one per model, whose
    fields are the model's own wire names."""
    reference = (fresh_generation / "api.md").read_text()
    sections = re.split(r"^## `client\.(\w+)`$", reference, flags=re.M)
    by_resource = dict(zip(sections[1::2], sections[2::2], strict=True))
    client = generated_package.Client(api_key="k")
    options = {"extra_headers", "extra_query", "extra_body", "timeout", "max_retries"}
    options |= {"response_validation"}
    for attribute, text in by_resource.items():
        resource = getattr(client, attribute)
        stubs = dict(re.findall(r"^### `(\w+)`.*?```python\n(def .*?)```", text, re.S | re.M))
        methods = {
            name
            for name, member in inspect.getmembers(resource, inspect.ismethod)
            if not name.startswith("_") and name != "custom_fields_model"
        }
        assert set(stubs) == methods, attribute
        for name, stub in stubs.items():
            tree = ast.parse(stub).body[0]
            assert isinstance(tree, ast.FunctionDef)
            documented = [a.arg for a in (*tree.args.args[1:], *tree.args.kwonlyargs)]
            real = inspect.signature(getattr(resource, name)).parameters.values()
            taken = [p.name for p in real if p.kind is not inspect.Parameter.VAR_KEYWORD]
            assert documented == [p for p in taken if p not in options], (attribute, name)
    models = set(re.findall(r"^### `(\w+)`$", reference.split("\n## Models\n", 1)[1], re.M))
    assert models == set(generated_package.models.__all__) - {"CustomFields"}
