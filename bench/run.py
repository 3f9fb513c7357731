"""`make bench`: every benchmark in one run, printed as one table and written to
BENCHMARKS.md with the command, the machine and the date."""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time

from bench_first_response import first_response_rows
from bench_generation import (
    diff_rows,
    generation_rows,
    large_document_rows,
    real_document_rows,
    scale_rows,
    small_document_rows,
    synthetic_rows,
)
from bench_memory import memory_rows
from bench_parsing import parsing_rows
from bench_requests import concurrency_rows, request_rows
from common import ROOT, Row

SECTIONS = [
    ("1. Generation", generation_rows),
    ("1a. Small document", small_document_rows),
    ("1b. Real document", real_document_rows),
    ("1b'. Large documents", large_document_rows),
    ("1c. Synthetic 50x vs peer", synthetic_rows),
    ("2. Scale", scale_rows),
    ("3. Parsing", parsing_rows),
    ("4. Requests", request_rows),
    ("4b. Async under load", concurrency_rows),
    ("5. First response", first_response_rows),
    ("6. Memory", memory_rows),
    ("7. Diff", diff_rows),
]


def machine() -> str:
    python = f"Python {platform.python_version()}"
    return f"{platform.machine()}, {os.cpu_count()} cores, {python}, {platform.platform()}"


def main() -> None:
    started = time.perf_counter()
    rows: list[tuple[str, Row]] = []
    for title, measure in SECTIONS:
        print(f"{title}...", file=sys.stderr, flush=True)
        rows += [(title, row) for row in measure()]
    width = max(len(row[0]) for _title, row in rows)
    lines = [f"{'measure':{width}}  {'figure':>22}  target"]
    lines += [f"{row[0]:{width}}  {row[1]:>22}  {row[2]}" for _title, row in rows]
    print("\n".join(lines))
    table = ["| section | measure | figure | target |", "|---|---|---|---|"]
    table += [f"| {title} | {row[0]} | {row[1]} | {row[2]} |" for title, row in rows]
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            "Measured side by side in one run of `make bench` (`.venv/bin/python bench/run.py`);",
            "every ratio compares two things measured in the same script.",
            "Medians over several runs.",
            "",
            f"- date: {datetime.date.today().isoformat()}",
            f"- machine: {machine()}",
            f"- total time of the run: {time.perf_counter() - started:.0f} s",
            "",
            *table,
            "",
            "See the notes at the end of `bench/README.md` for what limits the missed targets.",
            "",
        ]
    )
    (ROOT / "BENCHMARKS.md").write_text(text)


if __name__ == "__main__":
    main()
