"""Debates and their items; per-server open/closed state."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from bot.models import (
    Deadline,
    Debate,
    DebateChanged,
    DebateHeader,
    DebateSpec,
    Item,
    ItemSpec,
    SlugTaken,
    TooManyDebates,
)
from bot.storage._cache import KeptRows
from bot.storage._util import dump_tiers, from_iso, load_tiers, to_iso, utcnow
from bot.storage.database import Database
from bot.storage.sql import Connection, Row, UniqueViolation

# Called after a write with the server whose debates changed and the debate that changed;
# (None, None) when it may be any, None for the server when it is a debate's own change.
ChangeListener = Callable[[int | None, int | None], None]

# Debates (with their items) and (server, debate) open states kept in memory.
KEPT_DEBATES = 1_000
KEPT_OPEN_STATES = 20_000

# A server's open state of a debate: is_open and closes_at as stored (no row: open).
_OpenState = tuple[bool, str | None]


log = logging.getLogger(__name__)

# Revisions stripped of removed items per transaction: a few milliseconds of the write lock,
# even for ballots of 200 items.
REMOVAL_BATCH = 200


class DebateRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._listeners: list[ChangeListener] = []
        # Every vote reads its debate and whether it is open; kept, and dropped by every
        # write here (_changed) or a purge (forget_server). See _cache for why that is right.
        self._debates: KeptRows[int, Debate | None] = KeptRows(KEPT_DEBATES)
        self._open: KeptRows[tuple[int, int], _OpenState] = KeptRows(KEPT_OPEN_STATES)

    def add_listener(self, listener: ChangeListener) -> None:
        """Be told of every change to which debates a server sees, their titles or status."""
        self._listeners.append(listener)

    def _changed(self, guild_id: int | None, debate_id: int | None) -> None:
        if guild_id is None and debate_id is None:
            self.forget_all()
        else:
            if debate_id is not None:
                self._debates.forget(debate_id)
            self._open.forget_where(lambda key, _: key[0] == guild_id or key[1] == debate_id)
        for listener in self._listeners:
            listener(guild_id, debate_id)

    def forget_server(self, guild_id: int) -> None:
        """Drop what is kept of a server whose rows were deleted outside this store."""
        self._debates.forget_where(lambda _, debate: debate is None or debate.guild_id == guild_id)
        self._open.forget_where(lambda key, _: key[0] == guild_id)

    def forget_all(self) -> None:
        """Drop everything kept: another process changed the database."""
        self._debates.forget_all()
        self._open.forget_all()

    # -- reading -------------------------------------------------------------------------

    async def get(self, debate_id: int) -> Debate | None:
        return await self._debates.get(debate_id, lambda: self._load(debate_id))

    async def _load(self, debate_id: int) -> Debate | None:
        rows = await self.db.fetchall("SELECT * FROM debates WHERE id = ?", (debate_id,))
        debates = await self._with_items(rows)
        return debates[0] if debates else None

    async def list_for_guild(self, guild_id: int | None) -> list[Debate]:
        """Catalog debates first (in catalog order), then the server's own, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM debates WHERE guild_id IS NULL OR guild_id = ? "
            "ORDER BY guild_id IS NOT NULL, id",
            (guild_id,),
        )
        return await self._with_items(rows)

    async def headers_for_guild(self, guild_id: int | None) -> list[DebateHeader]:
        """What :meth:`list_for_guild` lists, in its order, without the items."""
        rows = await self.db.fetchall(
            "SELECT d.id, d.slug, d.title, d.guild_id, COALESCE(g.is_open, 1) AS is_open,"
            " g.closes_at"
            " FROM debates d LEFT JOIN guild_debates g ON g.debate_id = d.id AND g.guild_id = ?"
            " WHERE d.guild_id IS NULL OR d.guild_id = ? ORDER BY d.guild_id IS NOT NULL, d.id",
            (guild_id, guild_id),
        )
        return [
            DebateHeader(
                row["id"],
                row["slug"],
                row["title"],
                row["guild_id"],
                bool(row["is_open"]),
                from_iso(row["closes_at"]),
            )
            for row in rows
        ]

    async def list_catalog(self) -> list[Debate]:
        rows = await self.db.fetchall("SELECT * FROM debates WHERE guild_id IS NULL ORDER BY id")
        return await self._with_items(rows)

    async def _with_items(self, rows: list[Row]) -> list[Debate]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        marks = ",".join("?" * len(ids))
        item_rows = await self.db.fetchall(
            f"SELECT * FROM items WHERE debate_id IN ({marks}) ORDER BY debate_id, position, id",
            tuple(ids),
        )
        items: dict[int, list[Item]] = {debate_id: [] for debate_id in ids}
        for row in item_rows:
            items[row["debate_id"]].append(
                Item(
                    id=row["id"],
                    name=row["name"],
                    aliases=tuple(json.loads(row["aliases"])),
                    reason=row["reason"],
                )
            )
        return [
            Debate(
                id=row["id"],
                slug=row["slug"],
                title=row["title"],
                question=row["question"],
                author=row["author"],
                source=row["source"],
                guild_id=row["guild_id"],
                items=tuple(items[row["id"]]),
                revision=row["revision"],
            )
            for row in rows
        ]

    # -- writing -------------------------------------------------------------------------

    async def create(
        self,
        spec: DebateSpec,
        *,
        guild_id: int | None,
        created_by: int | None = None,
        max_per_guild: int | None = None,
    ) -> Debate:
        """Store a new debate; :class:`SlugTaken` when its slug is used there already,
        :class:`TooManyDebates` when the server has ``max_per_guild`` debates already."""
        try:
            async with self.db.transaction() as conn:
                # Counted inside the write, so two imports at once can't both pass the limit.
                if guild_id is not None and max_per_guild is not None:
                    async with conn.execute(
                        "SELECT COUNT(*) FROM debates WHERE guild_id = ?", (guild_id,)
                    ) as cursor:
                        row = await cursor.fetchone()
                    if row is not None and row[0] >= max_per_guild:
                        raise TooManyDebates(max_per_guild)
                debate_id = await self._insert(conn, spec, guild_id=guild_id, created_by=created_by)
        except UniqueViolation:
            raise SlugTaken(spec.slug) from None
        # A new catalog debate is seen by every server.
        self._changed(guild_id, debate_id) if guild_id is not None else self._changed(None, None)
        debate = await self.get(debate_id)
        assert debate is not None
        return debate

    async def _insert(
        self,
        conn: Connection,
        spec: DebateSpec,
        *,
        guild_id: int | None,
        created_by: int | None,
    ) -> int:
        inserted = await conn.fetchone(
            "INSERT INTO debates (guild_id, slug, title, question, author, source, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                guild_id,
                spec.slug,
                spec.title,
                spec.question,
                spec.author,
                spec.source,
                created_by,
                to_iso(utcnow()),
            ),
        )
        assert inserted is not None
        debate_id = int(inserted["id"])
        await _insert_items(conn, debate_id, enumerate(spec.items))
        return debate_id

    async def replace(self, debate_id: int, spec: DebateSpec) -> Debate:
        """Make a stored debate match ``spec`` in one transaction.

        Items are matched to stored ones by name (case-insensitive) so their ids, and the
        ballots that use them, survive; items that are gone are removed from every ballot.
        """
        async with self.db.transaction() as conn:
            await self._apply_spec(conn, debate_id, spec)
            # A form opened before this write must not overwrite it (see revise). The
            # catalog's sync at start does not bump it: nobody edits catalog debates in forms.
            await conn.execute(
                "UPDATE debates SET revision = revision + 1 WHERE id = ?", (debate_id,)
            )
        self._changed(None, debate_id)
        await self._strip_removed(debate_id)
        debate = await self.get(debate_id)
        assert debate is not None
        return debate

    async def _apply_spec(self, conn: Connection, debate_id: int, spec: DebateSpec) -> None:
        await conn.execute(
            "UPDATE debates SET slug = ?, title = ?, question = ?, author = ?, source = ?"
            " WHERE id = ?",
            (spec.slug, spec.title, spec.question, spec.author, spec.source, debate_id),
        )
        async with conn.execute(
            "SELECT id, name FROM items WHERE debate_id = ?", (debate_id,)
        ) as cursor:
            stored = {row["name"].casefold(): row["id"] for row in await cursor.fetchall()}
        kept: set[int] = set()
        new: list[tuple[int, ItemSpec]] = []
        for position, item in enumerate(spec.items):
            item_id = stored.get(item.name.casefold())
            if item_id is None:
                new.append((position, item))
                continue
            kept.add(item_id)
            await conn.execute(
                "UPDATE items SET position = ?, name = ?, aliases = ?, reason = ? WHERE id = ?",
                (position, item.name, json.dumps(list(item.aliases)), item.reason, item_id),
            )
        await _insert_items(conn, debate_id, new)
        gone = set(stored.values()) - kept
        if gone:
            await mark_items_removed(conn, debate_id, gone)
            await conn.executemany("DELETE FROM items WHERE id = ?", [(i,) for i in gone])

    async def revise(
        self,
        debate_id: int,
        spec: DebateSpec,
        item_ids: Sequence[int | None],
        *,
        expected_revision: int,
    ) -> Debate:
        """Make a stored debate match ``spec``, saying which stored item each spec item is.

        Unlike :meth:`replace`, which matches items by name, this keeps the id of a renamed
        item (``item_ids[i]`` is the stored id of ``spec.items[i]``, None for a new item), so
        every ballot that ranks it survives the rename. Stored items not named are removed
        from every ballot. ``expected_revision`` is the debate's revision the caller saw: if
        another edit changed anything meanwhile (an item, the title, a reason),
        :class:`DebateChanged` is raised and nothing is written.
        """
        if len(item_ids) != len(spec.items):
            raise ValueError("item_ids must name one stored id (or None) per spec item")
        async with self.db.transaction() as conn:
            # The revision is compared and bumped in the same statement, inside the write:
            # of two edits made from the same revision exactly one matches.
            cursor = await conn.execute(
                "UPDATE debates SET slug = ?, title = ?, question = ?, author = ?, source = ?,"
                " revision = revision + 1 WHERE id = ? AND revision = ?",
                (
                    spec.slug,
                    spec.title,
                    spec.question,
                    spec.author,
                    spec.source,
                    debate_id,
                    expected_revision,
                ),
            )
            if cursor.rowcount != 1:
                raise DebateChanged(debate_id)
            async with conn.execute(
                "SELECT id FROM items WHERE debate_id = ?", (debate_id,)
            ) as cursor:
                stored = {row["id"] for row in await cursor.fetchall()}
            kept = [i for i in item_ids if i is not None]
            if not set(kept) <= stored:
                raise DebateChanged(debate_id)
            await conn.executemany(
                "UPDATE items SET position = ?, name = ?, aliases = ?, reason = ? WHERE id = ?",
                [
                    (position, item.name, json.dumps(list(item.aliases)), item.reason, item_id)
                    for position, (item, item_id) in enumerate(
                        zip(spec.items, item_ids, strict=True)
                    )
                    if item_id is not None
                ],
            )
            await _insert_items(
                conn,
                debate_id,
                [
                    (position, item)
                    for position, (item, item_id) in enumerate(
                        zip(spec.items, item_ids, strict=True)
                    )
                    if item_id is None
                ],
            )
            gone = stored - set(kept)
            if gone:
                await mark_items_removed(conn, debate_id, gone)
                await conn.executemany("DELETE FROM items WHERE id = ?", [(i,) for i in gone])
        self._changed(None, debate_id)
        await self._strip_removed(debate_id)
        debate = await self.get(debate_id)
        assert debate is not None
        return debate

    async def sync_catalog(self, specs: Iterable[DebateSpec]) -> list[Debate]:
        """Insert or update the catalog debates (guild_id NULL) from ``data/``, by slug.

        Catalog debates missing from ``data/`` are kept: servers may have ballots on them.
        Run at every start, it then finishes the item removals a stopped process left
        (:meth:`finish_removals`), besides those of the catalog's own changes.
        """
        async with self.db.transaction() as conn:
            for spec in specs:
                async with conn.execute(
                    "SELECT id FROM debates WHERE guild_id IS NULL AND slug = ?", (spec.slug,)
                ) as cursor:
                    row = await cursor.fetchone()
                if row is None:
                    await self._insert(conn, spec, guild_id=None, created_by=None)
                else:
                    await self._apply_spec(conn, row["id"], spec)
        self._changed(None, None)
        await self._strip_removed(None)
        return await self.list_catalog()

    async def finish_removals(self, debate_id: int | None = None, *, batch: int = 0) -> int:
        """Strip removed items from the stored revisions of ``debate_id`` (every debate with
        a removal pending when None), ``batch`` revisions (by default ``REMOVAL_BATCH``) per
        transaction, so other writes go on in between; how many revisions changed. Safe to
        stop at any point and run again (at start, the bot resumes what a stopped process
        left)."""
        if debate_id is None:
            rows = await self.db.fetchall("SELECT DISTINCT debate_id FROM item_removals")
            pending = sorted(row[0] for row in rows)
        else:
            pending = [debate_id]
        batch = batch or REMOVAL_BATCH
        changed = 0
        for one in pending:
            while (done := await self._removal_batch(one, batch)) is not None:
                changed += done
        return changed

    async def _removal_batch(self, debate_id: int, batch: int) -> int | None:
        """One batch of :meth:`finish_removals`: how many revisions it changed, None when
        the debate's removals are all done (and forgotten)."""
        async with self.db.transaction() as conn:
            removals = await conn.fetchall(
                "SELECT item_id, done_through FROM item_removals WHERE debate_id = ?",
                (debate_id,),
            )
            if not removals:
                return None
            # SQLite may give a deleted item's id to a new item: one the debate has again is
            # not stripped (it names the new item now).
            present = await conn.fetchall("SELECT id FROM items WHERE debate_id = ?", (debate_id,))
            gone = {row["item_id"] for row in removals} - {row["id"] for row in present}
            # A removal recorded later starts from the beginning; the others' revisions
            # up to there are stripped again, which changes nothing.
            after = min(row["done_through"] for row in removals)
            rows = await conn.fetchall(
                "SELECT id, tiers FROM ballots WHERE debate_id = ? AND id > ? ORDER BY id LIMIT ?",
                (debate_id, after, batch),
            )
            if not rows or not gone:
                # Saves check their items inside their own transaction, so no revision made
                # after the removal names a removed item: nothing is left to strip.
                await conn.executemany(
                    "DELETE FROM item_removals WHERE debate_id = ? AND item_id = ?",
                    [(debate_id, row["item_id"]) for row in removals],
                )
                return None
            # Decoding a batch of big ballots takes a while: off the event loop.
            updates, emptied = await asyncio.to_thread(
                _stripped, [(row["id"], row["tiers"]) for row in rows], gone
            )
            await conn.executemany("UPDATE ballots SET tiers = ? WHERE id = ?", updates)
            # A ballot that ranked only removed items no longer says anything: it stops counting.
            await conn.executemany("DELETE FROM current_ballots WHERE ballot_id = ?", emptied)
            await conn.executemany(
                "UPDATE item_removals SET done_through = ?"
                " WHERE debate_id = ? AND item_id = ? AND done_through < ?",
                [(rows[-1]["id"], debate_id, item_id, rows[-1]["id"]) for item_id in gone],
            )
        return len(updates)

    async def _strip_removed(self, debate_id: int | None) -> None:
        # After the edit committed: a failure here loses nothing (the removal is recorded,
        # readers leave the removed ids out, and the next start finishes it), so it is
        # logged rather than reported as a failed edit.
        try:
            await self.finish_removals(debate_id)
        except Exception:
            log.exception("Stripping removed items from ballots stopped; the next start resumes")

    async def delete(self, debate_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM debates WHERE id = ?", (debate_id,))
        self._changed(None, debate_id)

    # -- per-server state ----------------------------------------------------------------

    async def is_open(self, guild_id: int, debate_id: int) -> bool:
        """Open, and its deadline (if any) not yet reached: ballots stop at the deadline
        itself, however late the closing loop runs.

        A kept state stays right when the closing loop closes the debate at its deadline
        (a write of another repository): open with a deadline passed reads as closed, as
        closed does.
        """
        is_open, closes_at = await self._open.get(
            (guild_id, debate_id), lambda: self._load_open(guild_id, debate_id)
        )
        return is_open and (closes_at is None or closes_at > to_iso(utcnow()))

    async def _load_open(self, guild_id: int, debate_id: int) -> _OpenState:
        row = await self.db.fetchone(
            "SELECT is_open, closes_at FROM guild_debates WHERE guild_id = ? AND debate_id = ?",
            (guild_id, debate_id),
        )
        return (True, None) if row is None else (bool(row["is_open"]), row["closes_at"])

    async def set_open(self, guild_id: int, debate_id: int, is_open: bool) -> None:
        """Open or close now; either way any deadline is dropped."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_debates (guild_id, debate_id, is_open, closed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, debate_id) DO UPDATE SET"
                " is_open = excluded.is_open, closed_at = excluded.closed_at,"
                " closes_at = NULL, announce_channel_id = NULL, remind_at = NULL",
                (guild_id, debate_id, int(is_open), None if is_open else to_iso(utcnow())),
            )
        self._changed(guild_id, debate_id)

    async def set_deadline(
        self,
        guild_id: int,
        debate_id: int,
        closes_at: datetime,
        announce_channel_id: int,
        remind_at: datetime | None = None,
    ) -> Deadline:
        """Open (or keep open) until ``closes_at``; the reveal goes to the announce channel,
        and the reminder (if any) at ``remind_at``."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_debates (guild_id, debate_id, is_open, closed_at, closes_at,"
                " announce_channel_id, remind_at) VALUES (?, ?, 1, NULL, ?, ?, ?)"
                " ON CONFLICT (guild_id, debate_id) DO UPDATE SET is_open = 1, closed_at = NULL,"
                " closes_at = excluded.closes_at,"
                " announce_channel_id = excluded.announce_channel_id,"
                " remind_at = excluded.remind_at",
                (
                    guild_id,
                    debate_id,
                    to_iso(closes_at),
                    announce_channel_id,
                    to_iso(remind_at) if remind_at else None,
                ),
            )
        self._changed(guild_id, debate_id)
        return Deadline(guild_id, debate_id, closes_at, announce_channel_id, remind_at)

    async def deadline(self, guild_id: int, debate_id: int) -> Deadline | None:
        rows = await self.db.fetchall(
            "SELECT * FROM guild_debates WHERE guild_id = ? AND debate_id = ?"
            " AND is_open = 1 AND closes_at IS NOT NULL",
            (guild_id, debate_id),
        )
        return deadline_of(rows[0]) if rows else None

    async def due_deadlines(self, now: datetime) -> list[Deadline]:
        """Deadlines reached (in every server) whose debate has not been closed yet."""
        rows = await self.db.fetchall(
            "SELECT * FROM guild_debates WHERE closes_at <= ? AND is_open = 1 ORDER BY closes_at",
            (to_iso(now),),
        )
        return [deadline_of(row) for row in rows]

    async def next_due(self) -> datetime | None:
        """The earliest pending deadline or reminder time in any server (None: nothing)."""
        row = await self.db.fetchone(
            "SELECT MIN(t) FROM (SELECT MIN(closes_at) AS t FROM guild_debates WHERE is_open = 1"
            " UNION ALL SELECT MIN(remind_at) FROM guild_debates WHERE is_open = 1) AS due"
        )
        return from_iso(row[0]) if row and row[0] else None

    async def closed_at(self, guild_id: int, debate_id: int) -> datetime | None:
        row = await self.db.fetchone(
            "SELECT closed_at FROM guild_debates WHERE guild_id = ? AND debate_id = ?",
            (guild_id, debate_id),
        )
        return from_iso(row["closed_at"]) if row else None


def deadline_of(row: Row) -> Deadline:
    """A ``guild_debates`` row with a deadline, as a :class:`Deadline`."""
    closes_at = from_iso(row["closes_at"])
    assert closes_at is not None
    return Deadline(
        guild_id=row["guild_id"],
        debate_id=row["debate_id"],
        closes_at=closes_at,
        announce_channel_id=row["announce_channel_id"],
        remind_at=from_iso(row["remind_at"]),
    )


async def _insert_items(
    conn: Connection, debate_id: int, items: Iterable[tuple[int, ItemSpec]]
) -> None:
    await conn.executemany(
        "INSERT INTO items (debate_id, position, name, aliases, reason) VALUES (?, ?, ?, ?, ?)",
        [
            (debate_id, position, item.name, json.dumps(list(item.aliases)), item.reason)
            for position, item in items
        ],
    )


async def mark_items_removed(conn: Connection, debate_id: int, item_ids: set[int]) -> None:
    """Record, inside the edit's transaction, that these items left the debate; their ids are
    stripped from the stored revisions afterwards (:meth:`DebateRepository.finish_removals`)."""
    await conn.executemany(
        "INSERT INTO item_removals (debate_id, item_id) VALUES (?, ?)"
        " ON CONFLICT (debate_id, item_id) DO UPDATE SET done_through = 0",
        [(debate_id, item_id) for item_id in sorted(item_ids)],
    )


def _stripped(
    rows: list[tuple[int, str]], item_ids: set[int]
) -> tuple[list[tuple[str, int]], list[tuple[int]]]:
    """(new tiers, id) of each revision that ranked a removed item, and the ids of those
    left ranking nothing."""
    updates: list[tuple[str, int]] = []
    emptied: list[tuple[int]] = []
    for ballot_id, text in rows:
        tiers = load_tiers(text)
        stripped = tuple(
            kept for tier in tiers if (kept := tuple(i for i in tier if i not in item_ids))
        )
        if stripped != tiers:
            updates.append((dump_tiers(stripped), ballot_id))
            if not stripped:
                emptied.append((ballot_id,))
    return updates, emptied
