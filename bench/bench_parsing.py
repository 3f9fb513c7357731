"""Fetching and parsing a page of 1,000 and 10,000 customers through each client's real
path, on one in-memory transport (no network, so parsing dominates):
`client.customers.with_raw_response.list(limit=N).parse()` (pydantic-core validates the
bytes in one pass) vs openapi-python-client's `customers_controller_find_all.sync(...)`
(`json.loads`, then `Customer.from_dict` per item) vs the floor, bare httpx + `json.loads`.

Measured on this interpreter and on a Python 3.13 when the machine has one (on PATH or in
pyenv), each in a venv where both clients are pip-installed as a downstream project installs
them. The garbage collector stays on, as users run."""

from __future__ import annotations

import gc
import importlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import (
    GENERATED,
    WORK,
    Row,
    customer_example,
    median_time,
    normalized_spec,
    opc_package,
)

SIZES = (1_000, 10_000)
# Speed-up over openapi-python-client that issue #22 asks for, by interpreter.
TARGETS = {(3, 11): 1.0, (3, 12): 1.0, (3, 13): 1.5}
OTHER_PYTHON = "3.13"


def _times(size: int, runs: int, opc_name: str) -> dict[str, float]:
    """Median seconds of each client's fetch + parse of a page of `size` customers."""
    import finalpos
    import httpx

    opc = importlib.import_module(opc_name)
    find_all = importlib.import_module(f"{opc_name}.api.customers.customers_controller_find_all")
    body = json.dumps([dict(customer_example(), id=f"c{i}") for i in range(size)]).encode()
    headers = {"Content-Type": "application/json"}
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=body, headers=headers))
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


def measure(opc_name: str, runs: int = 5) -> dict[str, Any]:
    """What the child prints: the interpreter and the times of each size."""
    assert gc.isenabled()  # measured as users run: the collector on
    return {
        "version": list(sys.version_info[:3]),
        "times": {str(size): _times(size, runs, opc_name) for size in SIZES},
    }


def _version(python: str) -> str | None:
    """ "3.13" of the interpreter at `python`, or None when it does not run (a pyenv shim of
    a version no one selected exits 127)."""
    ran = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    )
    return ran.stdout.strip() if ran.returncode == 0 else None


def _candidates(version: str) -> list[str]:
    """Where a Python `version` may be: on PATH, then pyenv's newest of that version."""
    found = [path for path in [shutil.which(f"python{version}")] if path]
    pyenv = shutil.which("pyenv")
    if pyenv is not None:
        listed = subprocess.run([pyenv, "versions", "--bare"], capture_output=True, text=True)
        pattern = rf"{re.escape(version)}\.\d+"
        releases = [v for v in listed.stdout.split() if re.fullmatch(pattern, v)]
        if releases:
            newest = max(releases, key=lambda v: int(v.rsplit(".", 1)[1]))
            prefix = subprocess.run([pyenv, "prefix", newest], capture_output=True, text=True)
            found.append(str(Path(prefix.stdout.strip()) / "bin" / "python"))
    return found


def find_python(version: str = OTHER_PYTHON) -> tuple[str | None, str]:
    """(a Python `version` that runs, "") or (None, why there is none)."""
    candidates = _candidates(version)
    for python in candidates:
        if _version(python) == version:
            return python, ""
    tried = ", ".join(candidates) or "nothing on PATH, no pyenv release"
    return None, f"no Python {version} runs here (tried: {tried})"


def _run(command: list[str]) -> str:
    """The standard output of `command`; its standard error in the exception if it fails."""
    ran = subprocess.run(command, capture_output=True, text=True)
    if ran.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {ran.stderr[-2000:]}")
    return ran.stdout


def clients_venv(python: str, opc_root: Path) -> Path:
    """The python of a new venv of `python` with both clients pip-installed."""
    venv = WORK / f"parsing-venv-{_version(python)}"
    _run([python, "-m", "venv", str(venv)])
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(GENERATED), str(opc_root)]
    )
    return venv / "bin" / "python"


def _rows(result: dict[str, Any]) -> list[Row]:
    version = tuple(result["version"])
    label = "Python {}.{}".format(*version[:2])
    target = TARGETS.get(version[:2], 1.0)
    rows: list[Row] = []
    for size, times in result["times"].items():
        speedup, over_floor = times["opc"] / times["ours"], times["ours"] / times["floor"]
        figures = " / ".join(f"{times[name] * 1e3:.0f}" for name in ("ours", "opc", "floor"))
        verdict = "met" if speedup >= target else "missed"
        rows += [
            (f"{label}: fetch + parse {int(size):,}: ours / opc / floor (ms)", figures, ""),
            (
                f"{label}: fetch + parse {int(size):,}: speed-up over openapi-python-client",
                f"{speedup:.2f}x",
                f">= {target}x: {verdict}",
            ),
            (f"{label}: fetch + parse {int(size):,}: ours / floor", f"{over_floor:.1f}x", ""),
        ]
    return rows


def parsing_rows() -> list[Row]:
    opc_root, opc_name = opc_package(normalized_spec())
    other, why_not = find_python()
    pythons = [sys.executable] + ([other] if other else [])
    rows: list[Row] = []
    for python in pythons:
        child = clients_venv(python, opc_root)
        printed = _run([str(child), str(Path(__file__).resolve()), opc_name])
        rows += _rows(json.loads(printed))
    if other is None:
        rows.append((f"Python {OTHER_PYTHON}: fetch + parse", "skipped", why_not))
    return rows


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
