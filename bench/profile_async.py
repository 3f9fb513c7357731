"""Where an async call's time goes under load: 1,000 concurrent `retrieve`s on
`AsyncClient(http_client=DefaultAioHttpClient())` against the loopback server, profiled with
cProfile, the time grouped by whose code ran it (the generated package, httpx, aiohttp and
httpx-aiohttp, asyncio, pydantic, the rest). Prints a table and the package's own top
functions; `python bench/profile_async.py` (a script that prints figures, not a test)."""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
from collections import defaultdict

from common import GENERATED, loopback_server

# Whose code a profiled function is, by a part of its file's path (first match wins).
OWNERS = (
    ("the generated package", "/finalpos/"),
    ("httpx-aiohttp, aiohttp", "aiohttp"),
    ("httpx, httpcore", "httpx"),
    ("pydantic", "pydantic"),
    ("asyncio, selectors", "asyncio"),
)


def owner(filename: str) -> str:
    if filename == "~":  # cProfile's name for C functions: sockets, JSON, pydantic-core...
        return "C built-ins, called by any of these"
    return next((name for name, part in OWNERS if part in filename), "the rest")


def profile(calls: int = 1000) -> pstats.Stats:
    sys.path.insert(0, str(GENERATED))
    import finalpos

    async def ours(base_url: str) -> None:
        async with finalpos.DefaultAioHttpClient() as http:
            client = finalpos.AsyncClient(api_key="bench", base_url=base_url, http_client=http)
            await asyncio.gather(*(client.customers.retrieve("c1") for _ in range(calls)))

    with loopback_server() as base_url:
        asyncio.run(ours(base_url))  # warm: imports, the TLS context, the server
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(ours(base_url))
        profiler.disable()
    return pstats.Stats(profiler)


def main() -> None:
    stats = profile()
    by_owner: dict[str, float] = defaultdict(float)
    own: list[tuple[float, str]] = []
    for (filename, line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        self_time = row[2]
        by_owner[owner(filename)] += self_time
        if owner(filename) == "the generated package":
            own.append((self_time, f"{filename.split('/finalpos/')[-1]}:{line} {function}"))
    total = sum(by_owner.values())
    print(f"1,000 concurrent retrieve, aiohttp transport: {total:.2f} s of profiled CPU")
    print("| whose code | self time (s) | share |")
    print("|---|---|---|")
    for name, seconds in sorted(by_owner.items(), key=lambda item: -item[1]):
        print(f"| {name} | {seconds:.3f} | {seconds / total:.0%} |")
    print("\nThe package's own functions, by self time:")
    for seconds, where in sorted(own, reverse=True)[:8]:
        print(f"  {seconds * 1000:7.1f} ms  {where}")


if __name__ == "__main__":
    main()
