"""``python -m bot copy-db``: every row of one database into another (SQLite to PostgreSQL).

The target must hold nothing yet; it is migrated, filled in one transaction (parents before
the tables that refer to them, ids kept, ballot history and all), and the rows of every
table are counted on both sides before the copy is called done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from graphlib import TopologicalSorter

from bot.storage.database import Database
from bot.storage.sql import Row

# Tables that migrations themselves fill (0003 makes the pseudonym key). The target's rows
# there are replaced by the source's: the same key keeps export pseudonyms the same.
SEEDED_BY_MIGRATIONS = ("instance_secrets",)
BATCH = 5000


class CopyRefused(Exception):
    """The copy was not made, or did not check out; the message is one line."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    counts: dict[str, int]  # rows per table, the same in the source and the target

    def describe(self) -> str:
        return ", ".join(f"{n} {table}" for table, n in self.counts.items()) or "no tables"


async def count_rows(db: Database) -> dict[str, int]:
    counts = {}
    for table in sorted(await db.tables()):
        # Table names come from the database's own catalog, quoted as identifiers.
        row = await db.fetchone(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = int(row[0]) if row else 0
    return counts


async def copy_database(source: Database, target: Database) -> CopyReport:
    """Copy every row of ``source`` into the empty ``target``; both are migrated first."""
    await source.migrate()
    await target.migrate()
    tables = await source.tables()
    if tables != await target.tables():
        raise CopyRefused(f"{source.name} and {target.name} have different tables or columns.")
    before = await count_rows(target)
    filled = [t for t, n in before.items() if n and t not in SEEDED_BY_MIGRATIONS]
    if filled:
        raise CopyRefused(
            f"{target.name} is not empty ({', '.join(f'{before[t]} {t}' for t in filled)}); "
            "copy into a new, empty database."
        )
    order = list(TopologicalSorter(await source.references()).static_order())
    async with target.transaction() as conn:
        for table in SEEDED_BY_MIGRATIONS:
            await conn.execute(f'DELETE FROM "{table}"')
        for table in order:
            columns = tables[table]
            names = ", ".join(f'"{c}"' for c in columns)
            insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
            async for batch in _batches(source, table, names, "id" in columns):
                await conn.executemany(insert, [tuple(row) for row in batch])
        await target.after_copy(conn, [t for t in order if "id" in tables[t]])
    counts, copied = await count_rows(source), await count_rows(target)
    if counts != copied:
        raise CopyRefused(f"the counts differ after copying: {copied} instead of {counts}.")
    return CopyReport(counts)


async def _batches(
    source: Database, table: str, names: str, by_id: bool
) -> AsyncIterator[list[Row]]:
    if not by_id:
        yield await source.fetchall(f'SELECT {names} FROM "{table}"')
        return
    last = None
    while True:
        # Keyset pages by id, so a large ballots table is never all in memory at once.
        rows = await source.fetchall(
            f'SELECT {names} FROM "{table}" WHERE id > ? ORDER BY id LIMIT ?',
            (-1 if last is None else last, BATCH),
        )
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]
