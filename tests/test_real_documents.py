"""Documents nobody here wrote, and our own minimal documents that reproduce what they taught us.

Two tiers: (a) `tests/fixtures/corpus/`, one small document per construct (server quirks,
nullable forms, colliding names, typed arguments and returns); (b) the published documents in
`../shared/real-world-specs/` (or `$FINALPOS_REAL_WORLD_SPECS`), read in place and skipped with
the reason when absent. For every document the generated client must pass ruff and
mypy --strict, import, and parse an instance of every documented response schema (also with
every nullable property null) through the real client methods, into the class the document
names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.document import body_schema, iter_operations, schemas_of, success_response
from generator.examples import sample
from generator.fetch import read_spec
from generator.model import build
from generator.normalize import normalize
from tests.conftest import (
    FIXTURES,
    mypy_strict,
    package_name,
    real_world_documents,
    ruff,
    run_cli,
)

CORPUS = FIXTURES / "corpus"
CORPUS_DOCUMENTS = sorted(CORPUS.glob("*.yaml"))

# Calls every case's method through an in-memory transport that answers the case's body,
# and reports what each call returned.
PARSE = """
import json, sys, importlib, httpx
package = importlib.import_module(sys.argv[1])
cases = json.load(sys.stdin)
current = {}
def answer(request):
    case = current["case"]
    return httpx.Response(case["status"], json=case["body"])
http = httpx.Client(transport=httpx.MockTransport(answer))
CREDENTIALS = {"api_key": "k", "bearer_token": "t", "username": "u", "password": "p"}
client = package.Client(**CREDENTIALS, base_url="http://test", http_client=http, max_retries=0)
seen = []
for case in cases:
    current["case"] = case
    method = getattr(getattr(client, case["resource"]), case["method"])
    result = method(*case["args"], **case["kwargs"])
    items = list(result) if case["paginated"] or isinstance(result, list) else [result]
    seen.append([type(item).__name__ for item in items])
print(json.dumps(seen))
"""


def parse_cases(document: dict[str, Any], package: str, *, nulls: bool) -> list[dict[str, Any]]:
    """One call per operation with a documented response: arguments built from their schemas,
    the response body from its schema, and the class the document names for it."""
    normalized = normalize(document)
    schemas = schemas_of(normalized)
    client = build(normalized, package=package)
    by_id = {(op.http_method, op.path): op for op in client.operations}
    cases = []
    for path, method, operation in iter_operations(normalized):
        op = by_id[(method, path)]
        schema = body_schema(success_response(operation)[1])
        if op.response_kind == "none":
            continue
        kwargs = {q.name: sample(q.schema, schemas) for q in op.query_params if q.required}
        if op.body_model or op.body_annotation:
            kwargs["body"] = sample(body_schema(operation["requestBody"]), schemas)
        cases.append(
            {
                "resource": op.resource,
                "method": op.method_name,
                "args": [sample(p.schema, schemas) for p in op.path_params],
                "kwargs": kwargs,
                "status": op.success_status,
                "body": sample(schema, schemas, nulls=nulls),
                "paginated": op.paginated,
                "expected": op.response_model,
            }
        )
    return cases


@pytest.fixture(scope="module")
def generations(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, tuple[str, Path]]:
    """Document → (package, output folder) for every document of both tiers."""
    root = tmp_path_factory.mktemp("real")
    documents = [*CORPUS_DOCUMENTS, *(p.values[0] for p in real_world_documents() if p.values[0])]
    found = {}
    for path in documents:
        package = package_name(path)
        output = root / package
        result = run_cli(
            "generate", "--spec", str(path), "--output", str(output), "--package-name", package
        )
        found[path] = (package, output, result)
    return found


DOCUMENTS = [pytest.param(p, id=p.name) for p in CORPUS_DOCUMENTS] + real_world_documents()


@pytest.mark.parametrize("path", DOCUMENTS)
def test_document_generates_a_clean_client(path, generations):
    package, output, result = generations[path]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for check in (["check"], ["format", "--check"]):
        linted = ruff(*check, cwd=output)
        assert linted.returncode == 0, linted.stdout


def test_every_generated_client_passes_mypy_strict(generations, tmp_path):
    packages = {package: output for package, output, result in generations.values()}
    checked = mypy_strict(packages, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout[-6000:]


@pytest.mark.parametrize("nulls", [False, True], ids=["filled", "nulls"])
@pytest.mark.parametrize("path", DOCUMENTS)
def test_every_documented_response_parses_into_its_class(path, nulls, generations, tmp_path):
    package, output, _result = generations[path]
    cases = parse_cases(read_spec(path), package, nulls=nulls)
    ran = subprocess.run(
        [sys.executable, "-c", PARSE, package],
        input=json.dumps(cases),
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(output)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-4000:]
    for case, classes in zip(cases, json.loads(ran.stdout), strict=True):
        if case["expected"]:
            assert set(classes) <= {case["expected"]}, (case["method"], classes)


# Calls each operation of the security and bodies documents through an in-memory transport
# and reports what went on the wire.
WIRE = """
import json, sys, importlib, httpx
package = importlib.import_module(sys.argv[1])
calls = json.loads(sys.argv[2])
seen = []
def answer(request):
    seen.append({
        "path": request.url.path,
        "query": dict(request.url.params),
        "headers": {k: v for k, v in request.headers.items() if k in ("x-key", "authorization")},
        "cookie": request.headers.get("cookie"),
        "type": request.headers.get("content-type", "").split(";")[0],
        "body": request.read().decode(errors="replace"),
    })
    return httpx.Response(200, json={"id": "a", "name": "n"})
http = httpx.Client(transport=httpx.MockTransport(answer))
client = package.Client(**json.loads(sys.argv[3]), base_url="http://test", http_client=http)
for method, kwargs in calls:
    if "file" in kwargs:  # (filename, text, type) → (filename, bytes, type)
        name, text, kind = kwargs["file"]
        kwargs["file"] = (name, text.encode(), kind)
    getattr(client.untagged, method)(**kwargs)
print(json.dumps(seen))
"""


def wire(generations, name: str, calls: list, credentials: dict, tmp_path: Path) -> list[dict]:
    package, output, result = generations[CORPUS / name]
    assert result.returncode == 0, result.stderr
    ran = subprocess.run(
        [sys.executable, "-c", WIRE, package, json.dumps(calls), json.dumps(credentials)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(output)},
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout)


def test_each_operation_sends_the_credentials_its_security_requirement_names(generations, tmp_path):
    names = ["by_header", "by_query", "by_cookie", "by_bearer", "by_basic", "by_either", "open"]
    every = {"api_key": "K", "bearer_token": "T", "username": "u", "password": "p"}
    sent = wire(generations, "security.yaml", [[n, {}] for n in names], every, tmp_path)
    by_path = {request["path"]: request for request in sent}
    assert by_path["/header"]["headers"] == {"x-key": "K"}
    assert by_path["/query"]["query"] == {"key": "K"} and by_path["/query"]["headers"] == {}
    assert by_path["/cookie"]["cookie"] == "session=K"
    assert by_path["/bearer"]["headers"] == {"authorization": "Bearer T"}
    assert by_path["/basic"]["headers"] == {"authorization": "Basic dTpw"}
    assert by_path["/either"]["headers"] == {"authorization": "Bearer T"}  # first alternative
    assert by_path["/open"]["headers"] == {} and by_path["/open"]["query"] == {}
    only_key = wire(generations, "security.yaml", [["by_either", {}]], {"api_key": "K"}, tmp_path)
    assert only_key[0]["headers"] == {"x-key": "K"}  # the alternative it has credentials for


def test_form_and_multipart_bodies_are_sent_as_documented(generations, tmp_path):
    upload = {"file": ["a.txt", "hello", "text/plain"], "name": "doc", "tags": ["x", "y"]}
    calls = [
        ["upload_attachment", upload],
        ["login", {"username": "u", "password": "p", "remember": False}],
    ]
    multipart, form = wire(generations, "bodies.yaml", calls, {}, tmp_path)
    assert multipart["type"] == "multipart/form-data"
    assert 'name="file"; filename="a.txt"' in multipart["body"] and "hello" in multipart["body"]
    assert multipart["body"].count('name="tags"') == 2
    assert form["type"] == "application/x-www-form-urlencoded"
    assert form["body"] == "username=u&password=p&remember=false"


def test_strict_refuses_the_repaired_quirks(tmp_path):
    """Without --strict the quirks document generates with warnings; with it, exit 2 naming
    the first problem's place and rule, and nothing is written."""
    spec = CORPUS / "quirks.yaml"
    output = tmp_path / "out"
    lenient = run_cli("generate", "--spec", str(spec), "--output", str(output))
    assert lenient.returncode == 0, lenient.stderr
    rules = {line.rsplit("[", 1)[-1].rstrip("]") for line in lenient.stderr.splitlines()}
    assert {
        "http-scheme-location",
        "openapi31-keyword",
        "undeclared-path-parameter",
        "unknown-operation-field",
        "default-type",
        "enum-default",
    } <= rules
    strict_output = tmp_path / "strict"
    strict = run_cli("generate", "--spec", str(spec), "--output", str(strict_output), "--strict")
    assert strict.returncode == 2 and "(--strict; 10 problems in all)" in strict.stderr
    assert f"{spec}: #/components/securitySchemes/bearer/in" in strict.stderr
    assert not strict_output.exists()


def test_query_credentials_and_secret_parameters_are_redacted_in_logs(generations, tmp_path):
    package, output, result = generations[CORPUS / "security.yaml"]
    assert result.returncode == 0, result.stderr
    script = (
        f"import httpx\nfrom {package}._base_client import redacted\n"
        "print(redacted(httpx.URL('https://u:pw@h/p?key=K&resetToken=R&page=2')))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(output)},
        capture_output=True,
        text=True,
    )
    assert ran.stdout.strip() == "https://h/p?key=***&resetToken=***&page=2", ran.stderr
