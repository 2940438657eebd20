"""Daily backups: one a day whatever the restarts, the newest BACKUP_KEEP kept."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.backups import DailyBackups
from bot.maintenance import backup_command
from bot.settings import Settings
from bot.storage import Database


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 4, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_one_backup_a_day_and_only_the_newest_kept(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    async with await Database.open(database) as db:
        await db.migrate()
    folder = tmp_path / "backups"
    clock = Clock()
    made = []
    for hours in range(0, 24 * 4, 6):  # four days, looked at every six hours
        # A new DailyBackups each time: like a restart, it reads the folder to know.
        backups = DailyBackups(database, folder, keep=2, clock=clock)
        clock.now = datetime(2026, 3, 1, 4, 30, tzinfo=UTC) + timedelta(hours=hours)
        report = backups.run_once()
        if report is not None:
            made.append(clock.now)
            copy = sqlite3.connect(report.path)
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            copy.close()
    assert [m - made[0] for m in made] == [timedelta(days=d) for d in range(4)]
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == [
        "ranking-debates-20260303T043000Z.sqlite3",
        "ranking-debates-20260304T043000Z.sqlite3",
    ]
    assert DailyBackups(database, folder, keep=2, clock=clock).next_due() == made[-1] + timedelta(
        days=1
    )


def test_backup_on_postgresql_points_to_pg_dump(tmp_path: Path, capsys) -> None:
    settings = Settings(
        discord_token="", database_path=tmp_path / "bot.sqlite3", database_url="postgresql://x/y"
    )
    assert backup_command(settings, []) == 1
    assert "pg_dump" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [], "nothing made"
