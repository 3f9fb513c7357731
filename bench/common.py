"""Shared pieces of the benchmark scripts: timing, peak memory of a child process, the
openapi-python-client baseline, and a loopback server in its own process."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GENERATED = ROOT / "generated"
WORK = Path(tempfile.mkdtemp(prefix="finalpos-bench-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
# The generator's cache folder (templates, findings) is the bench's own: never the user's.
ENV = {
    **os.environ,
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "XDG_CACHE_HOME": str(WORK / "cache"),
}


def fresh_cache() -> Path:
    """A new, empty cache folder: a run with it is a first run on a fresh machine."""
    return Path(tempfile.mkdtemp(prefix="cache-", dir=WORK))


def median_time(action: Callable[[], object], runs: int) -> float:
    """Median wall time of `action` over `runs` runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# Runs a module as __main__ and then records the process's own peak RSS (VmHWM). Not
# ru_maxrss: on Linux that also counts the pages the child shared with this (large)
# benchmark process between fork and exec.
MEASURE = """
import atexit, runpy, sys
peak_file, target = sys.argv[1], sys.argv[2]
def report():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(peak_file, "w") as out:
        out.write(peak)
atexit.register(report)
sys.argv = [target, *sys.argv[3:]]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""


def run_measured(module: str, *args: str, cache: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of `python -m module args` (or of a script, given
    its path) in a fresh process, its child processes included (their RSS sampled every
    20 ms and added to its own); `cache`: the generator's cache folder for this run."""
    peak_file, log = WORK / "peak-rss.txt", WORK / "measured.log"
    started = time.perf_counter()
    with log.open("wb") as output:  # a file, not a pipe nobody reads while it runs
        process = subprocess.Popen(
            [sys.executable, "-c", MEASURE, str(peak_file), module, *args],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**ENV, "XDG_CACHE_HOME": str(cache)} if cache else ENV,
        )
        tree_kib = 0
        while process.poll() is None:
            tree_kib = max(tree_kib, sum(map(_rss_kib, _process_tree(process.pid))))
            time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{module} failed: {log.read_text(errors='replace')[-2000:]}")
    return elapsed, max(int(peak_file.read_text()), tree_kib) / 1024


def _process_tree(pid: int) -> list[int]:
    """`pid` and its descendants now living (Linux: /proc/<pid>/task/<tid>/children)."""
    tree, index = [pid], 0
    while index < len(tree):
        for task in Path(f"/proc/{tree[index]}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                tree += [int(child) for child in task.read_text().split()]
        index += 1
    return tree


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # gone meanwhile
        return 0
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
    )


def normalized_spec(source: Path | None = None) -> Path:
    """The normalized description both generators read."""
    target = WORK / f"normalized-{source.stem if source else 'base'}.yaml"
    command = [str(BIN / "finalpos-codegen"), "normalize", "-o", str(target)]
    if source is not None:
        command += ["--spec", str(source)]
    subprocess.run(command, check=True, env=ENV)
    return target


def generate_ours(spec: Path, output: Path) -> list[str]:
    """`python -m <module> <args>` of finalpos-codegen generate."""
    return ["generator.cli", "generate", "--spec", str(spec), "--output", str(output)]


def generate_opc(spec: Path, output: Path) -> list[str]:
    """openapi-python-client with its default post-hooks (ruff check --fix, ruff format)."""
    return [
        "openapi_python_client",
        "generate",
        "--path",
        str(spec),
        "--output-path",
        str(output),
        "--overwrite",
    ]


def opc_package(spec: Path) -> tuple[Path, str]:
    """(folder to put on sys.path, package name) of openapi-python-client's client."""
    output = WORK / "opc-client"
    if not output.exists():
        run_measured(*generate_opc(spec, output))
    package = next(p.name for p in output.iterdir() if (p / "__init__.py").exists())
    return output, package


SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
ITEM = json.loads(sys.argv[1])
COUNT = int(sys.argv[2])
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def log_message(self, *a): pass
    def do_GET(self):
        url = urlsplit(self.path)
        if url.path.endswith("/customers"):
            q = parse_qs(url.query)
            skip, limit = int(q.get("skip", ["0"])[0]), int(q.get("limit", ["100"])[0])
            page = range(skip, min(skip + limit, COUNT))
            body = json.dumps([dict(ITEM, id=f"c{i}") for i in page]).encode()
        else:
            body = json.dumps(ITEM).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
ThreadingHTTPServer.request_queue_size = 2048  # 1,000 clients may connect at once
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


def customer_example() -> dict[str, Any]:
    return dict(json.loads((ROOT / "bench" / "customer.json").read_text()))


@contextmanager
def loopback_server(customers: int = 0) -> Iterator[str]:
    """A JSON server in its own process (so it does not share our GIL): one customer at
    any path, `customers` of them paged with skip/limit at .../customers."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, json.dumps(customer_example()), str(customers)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.terminate()
        process.wait()


Row = tuple[str, str, str]
"""(measure, figure, target and verdict)."""
