"""Per-request overhead of the generated client vs bare httpx, on one loopback server.

Prints requests per second of `client.customers.retrieve(...)` (build request, send,
retry bookkeeping, validate into a pydantic model) and of `httpx.Client.get` +
`json.loads` against the same server, their ratio (target <= 1.3), and the total
`python -X importtime -c "import finalpos"`. The server runs in its own process so
it does not share the GIL with the client being measured.

    .venv/bin/python bench/bench_requests.py [--requests N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
CUSTOMER = json.loads((ROOT / "bench" / "customer.json").read_text())

SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = json.dumps(json.loads(sys.argv[1])).encode()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


def start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, json.dumps(CUSTOMER)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}"


def time_calls(call: object, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()  # type: ignore[operator]
    return time.perf_counter() - started


def import_time_us() -> int:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import finalpos"],
        capture_output=True,
        text=True,
        cwd=GENERATED,
        check=True,
    )
    line = next(line for line in result.stderr.splitlines() if re.search(r"\|\s+finalpos$", line))
    return int(line.split("|")[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(GENERATED))
    import finalpos

    server, base_url = start_server()
    try:
        with finalpos.Client(api_key="bench", base_url=base_url) as client, httpx.Client() as bare:
            url = f"{base_url}/v1/api/customer/c1"
            headers = {"x-api-key": "bench", "Accept": "application/json"}

            def sdk_call() -> object:
                return client.customers.retrieve("c1")

            def bare_call() -> object:
                return json.loads(bare.get(url, headers=headers).content)

            sdk_call(), bare_call()  # warm up connections and lazy imports
            sdk_times, bare_times = [], []
            for _ in range(args.rounds):  # interleaved, so drift hits both alike
                bare_times.append(time_calls(bare_call, args.requests))
                sdk_times.append(time_calls(sdk_call, args.requests))
    finally:
        server.terminate()
        server.wait()
    sdk, bare_s = statistics.median(sdk_times), statistics.median(bare_times)
    per_sdk, per_bare = sdk / args.requests * 1e6, bare_s / args.requests * 1e6
    print(f"{'measure':44} {'value':>12}")
    print(f"{'bare httpx get + json.loads, req/s':44} {args.requests / bare_s:12.0f}")
    print(f"{'client.customers.retrieve, req/s':44} {args.requests / sdk:12.0f}")
    print(f"{'per-request time, bare (us)':44} {per_bare:12.1f}")
    print(f"{'per-request time, client (us)':44} {per_sdk:12.1f}")
    print(f"{'overhead ratio client/bare (target <= 1.3)':44} {sdk / bare_s:12.2f}")
    print(f"{'import finalpos, cumulative (us)':44} {import_time_us():12d}")


if __name__ == "__main__":
    main()
