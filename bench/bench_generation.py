"""Generation time: finalpos-codegen vs openapi-python-client on the same normalized
description, and finalpos-codegen at 1x, 10x and 50x the operations and schemas
(time and peak memory). Every figure is measured here, in this run."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from pathlib import Path

import yaml
from common import (
    ROOT,
    WORK,
    Row,
    fresh_cache,
    generate_opc,
    generate_ours,
    normalized_spec,
    run_measured,
)
from synthetic import scaled

SNAPSHOT = ROOT / "spec" / "finalpos-openapi.yaml"


def generation_rows(runs: int = 5) -> list[Row]:
    """`make generate` (ours, from the vendored snapshot: normalized here, its validation
    done when it was fetched) vs openapi-python-client on the normalized document."""
    return _side_by_side("Final POS (make generate)", SNAPSHOT, runs, peer_source=normalized_spec())


REAL_WORLD = Path(
    os.environ.get("FINALPOS_REAL_WORLD_SPECS") or ROOT.parent / "shared" / "real-world-specs"
)


def _side_by_side(
    label: str, source: Path, runs: int, peer_source: Path | None = None
) -> list[Row]:
    """Time and peak memory of both generators on one document (the peer's may be another
    spelling of it), medians over `runs` interleaved runs, so machine noise hits both. Ours
    starts with an empty cache folder each time, as on a fresh CI machine; its figure with
    the cache of an earlier run (compiled templates, the validator's findings) is beside."""
    ours, warm, opc = [], [], []
    peer = peer_source or source
    kept = fresh_cache()
    for index in range(runs):
        output = WORK / f"{source.stem}-ours-{index}"
        ours.append(run_measured(*generate_ours(source, output), cache=fresh_cache()))
        warm.append(run_measured(*generate_ours(source, output), cache=kept)[0])
        opc.append(run_measured(*generate_opc(peer, WORK / f"{source.stem}-opc-{index}")))
    ours_s, ours_mib = (statistics.median(m[i] for m in ours) for i in (0, 1))
    opc_s, opc_mib = (statistics.median(m[i] for m in opc) for i in (0, 1))
    ratio, warm_ratio = ours_s / opc_s, statistics.median(warm) / opc_s
    return [
        (
            f"{label}: ours / opc: time s, peak MiB",
            f"{ours_s:.2f} / {opc_s:.2f} s, {ours_mib:.0f} / {opc_mib:.0f} MiB",
            "",
        ),
        (
            f"{label}: ours / openapi-python-client",
            f"{ratio:.2f}x",
            f"<= 1.0x: {'met' if ratio <= 1.0 else 'missed'}",
        ),
        (f"{label}: ours with a warm cache / openapi-python-client", f"{warm_ratio:.2f}x", ""),
    ]


def small_document_rows(runs: int = 5) -> list[Row]:
    """Both generators on the smallest NestJS document (read in place)."""
    nestjs = [p for p in REAL_WORLD.glob("*.json") if not p.name.startswith("opc-")]
    if not nestjs:
        return [("smallest NestJS document", "skipped", f"no documents in {REAL_WORLD}")]
    smallest = min(nestjs, key=lambda p: p.stat().st_size)
    return _side_by_side(f"{smallest.name} ({smallest.stat().st_size // 1024} KiB)", smallest, runs)


def real_document_rows(runs: int = 3) -> list[Row]:
    """Both generators on the largest real-world document (read in place; ours validates it)."""
    documents = sorted(REAL_WORLD.glob("*.json"), key=lambda p: p.stat().st_size, reverse=True)
    if not documents:
        return [("largest real document", "skipped", f"no documents in {REAL_WORLD}")]
    largest = documents[0]
    return _side_by_side(f"{largest.name} ({largest.stat().st_size // 1024} KiB)", largest, runs)


def _generation(command: list[str]) -> tuple[float, float] | None:
    """(seconds, peak MiB) of one generation, or None when the generator fails on it."""
    try:
        return run_measured(*command, cache=fresh_cache())
    except RuntimeError:
        return None


def _shown(figures: list[tuple[float, float] | None]) -> str:
    found = [f for f in figures if f is not None]
    if not found:
        return "fails"
    seconds, mib = (statistics.median(f[i] for f in found) for i in (0, 1))
    return f"{seconds:.1f} s, {mib:.0f} MiB"


def large_document_rows(runs: int = 2) -> list[Row]:
    """Both generators on the three large public documents (read in place): medians of
    time and peak memory; a generator that fails says so."""
    documents = sorted((REAL_WORLD / "large").glob("*.json"))
    if not documents:
        return [("large documents", "skipped", f"no documents in {REAL_WORLD}")]
    rows = []
    for source in documents:
        ours, opc = [], []
        for index in range(runs):
            ours.append(_generation(generate_ours(source, WORK / f"{source.stem}-ours-{index}")))
            opc.append(_generation(generate_opc(source, WORK / f"{source.stem}-opc-{index}")))
        verdict = ""
        if ours[0] and opc[0]:
            ratio = statistics.median(o[0] for o in ours if o) / statistics.median(
                o[0] for o in opc if o
            )
            verdict = f"{ratio:.2f}x the peer's time"
        elif ours[0]:
            verdict = "only ours generates it"
        label = f"{source.name} ({source.stat().st_size // 1024} KiB): ours / opc"
        rows.append((label, f"{_shown(ours)} / {_shown(opc)}", verdict))
    return rows


def synthetic_rows(factor: int = 50) -> list[Row]:
    """Both generators on the synthetic document with `factor` times the operations."""
    base = yaml.load((ROOT / "spec" / "finalpos-openapi.yaml").read_text(), Loader=yaml.CSafeLoader)
    source = WORK / f"synthetic-{factor}x.json"
    source.write_text(json.dumps(scaled(base, factor)))
    return _side_by_side(f"synthetic {factor}x", source, runs=1)


def scale_rows(factors: tuple[int, ...] = (1, 10, 50)) -> list[Row]:
    base = yaml.load((ROOT / "spec" / "finalpos-openapi.yaml").read_text(), Loader=yaml.CSafeLoader)
    results = {}
    for factor in factors:
        source = WORK / f"scaled-{factor}x.json"  # JSON, as NestJS serves it
        source.write_text(json.dumps(scaled(base, factor)))
        output = WORK / f"scaled-{factor}x"
        results[factor] = run_measured(*generate_ours(source, output))
        operations = sum(len(item) for item in json.loads(source.read_text())["paths"].values())
        shutil.rmtree(output)
        results[factor] = (*results[factor], operations)
    rows = []
    base_time = results[factors[0]][0]
    for factor, (seconds, peak_mib, operations) in results.items():
        growth = seconds / base_time
        verdict = ""
        if factor == 50:
            ok = growth <= 60 and seconds < 60 and peak_mib < 1024
            verdict = f"<= 60x time, < 60 s, < 1 GiB: {'met' if ok else 'missed'}"
        rows.append(
            (
                f"scale {factor}x ({operations} ops): time s / peak MiB / vs 1x",
                f"{seconds:.1f} / {peak_mib:.0f} / {growth:.1f}x",
                verdict,
            )
        )
    return rows


def diff_rows(runs: int = 5) -> list[Row]:
    """`finalpos-codegen diff` of the frozen 1.0.0 document against the 1.2.4 snapshot: a
    fresh process, the 1.0.0 document validated, both normalized and compared."""
    old = ROOT / "tests" / "fixtures" / "finalpos" / "finalpos-openapi-1.0.0.yaml"
    command = ["generator.cli", "diff", str(old), str(SNAPSHOT), "--fail-on", "never"]
    seconds = statistics.median(run_measured(*command)[0] for _ in range(runs))
    return [
        (
            "diff 1.0.0 → 1.2.4 (s, fresh process)",
            f"{seconds:.2f}",
            f"< 1 s: {'met' if seconds < 1 else 'missed'}",
        )
    ]


if __name__ == "__main__":
    for row in (
        generation_rows()
        + real_document_rows()
        + large_document_rows()
        + synthetic_rows()
        + scale_rows()
        + diff_rows()
    ):
        print(" | ".join(row))
    sys.exit(0)
