"""Fetching and parsing a page of 1,000 and 10,000 customers through each client's real
path, on one in-memory transport (no network, so parsing dominates):
`client.customers.with_raw_response.list(limit=N).parse()` (pydantic-core validates the
bytes in one pass, lossless datetimes included) vs openapi-python-client's
`customers_controller_find_all.sync(...)` (`json.loads`, then `Customer.from_dict` per item)
vs the floor, bare httpx + `json.loads`."""

from __future__ import annotations

import gc
import importlib
import json
import sys
from typing import Any

import httpx
from common import GENERATED, Row, customer_example, median_time, normalized_spec, opc_package


def _transport(body: bytes) -> httpx.MockTransport:
    headers = {"Content-Type": "application/json"}
    return httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers=headers))


def _times(size: int, runs: int, finalpos: Any, opc: Any, find_all: Any) -> dict[str, float]:
    """Median seconds of each client's fetch + parse of a page of `size` customers."""
    body = json.dumps([dict(customer_example(), id=f"c{i}") for i in range(size)]).encode()
    transport = _transport(body)
    ours_client = finalpos.Client(
        api_key="k", base_url="http://x", http_client=httpx.Client(transport=transport)
    )
    opc_client = opc.AuthenticatedClient(
        base_url="http://x", token="k", httpx_args={"transport": transport}
    )
    bare = httpx.Client(transport=transport)
    actions = {
        "ours": lambda: ours_client.customers.with_raw_response.list(limit=size).parse().items,
        "opc": lambda: find_all.sync(client=opc_client, skip=0, limit=size),
        "floor": lambda: json.loads(bare.get("http://x/v1/api/customers").content),
    }
    assert all(len(action()) == size for action in actions.values())
    return {name: median_time(action, runs) for name, action in actions.items()}


def parsing_rows(sizes: tuple[int, ...] = (1_000, 10_000), runs: int = 5) -> list[Row]:
    sys.path.insert(0, str(GENERATED))
    import finalpos

    opc_root, opc_name = opc_package(normalized_spec())
    sys.path.insert(0, str(opc_root))
    opc = importlib.import_module(opc_name)
    find_all = importlib.import_module(f"{opc_name}.api.customers.customers_controller_find_all")
    assert gc.isenabled()  # measured as users run: the collector on

    rows: list[Row] = []
    for size in sizes:
        times = _times(size, runs, finalpos, opc, find_all)
        speedup, over_floor = times["opc"] / times["ours"], times["ours"] / times["floor"]
        rows += [
            (
                f"fetch + parse {size:,} customers: ours / opc / httpx + json.loads (ms)",
                " / ".join(f"{times[name] * 1e3:.0f}" for name in ("ours", "opc", "floor")),
                "",
            ),
            (
                f"fetch + parse {size:,}: speed-up over openapi-python-client",
                f"{speedup:.1f}x",
                f">= 2x: {'met' if speedup >= 2 else 'missed'}",
            ),
            (
                f"fetch + parse {size:,}: ours / floor",
                f"{over_floor:.1f}x",
                f"<= 1.3x: {'met' if over_floor <= 1.3 else 'missed'}",
            ),
        ]
    return rows


if __name__ == "__main__":
    for row in parsing_rows():
        print(" | ".join(row))
