"""Start-up and memory benchmark: prints JSON. Run as ``.venv/bin/python bench/memory.py``.

Builds a database of 110,000 current ballots across 200 servers (550 each, spread over
the built-in debates, stored through BallotRepository.save_many), then starts the real bot
(``python -m bot``) against the project's Discord emulator with those 200 servers, and
measures:
- seconds from starting the process to READY (target: 1.5 s), the median of three starts,
  and the CPU seconds the process used until then;
- resident memory (VmRSS) 3 s after READY (target: 120 MB);
- ``/consensus`` on a debate no command touched yet (cold: read from the database on
  demand): seconds to the answer (target: 1 s).
The reference, measured in the same run: the same bot, same servers, an empty database.
"""

from __future__ import annotations

import asyncio
import logging
import pkgutil
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import cached_bytecode, cpu_seconds, precompile, rss_mb, run_report

import cogs
from bot.catalog import builtin_catalog, load_catalogs
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.ballots import NewBallot
from tests.e2e.conftest import APPLICATION_ID, TOKEN
from tests.e2e.emulator import DiscordEmulator
from tests.e2e.harness import BotProcess

SERVERS = 200
BALLOTS = 110_000
SETTLE_S = 3.0
STARTS = 3  # start-up times are the median of this many starts
TARGET_READY_S = 1.5
TARGET_RSS_MB = 120.0
TARGET_COLD_CONSENSUS_S = 1.0
# What the bot imports to start and to answer /consensus with its picture.
START_MODULES = [
    "bot.launch",
    *(module.name for module in pkgutil.iter_modules(cogs.__path__, "cogs.")),
    "bot.render.tierlist",
    "matplotlib.backends.backend_agg",
]


async def build_database(path: Path, guild_ids: list[int]) -> None:
    rng = random.Random(17)
    async with await Database.open(path) as db:
        await db.migrate()
        debates = await DebateRepository(db).sync_catalog(load_catalogs([builtin_catalog()]))
        ballots = BallotRepository(db)
        per_server = BALLOTS // len(guild_ids)
        for guild_id in guild_ids:
            batch = []
            for member in range(per_server):
                debate = debates[member % len(debates)]
                ids = [item.id for item in debate.items]
                rng.shuffle(ids)
                order = ids[: rng.randint(1, len(ids))]
                tiers = tuple((item,) for item in order)
                batch.append(NewBallot(guild_id, debate.id, 10_000 + member, tiers))
            await ballots.save_many(batch)


async def measure(
    emulator: DiscordEmulator, folder: Path, pycache: Path, database: Path | None
) -> dict:
    # The dev guild (where commands are synced) is the last server: preloading goes in
    # server order, so its debates are cold when /consensus asks for them.
    guild = emulator.guild(SERVERS - 1)
    env = {"LOG_LEVEL": "WARNING", **cached_bytecode(pycache)}
    bot = BotProcess(emulator, folder, dev_guild_id=guild.id, env=env)
    if database is not None:
        await asyncio.to_thread(database.rename, bot.database_path)
    ready_s, cpu_s = [], []
    for start in range(STARTS):
        if start:
            await bot.stop()
        syncs_before = len(emulator.command_syncs)
        started = time.monotonic()
        await bot.start(wait_for_sync=False)
        ready_s.append(time.monotonic() - started)
        cpu_s.append(cpu_seconds(bot))
        await emulator.wait_for_sync(guild.id, after=syncs_before)
    # The last start goes on: its memory, then a /consensus on a debate nothing loaded yet.
    await asyncio.sleep(SETTLE_S)
    result: dict[str, object] = {
        "start_to_ready_s": round(statistics.median(ready_s), 3),
        "start_to_ready_runs_s": [round(s, 3) for s in ready_s],
        # CPU the process used until READY: far less than the wall time swayed by the load.
        "cpu_s_to_ready": round(statistics.median(cpu_s), 3),
        "rss_mb_after_ready": round(rss_mb(bot), 1),
    }
    if database is not None:
        command_at = time.monotonic()
        handle = await emulator.command("consensus", {}, guild=guild)
        message = await handle.message(timeout=30)
        result["cold_consensus_s"] = round(message.shown_at - command_at, 3)
        result["cold_consensus_voters_shown"] = (
            "voters" in message.text or "members" in message.text
        )
        result["rss_mb_after_cold_consensus"] = round(rss_mb(bot), 1)
    await bot.stop()
    return result


async def run(folder: Path) -> dict[str, object]:
    logging.getLogger("e2e.emulator").setLevel(logging.CRITICAL)
    async with DiscordEmulator(
        application_id=APPLICATION_ID, token=TOKEN, ack_deadline=None
    ) as emulator:
        guilds = [emulator.add_guild(f"Server {n}", members=3) for n in range(SERVERS)]
        database = folder / "built.sqlite3"
        built = time.monotonic()
        await build_database(database, [g.id for g in guilds])
        build_s = time.monotonic() - built
        # What the bot imports to start and to answer /consensus, compiled ahead, as an
        # installed package is: the start then pays for importing, not for compiling.
        pycache = folder / "pycache"
        await asyncio.to_thread(precompile, pycache, START_MODULES)
        (folder / "empty").mkdir()
        (folder / "full").mkdir()
        # The dev guild syncs commands; the emulator knows /consensus in every server then.
        empty = await measure(emulator, folder / "empty", pycache, None)
        full = await measure(emulator, folder / "full", pycache, database)
    return {
        "database": {"servers": SERVERS, "ballots": BALLOTS, "build_s": round(build_s, 1)},
        "reference_empty_database": empty,
        "ours_110k_ballots": full,
        "rss_over_reference_mb": round(full["rss_mb_after_ready"] - empty["rss_mb_after_ready"], 1),
        "targets": {
            "start_to_ready_s": TARGET_READY_S,
            "rss_mb_after_ready": TARGET_RSS_MB,
            "cold_consensus_s": TARGET_COLD_CONSENSUS_S,
        },
        "meets_targets": {
            "start_to_ready": full["start_to_ready_s"] <= TARGET_READY_S,
            "rss": full["rss_mb_after_ready"] <= TARGET_RSS_MB,
            "cold_consensus": full["cold_consensus_s"] <= TARGET_COLD_CONSENSUS_S,
        },
    }


def measure_all() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(run(Path(tmp)))


if __name__ == "__main__":
    run_report(measure_all)
