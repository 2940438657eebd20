"""Ballots: every revision kept with its time, and a pointer to each member's current one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from bot.models import Ballot, DebateGone, ItemsGone, Tiers
from bot.storage._util import dump_tiers, from_iso, load_tiers, to_iso, utcnow
from bot.storage.database import Database
from bot.storage.sql import Connection, ForeignKeyViolation, Row

T = TypeVar("T")


def current_ballots_query(columns: str) -> str:
    """SELECT ``columns`` (of ``c``, current_ballots, and ``b``, ballots) of the ballots that
    count on a debate in a server: parameters guild_id, debate_id."""
    return (
        f"SELECT {columns} FROM current_ballots c JOIN ballots b ON b.id = c.ballot_id"
        " WHERE c.guild_id = ? AND c.debate_id = ?"
    )


_CURRENT = current_ballots_query("b.*")


# Retention: a member's newest revisions of a ballot on a debate that are kept (the current
# one is the newest); each save deletes older ones of that member in its own transaction,
# counting them in ballot_history_compacted. Documented in README ("What is kept").
KEEP_REVISIONS = 20

_MEMBER = "guild_id = ? AND debate_id = ? AND member_id = ?"


@dataclass(frozen=True, slots=True)
class NewBallot:
    """A ballot to store as a member's current one (see :meth:`BallotRepository.save_many`)."""

    guild_id: int
    debate_id: int
    member_id: int
    tiers: Tiers
    reason: str | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        return self.guild_id, self.debate_id, self.member_id


# What save_many gives for each ballot: the stored ballot and the one it replaced (None for
# a first vote), or why it was refused.
SaveOutcome = tuple[Ballot, Ballot | None] | DebateGone | ItemsGone

# Rows per statement: far below any driver's limit on parameters (SQLite's is 32,766).
_CHUNK = 200


class BallotRepository:
    def __init__(self, db: Database, *, keep_revisions: int = KEEP_REVISIONS) -> None:
        self.db = db
        self.keep_revisions = keep_revisions

    async def save(
        self,
        guild_id: int,
        debate_id: int,
        member_id: int,
        tiers: Tiers,
        reason: str | None = None,
    ) -> tuple[Ballot, Ballot | None]:
        """Store a new revision and make it current, in one transaction.

        Raises :class:`ItemsGone` if the debate no longer has one of the ballot's items,
        :class:`DebateGone` if the debate is gone.

        Returns the new ballot and the one it replaced (None for a first vote), so callers
        can update running tallies without rereading anything.
        """
        (outcome,) = await self.save_many(
            [NewBallot(guild_id, debate_id, member_id, tiers, reason)]
        )
        if isinstance(outcome, DebateGone | ItemsGone):
            raise outcome
        return outcome

    async def save_many(self, ballots: Sequence[NewBallot]) -> list[SaveOutcome]:
        """Store many members' ballots in one transaction (a group commit), in order.

        Each outcome is that of :meth:`save` for the ballot at the same place, a refusal
        included: one ballot naming a removed item does not stop the others. A member may
        appear once per (server, debate) in one call. A handful of statements for the whole
        batch, not a few per ballot: under a burst of votes the round trips to the database
        were most of the cost of a save.
        """
        for ballot in ballots:
            if not ballot.tiers or not all(ballot.tiers):
                raise ValueError("A ballot needs at least one item and no empty tiers.")
        if len({ballot.key for ballot in ballots}) != len(ballots):
            raise ValueError("A member's ballot on a debate appears twice in one batch.")
        created = utcnow()
        try:
            return await self._save_many(ballots, created)
        except ForeignKeyViolation:
            # Checked inside the transaction below, so only a debate deleted by another
            # process in between gets here; which one is not known, and all are refused.
            return [DebateGone(ballot.debate_id) for ballot in ballots]

    async def _save_many(
        self, ballots: Sequence[NewBallot], created: datetime
    ) -> list[SaveOutcome]:
        outcomes: list[SaveOutcome | None] = [None] * len(ballots)
        async with self.db.transaction() as conn:
            # Checked here, inside the write: an item removed after the caller's last read
            # must not end up in a stored ballot.
            known = await _items_of(conn, {ballot.debate_id for ballot in ballots})
            accepted: list[int] = []
            for at, ballot in enumerate(ballots):
                items = known.get(ballot.debate_id)
                if not items:  # every debate has items: no items, no debate
                    outcomes[at] = DebateGone(ballot.debate_id)
                elif any(item not in items for tier in ballot.tiers for item in tier):
                    outcomes[at] = ItemsGone(ballot.debate_id)
                else:
                    accepted.append(at)
            previous = await _current_of(conn, [ballots[at] for at in accepted])
            stamp = to_iso(created)
            ids: dict[tuple[int, int, int], int] = {}
            for chunk in _chunks(accepted):
                rows = [ballots[at] for at in chunk]
                async with conn.execute(
                    "INSERT INTO ballots (guild_id, debate_id, member_id, tiers, reason, created_at)"
                    " VALUES "
                    + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(rows))
                    + " RETURNING id, guild_id, debate_id, member_id",
                    [
                        value
                        for b in rows
                        for value in (*b.key, dump_tiers(b.tiers), b.reason, stamp)
                    ],
                ) as cursor:
                    for row in await cursor.fetchall():
                        ids[(row[1], row[2], row[3])] = row[0]
                await conn.execute(
                    "INSERT INTO current_ballots (guild_id, debate_id, member_id, ballot_id)"
                    " VALUES "
                    + ", ".join(["(?, ?, ?, ?)"] * len(rows))
                    + " ON CONFLICT (guild_id, debate_id, member_id)"
                    " DO UPDATE SET ballot_id = excluded.ballot_id",
                    [value for b in rows for value in (*b.key, ids[b.key])],
                )
            for at in accepted:
                if ballots[at].key in previous:  # a first vote has no older revisions
                    await self._compact(conn, *ballots[at].key)
        for at in accepted:
            new = ballots[at]
            stored = Ballot(
                id=ids[new.key],
                guild_id=new.guild_id,
                debate_id=new.debate_id,
                member_id=new.member_id,
                tiers=tuple(tuple(tier) for tier in new.tiers),
                reason=new.reason,
                created_at=created,
            )
            outcomes[at] = (stored, previous.get(new.key))
        return [outcome for outcome in outcomes if outcome is not None]

    async def withdraw(self, guild_id: int, debate_id: int, member_id: int) -> Ballot | None:
        """Stop counting the member's current ballot; it stays in history, marked withdrawn."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                _CURRENT + " AND c.member_id = ?", (guild_id, debate_id, member_id)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await conn.execute(
                "UPDATE ballots SET withdrawn_at = ? WHERE id = ?", (to_iso(utcnow()), row["id"])
            )
            await conn.execute(
                "DELETE FROM current_ballots WHERE guild_id = ? AND debate_id = ? AND member_id = ?",
                (guild_id, debate_id, member_id),
            )
        return _ballot(row)

    async def current(self, guild_id: int, debate_id: int, member_id: int) -> Ballot | None:
        row = await self.db.fetchone(
            _CURRENT + " AND c.member_id = ?", (guild_id, debate_id, member_id)
        )
        return _ballot(row) if row else None

    async def current_all(self, guild_id: int, debate_id: int) -> list[Ballot]:
        rows = await self.db.fetchall(_CURRENT + " ORDER BY b.id", (guild_id, debate_id))
        return [_ballot(row) for row in rows]

    async def current_pages(
        self, guild_id: int, debate_id: int, *, size: int = 250
    ) -> AsyncIterator[Iterator[Ballot]]:
        """Every current ballot of the debate, by member id, ``size`` at a time: a big
        debate's ballots are never all in memory, nor all read in one go. Each member comes
        exactly once even if they vote meanwhile (pages follow the member, not the ballot).
        Each page is decoded as it is iterated, in the thread that reads it."""
        after = -1
        while True:
            rows = await self.db.fetchall(
                _CURRENT + " AND c.member_id > ? ORDER BY c.member_id LIMIT ?",
                (guild_id, debate_id, after, size),
            )
            if not rows:
                return
            # 250 ballots of 200 items take 50-150 ms to decode: a page is decoded by whoever
            # reads it (the export thread), never here on the event loop.
            yield map(_ballot, rows)
            if len(rows) < size:
                return
            after = rows[-1]["member_id"]

    async def current_reasons(self, guild_id: int, debate_id: int) -> dict[int, str]:
        """Member -> the reason of their current ballot, for members who gave one."""
        rows = await self.db.fetchall(
            current_ballots_query("c.member_id, b.reason") + " AND b.reason IS NOT NULL",
            (guild_id, debate_id),
        )
        return {row[0]: row[1] for row in rows}

    async def count_current(self, guild_id: int, debate_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM current_ballots WHERE guild_id = ? AND debate_id = ?",
            (guild_id, debate_id),
        )
        return int(row[0]) if row else 0

    async def voter_counts(self, guild_id: int) -> dict[int, int]:
        rows = await self.db.fetchall(
            "SELECT debate_id, COUNT(*) AS n FROM current_ballots WHERE guild_id = ?"
            " GROUP BY debate_id",
            (guild_id,),
        )
        return {row["debate_id"]: row["n"] for row in rows}

    async def active_debates(self) -> list[tuple[int, int]]:
        """Every (guild_id, debate_id) with at least one current ballot."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT guild_id, debate_id FROM current_ballots ORDER BY guild_id, debate_id"
        )
        return [(row["guild_id"], row["debate_id"]) for row in rows]

    async def _compact(
        self, conn: Connection, guild_id: int, debate_id: int, member_id: int
    ) -> int:
        """Delete the member's revisions older than the newest ``keep_revisions``, counting
        them; how many went. Walks only that member's rows (index ballots_member)."""
        key = (guild_id, debate_id, member_id)
        cursor = await conn.execute(
            f"DELETE FROM ballots WHERE {_MEMBER} AND id < (SELECT id FROM ballots"
            f" WHERE {_MEMBER} ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (*key, *key, self.keep_revisions - 1),
        )
        gone = max(cursor.rowcount, 0)
        if gone:
            await conn.execute(
                "INSERT INTO ballot_history_compacted (guild_id, debate_id, member_id, revisions)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, debate_id, member_id)"
                " DO UPDATE SET revisions = ballot_history_compacted.revisions"
                " + excluded.revisions",
                (*key, gone),
            )
        return gone

    async def compact_all(self, *, batch: int = 100) -> int:
        """Apply the retention to every member with too many revisions (kept from before it
        existed); how many revisions went. Many short transactions, so votes go on meanwhile."""
        total = 0
        while True:
            rows = await self.db.fetchall(
                "SELECT guild_id, debate_id, member_id FROM ballots"
                " GROUP BY guild_id, debate_id, member_id HAVING COUNT(*) > ? LIMIT ?",
                (self.keep_revisions, batch),
            )
            if not rows:
                return total
            for row in rows:
                async with self.db.transaction() as conn:
                    total += await self._compact(conn, *tuple(row))

    async def count_revisions(self, guild_id: int, debate_id: int, member_id: int) -> int:
        """How many revisions the member ever saved, compacted ones included."""
        key = (guild_id, debate_id, member_id)
        row = await self.db.fetchone(
            f"SELECT (SELECT COUNT(*) FROM ballots WHERE {_MEMBER})"
            f" + COALESCE((SELECT revisions FROM ballot_history_compacted WHERE {_MEMBER}), 0)",
            (*key, *key),
        )
        return int(row[0]) if row else 0

    async def history(self, guild_id: int, debate_id: int, member_id: int) -> list[Ballot]:
        """The revisions kept of the member's ballot (see KEEP_REVISIONS), oldest first,
        withdrawn ones included."""
        rows = await self.db.fetchall(
            "SELECT * FROM ballots WHERE guild_id = ? AND debate_id = ? AND member_id = ?"
            " ORDER BY id",
            (guild_id, debate_id, member_id),
        )
        return [_ballot(row) for row in rows]


def _ballot(row: Row) -> Ballot:
    created = from_iso(row["created_at"])
    assert created is not None
    return Ballot(
        id=row["id"],
        guild_id=row["guild_id"],
        debate_id=row["debate_id"],
        member_id=row["member_id"],
        tiers=load_tiers(row["tiers"]),
        reason=row["reason"],
        created_at=created,
        withdrawn_at=from_iso(row["withdrawn_at"]),
    )


async def _items_of(conn: Connection, debate_ids: set[int]) -> dict[int, set[int]]:
    """The item ids of each of these debates."""
    known: dict[int, set[int]] = {}
    for chunk in _chunks(sorted(debate_ids)):
        async with conn.execute(
            "SELECT debate_id, id FROM items WHERE debate_id IN ("
            + ", ".join("?" * len(chunk))
            + ")",
            chunk,
        ) as cursor:
            for row in await cursor.fetchall():
                known.setdefault(row[0], set()).add(row[1])
    return known


async def _current_of(
    conn: Connection, ballots: Sequence[NewBallot]
) -> dict[tuple[int, int, int], Ballot]:
    """The current ballot, if any, of each of these members on these debates."""
    by_debate: dict[tuple[int, int], list[int]] = {}
    for new in ballots:
        by_debate.setdefault((new.guild_id, new.debate_id), []).append(new.member_id)
    found: dict[tuple[int, int, int], Ballot] = {}
    for (guild_id, debate_id), members in by_debate.items():
        for chunk in _chunks(members):
            async with conn.execute(
                _CURRENT + " AND c.member_id IN (" + ", ".join("?" * len(chunk)) + ")",
                (guild_id, debate_id, *chunk),
            ) as cursor:
                for row in await cursor.fetchall():
                    current = _ballot(row)
                    found[(guild_id, debate_id, current.member_id)] = current
    return found


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
