"""Backups of a running bot: ``python -m bot backup PATH`` and the daily ``BACKUP_DIR``."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.backup import backup_name, table_counts
from tests.e2e.conftest import StartBot
from tests.e2e.emulator import DiscordEmulator, Guild

pytestmark = pytest.mark.e2e

ORDERS = ["IV > II > III", "II > IV", "V > Rocky = III", "Balboa > IV", "IV", "III > II > IV"]


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return table_counts(conn)
    finally:
        conn.close()


def our_backups(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("ranking-debates-"))


async def test_backup_while_the_bot_runs_holds_every_ballot(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot, tmp_path: Path
) -> None:
    bot = await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0"})
    for member, order in zip(dev_guild.plain_members, ORDERS, strict=True):
        reply = await (await emulator.command("vote", {"order": order}, member=member)).message()
        assert "saved" in reply.text.lower(), reply.text
    target = tmp_path / "elsewhere" / "copy.sqlite3"

    assert await bot.run_once("backup", str(target)) == 0
    assert bot.running, "the bot kept running"

    copied = counts(target)
    assert copied["ballots"] == copied["current_ballots"] == len(ORDERS)
    assert copied == await asyncio.to_thread(counts, bot.database_path)
    assert f"Backed up {bot.database_path} to {target}: integrity ok" in bot.log_path.read_text()


async def test_backup_dir_keeps_a_daily_backup_and_the_newest_few(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [backup_name(datetime(year, 1, 1, tzinfo=UTC)) for year in (2001, 2002, 2003)]
    for name in old:
        (folder / name).write_bytes(b"an old backup")
    (folder / "notes.txt").write_text("not ours")

    await start_bot(env={"BACKUP_DIR": str(folder), "BACKUP_KEEP": "2"})

    deadline = time.monotonic() + 10
    while len(our_backups(folder)) != 2 or old[2] not in our_backups(folder):
        assert time.monotonic() < deadline, our_backups(folder)
        await asyncio.sleep(0.1)
    [today] = set(our_backups(folder)) - {old[2]}
    assert counts(folder / today)["debates"] >= 1
    assert (folder / "notes.txt").exists()
