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
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from generator.document import schemas_of
from generator.examples import sample
from generator.operation import operations
from tests.conftest import (
    FIXTURES,
    Generation,
    mypy_strict,
    real_world_documents,
    ruff,
    run_cli,
    run_python,
)

# Reads only fixed documents (marker `fixed_inputs`): the release rehearsal leaves it out.
pytestmark = pytest.mark.fixed_inputs

CORPUS = FIXTURES / "corpus"
CORPUS_DOCUMENTS = sorted(CORPUS.glob("*.yaml"))

# Calls every case's method through an in-memory transport that answers the case's body,
# and reports what each call returned.
PARSE = """
import inspect, json, sys, importlib, pkgutil, httpx
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, sys.argv[1] + "."):
    importlib.import_module(module.name)  # every module imports, not only those called
variants = json.load(sys.stdin)
current = {}
def answer(request):
    case = current["case"]
    if case["media"] == "json":  # `null` too: httpx's json=None would send no body
        body, media = json.dumps(case["body"]), "application/json"
    else:
        body, media = str(case["body"]), "application/octet-stream"
    return httpx.Response(case["status"], content=body.encode(), headers={"content-type": media})
http = httpx.Client(transport=httpx.MockTransport(answer))
EVERY = {"api_key": "k", "bearer_token": "t", "username": "u", "password": "p"}
CREDENTIALS = {k: v for k, v in EVERY.items() if k in inspect.signature(package.Client).parameters}
client = package.Client(**CREDENTIALS, base_url="http://test", http_client=http, max_retries=0)
seen = {}
for variant, cases in variants.items():  # one interpreter, one import of a large package
    seen[variant] = []
    for case in cases:
        current["case"] = case
        method = getattr(getattr(client, case["resource"]), case["method"])
        result = method(*case["args"], **case["kwargs"])
        items = list(result) if case["paginated"] or isinstance(result, list) else [result]
        seen[variant].append([type(item).__name__ for item in items])
print(json.dumps(seen))
"""


# What a text or binary response is read as.
READ_AS = {"text": "str", "binary": "bytes"}


def parse_cases(normalized: dict[str, Any], client: Any, *, nulls: bool) -> list[dict[str, Any]]:
    """One call per operation of `client` (built from the `normalized` document) with a
    documented response: arguments built from their schemas, the response body from its
    schema, and the class the document names for it."""
    schemas = schemas_of(normalized)
    by_id = {(op.http_method, op.path): op for op in client.operations}
    cases = []
    for view in operations(normalized):
        op = by_id[(view.method, view.path)]
        if op.response_kind == "none" or view.success is None:
            continue
        arguments = op.query_params + op.header_params
        kwargs = {q.name: sample(q.schema, schemas) for q in arguments if q.required}
        if (op.body_model or op.body_annotation) and view.body is not None:
            kwargs["body"] = sample(view.body.schema, schemas)
        cases.append(
            {
                "resource": op.resource,
                "method": op.method_name,
                "args": [sample(p.schema, schemas) for p in op.path_params],
                "kwargs": kwargs,
                "status": op.success_status,
                "body": sample(view.success.schema, schemas, nulls=nulls),
                "paginated": op.paginated,
                "media": view.success.media,
                "expected": READ_AS.get(op.response_kind, op.response_model),
            }
        )
    return cases


@pytest.fixture(scope="module")
def generations(generation) -> dict[Path, Generation]:
    """Document → its generation, for every document of both tiers."""
    documents = [*CORPUS_DOCUMENTS, *(p.values[0] for p in real_world_documents() if p.values[0])]
    odd_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:]) % 2
    made = {path: generation(path) for path in (documents[::-1] if odd_worker else documents)}
    return {path: made[path] for path in documents}  # two workers asking at once share the work


DOCUMENTS = [pytest.param(p, id=p.name) for p in CORPUS_DOCUMENTS] + real_world_documents()


@pytest.mark.parametrize("path", DOCUMENTS)
def test_document_generates_a_clean_client(path, generations):
    package, output, result = generations[path]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Warning:" not in result.stderr and "site-packages" not in result.stderr  # ours only
    for check in (["check"], ["format", "--check"]):
        linted = ruff(*check, cwd=output)
        assert linted.returncode == 0, linted.stdout


# mypy --strict reads documents up to this size; larger clients are checked by ruff, import
# and parsing (mypy takes minutes and gigabytes on a thousand models).
MYPY_MAX_DOCUMENT_BYTES = 500_000


def test_every_generated_client_passes_mypy_strict(generations, tmp_path):
    packages = {
        package: output
        for path, (package, output, _result) in generations.items()
        if path.stat().st_size < MYPY_MAX_DOCUMENT_BYTES
    }
    checked = mypy_strict(packages, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout[-6000:]


# Every distribution in a venv with what the requirements of `sys.argv[1:]` pull in.
DISTRIBUTIONS = """
import json, re, sys
from importlib import metadata
def key(name): return re.sub(r"[-_.]+", "-", name).lower()
every = {key(d.metadata["Name"]): d for d in metadata.distributions()}
needed, stack = set(), [key(n) for n in sys.argv[1:]]
while stack:
    name = stack.pop()
    if name in needed or name not in every: continue
    needed.add(name)
    for requirement in every[name].requires or []:
        if "extra ==" not in requirement:
            stack.append(key(re.split(r"[ ;<>=!~\\[(]", requirement, maxsplit=1)[0]))
print(json.dumps({"every": sorted(every), "needed": sorted(needed)}))
"""


def test_every_client_declares_only_the_dependencies_of_the_client_venv(
    generations, client_python, tmp_path
):
    """The client venv holds `pip install ./generated` and pytest, nothing else, and every
    generated package declares the same dependencies: the replay below imports each whole
    there (a model that needs email-validator would fail)."""
    declared = {
        tuple(tomllib.loads((output / "pyproject.toml").read_text())["project"]["dependencies"])
        for _package, output, _result in generations.values()
    }
    assert declared == {("httpx>=0.27,<1", "pydantic>=2.7,<3", "typing-extensions>=4.5")}
    found = subprocess.run(
        [str(client_python), "-c", DISTRIBUTIONS, "finalpos-client", "pytest"],
        cwd=tmp_path,  # not the repository, whose own metadata would be found
        capture_output=True,
        text=True,
        check=True,
    )
    venv = json.loads(found.stdout)
    assert venv["every"] == venv["needed"]  # each package imports whole there: the replay


@pytest.mark.parametrize("path", DOCUMENTS)
def test_every_documented_response_parses_into_its_class(
    path, generations, client_python, tmp_path
):
    """Twice: every property filled, and every nullable one null; in the client venv, with
    only the declared dependencies, after importing every module of the package."""
    package, output, _result = generations[path]
    normalized, client = generations[path].rendered()
    variants = {
        variant: parse_cases(normalized, client, nulls=variant == "nulls")
        for variant in ("filled", "nulls")
    }
    ran = subprocess.run(
        [str(client_python), "-c", PARSE, package],
        input=json.dumps(variants),
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(output)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-4000:]
    seen = json.loads(ran.stdout)
    for variant, cases in variants.items():
        for case, classes in zip(cases, seen[variant], strict=True):
            if case["expected"]:
                assert set(classes) <= {case["expected"]}, (variant, case["method"], classes)


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
    if "thumbnail" in kwargs:  # bare content: typed as the document's `encoding` says
        kwargs["thumbnail"] = kwargs["thumbnail"].encode()
    getattr(client.untagged, method)(**kwargs)
print(json.dumps(seen))
"""


def run_script(generations, name: str, script: str, tmp_path: Path, *args: str) -> Any:
    """What `script` prints (JSON), run with the client of the corpus document `name`
    importable and its package name as the first argument."""
    package, output, result = generations[CORPUS / name]
    assert result.returncode == 0, result.stderr
    ran = run_python(script, package, *args, path=output, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout)


def wire(generations, name: str, calls: list, credentials: dict, tmp_path: Path) -> list[dict]:
    return run_script(generations, name, WIRE, tmp_path, json.dumps(calls), json.dumps(credentials))


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
    upload = {
        "file": ["a.txt", "hello", "text/plain"],
        "name": "doc",
        "tags": ["x", "y"],
        "meta": {"album": "x"},
        "notes": "*hi*",
        "thumbnail": "PNG",
    }
    calls = [
        ["upload_attachment", upload],
        ["login", {"username": "u", "password": "p", "remember": False}],
    ]
    multipart, form = wire(generations, "bodies.yaml", calls, {}, tmp_path)
    assert multipart["type"] == "multipart/form-data"
    assert 'name="file"; filename="a.txt"' in multipart["body"] and "hello" in multipart["body"]
    assert multipart["body"].count('name="tags"') == 2
    meta = multipart["body"].split('name="meta"', 1)[1].split("--", 1)[0]
    assert "Content-Type: application/json" in meta and '{"album":"x"}' in meta  # not str(dict)
    part = {
        name: multipart["body"].split(f'name="{name}"', 1)[1].split("--", 1)[0]
        for name in ("file", "notes", "thumbnail")
    }
    assert "Content-Type: text/plain" in part["file"]  # the type given with the file wins
    assert "Content-Type: text/markdown" in part["notes"]  # the document's `encoding`
    assert (
        'filename="upload"' in part["thumbnail"] and "Content-Type: image/png" in part["thumbnail"]
    )
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
        "unused-path-parameter",
        "unknown-operation-field",
        "default-type",
        "enum-default",
    } <= rules
    strict_output = tmp_path / "strict"
    strict = run_cli("generate", "--spec", str(spec), "--output", str(strict_output), "--strict")
    assert strict.returncode == 2 and "(--strict; 11 problems in all)" in strict.stderr
    assert f"{spec}: #/components/securitySchemes/bearer/in" in strict.stderr
    assert not strict_output.exists()


def test_what_real_servers_write_is_read_as_they_mean_it(generations):
    """From quirks.yaml: an emoji title is the distribution's description (valid TOML), tab
    indents are spaces in docstrings, `200:` unquoted is the status "200", a required header
    with a default is an optional argument sending it, and a path parameter the path lacks
    is no argument."""
    package, output, result = generations[CORPUS / "quirks.yaml"]
    assert result.returncode == 0, result.stderr
    metadata = tomllib.loads((output / "pyproject.toml").read_text(encoding="utf-8"))
    assert metadata["project"]["description"].endswith("Quirks \N{RECEIPT} 1.0")
    source = (output / package / "resources" / "untagged.py").read_text()
    assert "Lines indented by tabs" in source and "\t" not in source
    listing = source.split("def list(")[1].split(") ->")[0]
    assert 'x_api_version: str = "2024-06-01",' in listing and "org" not in listing
    assert "-> builtins.list[User]:" in source  # the unquoted 200 is the success response


SERVERS = """
import httpx, {package}
sent = []
def answer(request):
    sent.append(str(request.url))
    return httpx.Response(201, json={{"id": "a1", "name": "n"}})
for options in ({{}}, {{"base_url": "http://mock.test"}}):
    http = httpx.Client(transport=httpx.MockTransport(answer))
    client = {package}.Client(http_client=http, max_retries=0, **options)
    client.untagged.upload_attachment(file=b"x", name="n")
print(" ".join(sent))
"""


def test_an_operations_own_server_is_used_while_the_client_is_on_its_default(generations):
    """`servers` on an operation (uploads elsewhere) send it there; a `base_url` the user
    gives (a mock server, a proxy) serves every operation."""
    package, output, result = generations[CORPUS / "bodies.yaml"]
    ran = run_python(SERVERS.format(package=package), path=output)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == [
        "https://uploads.example.com/v1/attachments",
        "http://mock.test/attachments",
    ]


ENUMS_BY_REFERENCE = """
import typing
from {package}.models import NewPet, Size, Status
pet = NewPet.model_validate({{"name": "Rex", "status": "sold", "size": 2, "previous": None,
                               "history": ["pending", "available"], "flags": 18446744073709551615}})
assert pet.flags == 2**64 - 1
assert pet.status == "sold" and pet.size == 2 and pet.history == ["pending", "available"]
assert typing.get_args(Status) == ("available", "pending", "sold")
assert typing.get_args(Size) == (1, 2, 3)
status: Status = pet.status
print(type(pet.status).__name__, pet.model_dump(mode="json", exclude_unset=True)["status"])
"""


def test_enums_reached_by_reference_are_literals(generations, tmp_path):
    """NestJS's `enumName` makes `$ref` enums common: the field is the value (`== "sold"`),
    never a wrapper model, and the component is the `Literal` alias a user annotates with."""
    package, output, result = generations[CORPUS / "types.yaml"]
    assert result.returncode == 0, result.stderr
    ran = run_python(ENUMS_BY_REFERENCE.format(package=package), path=output, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["str", "sold"]
    models = (output / package / "models" / "untagged.py").read_text()
    assert "class Status(" not in models and "class Size(" not in models


TAGGED = """
from {package}.models import NewPet
pet = NewPet.model_validate({{"name": "Rex", "status": "sold", "events": [
    {{"type": "sale", "amount": 10}}, {{"type": "refund", "amount": 10, "reason": "r"}},
    {{"type": "Visit", "visitor": "v"}},
    {{"type": "gift", "amount": 1}}]}})
print(" ".join(type(e.root).__name__ for e in pet.events), pet.events[3].root["type"])
sent = pet.model_dump(mode="json", exclude_unset=True)["events"]
print(sent[3] == {{"type": "gift", "amount": 1}})
"""


def test_a_discriminated_union_follows_its_tag_and_keeps_an_unknown_one(generations, tmp_path):
    """The tag picks the member, where every member's tag is a plain string (as in real
    documents); a member the mapping leaves out is tagged by its component name; a kind of
    item the client does not know yet is kept as it came and sent back unchanged, and the
    rest of the response still parses."""
    package, output, result = generations[CORPUS / "types.yaml"]
    assert result.returncode == 0, result.stderr
    ran = run_python(TAGGED.format(package=package), path=output, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split("\n")[:2] == ["Sale Refund Visit dict gift", "True"]
    assert "Event.root.type = 'gift' is not a value this client knows" in ran.stderr


UNION_BODY = """
import json, httpx
from {package} import Client
from {package}.models import Person
sent = []
def answer(request):
    sent.append(json.loads(request.content))
    return httpx.Response(204)
http = httpx.Client(transport=httpx.MockTransport(answer))
pets = Client(base_url="http://test", http_client=http, max_retries=0).untagged
pets.replace_pet_owner(7, body=Person(kind="person", name="Ann"))
pets.replace_pet_owner(7, body={{"kind": "shelter", "address": "1 Dog Street"}})
print(json.dumps(sent))
"""


def test_a_union_typed_body_takes_a_model_instance(generations, tmp_path):
    """A body typed `Person | Shelter | Mapping` is sent as JSON whichever it is given: a
    model by its wire names (it was `TypeError: not JSON serializable`), a mapping as is."""
    package, output, result = generations[CORPUS / "types.yaml"]
    assert result.returncode == 0, result.stderr
    ran = run_python(UNION_BODY.format(package=package), path=output, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == [
        {"kind": "person", "name": "Ann"},
        {"kind": "shelter", "address": "1 Dog Street"},
    ]


def test_query_credentials_and_secret_parameters_are_redacted_in_logs(generations, tmp_path):
    package, output, result = generations[CORPUS / "security.yaml"]
    assert result.returncode == 0, result.stderr
    script = (
        f"import httpx\nfrom {package}._base_client import redacted\n"
        "print(redacted(httpx.URL('https://u:pw@h/p?key=K&resetToken=R&page=2')))"
    )
    ran = run_python(script, path=output)
    assert ran.stdout.strip() == "https://h/p?key=***&resetToken=***&page=2", ran.stderr


# Calls the media document's methods through an in-memory transport: what each returned,
# and what went on the wire.
MEDIA = """
import asyncio, json, sys, importlib, httpx, pathlib
package = importlib.import_module(sys.argv[1])
DOWNLOAD = bytes(range(256)) * 400
seen = []
def answer(request):
    seen.append({h: request.headers.get(h) for h in ("accept", "x-request-id", "x-dry-run")})
    if request.url.path.endswith("/download"):
        return httpx.Response(200, content=DOWNLOAD, headers={"content-type": "image/png"})
    if request.url.path == "/report.csv":
        return httpx.Response(200, text="a,b\\n1,2\\n", headers={"content-type": "text/csv"})
    return httpx.Response(200, json={"title": "t"})
http = httpx.Client(transport=httpx.MockTransport(answer))
client = package.Client(base_url="http://test", http_client=http)
out = {"download": client.files.download("f1") == DOWNLOAD}
with client.files.with_streaming_response.download("f1") as response:
    out["chunks"] = [len(chunk) for chunk in response.iter_bytes(40960)]
    target = pathlib.Path(sys.argv[2]) / "download.bin"
with client.files.with_streaming_response.download("f1") as response:
    response.write_to_file(target)
out["written"] = target.read_bytes() == DOWNLOAD
out["csv"] = client.reports.csv_csv()
out["problem"] = type(client.problems.latest()).__name__
out["export"] = client.exports.retrieve("e1", x_request_id="r-1", x_dry_run=True).title
async def streamed():
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with package.AsyncClient(base_url="http://test", http_client=http) as aclient:
        async with aclient.files.with_streaming_response.download("f1") as response:
            return b"".join([chunk async for chunk in response.aiter_bytes()]) == DOWNLOAD
out["async_streamed"] = asyncio.run(streamed())
print(json.dumps({"out": out, "seen": seen}))
"""


def test_downloads_text_and_header_parameters_on_the_wire(generations, tmp_path):
    found = run_script(generations, "media.yaml", MEDIA, tmp_path, str(tmp_path))
    assert found["out"] == {
        "download": True,
        "chunks": [40960, 40960, 20480],  # read as it arrives, not all at once
        "written": True,
        "csv": "a,b\n1,2\n",
        "problem": "Problem",  # application/problem+json is JSON
        "export": "t",
        "async_streamed": True,
    }
    download, *_rest, export, _async = found["seen"]
    assert download["accept"] == "application/octet-stream"
    assert export == {
        "accept": "application/vnd.media+json;version=2, application/json",
        "x-request-id": "r-1",
        "x-dry-run": "true",
    }


# Calls the deprecations document's methods and reports the warnings each raised, with the
# file they point at (the caller's, not the client's).
DEPRECATIONS = """
import json, sys, importlib, warnings, httpx
package = importlib.import_module(sys.argv[1])
def answer(request):
    if request.method == "POST":
        return httpx.Response(201, json={"id": "o1", "total": 1})
    if request.url.path.endswith("/legacy"):
        return httpx.Response(200, json={"id": "o1", "balance": "2"})
    return httpx.Response(200, json=[{"id": "o1"}])
http = httpx.Client(transport=httpx.MockTransport(answer))
client = package.Client(base_url="http://test", http_client=http)
def warned(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [[w.category.__name__, str(w.message), w.filename] for w in caught]
print(json.dumps({
    "plain": warned(lambda: list(client.orders.list(status="open"))),
    "sort": warned(lambda: list(client.orders.list(sort="date"))),
    "note": warned(lambda: client.orders.create(total=1, note="n")),
    "legacy": warned(lambda: client.orders.legacy("o1")),
    "raw": warned(lambda: client.orders.with_raw_response.legacy("o1")),
    "balance": warned(lambda: client.orders.create(total=1).balance),
}))
"""
CALLS_DEPRECATED = """from doc_deprecations import Client

client = Client(base_url="http://test")
client.orders.list(status="open")
client.orders.legacy("o1")
"""


def test_deprecations_warn_at_run_time_and_type_checkers_flag_them(generations, tmp_path):
    found = run_script(generations, "deprecations.yaml", DEPRECATIONS, tmp_path)
    package, output, _result = generations[CORPUS / "deprecations.yaml"]
    assert found["plain"] == []
    assert found["sort"] == [
        ["DeprecationWarning", "orders.list: argument 'sort' is deprecated by the API", "<string>"]
    ]
    assert found["note"] == [
        [
            "DeprecationWarning",
            "orders.create: argument 'note' is deprecated by the API",
            "<string>",
        ]
    ]
    legacy = "orders.legacy: GET /orders/{id}/legacy is deprecated by the API"
    assert found["legacy"] == [["DeprecationWarning", legacy, "<string>"]]
    assert [category for category, _message, _file in found["raw"]] == ["DeprecationWarning"]
    assert [category for category, _message, _file in found["balance"]] == ["DeprecationWarning"]

    (tmp_path / "calls_deprecated.py").write_text(CALLS_DEPRECATED)
    checked = mypy_strict(
        {package: output, "calls_deprecated": tmp_path},
        tmp_path,
        "--enable-error-code",
        "deprecated",
    )
    assert checked.returncode == 1, checked.stdout
    assert "calls_deprecated.py:5: error:" in checked.stdout and "[deprecated]" in checked.stdout
    assert "calls_deprecated.py:4:" not in checked.stdout  # not deprecated: no error
    inside = [line for line in checked.stdout.splitlines() if line.startswith(package)]
    assert inside == []  # vendored as source, the package's own wrappers raise nothing


# What the Final POS package has and a package for another API must not: Final POS's name in
# any spelling, its tenants' custom fields and custom tables, the runtime-shaped customer
# model. (The generator's own name, `finalpos-codegen`, heads every file it writes.)
FINAL_POS_WORDS = (
    r"final[ _-]?pos",
    r"tenant",
    r"custom[ _-]?fields?",
    r"CORE_CUSTOMER_PROPERTIES",
    r"RuntimeShaped",
)
GENERATOR_NAME = re.compile(r"finalpos-codegen", re.IGNORECASE)


def test_a_package_for_another_api_carries_no_final_pos_names(generations):
    """Every document of both tiers is another API's: a Final POS word in its package is one
    the document itself has, or a bug (the grep covers every file the package ships)."""
    for path, (_package, output, result) in generations.items():
        assert result.returncode == 0, result.stderr
        source = path.read_text(errors="replace")
        words = [w for w in FINAL_POS_WORDS if not re.search(w, source, re.IGNORECASE)]
        pattern = re.compile("|".join(words), re.IGNORECASE)
        for file in sorted(p for p in output.rglob("*") if p.is_file()):
            text = GENERATOR_NAME.sub("", file.read_text(errors="replace"))
            found = sorted({m.group(0) for m in pattern.finditer(text)})
            assert not found, (path.name, file.relative_to(output), found)


# A package for another API shaped like Final POS: its names come from its package name,
# its paging has no Final POS rule, its customers are plain models.
LOOKALIKE = """
import json, sys, importlib, httpx
package = importlib.import_module(sys.argv[1])
asked = []
def answer(request):
    params = dict(request.url.params)
    asked.append(params)
    skip = int(params.get("skip", 0))
    rows = [{"id": f"c{i}", "name": "n"} for i in range(skip, min(skip + 1, 4))]  # caps at 1
    return httpx.Response(200, json=rows)
http = httpx.Client(transport=httpx.MockTransport(answer))
client = package.Client(api_key="k", base_url="http://test", http_client=http)
ids = [c.id for c in client.customers.list(skip=1, limit=2)]
error = getattr(package, sys.argv[2])
try:
    package.Client(base_url="http://test")
    credentials = "accepted"
except error as exc:
    credentials = str(exc)
print(json.dumps({
    "ids": ids,
    "asked": asked,
    "credentials": credentials,
    "api_error_base": [c.__name__ for c in package.APIError.__mro__],
    "model_base": [c.__name__ for c in package.models.Customer.__mro__],
    "custom_fields_model": hasattr(client.customers, "custom_fields_model"),
    "custom_fields": hasattr(package.models.Customer, "custom_fields"),
}))
"""


def test_a_final_pos_lookalike_of_another_api_gets_none_of_final_pos(generations, tmp_path):
    package, output, _result = generations[CORPUS / "lookalike.yaml"]
    stem = "".join(part.capitalize() for part in package.split("_"))
    seen = run_script(generations, "lookalike.yaml", LOOKALIKE, tmp_path, f"{stem}Error")
    assert seen["ids"] == ["c1", "c2", "c3"]  # skip=1 with limit=2: no "multiple of" rule
    assert [a["limit"] for a in seen["asked"]] == ["2"] * len(seen["asked"])  # capped: same limit
    assert f"{package.upper()}_API_KEY" in seen["credentials"]
    assert (
        f"{stem}Error" in seen["api_error_base"] and "FinalPOSError" not in seen["api_error_base"]
    )
    assert f"{stem}Model" in seen["model_base"] and "RuntimeShapedModel" not in seen["model_base"]
    assert not seen["custom_fields_model"] and not seen["custom_fields"]
    assert not (output / package / "_custom_fields.py").exists()
    project = tomllib.loads((output / "pyproject.toml").read_text())["project"]
    assert project["name"] == f"{package.replace('_', '-')}-client"
