"""Everything stored about a member, found and erased in one place."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Ballot
from bot.storage.ballots import _ballot
from bot.storage.database import Database

# Schedules need a creator; 0 is no Discord user, so an erased creator stays erased.
ERASED_MEMBER = 0


@dataclass(frozen=True, slots=True)
class Erasure:
    """What :meth:`PersonalDataRepository.erase` removed."""

    counted: tuple[Ballot, ...]  # the ballots that were counting, one per server and debate
    revisions: int  # every saved version, withdrawn ones included
    debates: int  # debates the member had ballots on (counting or not)
    creator_links: int  # debates and schedules that named the member as their creator
    duels: int = 0  # unfinished duel sessions

    @property
    def nothing(self) -> bool:
        return self.revisions == 0 and self.creator_links == 0 and self.duels == 0


class PersonalDataRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def erase(self, member_id: int, guild_id: int | None = None) -> Erasure:
        """Delete the member's ballots (every revision and its reason) and unlink them as a
        creator, in one server or, with ``guild_id`` None, everywhere. One transaction."""
        where, params = _scope(member_id, guild_id)
        async with self.db.transaction() as conn:
            c_where, _ = _scope(member_id, guild_id, "c.")
            async with conn.execute(
                "SELECT b.* FROM current_ballots c JOIN ballots b ON b.id = c.ballot_id"
                f" WHERE {c_where} ORDER BY b.id",
                params,
            ) as cursor:
                counted = tuple(_ballot(row) for row in await cursor.fetchall())
            async with conn.execute(
                "SELECT COUNT(*), COUNT(DISTINCT guild_id || ':' || debate_id) FROM ballots"
                f" WHERE {where}",
                params,
            ) as cursor:
                revisions, debates = await cursor.fetchone() or (0, 0)
            await conn.execute(f"DELETE FROM current_ballots WHERE {where}", params)
            await conn.execute(f"DELETE FROM ballots WHERE {where}", params)
            await conn.execute(f"DELETE FROM ballot_history_compacted WHERE {where}", params)
            duels = (
                await conn.execute(f"DELETE FROM duel_sessions WHERE {where}", params)
            ).rowcount
            # Predictions and reminder requests are the member's too.
            await conn.execute(f"DELETE FROM predictions WHERE {where}", params)
            await conn.execute(f"DELETE FROM reminder_requests WHERE {where}", params)
            creator, _ = _scope(member_id, guild_id, column="created_by")
            unlinked = await conn.execute(
                f"UPDATE debates SET created_by = NULL WHERE {creator}", params
            )
            links = unlinked.rowcount
            unlinked = await conn.execute(
                f"UPDATE summary_schedules SET created_by = {ERASED_MEMBER:d} WHERE {creator}",
                params,
            )
            links += unlinked.rowcount
        return Erasure(counted, revisions, debates, links, duels)

    async def pseudonym_key(self) -> bytes:
        row = await self.db.fetchone(
            "SELECT value FROM instance_secrets WHERE name = 'pseudonym_key'"
        )
        assert row is not None, "migration 0003 creates the key"
        return bytes(row["value"])


def _scope(
    member_id: int, guild_id: int | None, prefix: str = "", *, column: str = "member_id"
) -> tuple[str, tuple[int, ...]]:
    """The WHERE clause for one member in one server (or every server) and its parameters."""
    if guild_id is None:
        return f"{prefix}{column} = ?", (member_id,)
    return f"{prefix}{column} = ? AND {prefix}guild_id = ?", (member_id, guild_id)
