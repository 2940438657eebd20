"""Saved ballots per second on PostgreSQL and on SQLite: prints JSON.

Run as ``.venv/bin/python bench/postgres.py`` (PG_TEST_URL names a server to use; otherwise a
throwaway PostgreSQL 15 is started as the tests do, with fsync on). Goal: PostgreSQL within
2x of SQLite, the reference measured in the same run on the same machine.

Each backend saves the same ballots through :class:`BallotRepository`, as the bot does (one
transaction per save: check the items, read the current ballot, insert the revision, move
the pointer), first one after the other, then as a burst of concurrent saves.

Durability differs by setting, so PostgreSQL is measured twice: ``synchronous_commit=off``
has SQLite's guarantee in WAL mode with ``synchronous=NORMAL`` (a crash loses no committed
transaction's consistency, a power cut may lose the last few); ``on`` also waits for the
disk at every commit.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.models import DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from tests.support import postgres

GOAL_RATIO = 2.0
ITEMS = 10
SEQUENTIAL = 2000
BURST = 1000
ROUNDS = 3
SPEC = DebateSpec(
    "bench", "Bench", "Which?", "Me", tuple(ItemSpec(f"Item {i}") for i in range(ITEMS))
)


def ballots(item_ids: list[int], count: int, seed: int) -> list[tuple[tuple[int, ...], ...]]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        order = rng.sample(item_ids, rng.randint(3, ITEMS))
        made.append(tuple((i,) for i in order))
    return made


async def measure(db: Database) -> dict[str, float]:
    """Saves per second, one after the other and as a burst (median of ROUNDS)."""
    await db.migrate()
    debate = await DebateRepository(db).create(SPEC, guild_id=1, created_by=None)
    repo = BallotRepository(db)
    ids = [item.id for item in debate.items]
    sequential, burst = [], []
    for round_ in range(ROUNDS):
        work = ballots(ids, SEQUENTIAL, round_)
        start = time.perf_counter()
        for member, tiers in enumerate(work):
            await repo.save(1, debate.id, member, tiers)
        sequential.append(SEQUENTIAL / (time.perf_counter() - start))
        work = ballots(ids, BURST, 100 + round_)
        start = time.perf_counter()
        await asyncio.gather(*(repo.save(2, debate.id, m, t) for m, t in enumerate(work)))
        burst.append(BURST / (time.perf_counter() - start))
    return {
        "sequential_per_s": round(statistics.median(sequential)),
        "burst_per_s": round(statistics.median(burst)),
    }


async def on_postgres(url: str, synchronous_commit: str) -> dict[str, float]:
    schema = await postgres.new_schema(url)
    try:
        target = (
            postgres.with_search_path(url, schema) + f"&synchronous_commit={synchronous_commit}"
        )
        async with await Database.open(target) as db:
            return await measure(db)
    finally:
        await postgres.drop_schema(url, schema)


async def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        async with await Database.open(Path(folder) / "bench.sqlite3") as db:
            sqlite = await measure(db)
    server = postgres.start(fsync=True)
    try:
        relaxed = await on_postgres(server.url, "off")
        durable = await on_postgres(server.url, "on")
    finally:
        server.stop()

    def ratio(pg: dict[str, float], key: str) -> float:
        return round(sqlite[key] / pg[key], 2)

    return {
        "benchmark": "saved ballots per second, BallotRepository.save",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "items": ITEMS,
        "sequential_saves": SEQUENTIAL,
        "burst_saves": BURST,
        "reference": "sqlite (WAL, synchronous=NORMAL), same run",
        "sqlite": sqlite,
        "postgresql_synchronous_commit_off": relaxed,
        "postgresql_synchronous_commit_on": durable,
        "slowdown_vs_sqlite": {
            "sequential_off": ratio(relaxed, "sequential_per_s"),
            "burst_off": ratio(relaxed, "burst_per_s"),
            "sequential_on": ratio(durable, "sequential_per_s"),
            "burst_on": ratio(durable, "burst_per_s"),
        },
        "goal": f"synchronous_commit=off within {GOAL_RATIO}x of SQLite",
        "goal_met": max(ratio(relaxed, "sequential_per_s"), ratio(relaxed, "burst_per_s"))
        <= GOAL_RATIO,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main()), indent=2))
