"""Time to first response, what a user feels: a fresh interpreter imports the client,
creates it and makes one call whose answer is parsed into its model (`retrieve` of a
customer from a loopback server), ours vs the client openapi-python-client generates from
the same description. Wall time of the whole process, median of several."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ENV, GENERATED, Row, loopback_server, normalized_spec, opc_package

OURS = """
import finalpos
client = finalpos.Client(api_key="k", base_url={base_url!r})
customer = client.customers.retrieve("c1")
assert customer.id
"""
THEIRS = """
from {package} import AuthenticatedClient
from {package}.api.customer import customer_controller_find_one
client = AuthenticatedClient(
    base_url={base_url!r}, token="k", prefix="", auth_header_name="x-api-key"
)
customer = customer_controller_find_one.sync(id="c1", client=client)
assert customer.id
"""
EMPTY = "pass"


def _process_s(script: str, path: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], cwd=path, env=ENV, check=True)
    return time.perf_counter() - started


def first_response_rows(runs: int = 9) -> list[Row]:
    opc_root, opc_name = opc_package(normalized_spec())
    times: dict[str, list[float]] = {"ours": [], "opc": [], "empty": []}
    with loopback_server() as base_url:
        scripts = {
            "ours": (OURS.format(base_url=base_url), GENERATED),
            "opc": (THEIRS.format(base_url=base_url, package=opc_name), opc_root),
            "empty": (EMPTY, GENERATED),
        }
        for _ in range(runs):  # interleaved, so machine noise hits all three alike
            for name, (script, path) in scripts.items():
                times[name].append(_process_s(script, path))
    ours, theirs, interpreter = (
        statistics.median(times[n]) * 1e3 for n in ("ours", "opc", "empty")
    )
    ratio = (ours - interpreter) / (theirs - interpreter)
    return [
        (
            "first response (fresh process): ours / opc / empty interpreter (ms)",
            f"{ours:.0f} / {theirs:.0f} / {interpreter:.0f}",
            "",
        ),
        (
            "time to first response, interpreter start excluded: ours / opc",
            f"{ratio:.2f}x",
            f"<= 1.0x: {'met' if ratio <= 1.0 else 'missed'}",
        ),
    ]


if __name__ == "__main__":
    for row in first_response_rows():
        print(" | ".join(row))
