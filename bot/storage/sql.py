"""The one way repositories talk to a database, whichever it is (SQLite or PostgreSQL).

Repositories write portable SQL with ``?`` placeholders and ``RETURNING`` and run it through a
:class:`Connection`: ``execute`` (awaitable, or ``async with`` for its rows), ``executemany``,
``fetchone`` and ``fetchall``. Each backend translates what differs (placeholders, driver
errors) so that nothing above ``bot/storage`` sees a driver or a dialect.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

Params = Sequence[Any]


class Row(Protocol):
    """A result row: by column name or position (``sqlite3.Row``, ``asyncpg.Record``)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class ConstraintViolation(Exception):
    """A write broke a constraint of the schema; the driver's error is the ``__cause__``."""


class UniqueViolation(ConstraintViolation):
    """A row with the same unique key exists already."""


class ForeignKeyViolation(ConstraintViolation):
    """A row refers to one that does not exist (or still has rows referring to it)."""


@dataclass(slots=True)
class Cursor:
    """What a statement returned: its rows (all read at once), and how many rows it changed."""

    rows: list[Row] = field(default_factory=list)
    rowcount: int = -1
    _lastrowid: int | None = None
    _dialect: str = "sqlite"

    @property
    def lastrowid(self) -> int | None:
        if self._dialect != "sqlite":
            # PostgreSQL has no last row id: `INSERT ... RETURNING id` works on both.
            raise NotImplementedError("lastrowid is SQLite-only; write INSERT ... RETURNING id")
        return self._lastrowid

    async def fetchone(self) -> Row | None:
        return self.rows.pop(0) if self.rows else None

    async def fetchall(self) -> list[Row]:
        rows, self.rows = self.rows, []
        return rows


class Pending:
    """A running statement: await it for its :class:`Cursor`, or use ``async with``."""

    __slots__ = ("_running",)

    def __init__(self, running: Awaitable[Cursor]) -> None:
        self._running = running

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._running.__await__()

    async def __aenter__(self) -> Cursor:
        return await self._running

    async def __aexit__(self, *exc_info: object) -> None:
        return None


class Connection(ABC):
    """One connection inside (or outside) a transaction, as the repositories see it."""

    def execute(self, sql: str, params: Params = ()) -> Pending:
        return Pending(self._execute(sql, params))

    @abstractmethod
    async def _execute(self, sql: str, params: Params) -> Cursor: ...

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await (await self._execute(sql, params)).fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await (await self._execute(sql, params)).fetchall()

    async def announce_change(self) -> None:
        """Tell other processes using the database, when this transaction commits, that rows
        they may hold in memory changed outside their own writes (see ``data_version``)."""
        return None


@lru_cache(maxsize=2048)
def numbered_placeholders(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, …``; quoted text and comments untouched."""
    out: list[str] = []
    count = 0
    quote: str | None = None
    i = 0
    while i < len(sql):
        char = sql[i]
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = len(sql) if end < 0 else end
            out.append(sql[i:end])
            i = end
            continue
        elif char == "?":
            count += 1
            out.append(f"${count}")
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


_ROWS_FIRST = re.compile(r"^\s*(SELECT|WITH|VALUES|TABLE|SHOW)\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=2048)
def returns_rows(sql: str) -> bool:
    """Whether a statement gives rows back (a query, or a write with ``RETURNING``)."""
    return bool(_ROWS_FIRST.match(sql) or _RETURNING.search(sql))
