"""Hostile and broken descriptions (tests/fixtures/hostile/) and random hostile documents
(hypothesis); real documents are in test_real_documents.py.

Every case either generates a package that passes ruff and mypy --strict, imports, and
runs no injected code (a canary file that injected code would create stays absent), or
exits 2 naming the place, with the output folder unchanged. Nothing outside the output
folder is ever written."""

from __future__ import annotations

import ast
import builtins
import json
import os
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.naming import METHOD_BODY_NAMES
from tests.conftest import FIXTURES, mypy_strict, ruff, run_in_process, run_python

# Reads only fixed documents (marker `fixed_inputs`): the release rehearsal leaves it out.
pytestmark = pytest.mark.fixed_inputs

CORPUS = FIXTURES / "hostile"
CANARY_FILE = "CANARY-PWNED"
CANARY_CODE = f"__import__('pathlib').Path('{CANARY_FILE}').touch()"
GENERATES = [
    "identifiers.yaml",
    "openapi31.yaml",
    "paths.yaml",
    "recursive.yaml",
    "shadowing.yaml",
    "text.yaml",
]
REJECTS = {
    "alias-bomb.yaml": "YAML aliases expand past",
    "dangling-ref.yaml": "#/paths/~1a/get/responses/200/content/application~1json/schema/$ref",
    "external-ref.yaml": "external $ref 'other.yaml#/components/schemas/X' is not supported",
    "deep-nesting.json": "#/components/schemas/Deep/properties/level299/",
    "swagger2.json": "#/swagger: Swagger 2.0 is not supported",
    "page.html": "an HTML page",
    "empty.yaml": "document is empty",
    "list.yaml": "got list",
}

# Imports every model and resource, builds every model, and calls every method through a
# transport that answers `{}`: everything generated code does at import, construction and
# call time runs here.
EXERCISE = """
import inspect, sys, httpx, pydantic, importlib
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    models = importlib.import_module(name + ".models")
    for model_name in models.__all__:
        model = getattr(models, model_name)
        if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
            continue  # a value component's alias (`Literal[...]`, `str`)
        if not issubclass(model, pydantic.RootModel):
            repr(model.model_construct())
        try:
            model.model_validate({})
        except pydantic.ValidationError:
            pass
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    http = httpx.Client(transport=transport)
    EVERY = {"api_key": "k", "bearer_token": "t", "username": "u", "password": "p"}
    TAKEN = inspect.signature(package.Client).parameters
    CREDENTIALS = {k: v for k, v in EVERY.items() if k in TAKEN}
    client = package.Client(**CREDENTIALS, base_url="http://test", http_client=http, max_retries=0)
    for attribute, member in inspect.getmembers(type(client)):
        if attribute.startswith("_") or not hasattr(member, "func"):
            continue
        resource = getattr(client, attribute)
        for method_name, method in inspect.getmembers(resource, inspect.ismethod):
            if method_name.startswith("_"):
                continue
            parameters = inspect.signature(method).parameters.values()
            positional = ["x" for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
            required = [p for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
            keywords = {p.name: "x" for p in required}
            try:
                method(*positional, **keywords)
            except (package.APIError.__mro__[1], pydantic.ValidationError, ValueError, TypeError):
                pass
print("exercised", len(sys.argv) - 1)
"""


def listing(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def exercise(
    packages: list[str], outputs: list[Path], cwd: Path
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(str(o) for o in outputs)}
    return subprocess.run(
        [sys.executable, "-c", EXERCISE, *packages],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the specs; generation may write only the outputs inside it."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "specs").mkdir()
    for name in GENERATES:
        (root / "specs" / name).write_bytes((CORPUS / name).read_bytes())
    return root


@pytest.fixture(scope="module")
def generated(sandbox: Path) -> dict[str, Path]:
    """Package name → output folder, for every case that should generate."""
    before = listing(sandbox)
    outputs = {}
    for spec in sorted((sandbox / "specs").iterdir()):
        package = "h_" + spec.stem.replace("-", "_")
        output = sandbox / "out" / package
        result = run_in_process(
            "generate", "--spec", str(spec), "--output", str(output), "--package-name", package
        )
        assert result.returncode == 0, result.stderr
        outputs[package] = output
    created = listing(sandbox) - before
    assert {path.split("/")[0] for path in created} == {"out"}
    assert all(path.split("/")[1] in outputs for path in created if path != "out")
    return outputs


def test_paths_in_names_never_leave_the_output_folder(generated, sandbox):
    output = generated["h_paths"]
    assert not (sandbox / "x").exists() and not (sandbox.parent / "x").exists()
    modules = sorted(p.name for p in (output / "h_paths" / "resources").iterdir())
    assert modules == ["__init__.py", "etc_passwd.py", "untagged.py", "x.py"]


def test_a_package_is_distributed_under_its_own_name(generated):
    """Not as `finalpos-client`: two generated clients install side by side."""
    for package, output in generated.items():
        metadata = tomllib.loads((output / "pyproject.toml").read_text(encoding="utf-8"))
        assert metadata["project"]["name"] == f"{package.replace('_', '-')}-client"


def test_generated_packages_pass_ruff(generated):
    for output in generated.values():
        for check in (["check"], ["format", "--check"]):
            result = ruff(*check, cwd=output)
            assert result.returncode == 0, result.stdout


def test_generated_packages_pass_mypy_strict(generated, sandbox):
    result = mypy_strict(generated, cwd=sandbox)
    assert result.returncode == 0, result.stdout


def test_canary_detects_injected_code(tmp_path):
    """Positive control: the canary does get created when the injected code runs."""
    subprocess.run([sys.executable, "-c", CANARY_CODE], cwd=tmp_path, check=True)
    assert (tmp_path / CANARY_FILE).exists()


def test_no_injected_code_runs_at_import_construction_or_call(generated, tmp_path):
    result = exercise(list(generated), list(generated.values()), tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"exercised {len(generated)}" in result.stdout
    assert not (tmp_path / CANARY_FILE).exists()


def test_every_identifier_is_plain_ascii(generated):
    """Property names in any script (`名前`, `café`, `ﬁle` which NFKC changes) become ASCII
    field names, aliased to the name on the wire."""
    for package, output in generated.items():
        for module in (output / package).rglob("*.py"):
            with module.open("rb") as source:
                names = {
                    t.string for t in tokenize.tokenize(source.readline) if t.type == tokenize.NAME
                }
            assert all(name.isascii() for name in names), (module, sorted(names)[:5])
    shared = (generated["h_identifiers"] / "h_identifiers" / "models" / "shared.py").read_text()
    assert 'field_540d_524d: Annotated[str | None, Field(alias="名前")]' in shared
    assert 'file: Annotated[str | None, Field(alias="ﬁle")]' in shared


def test_hostile_text_is_kept_as_text(generated):
    """The injected code is in the package as inert text (escaped), not dropped or run."""
    source = "".join(p.read_text() for p in (generated["h_text"] / "h_text").rglob("*.py"))
    assert "Path('CANARY-PWNED')" in source


def test_recursive_schemas_make_working_models(generated, tmp_path):
    script = (
        "from h_recursive.models import Node, A\n"
        "node = Node.model_validate({'name': 'r', 'children': [{'name': 'c', 'children': []}],"
        " 'a': {'b': {'a': {}}}})\n"
        "assert node.children[0].name == 'c' and node.a.b.a is not None\n"
    )
    result = run_python(script, path=generated["h_recursive"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr


# Calls each method of h_shadowing with arguments named like the method's own names, and
# prints what was sent: a helper shadowed by an argument fails the call ('str' is not
# callable), a keyword taken twice fails the import.
SEND_EVERYTHING = """
import json, httpx, h_shadowing
sent = []
def answer(request):
    sent.append([str(request.url), request.headers.get("expand_path"),
                 json.loads(request.content or b"null")])
    return httpx.Response(200, json=[] if request.method == "GET" else sent[-1][2])
http = httpx.Client(transport=httpx.MockTransport(answer))
client = h_shadowing.Client(base_url="http://test", http_client=http, max_retries=0)
things = client.client  # the tags `Client` and `_client`: classes SyncClientResource...
list(things.list_things(extras_2="e", page_window_2="p", without_not_given_2="w", limit=5))
things.create_thing(extras_2="e", build_body_2="b", body_2="o", self_="s", expand_path_2="h")
client.paginator.replace_thing("p", require_arguments_2="r", extras_2="e", build_body_3="b")
print(json.dumps(sent))
"""


def test_arguments_named_like_a_methods_own_names_are_sent(generated, tmp_path):
    """`extras`, `build_body`, `expand_path`... from the document are arguments of their
    own (`extras_2`) and reach the wire under their names; the method's helpers still run."""
    result = run_python(SEND_EVERYTHING, path=generated["h_shadowing"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed, created, replaced = json.loads(result.stdout)
    assert (
        listed[0] == "http://test/things?limit=5&extras=e&page_window=p&without_not_given=w&skip=0"
    )
    assert created[1:] == ["h", {"extras": "e", "build_body": "b", "body": "o", "self": "s"}]
    assert replaced == [
        "http://test/things/p?require_arguments=r",
        None,
        {"extras": "e", "build_body": "b"},
    ]


def test_a_package_that_does_not_import_is_never_written(tmp_path, cli, monkeypatch):
    """Broken on purpose: with the method's own names forgotten by the naming module, the
    package would not compile. Generation exits 2 naming the module and the line, and the
    earlier generation stays as it was."""
    output, spec = tmp_path / "out", str(CORPUS / "shadowing.yaml")
    assert cli("generate", "--spec", spec, "--output", str(output))[0] == 0
    earlier = {path: path.read_bytes() for path in output.rglob("*") if path.is_file()}
    monkeypatch.setattr("generator.model.METHOD_BODY_NAMES", frozenset({"self"}))
    code, _out, err = cli("generate", "--spec", spec, "--output", str(output))
    assert code == 2, err
    assert "does not compile: finalpos/resources/client.py:" in err
    assert "duplicate argument 'extras'" in err
    assert {path: path.read_bytes() for path in output.rglob("*") if path.is_file()} == earlier


def test_a_reused_operation_id_is_numbered_with_a_warning_and_strict_refuses_it(tmp_path, cli):
    spec = str(CORPUS / "duplicate-operation-ids.yaml")
    code, _out, err = cli("generate", "--spec", spec, "--output", str(tmp_path / "out"))
    assert code == 0, err
    assert "#/paths/~1b/get/operationId: operationId 'same' is used before" in err
    assert "[duplicate-operation-id]" in err
    source = (tmp_path / "out" / "finalpos" / "resources" / "untagged.py").read_text()
    assert "def same(" in source and "def same_2(" in source
    code, _out, err = cli("generate", "--strict", "--spec", spec, "--output", str(tmp_path / "s"))
    assert code == 2 and "[duplicate-operation-id] (--strict)" in err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("name", sorted(REJECTS))
def test_broken_documents_exit_2_naming_the_place(name, tmp_path, cli):
    output = tmp_path / "out"
    output.mkdir()
    (output / "keep.txt").write_text("earlier generation\n")
    before = listing(tmp_path)
    code, _out, err = cli("generate", "--spec", str(CORPUS / name), "--output", str(output))
    assert code == 2
    assert REJECTS[name] in err and str(CORPUS / name) in err
    assert "Traceback" not in err
    assert (
        listing(tmp_path) == before and (output / "keep.txt").read_text() == "earlier generation\n"
    )


# --- random hostile documents ----------------------------------------------------------------

HOSTILE_WORDS = [
    "class",
    "__init__",
    "model_config",
    "None",
    "1x",
    "",
    "{{ x }}",
    '"""',
    "\\N{BULLET}",
    CANARY_CODE,
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.text(alphabet=st.sampled_from(list("\"'\\{}%#\n\r\0 aZ_-.:/()é名\u2028")), max_size=10),
)
schema_names = st.from_regex(r"[A-Za-z0-9_.-]{1,8}", fullmatch=True)


def reference_targets(names: list[str]) -> st.SearchStrategy[str]:
    """`$ref`s into properties, items, operations, non-schemas and nowhere."""
    escaped = hostile_text.map(lambda t: t.replace("~", "~0").replace("/", "~1"))
    name = st.sampled_from(names)
    return st.one_of(
        st.builds("#/components/schemas/{}/properties/{}".format, name, escaped),
        st.builds("#/components/schemas/{}/properties".format, name),
        st.builds("#/components/schemas/{}/description".format, name),
        st.just("#/paths/~1items~1{id}/get/responses/200/content/application~1json/schema"),
        st.just("#/paths/~1items~1{id}/get/parameters/0/schema"),
        st.sampled_from(["#/info", "#", "#/", "#/nowhere", "#/components/schemas"]),
        escaped.map(lambda text: "#/" + text),
    )


@st.composite
def hostile_documents(draw: st.DrawFn) -> dict[str, object]:
    names = draw(st.lists(schema_names, min_size=1, max_size=3, unique=True))
    schemas = {}
    for name in names:
        properties = {}
        for prop in draw(st.lists(hostile_text, min_size=1, max_size=4, unique=True)):
            kinds = ["string", "integer", "boolean", "enum", "array", "ref", "pointer"]
            kind = draw(st.sampled_from(kinds))
            schema: dict[str, object] = {"description": draw(hostile_text)}
            if kind == "enum":
                schema |= {
                    "type": "string",
                    "enum": draw(st.lists(hostile_text, min_size=1, max_size=3, unique=True)),
                }
            elif kind == "array":
                schema |= {"type": "array", "items": {"type": "string"}}
            elif kind == "ref":
                schema = {"$ref": f"#/components/schemas/{draw(st.sampled_from(names))}"}
            elif kind == "pointer":  # anywhere a reference may point, or nowhere
                schema = {"$ref": draw(reference_targets(names))}
            else:
                schema |= {"type": kind}
            properties[prop] = schema
        schemas[name] = {
            "type": "object",
            "description": draw(hostile_text),
            "properties": properties,
        }
    ref = {"$ref": f"#/components/schemas/{names[0]}"}
    content = {"application/json": {"schema": ref}}
    operation_ids = draw(st.lists(hostile_text, min_size=2, max_size=2, unique=True))
    return {
        "openapi": "3.0.3",
        "info": {"title": draw(hostile_text), "version": "1.0", "description": draw(hostile_text)},
        "paths": {
            "/items/{id}": {
                "get": {
                    "operationId": operation_ids[0],
                    "tags": [draw(hostile_text)],
                    "summary": draw(hostile_text),
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": draw(hostile_text), "content": content}},
                },
                "put": {
                    "operationId": operation_ids[1],
                    "tags": [draw(hostile_text)],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": {"content": content},
                    "responses": {"200": {"description": "ok", "content": content}},
                },
            }
        },
        "components": {"schemas": schemas},
    }


@settings(
    max_examples=12,  # each a generation: 12 cover the strategies in 15 s (25 took 31)
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=hostile_documents())
def test_random_hostile_documents_generate_safely_or_fail_cleanly(document, tmp_path_factory, cli):
    """In this process (an exception of the generator fails the test as a traceback would),
    each generated package exercised in its own."""
    root = tmp_path_factory.mktemp("prop")
    spec = root / "spec.yaml"
    spec.write_text(yaml.safe_dump(document, allow_unicode=True))
    output = root / "out"
    code, _out, err = cli(
        "generate", "--spec", str(spec), "--output", str(output), "--package-name", "h_random"
    )
    if code == 2:
        assert "error:" in err and not output.exists()
        return
    assert code == 0, err
    assert listing(root) == {"spec.yaml", "out"} | {f"out/{path}" for path in listing(output)}
    checked = exercise(["h_random"], [output], root)
    assert checked.returncode == 0, checked.stderr
    assert not (root / CANARY_FILE).exists()


def names_method_bodies_read(module: Path) -> set[str]:
    """The snake_case names the API methods of a generated resource module read that are not
    their own arguments: what an argument from the document could shadow. (The methods
    with no argument from the document are left out.)"""
    read: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not node.name.startswith(("_", "with_")) and node.name != "custom_fields_model":
            arguments = {a.arg for a in (*node.args.args, *node.args.kwonlyargs)}
            for inner in (n for statement in node.body for n in ast.walk(statement)):
                if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
                    read.add(inner.id)
            read -= arguments - METHOD_BODY_NAMES
    return {name for name in read if name.islower()}


def test_the_naming_module_knows_every_name_a_method_body_reads(generated):
    modules = [
        m for p, output in generated.items() for m in (output / p / "resources").glob("*.py")
    ]
    read = set().union(*(names_method_bodies_read(module) for module in modules))
    assert "build_body" in read and "page_window" in read  # it does see the helpers
    assert read <= METHOD_BODY_NAMES | set(dir(builtins))
