"""What admins do to a server's debates: create, change, open, close, pick, delete.

The cogs in ``cogs/debates`` ask and confirm; this service writes, through the debate and
ballot stores, and words what the stores refuse.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime

from bot.deadlines import reminder_time
from bot.edit_plans import EditPlan, ballots_touched
from bot.errors import UserError
from bot.models import Ballot, Deadline, Debate, DebateChanged, DebateSpec, TooManyDebates
from bot.render.admin import ballot_header, ballot_lines, stale_edit_message
from bot.render.text import safe
from bot.storage import BallotRepository, DebateRepository, SettingsRepository


class DebateAdmin:
    def __init__(
        self,
        debates: DebateRepository,
        ballots: BallotRepository,
        settings: SettingsRepository,
        *,
        max_debates: int = 50,
    ) -> None:
        self.debates = debates
        self.ballots = ballots
        self.settings = settings
        self.max_debates = max_debates

    async def create(self, spec: DebateSpec, *, guild_id: int, created_by: int) -> Debate:
        """A new debate of the server; :class:`~bot.models.SlugTaken` if the slug is in use,
        a UserError when the server has as many debates as it may."""
        try:
            return await self.debates.create(
                spec, guild_id=guild_id, created_by=created_by, max_per_guild=self.max_debates
            )
        except TooManyDebates as exc:
            raise UserError(
                f"This server already has {exc.limit} debates of its own, the most it may have, "
                "so nothing was created. `/debate delete` one it no longer needs "
                "(`/debate export` first keeps a copy), then try again."
            ) from None

    async def apply(self, guild_id: int, plan: EditPlan) -> int:
        """Write ``plan`` in one transaction; how many current ballots lost an item."""
        # Counted now, not when the question was asked: members may have voted meanwhile.
        touched = ballots_touched(plan, await self.current_ballots(guild_id, plan.before))
        try:
            await self.debates.revise(
                plan.before.id, plan.spec, plan.item_ids, expected_revision=plan.before.revision
            )
        except DebateChanged:
            current = await self.debates.get(plan.before.id)
            if current is None:
                raise UserError(
                    f"**{safe(plan.before.title)}** was deleted meanwhile; nothing was saved."
                ) from None
            raise UserError(stale_edit_message(current)) from None
        return touched

    async def current_ballots(self, guild_id: int, debate: Debate) -> list[Ballot]:
        return await self.ballots.current_all(guild_id, debate.id)

    async def ballot_rows(
        self, guild_id: int, debate: Debate, voter: Callable[[int], str] | None
    ) -> AsyncIterator[Iterable[list[str]]]:
        """The export's CSV rows, header first, a page of the database at a time: a big
        debate's ballots are never all in memory, and each page's rows are made only as
        they are read (by :meth:`bot.exports.ExportWorker.pack`, in its thread)."""
        yield [ballot_header(voter)]
        async for page in self.ballots.current_pages(guild_id, debate.id):
            yield ballot_lines(debate, page, voter)

    async def voters(self, guild_id: int, debate: Debate) -> int:
        return await self.ballots.count_current(guild_id, debate.id)

    async def is_open(self, guild_id: int, debate: Debate) -> bool:
        return await self.debates.is_open(guild_id, debate.id)

    async def set_open(self, guild_id: int, debate: Debate, is_open: bool) -> datetime | None:
        """Open or close voting in the server now, dropping any deadline; when it closed
        (None once open)."""
        await self.debates.set_open(guild_id, debate.id, is_open)
        return None if is_open else await self.debates.closed_at(guild_id, debate.id)

    async def set_deadline(
        self,
        guild_id: int,
        debate: Debate,
        closes_at: datetime,
        announce_channel_id: int,
        now: datetime,
    ) -> Deadline:
        """Keep (or make) voting open until ``closes_at``; it then closes by itself, and
        those who asked are reminded before (:func:`bot.deadlines.reminder_time`)."""
        return await self.debates.set_deadline(
            guild_id,
            debate.id,
            closes_at,
            announce_channel_id,
            remind_at=reminder_time(closes_at, now),
        )

    async def deadline(self, guild_id: int, debate: Debate) -> Deadline | None:
        return await self.debates.deadline(guild_id, debate.id)

    async def make_current(self, guild_id: int, debate: Debate) -> None:
        await self.settings.update(guild_id, current_debate_id=debate.id)

    async def delete(self, debate: Debate) -> bool:
        """Delete a server's debate and its ballots; False when it was already gone."""
        if await self.debates.get(debate.id) is None:
            return False
        await self.debates.delete(debate.id)
        return True
