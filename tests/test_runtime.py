"""The generated client's runtime against a real HTTP server on loopback that fails on
purpose: retries, Retry-After, resets, timeouts, pagination, typed errors, raw
responses, per-call options, secrets. Delays are checked with an injected clock."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import importlib
import json
import logging
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pydantic
import pytest
import trustme

SECRET = "sk-live-SECRET-123"
CUSTOMER = {
    "id": "c1",
    "email": "a@b.co",
    "firstName": "Ann",
    "createdAt": "2025-12-07T19:31:48.436+00:00",
}


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    raw: bytes


@dataclass
class Script:
    """What the server does, per (method, path): a queue of actions, then `default`."""

    actions: dict[tuple[str, str], list[Callable[[BaseHTTPRequestHandler], None]]] = field(
        default_factory=dict
    )
    default: Callable[[BaseHTTPRequestHandler], None] | None = None
    seen: list[Seen] = field(default_factory=list)

    def attempts(self, method: str, path: str) -> int:
        return sum(1 for s in self.seen if (s.method, s.path) == (method, path))


def reply(
    status: int, body: Any = None, **headers: str
) -> Callable[[BaseHTTPRequestHandler], None]:
    def act(handler: BaseHTTPRequestHandler) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(data)

    return act


def reset(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset and no response."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


def slow(seconds: float) -> Callable[[BaseHTTPRequestHandler], None]:
    def act(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        reply(200, CUSTOMER)(handler)

    return act


class Handler(BaseHTTPRequestHandler):
    script: Script
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs add 40 ms per request

    def log_message(self, *args: object) -> None:
        pass

    def handle_any(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.script.seen.append(
            Seen(
                self.command,
                url.path,
                parse_qs(url.query),
                dict(self.headers.items()),
                json.loads(raw) if raw else None,
                raw,
            )
        )
        queue = self.script.actions.get((self.command, url.path))
        action = queue.pop(0) if queue else self.script.default
        (action or reply(200, CUSTOMER))(self)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any  # noqa: N815


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Resets and timeouts are the point of these tests."""


@contextlib.contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, Script]]:
    """A scripted server on a free loopback port (HTTPS when given a server context)."""
    script = Script()
    handler = type("ScriptedHandler", (Handler,), {"script": script})
    httpd = QuietServer(("127.0.0.1", 0), handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    yield f"{'https' if tls else 'http'}://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    with serving() as served:
        yield served


@pytest.fixture
def fp(generated_package):
    return generated_package


@pytest.fixture
def make_client(fp, server):
    """A sync client on the scripted server whose sleeps are recorded, not slept."""
    base_url, _script = server
    made = []

    def make(**options: Any):
        client = fp.Client(api_key=SECRET, base_url=base_url, **options)
        client.delays = []
        client._sleep = client.delays.append
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


CUSTOMER_PATH = "/v1/api/customer/c1"


# --- retries -----------------------------------------------------------------------------


def test_read_is_retried_after_failures_then_succeeds(make_client, server):
    _url, script = server
    script.actions[("GET", CUSTOMER_PATH)] = [
        reply(500, {"message": "x"}),
        reply(503),
        reply(200, CUSTOMER),
    ]
    client = make_client()
    customer = client.customers.retrieve("c1")
    assert customer.first_name == "Ann"
    assert script.attempts("GET", CUSTOMER_PATH) == 3
    assert len(client.delays) == 2
    assert (
        0.375 <= client.delays[0] <= 0.5 and 0.75 <= client.delays[1] <= 1.0
    )  # backoff, jitter <= 25%


def test_retries_stop_at_max_retries_and_raise_the_typed_error(fp, make_client, server):
    _url, script = server
    script.default = reply(
        502, {"statusCode": 502, "message": "bad gateway", "error": "Bad Gateway"}
    )
    client = make_client(max_retries=3)
    with pytest.raises(fp.InternalServerError) as error:
        client.customers.retrieve("c1")
    assert script.attempts("GET", CUSTOMER_PATH) == 4
    assert error.value.status_code == 502 and error.value.error_message == "bad gateway"
    script.seen.clear()
    with pytest.raises(fp.InternalServerError):
        client.customers.retrieve("c1", max_retries=0)  # per call
    assert script.attempts("GET", CUSTOMER_PATH) == 1


@pytest.mark.parametrize("status", [408, 409, 429, 500, 504])
def test_retryable_statuses(make_client, server, status):
    _url, script = server
    script.actions[("GET", CUSTOMER_PATH)] = [reply(status)]
    make_client().customers.retrieve("c1")
    assert script.attempts("GET", CUSTOMER_PATH) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(fp, make_client, server, status):
    _url, script = server
    script.default = reply(
        status, {"statusCode": status, "message": ["a must be set", "b is bad"], "error": "E"}
    )
    with pytest.raises(fp.APIStatusError) as error:
        make_client().customers.retrieve("c1")
    assert script.attempts("GET", CUSTOMER_PATH) == 1
    expected = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError"}
    expected |= {404: "NotFoundError", 422: "UnprocessableEntityError"}
    assert type(error.value).__name__ == expected[status]
    assert error.value.error_message == ["a must be set", "b is bad"]  # NestJS validation list
    assert error.value.body["error"] == "E"


def test_retry_after_seconds_date_and_ms_are_honoured_with_a_cap(make_client, server):
    _url, script = server
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    script.actions[("GET", CUSTOMER_PATH)] = [
        reply(429, Retry_After="3"),
        reply(429, Retry_After_Ms="250"),
        reply(503, Retry_After=future),
        reply(429, Retry_After="3600"),
        reply(200, CUSTOMER),
    ]
    client = make_client(max_retries=4)
    client.customers.retrieve("c1")
    assert client.delays[0] == 3.0
    assert client.delays[1] == 0.25
    assert 27 <= client.delays[2] <= 30
    assert client.delays[3] == 60.0  # capped


def test_post_is_not_retried_after_it_may_have_reached_the_server(fp, make_client, server):
    _url, script = server
    script.actions[("POST", "/v1/api/customer")] = [reply(500), reply(200, CUSTOMER)]
    with pytest.raises(fp.InternalServerError):
        make_client().customers.create(email="a@b.co", first_name="A", last_name="L")
    assert script.attempts("POST", "/v1/api/customer") == 1
    script.actions[("POST", "/v1/api/customer")] = [reset]
    with pytest.raises(fp.APIConnectionError):
        make_client().customers.create(email="a@b.co", first_name="A", last_name="L")
    assert script.attempts("POST", "/v1/api/customer") == 2  # one more attempt, not retried


def test_post_is_retried_on_429_and_503_with_retry_after(make_client, server):
    _url, script = server
    script.actions[("POST", "/v1/api/customer")] = [
        reply(429, Retry_After="1"),
        reply(503, Retry_After="2"),
    ]
    client = make_client()
    client.customers.create(email="a@b.co", first_name="A", last_name="L")
    assert script.attempts("POST", "/v1/api/customer") == 3
    assert client.delays == [1.0, 2.0]


def test_post_is_retried_on_connect_error(fp):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = fp.Client(api_key=SECRET, base_url=f"http://127.0.0.1:{closed_port}", max_retries=2)
    client.delays = []
    client._sleep = client.delays.append
    with pytest.raises(fp.APIConnectionError) as error:
        client.customers.create(email="a@b.co", first_name="A", last_name="L")
    assert not isinstance(error.value, fp.APITimeoutError)
    assert len(client.delays) == 2  # two retries: the request never reached a server


def test_reset_connection_on_a_read_is_retried(make_client, server):
    _url, script = server
    script.actions[("GET", CUSTOMER_PATH)] = [reset, reply(200, CUSTOMER)]
    assert make_client().customers.retrieve("c1").id == "c1"
    assert script.attempts("GET", CUSTOMER_PATH) == 2


# --- timeouts ----------------------------------------------------------------------------


def test_slow_answer_times_out_per_client_and_per_call(fp, make_client, server):
    _url, script = server
    script.default = slow(1.0)
    client = make_client(timeout=0.2, max_retries=1)
    with pytest.raises(fp.APITimeoutError):
        client.customers.retrieve("c1")
    assert script.attempts("GET", CUSTOMER_PATH) == 2
    patient = make_client(timeout=0.2, max_retries=0)
    assert patient.customers.retrieve("c1", timeout=5).id == "c1"
    with pytest.raises(fp.APITimeoutError):
        make_client(max_retries=0).customers.retrieve("c1", timeout=0.2)


def test_default_timeout(fp):
    client = fp.Client(api_key="k")
    assert client.timeout.read == 60.0 and client.timeout.connect == 5.0


# --- pagination --------------------------------------------------------------------------


def customers_page(
    count: int, *, ignore_skip: bool = False
) -> Callable[[BaseHTTPRequestHandler], None]:
    def act(handler: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        skip = 0 if ignore_skip else int(query["skip"][0])
        limit = int(query["limit"][0])
        items = [dict(CUSTOMER, id=f"c{i}") for i in range(count)][skip : skip + limit]
        reply(200, items)(handler)

    return act


@pytest.mark.parametrize(
    ("count", "windows"),
    [
        (5, [(0, 2), (2, 2), (4, 2), (5, 1)]),  # a short last page: one request more
        (4, [(0, 2), (2, 2), (4, 2)]),
        (0, [(0, 2)]),
    ],
)
def test_iterating_a_page_walks_every_page(make_client, server, count, windows):
    _url, script = server
    script.default = customers_page(count)
    ids = [c.id for c in make_client().customers.list(limit=2)]
    assert ids == [f"c{i}" for i in range(count)]
    gets = [s for s in script.seen if s.path == "/v1/api/customers"]
    assert [(s.query["skip"], s.query["limit"]) for s in gets] == [
        ([str(skip)], [str(limit)]) for skip, limit in windows
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_server_that_caps_its_page_size_loses_no_row(make_client, server, mode, fp):
    """120 customers, at most 50 a page whatever `limit` asks: every row comes, `skip` stays
    a multiple of `limit`, and the requests are counted."""
    _url, script = server
    rows = [dict(CUSTOMER, id=f"c{i}") for i in range(120)]

    def capped(handler: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        skip, limit = int(query["skip"][0]), int(query["limit"][0])
        assert skip % limit == 0, (skip, limit)
        reply(200, rows[skip : skip + min(limit, 50)])(handler)

    script.default = capped
    if mode == "sync":
        ids = [c.id for c in make_client().customers.list(limit=100)]
    else:
        base_url = make_client().base_url

        async def read() -> list[str]:
            async with fp.AsyncClient(api_key=SECRET, base_url=str(base_url)) as client:
                return [c.id async for c in client.customers.list(limit=100)]

        ids = asyncio.run(read())
    assert ids == [row["id"] for row in rows]
    gets = [s for s in script.seen if s.path == "/v1/api/customers"]
    assert [(int(s.query["skip"][0]), int(s.query["limit"][0])) for s in gets] == [
        (0, 100),
        (50, 50),
        (100, 50),
        (120, 20),
    ]


def test_iter_pages_and_default_page_size(make_client, server):
    _url, script = server
    script.default = customers_page(3)
    client = make_client()
    pages = list(client.customers.list(limit=2).iter_pages())
    assert [len(p.items) for p in pages] == [2, 1, 0]
    assert [p.skip for p in pages] == [0, 2, 3]
    client.customers.list()
    assert script.seen[-1].query["limit"] == ["100"]


def test_raw_list_response_keeps_headers_and_pagination(fp, server):
    base_url, script = server

    def page_with_header(handler: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        skip, limit = int(query["skip"][0]), int(query["limit"][0])
        items = [dict(CUSTOMER, id=f"c{i}") for i in range(3)][skip : skip + limit]
        reply(200, items, x_total_count="3")(handler)

    script.default = page_with_header
    raw = fp.Client(api_key=SECRET, base_url=base_url).customers.with_raw_response.list(limit=2)
    assert raw.status_code == 200 and raw.headers["x-total-count"] == "3"
    page = raw.parse()
    assert isinstance(page, fp.SyncPage)
    assert [c.id for c in page] == ["c0", "c1", "c2"]  # every page, not the first only


def test_server_ignoring_skip_stops_with_an_error(fp, make_client, server):
    _url, script = server
    script.default = customers_page(10, ignore_skip=True)
    with pytest.raises(fp.PaginationError, match="ignore"):
        list(make_client().customers.list(limit=2))
    assert script.attempts("GET", "/v1/api/customers") == 2


def test_skip_must_be_a_multiple_of_limit(make_client):
    with pytest.raises(ValueError, match="multiple of limit"):
        make_client().customers.list(skip=3, limit=2)


# The async client on both transports: httpx's own, and aiohttp's (`DefaultAioHttpClient`).
TRANSPORTS = ["httpx", "aiohttp"]


@contextlib.asynccontextmanager
async def async_client(fp, transport: str, base_url: str, **options: Any):
    """An AsyncClient on `transport`, closed (with its aiohttp session) on exit."""
    http = fp.DefaultAioHttpClient() if transport == "aiohttp" else None
    client = fp.AsyncClient(api_key=SECRET, base_url=base_url, http_client=http, **options)
    try:
        yield client
    finally:
        await client.close()
        if http is not None:
            await http.aclose()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_async_iteration_and_await(fp, server, transport):
    base_url, script = server
    script.default = customers_page(5)

    async def scenario() -> tuple[list[str], int]:
        async with async_client(fp, transport, base_url) as client:
            ids = [c.id async for c in client.customers.list(limit=2)]
            first = await client.customers.list(limit=2)
            pages = [page async for page in first.iter_pages()]
            return ids, len(pages)

    ids, pages = asyncio.run(scenario())
    assert ids == [f"c{i}" for i in range(5)]
    assert pages == 4  # the last one empty: 5 rows at 2 a page


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_async_retries_use_the_same_rules(fp, server, transport):
    base_url, script = server
    script.actions[("GET", CUSTOMER_PATH)] = [reply(503), reply(200, CUSTOMER)]
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    async def scenario() -> str:
        async with async_client(fp, transport, base_url) as client:
            client._sleep = record
            return (await client.customers.retrieve("c1")).id

    assert asyncio.run(scenario()) == "c1"
    assert len(delays) == 1 and script.attempts("GET", CUSTOMER_PATH) == 2


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_async_errors_timeouts_and_logs_behave_the_same(fp, server, transport, caplog):
    """Typed errors with their request id, timeouts (retried, then APITimeoutError), and a
    debug log that never shows the key, on either transport."""
    base_url, script = server
    script.actions[("GET", "/v1/api/customer/gone")] = [
        reply(404, {"statusCode": 404, "message": "Not Found"}, X_Request_Id="r-9")
    ]
    script.actions[("GET", "/v1/api/customer/slow")] = [slow(1.0), slow(1.0)]
    logging.getLogger("finalpos").setLevel(logging.DEBUG)

    async def scenario() -> tuple[Any, Any]:
        async with async_client(fp, transport, base_url, timeout=0.2, max_retries=1) as client:
            client._sleep = asyncio.sleep  # real, short backoff
            with pytest.raises(fp.NotFoundError) as missing:
                await client.customers.retrieve("gone")
            with pytest.raises(fp.APITimeoutError) as late:
                await client.customers.retrieve("slow")
            return missing.value, late.value

    with caplog.at_level(logging.DEBUG, logger="finalpos"):
        missing, late = asyncio.run(scenario())
    assert (missing.status_code, missing.request_id) == (404, "r-9")
    assert script.attempts("GET", "/v1/api/customer/slow") == 2
    assert "/v1/api/customer/gone -> 404" in caplog.text and SECRET not in caplog.text
    assert SECRET not in repr(missing) + repr(late)


def test_the_aiohttp_client_says_what_to_install_without_the_extra(client_python, tmp_path):
    """The installed client (no extras) imports, and only creating the aiohttp client fails,
    naming the extra."""
    script = (
        "import finalpos\n"
        "try:\n    finalpos.DefaultAioHttpClient()\n"
        "except RuntimeError as error:\n    print(error)\n"
    )
    ran = subprocess.run(
        [str(client_python), "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    assert 'pip install "finalpos-client[aiohttp]"' in ran.stdout


# --- responses, options, validation ------------------------------------------------------


def test_raw_response_gives_status_headers_and_parse(fp, make_client, server):
    _url, script = server
    script.default = reply(200, CUSTOMER, X_Request_Id="r-1")
    raw = make_client().customers.with_raw_response.retrieve("c1")
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "r-1"
    assert raw.parse().email == "a@b.co"
    sent = {name.lower() for name in script.seen[-1].headers}
    assert "x-api-key" in sent and not any("raw-response" in name for name in sent)


def test_raw_variants_of_sync_and_async_clients_wrap_the_same_call(fp, server):
    """`with_raw_response.<method>` takes the method's own arguments and extras."""
    base_url, script = server
    script.default = reply(200, CUSTOMER)
    raw = fp.Client(api_key=SECRET, base_url=base_url).customers.with_raw_response.retrieve(
        "c1", extra_headers={"X-Trace": "t1"}
    )

    async def async_raw() -> object:
        async with fp.AsyncClient(api_key=SECRET, base_url=base_url) as client:
            response = await client.customers.with_raw_response.retrieve("c2")
            assert isinstance(response, fp.AsyncAPIResponse)
            return await response.parse()  # as openai-python's: awaited

    assert raw.parse().email == asyncio.run(async_raw()).email == "a@b.co"
    assert [seen.path for seen in script.seen] == ["/v1/api/customer/c1", "/v1/api/customer/c2"]
    assert script.seen[0].headers.get("X-Trace") == "t1"


def test_per_call_options_reach_the_wire(make_client, server):
    _url, script = server
    make_client().customers.update(
        "c 1/..",
        first_name="Anne",
        extra_headers={"X-Trace": "t1"},
        extra_query={"dryRun": "true"},
        extra_body={"loyalty": {"tier": "gold"}},
    )
    seen = script.seen[-1]
    assert (seen.method, seen.path) == ("PUT", "/v1/api/customer/c%201%2F..")
    assert seen.headers["X-Trace"] == "t1"
    assert seen.query == {"dryRun": ["true"]}
    assert seen.body == {"firstName": "Anne", "loyalty": {"tier": "gold"}}
    assert seen.headers["x-api-key"] == SECRET


def test_update_with_a_model_sends_what_the_update_accepts(fp, make_client, server):
    """The fields the update DTO declares and the tenant's custom fields, with the values the
    server sent (a datetime the same instant and offset, in pydantic's spelling); never
    server-owned ones the DTO does not declare."""
    _url, script = server
    wire = dict(
        CUSTOMER,
        lastAction="2025-12-07T19:31:48.436+00:00",
        updatedAt="2025-12-07T19:35:48.436+00:00",
        loyalty={"tier": "gold", "points": 10},
    )
    script.default = reply(200, wire)
    client = make_client()
    customer = client.customers.retrieve("c1")
    client.customers.update("c1", body=customer)
    sent = json.loads(script.seen[-1].raw)
    declared = {i.alias or n for n, i in fp.models.UpdateCustomerDto.model_fields.items()}
    read = datetime.datetime.fromisoformat
    assert read(sent.pop("lastAction")) == read(wire["lastAction"])
    assert read(wire["lastAction"]).utcoffset() == datetime.timedelta(0)
    kept = {k: v for k, v in wire.items() if k in declared or k == "loyalty"}
    assert sent == {k: v for k, v in kept.items() if k != "lastAction"}
    assert sent["loyalty"] == wire["loyalty"]
    assert not {"id", "createdAt", "updatedAt"} & set(sent)


def test_a_datetime_set_in_python_is_sent_in_rfc_3339(fp, make_client, server):
    _url, script = server
    script.default = reply(200, dict(CUSTOMER, lastAction="2025-12-07T19:31:48.436+00:00"))
    client = make_client()
    customer = client.customers.retrieve("c1")
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    customer.last_action = when
    moved = customer.model_copy(update={"last_action": when})
    client.customers.update("c1", body=customer)
    assert json.loads(script.seen[-1].raw)["lastAction"] == "2026-01-02T03:04:05Z"
    assert json.loads(moved.model_dump_json(by_alias=True))["lastAction"] == "2026-01-02T03:04:05Z"
    client.customers.update("c1", last_action=when)
    assert json.loads(script.seen[-1].raw) == {"lastAction": "2026-01-02T03:04:05Z"}


BROKEN = dict(CUSTOMER, createdAt="not a date", billing={"city": "Oslo", "zip": 7}, extra=1)


def test_response_that_breaks_the_model_names_operation_and_field(fp, make_client, server):
    """Strict by default: the error names the operation and field; `.body` is the body the
    server sent (as on a status error), `.errors` pydantic's details."""
    _url, script = server
    script.default = reply(200, BROKEN, **{"x-request-id": "req-7"})
    with pytest.raises(fp.APIResponseValidationError) as error:
        make_client().customers.retrieve("c1")
    assert "customers.retrieve" in str(error.value) and "createdAt" in str(error.value)
    assert error.value.body == BROKEN and error.value.request_id == "req-7"
    assert [e["loc"] for e in error.value.errors] == [("createdAt",)]


def test_warn_policy_keeps_what_does_not_match_and_logs_it(fp, make_client, server, caplog):
    """`response_validation="warn"` on the client or on one call: the data comes back,
    what matches typed and what does not kept as the server sent it, with a warning."""
    _url, script = server
    script.default = reply(200, BROKEN)
    with caplog.at_level(logging.WARNING, logger=fp.__name__):
        customer = make_client(response_validation="warn").customers.retrieve("c1")
    assert customer.created_at == "not a date" and customer.first_name == "Ann"
    assert customer.model_extra == {"extra": 1}
    assert type(customer.billing).__name__ == "CustomerBilling" and customer.billing.city == "Oslo"
    assert [
        "customers.retrieve" in r.getMessage() and "createdAt" in r.getMessage()
        for r in caplog.records
    ] == [True]
    strict = make_client()
    with pytest.raises(fp.APIResponseValidationError):
        strict.customers.retrieve("c1")
    script.actions[("GET", "/v1/api/customers")] = [reply(200, [BROKEN, CUSTOMER])]
    page = strict.customers.list(response_validation="warn", limit=5)
    assert [c.created_at for c in page.items][0] == "not a date"
    assert isinstance(page.items[1].created_at, datetime.datetime)
    assert strict.customers.retrieve("c1", response_validation="warn").email == "a@b.co"


def test_a_request_body_that_breaks_its_model_is_the_packages_error(fp, make_client, server):
    """Nothing is sent; the error is a `FinalPOSError` (and a `ValueError`, as pydantic's is)."""
    _url, script = server
    with pytest.raises(fp.RequestValidationError) as error:
        make_client().customers.create(email="a@b.co", first_name="Ann", last_name=["not", "text"])
    assert isinstance(error.value, fp.FinalPOSError) and isinstance(error.value, ValueError)
    assert "CreateCustomerDto" in str(error.value) and "lastName" in str(error.value)
    assert script.seen == []


def test_every_response_tells_its_request_id(fp, make_client, server):
    _url, script = server
    script.default = reply(200, CUSTOMER, **{"x-request-id": "req-42"})
    raw = make_client().customers.with_raw_response.retrieve("c1")
    assert raw.request_id == "req-42" and raw.parse().id == "c1"
    customer = make_client().customers.retrieve("c1")
    assert customer._request_id == "req-42"  # a parsed model too, as openai-python's
    assert customer.model_dump() == raw.parse().model_dump()  # and it is no field
    script.default = reply(200, [CUSTOMER], **{"x-request-id": "req-43"})
    page = make_client().customers.list(limit=5)
    assert page.request_id == "req-43"  # a page, and each of its items
    assert [item._request_id for item in page] == ["req-43"]


def test_own_http_client_is_used_and_not_closed(fp, server):
    base_url, _script = server
    seen: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda request: seen.append(request.url.path)]})
    with fp.Client(api_key=SECRET, base_url=base_url, http_client=http) as client:
        client.customers.retrieve("c1")
    assert seen == [CUSTOMER_PATH]
    assert not http.is_closed
    http.close()


def test_clients_share_one_tls_context_that_verifies_and_reads_ssl_cert_file(fp, monkeypatch):
    """Building a TLS context parses the CA bundle (about 25 ms), so the clients the package
    makes share one, built when the first is made. It still verifies: a server signed by an
    unknown CA is refused, and with that CA in SSL_CERT_FILE (as httpx reads it) it is served."""
    shared = importlib.import_module(f"{fp.__name__}._base_client")._default_ssl_context
    authority = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(tls)
    with serving(tls) as (base_url, _script), authority.cert_pem.tempfile() as trusted:
        shared.cache_clear()
        untrusting = fp.Client(api_key=SECRET, base_url=base_url, max_retries=0)
        with untrusting, pytest.raises(fp.APIConnectionError):
            untrusting.customers.retrieve("c1")
        shared.cache_clear()
        monkeypatch.setenv("SSL_CERT_FILE", trusted)
        clients = [fp.Client(api_key=SECRET, base_url=base_url) for _ in range(3)]
        assert [c.customers.retrieve("c1").id for c in clients] == ["c1"] * 3
        assert asyncio.run(async_retrieve(fp, base_url)) == "c1"
        assert shared.cache_info().misses == 1  # one context for all four clients
        for client in clients:
            client.close()
    shared.cache_clear()  # later clients read their own environment


async def async_retrieve(fp: Any, base_url: str) -> str:
    async with fp.AsyncClient(api_key=SECRET, base_url=base_url) as client:
        return str((await client.customers.retrieve("c1")).id)


# --- secrets -----------------------------------------------------------------------------


def test_api_key_never_in_repr_logs_or_errors(fp, make_client, server, caplog):
    _url, script = server
    script.default = reply(
        401, {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}
    )
    logger = logging.getLogger("finalpos")
    logger.setLevel(logging.DEBUG)
    client = make_client()
    with (
        caplog.at_level(logging.DEBUG, logger="finalpos"),
        pytest.raises(fp.AuthenticationError) as error,
    ):
        client.customers.retrieve("c1")
    texts = [repr(client), str(error.value), repr(error.value), caplog.text, str(error.value.body)]
    assert caplog.text  # something was logged
    assert all(SECRET not in text for text in texts)


def test_missing_key_and_env_key(fp, monkeypatch):
    monkeypatch.delenv("FINALPOS_API_KEY", raising=False)
    with pytest.raises(fp.FinalPOSError, match="FINALPOS_API_KEY"):
        fp.Client()
    monkeypatch.setenv("FINALPOS_API_KEY", "from-env")
    assert fp.Client()._credentials == {"api_key": "from-env"}


def test_finalpos_log_env_switches_logging_on(fresh_generation, server):
    base_url, _script = server
    client = f"finalpos.Client(api_key='{SECRET}', base_url='{base_url}')"
    script = f"import finalpos\n{client}.customers.retrieve('c1')\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(fresh_generation), "FINALPOS_LOG": "debug", "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "GET" in result.stderr and CUSTOMER_PATH in result.stderr
    assert re.search(r"-> 200 in \d+ ms \(attempt 1\)", result.stderr), result.stderr
    assert SECRET not in result.stderr


def test_custom_fields_model_is_built_from_the_tenant_tables(make_client, server):
    _url, script = server
    tables = [{"_id": {"$oid": "t1"}, "name": "loyalty"}, {"id": "t2", "name": "preferences"}]
    fields = {
        "t1": [
            {
                "name": "tier",
                "type": "string",
                "options": ["bronze", "gold"],
                "tableId": {"$oid": "t1"},
            },
            {"name": "points", "type": "integer", "tableId": {"$oid": "t1"}},
        ],
        "t2": [{"name": "newsletter", "type": "boolean", "tableId": "t2"}],
    }

    def structure(handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        if url.path == "/v1/api/custom-tables":
            reply(200, tables)(handler)
        else:
            reply(200, fields[parse_qs(url.query)["tableId"][0]])(handler)

    script.default = structure
    model = make_client().customers.custom_fields_model()
    valid = model.model_validate(
        {"loyalty": {"tier": "gold", "points": 3}, "preferences": {"newsletter": True}}
    )
    assert valid.loyalty.points == 3 and valid.preferences.newsletter is True
    with pytest.raises(pydantic.ValidationError) as error:
        model.model_validate({"loyalty": {"tier": ["not", "text"], "points": "many"}})
    assert {e["loc"] for e in error.value.errors()} == {("loyalty", "tier"), ("loyalty", "points")}
    newer = model.model_validate({"loyalty": {"tier": "diamond"}})  # an option added since
    assert newer.loyalty.tier == "diamond" and '"tier":"diamond"' in newer.model_dump_json()
    queried = [
        s.query.get("tableId") for s in script.seen if s.path == "/v1/api/custom-table-fields"
    ]
    # this server sends every row at once: after each short page, one request finds no
    # more (the rows again: the end; see the pagination docstring)
    assert queried == [["t1"], ["t1"], ["t2"], ["t2"]]


def test_credentials_in_the_base_url_and_query_never_in_repr_or_logs(fp, server, caplog):
    base_url, _script = server
    with_user = base_url.replace("http://", "http://user:pa55w0rd@")
    client = fp.Client(api_key=SECRET, base_url=with_user)
    logging.getLogger("finalpos").setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="finalpos"):
        client.customers.retrieve("c1", extra_query={"note": "x"})
    assert "pa55w0rd" not in repr(client) and "pa55w0rd" not in caplog.text
    assert "/v1/api/customer/c1" in caplog.text


def test_status_errors_carry_the_request_id(fp, make_client, server):
    _url, script = server
    script.default = reply(404, {"statusCode": 404, "message": "gone"}, x_request_id="req-42")
    with pytest.raises(fp.NotFoundError) as error:
        make_client().customers.retrieve("c1")
    assert error.value.request_id == "req-42" and error.value.error_message == "gone"


def test_parsing_leaves_the_garbage_collector_alone(fp, make_client, server, monkeypatch):
    """A library does not switch process-wide state: gc stays as the user set it."""
    import gc

    _url, script = server
    script.default = reply(200, {"id": "c1", "email": "a@b.co", "lastName": "L"})
    switched: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: switched.append("disable"))
    monkeypatch.setattr(gc, "enable", lambda: switched.append("enable"))
    make_client().customers.retrieve("c1")
    assert switched == []


def test_log_level_is_read_when_a_client_is_created(fp, monkeypatch):
    logger = logging.getLogger("finalpos")
    before = logger.level
    try:
        logger.setLevel(logging.WARNING)
        monkeypatch.setenv("FINALPOS_LOG", "debug")
        fp.Client(api_key=SECRET, base_url="http://127.0.0.1:9")
        assert logger.level == logging.DEBUG
    finally:
        logger.setLevel(before)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)


def test_with_options_copies_the_client_with_changes_and_shares_the_pool(fp, server):
    base_url, script = server
    script.default = reply(200, CUSTOMER)
    with fp.Client(api_key=SECRET, base_url=base_url, max_retries=3) as client:
        quick = client.with_options(timeout=2.5, default_headers={"X-Team": "pos"})
        assert (quick.timeout, quick.max_retries, quick.base_url) == (2.5, 3, client.base_url)
        assert quick._http is client._http
        quick.customers.retrieve("c1")
        assert script.seen[-1].headers["X-Team"] == "pos"
        assert script.seen[-1].headers["x-api-key"] == SECRET
        other = client.copy(api_key="other-key")
        other.customers.retrieve("c1")
        assert script.seen[-1].headers["x-api-key"] == "other-key"
        other.close()
        client.customers.retrieve("c1")  # the copy did not close the shared pool


def test_omitting_a_required_argument_is_a_type_error_before_any_request(make_client, server):
    _url, script = server
    script.default = reply(201, CUSTOMER)
    client = make_client()
    with pytest.raises(TypeError, match=r"customers\.create\(\) missing .*email, last_name"):
        client.customers.create(first_name="Ann")  # type: ignore[call-overload]
    assert script.seen == []  # nothing reached the server
    client.customers.create(email="a@b.co", first_name="Ann", last_name="Lee")
    assert script.seen[-1].body == {"email": "a@b.co", "firstName": "Ann", "lastName": "Lee"}


@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        (
            {"statusCode": 401, "message": "Invalid API key", "error": "Unauthorized"},
            "json",
            "Invalid API key",
        ),
        (
            {"statusCode": 400, "message": ["name must be a string", "sku is empty"]},
            "json",
            "name must be a string; sku is empty",
        ),
        (
            {"title": "Unauthorized", "detail": "API key revoked on 2026-11-30"},
            "problem+json",
            "Unauthorized: API key revoked on 2026-11-30",
        ),
        ({"error": {"message": "Incorrect key", "type": "auth"}}, "json", "Incorrect key"),
        ({"errors": [{"code": "E1"}] * 40}, "json", '{"errors": [{"code": "E1"}'),
        ("upstream gateway\nfailed", "text", "upstream gateway failed"),
    ],
    ids=["nestjs", "nestjs-list", "rfc7807", "error-object", "other-json", "text"],
)
def test_an_error_message_says_what_the_server_said(
    fp, make_client, server, body, content_type, said
):
    _url, script = server
    media = {
        "json": "application/json",
        "problem+json": "application/problem+json",
        "text": "text/plain",
    }
    content = body if isinstance(body, str) else json.dumps(body)

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(401)
        handler.send_header("content-type", media[content_type])
        handler.send_header("content-length", str(len(content.encode())))
        handler.end_headers()
        handler.wfile.write(content.encode())

    script.default = answer
    with pytest.raises(fp.APIStatusError) as error:
        make_client(max_retries=0).customers.retrieve("c1")
    message = str(error.value)
    assert message.startswith("GET /v1/api/customer/c1: HTTP 401: ")
    assert said in message and len(message) < 320 and SECRET not in message


AIOHTTP_IDIOM = """
import asyncio, gc, sys
import {package}

async def main() -> None:
    async with {package}.AsyncClient(
        api_key="k", base_url=sys.argv[1], http_client={package}.DefaultAioHttpClient()
    ) as client:
        await client.customers.retrieve("c1")

asyncio.run(main())
gc.collect()
print("done")
"""


def test_the_readme_aiohttp_idiom_closes_its_session(fp, server):
    """`async with AsyncClient(http_client=DefaultAioHttpClient())`, under
    `-W error::ResourceWarning`: the session is closed with the client, nothing leaks."""
    base_url, script = server
    script.default = reply(200, CUSTOMER)
    root = Path(fp.__file__).parent.parent
    ran = subprocess.run(
        [
            sys.executable,
            "-W",
            "error::ResourceWarning",
            "-c",
            AIOHTTP_IDIOM.format(package=fp.__name__),
            base_url,
        ],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0 and ran.stdout.strip() == "done", ran.stderr
    assert "Unclosed" not in ran.stderr and "ResourceWarning" not in ran.stderr, ran.stderr
