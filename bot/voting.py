"""Casting, replacing and withdrawing ballots: the rules the cogs rely on.

The cogs parse what a member did and call :class:`VotingService`; storage does the SQL.
The service owns the rules in between: the debate must be visible and open in the server,
the tiers must be the debate's items each at most once, the reason has a length limit, and
a member may save only once per cooldown. After each change it tells its listeners, so the
results engine can update its tallies without rereading every ballot.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import time
from collections.abc import Awaitable, Callable

from bot.errors import DebateNotFound, UserError
from bot.models import Ballot, Debate, DebateGone, Tiers
from bot.render.text import safe
from bot.storage import BallotRepository, DebateRepository
from bot.storage.personal_data import Erasure, PersonalDataRepository

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 1000

# listener(guild_id, debate_id, member_id, old_tiers, new_tiers): old is None for a first
# ballot, new is None for a withdrawal. It may be a plain function or a coroutine function.
BallotListener = Callable[[int, int, int, Tiers | None, Tiers | None], Awaitable[None] | None]


def check_tiers(debate: Debate, tiers: Tiers) -> Tiers:
    """``tiers`` as tuples if they are a valid ballot for ``debate``; else a UserError."""
    normal = tuple(tuple(tier) for tier in tiers)
    if not normal or not all(normal):
        raise UserError(
            "Your ballot is empty. Rank at least one item: partial orders are fine, and the "
            "items you leave out count below every ranked one."
        )
    known = {item.id for item in debate.items}
    seen: set[int] = set()
    for tier in normal:
        for item_id in tier:
            if item_id not in known:
                raise UserError(
                    "Your ballot names an item that is no longer part of this debate (it was "
                    "edited while you ranked). Start again with `/vote`."
                )
            if item_id in seen:
                raise UserError(
                    f"Your ballot names {safe(debate.item(item_id).name)} twice. Name each item once."
                )
            seen.add(item_id)
    return normal


def normalize_reason(reason: str | None) -> str | None:
    """Trimmed reason, None when blank; a UserError when too long."""
    if reason is None or not reason.strip():
        return None
    reason = reason.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise UserError(
            f"Your reason is {len(reason):,} characters long; keep it to {MAX_REASON_LENGTH:,}."
        )
    return reason


class VotingService:
    """The one way ballots change. Listeners hear of every change, in commit order."""

    def __init__(
        self,
        ballots: BallotRepository,
        debates: DebateRepository,
        *,
        cooldown_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ballots = ballots
        self.debates = debates
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._last_saved: dict[tuple[int, int], float] = {}
        self._listeners: list[BallotListener] = []
        # Saving and notifying happen under one lock, so listeners see changes in the order
        # they were committed and a member's two quick saves can't both pass the cooldown.
        self._lock = asyncio.Lock()

    # -- listeners -----------------------------------------------------------------------

    def add_listener(self, listener: BallotListener) -> None:
        """Call ``listener(guild_id, debate_id, member_id, old_tiers, new_tiers)`` after each
        successful save (old None for a first ballot) or withdrawal (new None).

        Listeners run one after another and should be quick; an exception in one is logged
        and does not undo the change or stop the others (the ballot is already stored).
        """
        self._listeners.append(listener)

    def remove_listener(self, listener: BallotListener) -> None:
        self._listeners.remove(listener)

    async def _notify(
        self, guild_id: int, debate_id: int, member_id: int, old: Tiers | None, new: Tiers | None
    ) -> None:
        for listener in list(self._listeners):
            try:
                result = listener(guild_id, debate_id, member_id, old, new)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception(
                    "Ballot listener %r failed (guild=%s debate=%s member=%s)",
                    listener,
                    guild_id,
                    debate_id,
                    member_id,
                )

    # -- rules -----------------------------------------------------------------------------

    async def ensure_open(self, guild_id: int, debate: Debate) -> None:
        """A UserError unless ``debate`` is visible and open in this server."""
        if debate.guild_id not in (None, guild_id):
            raise UserError("That debate belongs to another server.")
        if not await self.debates.is_open(guild_id, debate.id):
            raise UserError(
                f"**{safe(debate.title)}** is closed in this server, so its ballots can't change. "
                "`/debate list` shows the open ones."
            )

    def retry_after(self, guild_id: int, member_id: int) -> float:
        """Seconds until the member may save again (0 when they may now)."""
        last = self._last_saved.get((guild_id, member_id))
        if last is None or self.cooldown_seconds <= 0:
            return 0.0
        return max(0.0, self.cooldown_seconds - (self._clock() - last))

    def _check_cooldown(self, guild_id: int, member_id: int) -> None:
        wait = self.retry_after(guild_id, member_id)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            unit = "second" if seconds == 1 else "seconds"
            raise UserError(f"You saved a ballot just now. Try again in {seconds} {unit}.")

    def _record_save(self, guild_id: int, member_id: int) -> None:
        now = self._clock()
        if len(self._last_saved) > 10_000:
            # Forget members whose cooldown is long over, so the map can't grow without end.
            self._last_saved = {
                key: moment
                for key, moment in self._last_saved.items()
                if now - moment < self.cooldown_seconds
            }
        self._last_saved[(guild_id, member_id)] = now

    async def _fresh(self, debate: Debate) -> Debate:
        # Re-read: an admin may have edited or deleted the debate since the member began.
        fresh = await self.debates.get(debate.id)
        if fresh is None:
            raise DebateNotFound()
        return fresh

    # -- changes ---------------------------------------------------------------------------

    async def submit(
        self,
        guild_id: int,
        debate: Debate,
        member_id: int,
        tiers: Tiers,
        reason: str | None = None,
    ) -> Ballot:
        """Save ``tiers`` as the member's current ballot, replacing any earlier one."""
        debate = await self._fresh(debate)
        await self.ensure_open(guild_id, debate)
        tiers = check_tiers(debate, tiers)
        reason = normalize_reason(reason)
        async with self._lock:
            self._check_cooldown(guild_id, member_id)
            try:
                ballot, replaced = await self.ballots.save(
                    guild_id, debate.id, member_id, tiers, reason
                )
            except DebateGone:
                raise DebateNotFound() from None
            self._record_save(guild_id, member_id)
            await self._notify(
                guild_id, debate.id, member_id, replaced.tiers if replaced else None, tiers
            )
        log.info(
            "Ballot %d saved (guild=%d debate=%d member=%d, replaced=%s)",
            ballot.id,
            guild_id,
            debate.id,
            member_id,
            replaced.id if replaced else None,
        )
        return ballot

    async def withdraw(self, guild_id: int, debate: Debate, member_id: int) -> Ballot:
        """Stop counting the member's ballot (it stays in history); a UserError if none."""
        debate = await self._fresh(debate)
        await self.ensure_open(guild_id, debate)
        async with self._lock:
            withdrawn = await self.ballots.withdraw(guild_id, debate.id, member_id)
            if withdrawn is None:
                raise UserError(
                    f"You have no ballot on **{safe(debate.title)}** to withdraw. "
                    "`/vote` to rank it."
                )
            await self._notify(guild_id, debate.id, member_id, withdrawn.tiers, None)
        return withdrawn

    async def erase_member(
        self, personal_data: PersonalDataRepository, member_id: int, guild_id: int | None
    ) -> Erasure:
        """Erase a member's ballots (in one server, or everywhere with ``guild_id`` None);
        listeners hear each counted ballot go, as for a withdrawal, so tallies follow at once."""
        async with self._lock:
            erasure = await personal_data.erase(member_id, guild_id)
            for ballot in erasure.counted:
                await self._notify(ballot.guild_id, ballot.debate_id, member_id, ballot.tiers, None)
        log.info(
            "Erased member %d's data (guild=%s): %d ballot revision(s) on %d debate(s)",
            member_id,
            guild_id if guild_id is not None else "all",
            erasure.revisions,
            erasure.debates,
        )
        return erasure

    async def current(self, guild_id: int, debate: Debate, member_id: int) -> Ballot | None:
        return await self.ballots.current(guild_id, debate.id, member_id)

    async def history(self, guild_id: int, debate: Debate, member_id: int) -> list[Ballot]:
        return await self.ballots.history(guild_id, debate.id, member_id)
