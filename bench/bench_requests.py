"""Per-request overhead of the generated client vs bare httpx on one loopback server:
`client.customers.retrieve(...)` (build the request, send, retry bookkeeping, validate
into a pydantic model) against `httpx.Client.get` + `json.loads`."""

from __future__ import annotations

import json
import statistics
import sys

import httpx
from common import GENERATED, Row, loopback_server, median_time


def request_rows(requests: int = 1000, rounds: int = 5) -> list[Row]:
    sys.path.insert(0, str(GENERATED))
    import finalpos

    with (
        loopback_server() as base_url,
        finalpos.Client(api_key="bench", base_url=base_url) as client,
        httpx.Client() as bare,
    ):
        url = f"{base_url}/v1/api/customer/c1"
        headers = {"x-api-key": "bench", "Accept": "application/json"}

        def sdk_calls() -> None:
            for _ in range(requests):
                client.customers.retrieve("c1")

        def bare_calls() -> None:
            for _ in range(requests):
                json.loads(bare.get(url, headers=headers).content)

        sdk_calls(), bare_calls()  # warm up connections and lazy imports
        sdk, bare_s = [], []
        for _ in range(rounds):  # interleaved, so drift hits both alike
            bare_s.append(median_time(bare_calls, 1))
            sdk.append(median_time(sdk_calls, 1))
    ours, floor = statistics.median(sdk), statistics.median(bare_s)
    ratio = ours / floor
    return [
        (
            "requests/s: client.customers.retrieve / bare httpx",
            f"{requests / ours:.0f} / {requests / floor:.0f}",
            "",
        ),
        (
            "per request: client / bare (us)",
            f"{ours / requests * 1e6:.0f} / {floor / requests * 1e6:.0f}",
            "",
        ),
        (
            "request overhead: client / bare httpx",
            f"{ratio:.2f}x",
            f"<= 1.3x: {'met' if ratio <= 1.3 else 'missed'}",
        ),
    ]


if __name__ == "__main__":
    for row in request_rows():
        print(" | ".join(row))
