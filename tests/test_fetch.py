"""`fetch` against a real HTTP server on loopback: good document, 304, 500, timeout,
HTML, truncated body; and the parser's defences (alias bombs, non-OpenAPI input)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator import fetch as f
from generator import load as load_stage
from generator import validate as validate_stage
from generator.errors import FetchError, SpecError
from tests.conftest import FROZEN_SPEC, OLD_SPEC

# Reads only fixed documents (marker `fixed_inputs`): the release rehearsal leaves it out.
pytestmark = pytest.mark.fixed_inputs

GOOD = FROZEN_SPEC.read_bytes()
ALIAS_BOMB = b"""openapi: 3.0.0
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
"""


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def send(
        self, status: int, body: bytes, content_type: str = "application/yaml", **headers: str
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/good":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send(200, GOOD, ETag='"v1"')
        elif self.path == "/old":
            self.send(200, OLD_SPEC.read_bytes())
        elif self.path == "/flaky":
            if Handler.hits[self.path] < 3:
                self.send(503, b"try later", "text/plain")
            else:
                self.send(200, GOOD)
        elif self.path == "/error":
            self.send(500, b"boom", "text/plain")
        elif self.path == "/slow":
            time.sleep(1.5)
            self.send(200, GOOD)
        elif self.path == "/html":
            self.send(
                200, b"<!doctype html><html><body>Docs</body></html>", "text/html; charset=utf-8"
            )
        elif self.path == "/html-as-yaml":
            self.send(200, b"<html><body>Docs</body></html>")
        elif self.path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/yaml")
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[: len(GOOD) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif self.path == "/cut-yaml":
            self.send(200, GOOD[: len(GOOD) // 3])
        elif self.path == "/bomb":
            self.send(200, ALIAS_BOMB)
        else:
            self.send(404, b"no", "text/plain")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up on purpose (timeouts) are expected here."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def snapshot(tmp_path: Path) -> f.Snapshot:
    """A vendored snapshot that tests try to replace; it must survive every failure."""
    spec = tmp_path / "spec" / "openapi.yaml"
    spec.parent.mkdir()
    spec.write_bytes(OLD_SPEC.read_bytes())
    lock = tmp_path / "spec" / "openapi.lock.json"
    lock.write_text(json.dumps({"sha256": hashlib.sha256(OLD_SPEC.read_bytes()).hexdigest()}))
    return f.Snapshot(spec, lock)


def unchanged(snapshot: f.Snapshot) -> bool:
    return (
        snapshot.spec_path.read_bytes() == OLD_SPEC.read_bytes()
        and len(list(snapshot.spec_path.parent.iterdir())) == 2
    )


FAST = {"timeout": 0.5, "retries": 2, "backoff": 0.0}


def test_good_document_replaces_snapshot_and_writes_lock(server, snapshot):
    assert f.fetch(url=f"{server}/good", file=None, snapshot=snapshot, **FAST) is True
    assert snapshot.spec_path.read_bytes() == GOOD
    lock = json.loads(snapshot.lock_path.read_text())
    assert lock["sha256"] == hashlib.sha256(GOOD).hexdigest()
    assert lock["source"] == f"{server}/good"
    assert lock["api_version"] == "1.2.4"
    assert lock["etag"] == '"v1"'
    assert lock["retrieved_at"].endswith("Z")


def test_known_etag_gives_304_and_keeps_snapshot(server, snapshot):
    f.fetch(url=f"{server}/good", file=None, snapshot=snapshot, **FAST)
    lock_before = snapshot.lock_path.read_text()
    Handler.hits.pop("/good", None)
    assert f.fetch(url=f"{server}/good", file=None, snapshot=snapshot, **FAST) is False
    assert Handler.hits["/good"] == 1
    assert snapshot.lock_path.read_text() == lock_before


def test_5xx_is_retried_with_backoff(server, snapshot):
    delays: list[float] = []
    Handler.hits.pop("/flaky", None)
    assert f.fetch(
        url=f"{server}/flaky",
        file=None,
        snapshot=snapshot,
        timeout=1,
        retries=3,
        backoff=0.25,
        sleep=delays.append,
    )
    assert Handler.hits["/flaky"] == 3
    assert delays == [0.25, 0.5]


def test_persistent_500_is_a_fetch_error_and_keeps_snapshot(server, snapshot):
    Handler.hits.pop("/error", None)
    with pytest.raises(FetchError, match="HTTP 500") as error:
        f.fetch(url=f"{server}/error", file=None, snapshot=snapshot, **FAST)
    assert error.value.exit_code == 3
    assert Handler.hits["/error"] == 3
    assert unchanged(snapshot)


def test_timeout_is_a_fetch_error(server, snapshot):
    with pytest.raises(FetchError, match="Timeout"):
        f.fetch(
            url=f"{server}/slow", file=None, snapshot=snapshot, timeout=0.2, retries=0, backoff=0
        )
    assert unchanged(snapshot)


@pytest.mark.parametrize("path", ["/html", "/html-as-yaml"])
def test_html_is_rejected_as_invalid(server, snapshot, path):
    with pytest.raises(SpecError) as error:
        f.fetch(url=f"{server}{path}", file=None, snapshot=snapshot, **FAST)
    assert error.value.exit_code == 2
    assert "html" in str(error.value).lower()
    assert unchanged(snapshot)


def test_truncated_body_is_never_vendored(server, snapshot):
    with pytest.raises(FetchError, match="attempts"):
        f.fetch(url=f"{server}/truncated", file=None, snapshot=snapshot, **FAST)
    assert unchanged(snapshot)


def test_document_cut_short_fails_validation(server, snapshot):
    with pytest.raises(SpecError):
        f.fetch(url=f"{server}/cut-yaml", file=None, snapshot=snapshot, **FAST)
    assert unchanged(snapshot)


def test_alias_bomb_is_refused_before_expansion(server, snapshot):
    started = time.perf_counter()
    with pytest.raises(SpecError, match="alias"):
        f.fetch(url=f"{server}/bomb", file=None, snapshot=snapshot, **FAST)
    assert time.perf_counter() - started < 5
    assert unchanged(snapshot)


def test_unchanged_document_is_not_rewritten(server, snapshot):
    snapshot.spec_path.write_bytes(GOOD)
    snapshot.lock_path.write_text(
        json.dumps({"sha256": hashlib.sha256(GOOD).hexdigest(), "source": "x"})
    )
    lock_before = snapshot.lock_path.read_text()
    assert f.fetch(url=f"{server}/good", file=None, snapshot=snapshot, **FAST) is False
    assert snapshot.lock_path.read_text() == lock_before


def test_cli_exit_codes_against_the_server(server, tmp_path, cli):
    project = tmp_path / "project"
    (project / "spec").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[tool.finalpos-codegen]\nspec-path = "spec/api.yaml"\nlock-path = "spec/api.lock.json"\n'
    )
    assert cli("fetch", "--url", f"{server}/html", cwd=project)[0] == 2
    code, _out, err = cli("fetch", "--url", f"{server}/error", "--timeout", "1", cwd=project)
    assert code == 3 and "HTTP 500" in err and "Traceback" not in err
    assert not (project / "spec" / "api.yaml").exists()
    code, out, _err = cli("fetch", "--url", f"{server}/good", cwd=project)
    assert code == 0 and "updated" in out
    assert (project / "spec" / "api.yaml").read_bytes() == GOOD
    assert cli("fetch", "--url", f"{server}/good", cwd=project)[1].strip().endswith("unchanged")


def test_parse_document_rejects_non_documents():
    for data, message in [
        (b"", "empty"),
        (b"- a\n- b\n", "got list"),
        (b"\xff\xfe", "UTF-8"),
        (b"a: [", "not valid YAML"),
        (b"x: &x [*x]", "refers to itself"),
    ]:
        with pytest.raises(SpecError, match=message):
            load_stage.parse_document(data, "mem")


def test_parse_document_keeps_dates_as_strings():
    assert (
        load_stage.parse_document(b"openapi: 3.0.0\nwhen: 2025-01-01\n", "mem")["when"]
        == "2025-01-01"
    )


def test_yaml_read_again_is_not_parsed_again_and_each_reader_gets_its_own(monkeypatch):
    data = b"openapi: 3.0.0\npaths: {/a: {get: {responses: {'200': {description: ok}}}}}\n"
    parses = []
    parse = load_stage._parse_yaml
    monkeypatch.setattr(load_stage, "_parse_yaml", lambda *a: parses.append(a) or parse(*a))
    first = load_stage.parse_document(data, "mem")
    first["paths"]["/a"]["get"]["responses"]["200"]["description"] = "changed by its reader"
    assert load_stage.parse_document(data, "other")["paths"] == {
        "/a": {"get": {"responses": {"200": {"description": "ok"}}}}
    }
    assert len(parses) == 1
    with pytest.raises(SpecError, match="not valid YAML"):  # a failure is never kept
        load_stage.parse_document(data + b"x: [", "mem")


def test_check_openapi_names_swagger_and_pointer():
    with pytest.raises(SpecError, match="Swagger 2.0"):
        validate_stage.check_openapi({"swagger": "2.0"}, "mem")
    bad = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"description": 3}}}}},
    }
    (problem,) = validate_stage.check_openapi(bad, "mem")  # lenient: a warning naming the place
    assert problem.pointer.startswith("#/paths/~1a/get/responses/200")
    assert len(problem.message) <= validate_stage.MAX_PROBLEM_TEXT
    with pytest.raises(SpecError, match=r"\(--strict\)") as error:
        validate_stage.check_openapi(bad, "mem", strict=True)
    assert error.value.pointer == problem.pointer
