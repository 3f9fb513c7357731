"""Parsing a list response of 1,000 and 10,000 customers into objects: our models (one
pydantic-core pass over the bytes) vs the models openapi-python-client generates from the
same description (`json.loads` then `Customer.from_dict` per item) vs bare `json.loads`."""

from __future__ import annotations

import importlib
import json
import sys
from functools import partial
from typing import Any

import httpx
from common import GENERATED, Row, customer_example, median_time, normalized_spec, opc_package


def opc_parse(model: Any, body: bytes) -> list[Any]:
    """What openapi-python-client's generated `_parse_response` does for a list."""
    return [model.from_dict(item) for item in json.loads(body)]


def parsing_rows(sizes: tuple[int, ...] = (1_000, 10_000), runs: int = 5) -> list[Row]:
    sys.path.insert(0, str(GENERATED))
    from finalpos._base_client import list_parser
    from finalpos.models import Customer

    opc_root, opc_name = opc_package(normalized_spec())
    sys.path.insert(0, str(opc_root))
    opc_customer = importlib.import_module(f"{opc_name}.models.customer").Customer

    rows = []
    parse = list_parser(Customer, "customers.list")
    for size in sizes:
        body = json.dumps([dict(customer_example(), id=f"c{i}") for i in range(size)]).encode()
        response = httpx.Response(200, content=body)
        ours = median_time(partial(parse, response), runs)
        theirs = median_time(partial(opc_parse, opc_customer, body), runs)
        floor = median_time(partial(json.loads, body), runs)
        assert len(parse(response)) == size
        speedup = theirs / ours
        rows += [
            (
                f"parse {size:,} customers: ours / opc / json.loads (ms)",
                f"{ours * 1e3:.0f} / {theirs * 1e3:.0f} / {floor * 1e3:.0f}",
                "",
            ),
            (
                f"parse {size:,} customers: speed-up over openapi-python-client",
                f"{speedup:.1f}x",
                f">= 3x: {'met' if speedup >= 3 else 'missed'}",
            ),
        ]
    return rows


if __name__ == "__main__":
    for row in parsing_rows():
        print(" | ".join(row))
