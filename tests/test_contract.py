"""The generated contract tests (generated/tests), run by the installed client against a
real Prism mock server: once on the base description, once on the demo tenant's."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from generator import render as render_stage
from generator.document import iter_operations
from generator.finalpos import official_of
from generator.normalize import normalize, normalize_against, to_yaml
from tests.conftest import (
    DEMO_TENANT_SPEC,
    FIXTURES,
    ROOT,
    real_world_documents,
)

PRISM = ROOT / "node_modules" / ".bin" / "prism"


def run_contract_suite(
    client_python: Path,
    tmp_path: Path,
    spec: Path | None = None,
    package: Path | None = None,
    select: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a generation's tests (default: the committed generated/) from outside the
    repository, so `finalpos` comes from site-packages unless `package` overrides it;
    `select` is a pytest `-k` expression."""
    environment = {
        **os.environ,
        "PRISM": str(PRISM),
        "COLUMNS": "1000",  # whole summary lines
        "TMPDIR": str(tmp_path),  # where the suite's Prism log goes
    }
    environment.pop("FINALPOS_BASE_URL", None)
    tree = package or ROOT / "generated"
    if package is not None:
        environment["PYTHONPATH"] = str(package)
    if spec is not None:
        environment["FINALPOS_MOCK_SPEC"] = str(spec)
    started = time.perf_counter()
    result = subprocess.run(
        [
            *(str(client_python), "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            # Python's own tracebacks: pytest's re-parse the test module's source for every
            # frame, minutes on the 15,000-line module of a large document with many failures
            "--tb=native",
            *(("-k", select) if select else ()),
            str(tree / "tests"),
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    elapsed = time.perf_counter() - started
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(f"contract suite ({spec.name if spec else 'base'}): {summary} in {elapsed:.1f}s wall")
    return result


def passing_summary(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert "failed" not in summary and "error" not in summary
    return summary


def failed_tests(result: subprocess.CompletedProcess[str]) -> set[str]:
    return set(re.findall(r"^FAILED \S+::(\w+)", result.stdout, re.MULTILINE))


def passed_count(summary: str) -> int:
    match = re.search(r"(\d+) passed", summary)
    assert match, summary
    return int(match.group(1))


def minimum_test_count(document: dict) -> int:
    """3 tests per operation, minus one for each operation without a documented error."""
    operations = [op for _p, _m, op in iter_operations(document)]
    without_error = [
        op for op in operations if not any(str(s)[:1] in "45" for s in op["responses"])
    ]
    return 3 * len(operations) - len(without_error)


@pytest.mark.skipif(not PRISM.exists(), reason="run `npm ci` (make test does)")
def test_contract_suite_passes_against_prism(client_python, tmp_path, normalized_base):
    summary = passing_summary(run_contract_suite(client_python, tmp_path))
    assert passed_count(summary) >= minimum_test_count(normalized_base)


@pytest.mark.skipif(not PRISM.exists(), reason="run `npm ci` (make test does)")
def test_base_client_copes_with_a_tenants_responses(client_python, tmp_path, base_document):
    """Prism serves a tenant's description (the vendored snapshot with custom customer
    fields, nested and flat) to the client generated from the snapshot: every test passes."""
    from tests.test_tenants import FLAT, NESTED, tenant_document

    tenant = tmp_path / "tenant.normalized.yaml"
    tenant.write_text(
        to_yaml(
            normalize_against(
                tenant_document(base_document, {**FLAT, **NESTED}),
                official_of(normalize(base_document)),
            )
        )
    )
    passing_summary(run_contract_suite(client_python, tmp_path, tenant))


def failed_by_file(result: subprocess.CompletedProcess[str]) -> dict[str, set[str]]:
    """The failed tests of a suite run, by test file name (`test_products.py`)."""
    failed: dict[str, set[str]] = {}
    for path, name in re.findall(r"^FAILED \S*?([\w.]+)::(\w+)", result.stdout, re.MULTILINE):
        failed.setdefault(path, set()).add(name)
    return failed


@pytest.mark.skipif(not PRISM.exists(), reason="run `npm ci` (make test does)")
@pytest.mark.fixed_inputs
def test_contract_suite_catches_a_client_that_breaks_the_contract(
    client_python, tmp_path, normalized_frozen, monkeypatch
):
    """Two defects in one client, against Prism serving the true description (frozen 1.2.4,
    whatever release is vendored): list methods that forget `limit` (a template edit) fail
    every resource's list tests and nothing else; a field typed int where the description
    says string (`Product.name`) fails the products' reads, naming the field, with Prism's
    side of each failure shown."""
    templates = shutil.copytree(render_stage.TEMPLATES, tmp_path / "templates")
    resource = templates / "package" / "resources" / "resource.py.jinja"
    text = resource.read_text()
    assert text.count("*page_window(skip, limit)") == 2  # sync, async (raw wraps them)
    resource.write_text(text.replace("*page_window(skip, limit)", "*page_window(skip, NOT_GIVEN)"))
    monkeypatch.setattr(render_stage, "TEMPLATES", templates)
    wrong = copy.deepcopy(normalized_frozen)
    wrong["components"]["schemas"]["Product"]["properties"]["name"]["type"] = "integer"
    broken = tmp_path / "broken"
    render_stage.render(wrong, broken, package="finalpos")
    served = tmp_path / "frozen.json"
    served.write_text(json.dumps(normalized_frozen))
    result = run_contract_suite(client_python, tmp_path, spec=served, package=broken)
    failed = failed_by_file(result)
    products = failed.pop("test_products.py")
    assert {"test_retrieve_success", "test_list_success"} <= products
    assert "products.retrieve: response does not match Product: name:" in result.stdout
    assert len(failed) >= 3  # other resources' lists, with only their list tests failing
    listed = set().union(*failed.values())
    assert {"test_list_success", "test_list_rows_success"} <= listed
    assert all(name.startswith("test_list") for name in listed), failed
    assert "prism log (last 40 lines)" in result.stdout  # each failure shows Prism's side
    assert not list(tmp_path.glob("prism-*.log"))  # and the log goes with the server


# Tests of generated suites that fail on Prism 5.14's side, not the client's or the document's:
# each is named with what Prism cannot do. Anything else failing fails the test below.
PRISM_CANNOT_SERVE = {
    "opc-baseline-3.1.yaml": {
        # a query parameter whose only enum value is null, and one whose name has a space
        "test_get_user_list_success": "query enum [null]; query name with a space",
        "test_get_user_list_success_async": "query enum [null]; query name with a space",
        "test_get_user_list_423_raises_api_status_error": "query enum [null]",
        "test_post_success": "query parameters with defaults Prism validates as objects",
        "test_post_success_async": "query parameters with defaults Prism validates as objects",
        "test_upload_file_tests_upload_post_success": "multipart parts encoded as JSON",
        "test_upload_file_tests_upload_post_success_async": "multipart parts encoded as JSON",
        "test_test_422_raises_unprocessable_entity_error": "callbacks with relative URLs",
        # `openapi/python/client`, its only response type, is no media type (two slashes):
        # not asked for, so Prism answers 406 (asked for, Prism 5.14 crashes)
        **{
            f"test_override_{test}": "response media type openapi/python/client is invalid"
            for test in ("success", "success_async", "streams_its_download")
        },
    },
}
PRISM_CANNOT_SERVE["opc-baseline-3.1.yaml"].update(
    # OpenAPI 3.1 features Prism 5.14 does not read: `const` members, type arrays in refs
    {
        f"test_{name}{mode}": "OpenAPI 3.1 keywords Prism 5.14 does not implement"
        for name in (
            "refs_success",
            "get_models_allof_success",
            "post_types_unions_duplicate_types_success",
            "reference_response_success",
            "json_body_tests_json_body_post_success",
            "test_success",
        )
        for mode in ("", "_async")
    }
)
# The documents whose contract suites run on Prism: one per thing only a real server process
# can answer for. The others (names, nullable forms, references, types, the NestJS apps, the
# large public APIs) change what is generated, not what goes on the wire: their generation,
# import and replay of every documented response through the real methods prove them
# (`test_real_documents.py`), at a fraction of a Prism start each; the NestJS shape is
# Final POS's own, whose base and tenant suites run here.
PRISM_CORPUS = (
    "bodies.yaml",  # form, multipart and raw bodies as Prism validates them
    "media.yaml",  # media types, downloads, Accept
    "quirks.yaml",  # header defaults, integer codes, repaired documents
    "security.yaml",  # every way of sending credentials
)
# openapi-python-client's feature document: the constructs of many servers in one (3.1).
PRISM_REAL_WORLD = "opc-baseline-3.1.yaml"
CONTRACT_DOCUMENTS = [
    pytest.param(DEMO_TENANT_SPEC, id="demo-tenant"),
    *(pytest.param(FIXTURES / "corpus" / name, id=name) for name in PRISM_CORPUS),
    *(p for p in real_world_documents() if not p.values[0] or p.values[0].name == PRISM_REAL_WORLD),
]


@pytest.mark.skipif(not PRISM.exists(), reason="run `npm ci` (make test does)")
@pytest.mark.fixed_inputs
@pytest.mark.parametrize("path", CONTRACT_DOCUMENTS)
def test_contract_suite_of_any_document_passes_against_prism_serving_it(
    path, client_python, generation, tmp_path
):
    """The contract tests generated from a document nobody here wrote check only what the
    document guarantees, so Prism serving that document passes them."""
    _package, output, generated = generation(path)
    assert generated.returncode == 0, generated.stderr
    result = run_contract_suite(client_python, tmp_path, package=output)
    failed = failed_tests(result)
    assert failed <= set(PRISM_CANNOT_SERVE.get(path.name, {})), result.stdout[-6000:]
    assert passed_count(result.stdout.strip().splitlines()[-1]) > 0
