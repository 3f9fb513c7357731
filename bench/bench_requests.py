"""Per-request overhead of the generated client vs bare httpx on one keep-alive loopback
server, sync and async: `client.customers.retrieve(...)` (build the request, send, retry
bookkeeping, validate into a pydantic model) against `get` + `json.loads`."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable

import httpx
from common import GENERATED, Row, loopback_server, median_time

HEADERS = {"x-api-key": "bench", "Accept": "application/json"}


def _interleaved(
    ours: Callable[[], object], bare: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """The best of `rounds` alternating runs (drift hits both alike; the best run is the one
    least disturbed by the rest of the machine), after a warm-up."""
    ours(), bare()
    ours_times, bare_times = [], []
    for _ in range(rounds):
        bare_times.append(median_time(bare, 1))
        ours_times.append(median_time(ours, 1))
    return min(ours_times), min(bare_times)


def _sync(base_url: str, requests: int, rounds: int) -> tuple[float, float]:
    import finalpos

    with finalpos.Client(api_key="bench", base_url=base_url) as client, httpx.Client() as bare:
        url = f"{base_url}/v1/api/customer/c1"

        def ours() -> None:
            for _ in range(requests):
                client.customers.retrieve("c1")

        def floor() -> None:
            for _ in range(requests):
                json.loads(bare.get(url, headers=HEADERS).content)

        return _interleaved(ours, floor, rounds)


def _async(base_url: str, requests: int, rounds: int) -> tuple[float, float]:
    import finalpos

    loop = asyncio.new_event_loop()
    client = finalpos.AsyncClient(api_key="bench", base_url=base_url)
    bare = httpx.AsyncClient()
    url = f"{base_url}/v1/api/customer/c1"

    async def ours_calls() -> None:
        for _ in range(requests):
            await client.customers.retrieve("c1")

    async def bare_calls() -> None:
        for _ in range(requests):
            json.loads((await bare.get(url, headers=HEADERS)).content)

    try:
        return _interleaved(
            lambda: loop.run_until_complete(ours_calls()),
            lambda: loop.run_until_complete(bare_calls()),
            rounds,
        )
    finally:
        loop.run_until_complete(client.close())
        loop.run_until_complete(bare.aclose())
        loop.close()


def _concurrent(base_url: str, calls: int, rounds: int) -> tuple[float, float]:
    """`calls` concurrent `retrieve`s on `AsyncClient(http_client=DefaultAioHttpClient())`
    against as many concurrent `get` + `json.loads` on bare httpx over the same aiohttp
    transport and pool size; a new pool each round for both."""
    import finalpos
    from finalpos._aiohttp import DEFAULT_LIMITS, DEFAULT_TIMEOUT
    from httpx_aiohttp import HttpxAiohttpClient

    loop = asyncio.new_event_loop()
    url = f"{base_url}/v1/api/customer/c1"

    async def ours() -> None:
        async with finalpos.DefaultAioHttpClient() as http:
            client = finalpos.AsyncClient(api_key="bench", base_url=base_url, http_client=http)
            await asyncio.gather(*(client.customers.retrieve("c1") for _ in range(calls)))

    async def bare() -> None:
        async with HttpxAiohttpClient(limits=DEFAULT_LIMITS, timeout=DEFAULT_TIMEOUT) as http:

            async def one() -> None:
                json.loads((await http.get(url, headers=HEADERS)).content)

            await asyncio.gather(*(one() for _ in range(calls)))

    try:
        return _interleaved(
            lambda: loop.run_until_complete(ours()), lambda: loop.run_until_complete(bare()), rounds
        )
    finally:
        loop.close()


def concurrency_rows(calls: int = 1000, rounds: int = 3) -> list[Row]:
    """Async under load on the aiohttp transport (the `aiohttp` extra)."""
    sys.path.insert(0, str(GENERATED))
    with loopback_server() as base_url:
        ours, floor = _concurrent(base_url, calls, rounds)
    ratio = ours / floor
    return [
        (
            f"{calls} concurrent retrieve, aiohttp transport: client / bare httpx (s)",
            f"{ours:.2f} / {floor:.2f}",
            "",
        ),
        (
            f"{calls} concurrent retrieve: client / bare httpx, both on aiohttp",
            f"{ratio:.2f}x",
            f"<= 1.5x: {'met' if ratio <= 1.5 else 'missed'}",
        ),
    ]


def request_rows(requests: int = 1000, rounds: int = 9) -> list[Row]:
    sys.path.insert(0, str(GENERATED))
    rows: list[Row] = []
    with loopback_server() as base_url:
        for mode, measure in (("sync", _sync), ("async", _async)):
            ours, floor = measure(base_url, requests, rounds)
            ratio = ours / floor
            rows += [
                (
                    f"{mode} per request: client.customers.retrieve / bare httpx (us)",
                    f"{ours / requests * 1e6:.0f} / {floor / requests * 1e6:.0f}",
                    "",
                ),
                (
                    f"{mode} request overhead: client / bare httpx",
                    f"{ratio:.2f}x",
                    f"<= 1.10x: {'met' if ratio <= 1.10 else 'missed'}",
                ),
            ]
    return rows


if __name__ == "__main__":
    for row in request_rows() + concurrency_rows():
        print(" | ".join(row))
