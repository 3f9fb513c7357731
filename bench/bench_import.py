"""Import cost in a fresh interpreter (`-X importtime`): `import finalpos` vs importing the
package openapi-python-client generates from the same description, and the cost of
getting a usable client from each."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

from common import ENV, GENERATED, Row, normalized_spec, opc_package


def _cumulative_us(statement: str, path: Path, package: str, runs: int) -> float:
    values = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", statement],
            capture_output=True,
            text=True,
            cwd=path,
            env=ENV,
            check=True,
        )
        line = next(
            line for line in result.stderr.splitlines() if re.search(rf"\|\s+{package}$", line)
        )
        values.append(int(line.split("|")[1]))
    return statistics.median(values)


def _wall_ms(statement: str, path: Path, runs: int) -> float:
    script = (
        f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1e3)"
    )
    values = [
        float(
            subprocess.run(
                [sys.executable, "-c", script],
                capture_output=True,
                text=True,
                cwd=path,
                env=ENV,
                check=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(values)


def import_rows(runs: int = 5) -> list[Row]:
    opc_root, opc_name = opc_package(normalized_spec())
    ours = _cumulative_us("import finalpos", GENERATED, "finalpos", runs)
    theirs = _cumulative_us(f"import {opc_name}", opc_root, opc_name, runs)
    ours_client = _wall_ms("import finalpos; finalpos.Client(api_key='k')", GENERATED, runs)
    theirs_client = _wall_ms(
        f"import {opc_name}; {opc_name}.AuthenticatedClient(base_url='http://x', token='k')",
        opc_root,
        runs,
    )
    ratio = ours / theirs
    return [
        (
            "import: finalpos / openapi-python-client's (ms)",
            f"{ours / 1e3:.1f} / {theirs / 1e3:.1f}",
            "",
        ),
        (
            "import: ours / openapi-python-client's",
            f"{ratio:.2f}x",
            f"<= 0.5x: {'met' if ratio <= 0.5 else 'missed'}",
        ),
        (
            "import + client object: ours / opc's (ms)",
            f"{ours_client:.0f} / {theirs_client:.0f}",
            "(both load httpx then)",
        ),
    ]


if __name__ == "__main__":
    for row in import_rows():
        print(" | ".join(row))
