"""Looking at a database from a test the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager

import pytest

from bot.storage import Database
from bot.storage.sql import Connection


@contextmanager
def counted_transactions(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """A list that gets one entry per transaction ``db`` opens meanwhile (through
    :meth:`Database.transaction`, the only way repositories write), whatever the backend."""
    opened: list[int] = []
    original = db.transaction

    @asynccontextmanager
    async def counting() -> AsyncIterator[Connection]:
        async with original() as conn:
            opened.append(len(opened) + 1)
            yield conn

    def transaction() -> AbstractAsyncContextManager[Connection]:
        return counting()

    with monkeypatch.context() as patch:
        patch.setattr(db, "transaction", transaction)
        yield opened


@asynccontextmanager
async def another_connection(db: Database) -> AsyncIterator[Database]:
    """The same database opened again, as another process (or the bot after a crash) would:
    it sees only what was committed."""
    target = db.file if db.file is not None else getattr(db, "url")  # noqa: B009
    async with await Database.open(target) as other:
        yield other
