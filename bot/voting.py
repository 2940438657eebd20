"""Casting, replacing and withdrawing ballots: the rules the cogs rely on.

The cogs parse what a member did and call :class:`VotingService`; storage does the SQL.
The service owns the rules in between: the debate must be visible and open in the server,
the tiers must be the debate's items each at most once, the reason has a length limit, and
a member may save a burst of ballots (five a minute by default), then waits a little. After each change it tells its listeners, so the
results engine can update its tallies without rereading every ballot.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.errors import DebateNotFound, UserError
from bot.models import Ballot, Debate, DebateGone, ItemsGone, Tiers
from bot.names import strip_invisible
from bot.render.text import safe
from bot.storage import BallotRepository, DebateRepository
from bot.storage.ballots import NewBallot, SaveOutcome
from bot.storage.personal_data import Erasure, PersonalDataRepository

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 1000
# Saves in one group commit at most: a burst beyond it takes a few transactions, each short
# enough that the event loop is never held long by the work around it.
MAX_BATCH = 250


@dataclass(frozen=True, slots=True)
class _Queued:
    """A save waiting for its group commit."""

    new: NewBallot
    future: asyncio.Future[SaveOutcome]
    writing: Callable[[], object] | None


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


def without_removed_items(debate: Debate, ballot: Ballot) -> Ballot | None:
    """``ballot`` with only the debate's items, counting the others in ``removed_items``.

    A vote racing an item removal could store a removed item's id before saves checked
    their items inside their transaction; such ballots are read, not failed on.
    """
    known = {item.id for item in debate.items}
    tiers = tuple(kept for tier in ballot.tiers if (kept := tuple(i for i in tier if i in known)))
    if tiers == ballot.tiers:
        return ballot
    removed = sum(len(tier) for tier in ballot.tiers) - sum(len(tier) for tier in tiers)
    return replace(ballot, tiers=tiers, removed_items=removed) if tiers else None


def normalize_reason(reason: str | None) -> str | None:
    """Trimmed reason, None when blank; a UserError when too long."""
    if reason is None or not strip_invisible(reason).strip():
        return None
    reason = strip_invisible(reason).strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise UserError(
            f"Your reason is {len(reason):,} characters long; keep it to {MAX_REASON_LENGTH:,}."
        )
    return reason


@dataclass(frozen=True, slots=True)
class SaveLimit:
    """At most ``saves`` saves of one member in any ``per_seconds`` (0 saves: no limit).

    A burst rather than a gap between saves: a member who saves and at once fixes a mistake
    must not be told to wait; only someone saving over and over is.
    """

    saves: int
    per_seconds: float = 60.0


class VotingService:
    """The one way ballots change. Listeners hear of every change, in commit order."""

    def __init__(
        self,
        ballots: BallotRepository,
        debates: DebateRepository,
        *,
        limit: SaveLimit,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ballots = ballots
        self.debates = debates
        self.limit = limit
        self._clock = clock
        # Each member's recent saves, oldest first, at most limit.saves of them.
        self._saves: dict[tuple[int, int], deque[float]] = {}
        self._listeners: list[BallotListener] = []
        # Committing and notifying happen under one lock, so listeners see changes in the
        # order they were committed. Saves reach it in batches (see _commit).
        self._lock = asyncio.Lock()
        self._queue: list[_Queued] = []
        self._writer: asyncio.Task[None] | None = None

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
        recent = self._saves.get((guild_id, member_id))
        if self.limit.saves <= 0 or recent is None or len(recent) < self.limit.saves:
            return 0.0
        return max(0.0, recent[0] + self.limit.per_seconds - self._clock())

    def _check_limit(self, guild_id: int, member_id: int) -> None:
        wait = self.retry_after(guild_id, member_id)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            unit = "second" if seconds == 1 else "seconds"
            saves = self.limit.saves
            raise UserError(
                f"You saved {'a ballot just now' if saves == 1 else f'{saves} times in a row'}. "
                f"Try again in {seconds} {unit}."
            )

    def _record_save(self, guild_id: int, member_id: int) -> float | None:
        """Count a save now; the moment counted (None: no limit)."""
        if self.limit.saves <= 0:
            return None
        now = self._clock()
        if len(self._saves) > 10_000:
            # Forget members whose saves are all out of the window, so the map can't grow
            # without end.
            self._saves = {
                key: recent
                for key, recent in self._saves.items()
                if now - recent[-1] < self.limit.per_seconds
            }
        recent = self._saves.setdefault((guild_id, member_id), deque(maxlen=self.limit.saves))
        recent.append(now)
        return now

    def _unrecord_save(self, guild_id: int, member_id: int, counted: float | None) -> None:
        recent = self._saves.get((guild_id, member_id))
        if counted is not None and recent is not None and counted in recent:
            recent.remove(counted)

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
        ballot, _ = await self.submit_replacing(guild_id, debate, member_id, tiers, reason)
        return ballot

    async def submit_replacing(
        self,
        guild_id: int,
        debate: Debate,
        member_id: int,
        tiers: Tiers,
        reason: str | None = None,
        *,
        writing: Callable[[], object] | None = None,
    ) -> tuple[Ballot, Ballot | None]:
        """:meth:`submit`, also giving the ballot it replaced (None for a first vote).

        Returns once the transaction holding the ballot has committed: what a member is
        told was saved survives a crash. ``writing`` is called when that transaction starts
        (the wait in the queue is over).
        """
        debate = await self._fresh(debate)
        await self.ensure_open(guild_id, debate)
        tiers = check_tiers(debate, tiers)
        reason = normalize_reason(reason)
        # Checked and counted with no await in between, so two quick saves can't both slip
        # under the limit; handed back below if the save is refused.
        self._check_limit(guild_id, member_id)
        counted = self._record_save(guild_id, member_id)
        new = NewBallot(guild_id, debate.id, member_id, tiers, reason)
        outcome = await self._commit(new, writing)
        if isinstance(outcome, DebateGone | ItemsGone):
            self._unrecord_save(guild_id, member_id, counted)
            if isinstance(outcome, DebateGone):
                raise DebateNotFound()
            raise UserError(
                f"**{safe(debate.title)}** lost an item while you were ranking it, so "
                "nothing was saved. Start again to see its items as they are now."
            )
        ballot, replaced = outcome
        log.info(
            "Ballot %d saved (guild=%d debate=%d member=%d, replaced=%s)",
            ballot.id,
            guild_id,
            debate.id,
            member_id,
            replaced.id if replaced else None,
        )
        return ballot, replaced

    # -- group commit ------------------------------------------------------------------------

    async def _commit(self, new: NewBallot, writing: Callable[[], object] | None) -> SaveOutcome:
        """Queue ``new`` for the next group commit and wait for its outcome.

        One writer drains the queue: while it commits a batch, the saves that arrive meanwhile
        gather into the next one, so a burst of votes costs a few transactions instead of one
        each, and a lone save still goes at once.
        """
        future: asyncio.Future[SaveOutcome] = asyncio.get_running_loop().create_future()
        self._queue.append(_Queued(new, future, writing))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued(), name="ballot-writer")
        # Shielded: a member's interaction being cancelled must not drop a queued ballot.
        return await asyncio.shield(future)

    async def _write_queued(self) -> None:
        while self._queue:
            batch = self._next_batch()
            try:
                async with self._lock:
                    for queued in batch:
                        if queued.writing is not None:
                            queued.writing()
                    outcomes = await self.ballots.save_many([queued.new for queued in batch])
                    for queued, outcome in zip(batch, outcomes, strict=True):
                        new = queued.new
                        if not isinstance(outcome, DebateGone | ItemsGone):
                            ballot, replaced = outcome
                            old = replaced.tiers if replaced else None
                            await self._notify(*new.key, old, ballot.tiers)
            except Exception as exc:  # each waiting save raises it, where it is logged
                for queued in batch:
                    if not queued.future.done():
                        queued.future.set_exception(exc)
                continue
            for queued, outcome in zip(batch, outcomes, strict=True):
                if not queued.future.done():
                    queued.future.set_result(outcome)

    def _next_batch(self) -> list[_Queued]:
        """Up to MAX_BATCH queued saves, each member's at most once per debate (a second
        quick save of the same ballot waits for the next batch, keeping their order)."""
        batch: list[_Queued] = []
        later: list[_Queued] = []
        keys: set[tuple[int, int, int]] = set()
        for entry in self._queue:
            key = entry.new.key
            if key in keys or len(batch) >= MAX_BATCH:
                later.append(entry)
            else:
                keys.add(key)
                batch.append(entry)
        self._queue = later
        return batch

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
        """The member's current ballot, without items the debate no longer has; None when
        nothing it ranked is left."""
        ballot = await self.ballots.current(guild_id, debate.id, member_id)
        return None if ballot is None else without_removed_items(debate, ballot)

    async def history(self, guild_id: int, debate: Debate, member_id: int) -> list[Ballot]:
        return await self.ballots.history(guild_id, debate.id, member_id)

    async def count_revisions(self, guild_id: int, debate: Debate, member_id: int) -> int:
        """How many times the member saved a ballot on the debate, by query."""
        return await self.ballots.count_revisions(guild_id, debate.id, member_id)
