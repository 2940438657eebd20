"""Bounds benchmark (issue 12): prints JSON. Run as ``.venv/bin/python bench/bounds.py``.

The worst cases one server can make the bot pay for, each measured in the same run against
a named reference, with the ratio:

- ``/myvote`` on a member with 50,000 saved revisions: counting them by query, against the
  reference, which loaded the whole history to count it (``len(history())``);
- removing an item from a debate while 200,000 revisions of 50 debates are stored, while
  another server saves ballots all along: the edit, then its revisions stripped in batches of
  ``REMOVAL_BATCH``, each its own transaction (migration 0009), with the longest any of
  those saves waited, against the reference, the same rewrite in one transaction (as before);
- the retention catching up on those 50,000 revisions (``compact_all``): how long, and the
  longest the event loop went without running meanwhile;
- the debate autocomplete in a server at the 50-debate cap (200 items each), against the
  300 debates a server could make before the cap;
- ``/debate export`` of 5,000 stored ballots × 200 items: read a page at a time and written
  out in the export thread, gzipped (``DebateAdmin.ballot_rows`` + ``ExportWorker.pack``),
  against the reference, the whole CSV built as text on the event loop; also the loop stall
  of issue 12's version, which loaded every ballot on the loop before the thread packed them.

``loop_stall_ms`` is the longest gap of a 1 ms heartbeat while the work ran through the
bot's own async entry point (target: under 100 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.debate_admin import DebateAdmin  # noqa: E402
from bot.debate_directory import DebateDirectory  # noqa: E402
from bot.exports import ExportTooBig, ExportWorker, pack_csv  # noqa: E402
from bot.models import Debate, DebateSpec, ItemSpec  # noqa: E402
from bot.render.admin import ballot_rows, ballots_csv  # noqa: E402
from bot.storage import (  # noqa: E402
    BallotRepository,
    Database,
    DebateRepository,
    SettingsRepository,
)
from bot.storage.ballots import NewBallot  # noqa: E402
from bot.storage.debates import REMOVAL_BATCH, _stripped  # noqa: E402

TARGET_STALL_MS = 100.0
GUILD = 1


async def stall_ms(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(seconds ``work`` took, the longest gap of a 1 ms heartbeat meanwhile, in ms)."""
    done = False
    longest = 0.0

    async def heartbeat() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    with contextlib.suppress(ExportTooBig):
        await work()
    took = time.perf_counter() - start
    done = True
    await beat
    return took, longest * 1000


async def best(work: Callable[[], Awaitable[object]], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return min(times)


def row(label: str, seconds: float, reference: float, reference_name: str, **extra: Any) -> dict:
    return {
        "case": label,
        "seconds": round(seconds, 6),
        "reference": reference_name,
        "reference_seconds": round(reference, 6),
        "ratio_to_reference": round(seconds / reference, 4) if reference else None,
        **extra,
    }


def spec(slug: str, items: int) -> DebateSpec:
    return DebateSpec(
        slug,
        f"Debate {slug}",
        "Which?",
        "Bench",
        tuple(ItemSpec(f"{slug} item {n}") for n in range(items)),
    )


async def insert_revisions(db: Database, rows: list[tuple[int, int, str]]) -> None:
    """(debate_id, member_id, tiers JSON) as stored revisions, as from before the retention."""
    now = datetime.now(UTC).isoformat()
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO ballots (guild_id, debate_id, member_id, tiers, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(GUILD, d, m, t, now) for d, m, t in rows],
        )


async def history_cases(folder: Path) -> list[dict]:
    async with await Database.open(folder / "history.sqlite3") as db:
        await db.migrate()
        debate = await DebateRepository(db).create(spec("h", 10), guild_id=GUILD)
        ids = [item.id for item in debate.items]
        tiers = json.dumps([[i] for i in ids])
        await insert_revisions(db, [(debate.id, 7, tiers)] * 50_000)
        ballots = BallotRepository(db)
        counted = await best(lambda: ballots.count_revisions(GUILD, debate.id, 7))
        loaded = await best(lambda: ballots.history(GUILD, debate.id, 7), repeat=1)
        took, stall = await stall_ms(ballots.compact_all)
        after = await ballots.count_revisions(GUILD, debate.id, 7)
        kept = len(await ballots.history(GUILD, debate.id, 7))
    return [
        row(
            "/myvote: count 50,000 revisions of one member",
            counted,
            loaded,
            "len(history()): every revision loaded to count it (before issue 12)",
        ),
        {
            "case": "retention catching up on 50,000 revisions (compact_all)",
            "seconds": round(took, 3),
            "loop_stall_ms": round(stall, 1),
            "meets_target": stall < TARGET_STALL_MS,
            "revisions_kept": kept,
            "count_after": after,
        },
    ]


async def removal_case(folder: Path) -> dict:
    async with await Database.open(folder / "removal.sqlite3") as db:
        await db.migrate()
        debates = DebateRepository(db)
        made = [await debates.create(spec(f"r{n}", 20), guild_id=GUILD) for n in range(50)]
        rows = []
        for n in range(200_000):
            debate = made[n % 50]
            tiers = json.dumps([[item.id] for item in debate.items[:10]])
            rows.append((debate.id, n, tiers))
        await insert_revisions(db, rows)
        # The removed item's debate has 4,000 revisions; a second debate of that size also
        # loses an item, for the reference: its whole rewrite in one transaction, as before.
        target, other = made[0], made[1]
        saves = BallotRepository(db)
        waits: list[float] = []
        done = False

        async def other_servers_save() -> None:
            # Another server saving all along: how long each save waited for the write lock.
            member = 0
            while not done:
                start = time.perf_counter()
                await saves.save(GUILD + 1, made[2].id, member % 50, ((made[2].items[0].id,),))
                waits.append(time.perf_counter() - start)
                member += 1
                await asyncio.sleep(0.005)

        async def remove(debate: Debate) -> None:
            kept = debate.items[1:]
            await debates.revise(
                debate.id,
                DebateSpec(debate.slug, debate.title, debate.question, debate.author,
                           tuple(ItemSpec(i.name) for i in kept)),
                [i.id for i in kept],
                expected_revision=debate.revision,
            )  # fmt: skip

        saving = asyncio.create_task(other_servers_save())
        await asyncio.sleep(0.05)
        took, stall = await stall_ms(partial(remove, target))
        done = True
        await saving
        batched_wait = max(waits)
        stripped = await db.fetchone(
            "SELECT COUNT(*) FROM ballots WHERE debate_id = ? AND tiers LIKE ?",
            (target.id, f"[[{target.items[0].id}]%"),
        )

        async def remove_in_one_transaction() -> None:
            # Before: every revision stripped inside the edit's own transaction.
            async with db.transaction() as conn:
                found = await conn.fetchall(
                    "SELECT id, tiers FROM ballots WHERE debate_id = ?", (other.id,)
                )
                updates, emptied = await asyncio.to_thread(
                    _stripped, [(r["id"], r["tiers"]) for r in found], {other.items[0].id}
                )
                await conn.executemany("UPDATE ballots SET tiers = ? WHERE id = ?", updates)
                await conn.executemany("DELETE FROM current_ballots WHERE ballot_id = ?", emptied)

        whole, whole_stall = await stall_ms(remove_in_one_transaction)
    return row(
        "remove an item: 4,000 of 200,000 revisions (50 debates) rewritten",
        took,
        whole,
        "the same rewrite in one transaction holding the write lock (before this change)",
        loop_stall_ms=round(stall, 1),
        reference_loop_stall_ms=round(whole_stall, 1),
        longest_other_save_ms=round(batched_wait * 1000, 1),
        reference_write_lock_held_ms=round(whole * 1000, 1),
        batch=REMOVAL_BATCH,
        left_unstripped=stripped[0] if stripped else None,
        meets_target=stall < TARGET_STALL_MS,
    )


async def autocomplete_case(folder: Path) -> dict:
    async def timing(count: int) -> float:
        async with await Database.open(folder / f"auto{count}.sqlite3") as db:
            await db.migrate()
            debates = DebateRepository(db)
            for n in range(count):
                await debates.create(spec(f"a{n}", 200), guild_id=GUILD)
            directory = DebateDirectory(debates, BallotRepository(db), SettingsRepository(db))
            await directory.suggest(GUILD, "")  # warm: the first keystroke loads the headers

            async def keystrokes() -> None:
                for typed in ("d", "de", "deb", "debate a1", "zzz"):
                    await directory.suggest(GUILD, typed)

            return await best(keystrokes) / 5

    capped, uncapped = await timing(50), await timing(300)
    return row(
        "debate autocomplete, one keystroke, 50 debates × 200 items (the cap)",
        capped,
        uncapped,
        "300 debates × 200 items, which a server could make before the cap",
    )


async def export_case(folder: Path) -> dict:
    async with await Database.open(folder / "export.sqlite3") as db:
        await db.migrate()
        names = [f"Contender number {n:03d} of the great debate" for n in range(200)]
        debate = await DebateRepository(db).create(
            DebateSpec("big", "Big", "Q", "A", tuple(ItemSpec(name) for name in names)),
            guild_id=GUILD,
        )
        ballots = BallotRepository(db)
        rng = random.Random(5)
        ids = [item.id for item in debate.items]
        new_ballots = []
        for member in range(5000):
            order = ids[:]
            rng.shuffle(order)
            new_ballots.append(
                NewBallot(GUILD, debate.id, member, tuple((i,) for i in order), "why")
            )
        for start in range(0, len(new_ballots), 500):
            await ballots.save_many(new_ballots[start : start + 500])
        admin = DebateAdmin(DebateRepository(db), ballots, SettingsRepository(db))
        voter = str
        worker = ExportWorker()
        packed: list[int] = []

        async def new() -> None:
            # As /debate export does: pages of the database, written out in the export thread.
            result = await worker.pack(GUILD, admin.ballot_rows(GUILD, debate, voter), "x")
            packed.append(len(result.data))

        async def old() -> None:
            every = await ballots.current_all(GUILD, debate.id)
            packed.append(len(ballots_csv(debate, every, voter).encode()))

        async def before() -> None:
            # Issue 12's export: every ballot loaded on the event loop, then packed in the thread.
            every = await ballots.current_all(GUILD, debate.id)
            await worker.build(GUILD, partial(pack_csv, ballot_rows(debate, every, voter), "x"))

        took, stall = await stall_ms(new)
        # The floor on this machine: any CPU-bound thread (here one that only counts) costs the
        # event loop this much while it runs, from the GIL and from sharing the cores.
        _, floor = await stall_ms(partial(asyncio.to_thread, _busy, took))
        _, loaded_stall = await stall_ms(before)
        old_took, old_stall = await stall_ms(old)
        worker.close()
    return row(
        "/debate export, 5,000 ballots × 200 items, from the database",
        took,
        old_took,
        "the whole CSV built as text on the event loop, sent uncompressed (before issue 12)",
        bytes=packed[0],
        reference_bytes=packed[1],
        loop_stall_ms=round(stall, 1),
        reference_loop_stall_ms=round(old_stall, 1),
        all_ballots_loaded_first_loop_stall_ms=round(loaded_stall, 1),
        any_busy_thread_loop_stall_ms=round(floor, 1),
        meets_target=stall < TARGET_STALL_MS,
        fits_upload=packed[0] <= 8 * 1024 * 1024,
    )


def _busy(seconds: float) -> None:
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        cases = [
            *await history_cases(path),
            await removal_case(path),
            await autocomplete_case(path),
            await export_case(path),
        ]
    print(
        json.dumps(
            {
                "benchmark": "bounds",
                "target_loop_stall_ms": TARGET_STALL_MS,
                "python": platform.python_version(),
                "cases": cases,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
