"""Daily backups while the bot runs (``BACKUP_DIR``), keeping the newest ``BACKUP_KEEP``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage.backup import (
    BACKUP_NAME,
    BackupReport,
    backup_database,
    backup_name,
    prune_backups,
)

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
# Waking up at least this often keeps the rhythm after the machine slept or the clock moved.
LONGEST_NAP = timedelta(hours=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


class DailyBackups:
    """Makes a backup when the newest one in ``folder`` is a day old (or there is none).

    The times come from the files' names, so a restart or a backup made by hand with
    ``python -m bot backup`` into the same folder counts.
    """

    def __init__(
        self,
        database: Path,
        folder: Path,
        keep: int,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.folder = folder
        self.keep = keep
        self.clock = clock

    def newest(self) -> datetime | None:
        if not self.folder.is_dir():
            return None
        stamps = [
            datetime.strptime(p.name, "ranking-debates-%Y%m%dT%H%M%SZ.sqlite3").replace(tzinfo=UTC)
            for p in self.folder.iterdir()
            if BACKUP_NAME.match(p.name)
        ]
        return max(stamps, default=None)

    def next_due(self) -> datetime:
        newest = self.newest()
        return self.clock() if newest is None else newest + EVERY

    def run_once(self) -> BackupReport | None:
        """A backup if one is due, then pruning. Blocking (file copies): run in a thread."""
        now = self.clock()
        if self.next_due() > now:
            return None
        report = backup_database(self.database, self.folder / backup_name(now))
        gone = prune_backups(self.folder, self.keep)
        log.info("Daily backup %s; removed %d older one(s)", report.describe(), len(gone))
        return report

    async def run(self) -> None:
        """Forever: back up when due. A failure is logged and tried again at the next wake."""
        while True:
            try:
                await asyncio.to_thread(self.run_once)
                wait = await asyncio.to_thread(self.next_due) - self.clock()
            except Exception:
                log.exception("Daily backup to %s failed; trying again later", self.folder)
                wait = LONGEST_NAP
            await asyncio.sleep(min(max(wait, timedelta(seconds=1)), LONGEST_NAP).total_seconds())
