"""Peak memory of listing 10,000 customers: iterating the paginated list (100 per page)
vs loading all of them with one call, each in a fresh process, against one server."""

from __future__ import annotations

from common import GENERATED, WORK, Row, loopback_server, run_measured

LISTING = """
import sys
sys.path.insert(0, sys.argv[1])
import finalpos
client = finalpos.Client(api_key="k", base_url=sys.argv[2])
if sys.argv[3] == "iterate":
    count = sum(1 for _ in client.customers.list(limit=100))
else:
    count = len(client.customers.list(limit=10_000).items)
assert count == 10_000, count
"""


def memory_rows(customers: int = 10_000) -> list[Row]:
    with loopback_server(customers) as base_url:
        script = WORK / "listing.py"
        script.write_text(LISTING)
        iterate = run_measured(str(script), str(GENERATED), base_url, "iterate")[1]
        at_once = run_measured(str(script), str(GENERATED), base_url, "at-once")[1]
    return [
        (
            f"peak RSS listing {customers:,}: iterator / one call (MiB)",
            f"{iterate:.0f} / {at_once:.0f}",
            "",
        ),
        ("peak RSS: iterator / one call", f"{iterate / at_once:.2f}x", "(lower is better)"),
    ]


if __name__ == "__main__":
    for row in memory_rows():
        print(" | ".join(row))
