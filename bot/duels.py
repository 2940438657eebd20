"""Duels: ranking by answering "A or B?", saved as an ordinary ballot through the voting service.

The cogs say what a member clicked; this service keeps the member's tournament
(``bot.ranking.duel``) in SQLite between clicks and, when there is something to save,
hands the places found to :class:`VotingService` — the same rules, save limit, tallies and
/myvote as /vote. A ballot saved from a duel is only ever a true top k of the member's
answers (see the engine), with the reason of the ballot it replaces kept.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.errors import DebateNotFound, UserError
from bot.models import Ballot, Debate, DuelSession, DuelSessionChanged, Tiers
from bot.ranking.duel import Answer, Bounds, Duel, DuelStateError, bounds
from bot.render.text import safe
from bot.storage import DebateRepository, DuelRepository
from bot.voting import VotingService

log = logging.getLogger(__name__)

IDLE = timedelta(days=1)
# The stops offered up front, beside the full order: what a phone user will answer.
GOALS = (3, 10)


@dataclass(frozen=True, slots=True)
class DuelOffer:
    """What a member may start: afresh, or (``refine``) from the ballot they have."""

    debate: Debate
    ballot: Ballot | None
    fresh: Bounds
    refine: Bounds | None  # the items the ballot leaves open; None: nothing to refine

    def bounds_for(self, refining: bool) -> Bounds:
        return self.refine if refining and self.refine is not None else self.fresh

    def goals(self, refining: bool) -> list[int | None]:
        """The stops worth offering: a top 3 and a top 10 when they take fewer answers than
        the full order (in a short debate they don't), and the full order."""
        placed = len(self.ballot.ranked_ids) if refining and self.ballot else 0
        figures = self.bounds_for(refining)
        cheaper = {3: figures.top3 < figures.full, 10: figures.top10 < figures.full}
        total = len(self.debate.items)
        return [goal for goal in GOALS if placed < goal < total and cheaper[goal]] + [None]


@dataclass(frozen=True, slots=True)
class DuelTurn:
    """A duel waiting for the member: its question (None once its goal is reached)."""

    session: DuelSession
    debate: Debate
    duel: Duel
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class DuelSaved:
    """The places found, saved as the member's ballot; ``session`` is kept to go on with."""

    debate: Debate
    ballot: Ballot
    replaced: bool
    session: DuelSession | None


class DuelService:
    def __init__(
        self,
        sessions: DuelRepository,
        debates: DebateRepository,
        voting: VotingService,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.debates = debates
        self.voting = voting
        self._rng = rng or random.Random()

    # -- starting --------------------------------------------------------------------------

    async def open(self, guild_id: int, debate: Debate, member_id: int) -> DuelTurn | DuelOffer:
        """The member's duel on ``debate`` where they left it, or what they may start."""
        await self.voting.ensure_open(guild_id, debate)
        await self.drop_idle()
        session = await self.sessions.find(guild_id, debate.id, member_id)
        if session is not None:
            return await self._turn(session, debate)
        ballot = await self.voting.current(guild_id, debate, member_id)
        open_items = len(debate.items) - sum(len(tier) for tier in _kept(debate, ballot))
        refine = bounds(open_items) if ballot is not None and open_items >= 2 else None
        return DuelOffer(debate, ballot, bounds(len(debate.items)), refine)

    async def begin(
        self,
        guild_id: int,
        debate: Debate,
        member_id: int,
        *,
        goal: int | None,
        refine: bool,
    ) -> DuelTurn | DuelSaved:
        """Start a duel from the member's ballot or afresh.

        A duel already in progress is shown instead: a click on an old offer must not throw
        away the answers given since (Cancel ends a duel, to start another).
        """
        await self.voting.ensure_open(guild_id, debate)
        existing = await self.sessions.find(guild_id, debate.id, member_id)
        if existing is not None:
            return replace(
                await self._turn(existing, debate),
                notice="You have a duel in progress on this debate: here it is. "
                "Cancel it to start another.",
            )
        settled: Tiers = ()
        if refine:
            settled = _kept(debate, await self.voting.current(guild_id, debate, member_id))
        duel = Duel.start(
            [item.id for item in debate.items], settled=settled, goal=goal, rng=self._rng
        )
        session = await self.sessions.start(guild_id, debate.id, member_id, duel.to_json())
        log.info(
            "Duel %d started (guild=%d debate=%d member=%d, %s, goal=%s)",
            session.id,
            guild_id,
            debate.id,
            member_id,
            "refining" if refine else "afresh",
            goal,
        )
        return await self._settle(DuelTurn(session, debate, duel))

    # -- answering -------------------------------------------------------------------------

    async def answer(
        self,
        guild_id: int,
        member_id: int,
        session_id: int,
        step: int,
        answer: Answer,
        *,
        may_vote: Callable[[Debate], Awaitable[None]] | None = None,
    ) -> DuelTurn | DuelSaved:
        """Apply ``answer`` to the question the member saw at ``step``.

        A click on a question already answered (a double tap, an old message) changes
        nothing and shows the current question instead. ``may_vote`` raises unless the
        member may still vote (the debate open, the voter rules, which only the caller can
        check against the member's roles): the answer may save the ballot.
        """
        turn = await self.current(guild_id, member_id, session_id)
        if turn.session.step != step or turn.duel.question is None:
            return replace(turn, notice="That question was already answered. Here is the next one.")
        if may_vote is None:
            await self.voting.ensure_open(guild_id, turn.debate)
        else:
            await may_vote(turn.debate)
        turn.duel.answer(answer)
        try:
            session = await self.sessions.advance(
                turn.session, turn.duel.to_json(), turn.duel.asked
            )
        except DuelSessionChanged:
            turn = await self.current(guild_id, member_id, session_id)
            return replace(turn, notice="That question was already answered. Here is the next one.")
        return await self._settle(DuelTurn(session, turn.debate, turn.duel))

    async def current(self, guild_id: int, member_id: int, session_id: int) -> DuelTurn:
        """The member's duel ``session_id`` as stored; a UserError once it has ended."""
        session = await self.sessions.get(session_id)
        if session is None or session.updated_at < datetime.now(UTC) - IDLE:
            raise UserError(
                "This duel has ended (saved, cancelled, replaced by a new one, or idle for a "
                "day). `/duel` starts a new one or picks up the one you have."
            )
        if session.member_id != member_id or session.guild_id != guild_id:
            raise UserError("This duel isn't yours: `/duel` to start your own.")
        debate = await self.debates.get(session.debate_id)
        if debate is None:
            raise DebateNotFound()
        return await self._turn(session, debate)

    # -- ending ----------------------------------------------------------------------------

    async def save(self, guild_id: int, member_id: int, session_id: int) -> DuelSaved:
        """Save the places found so far and end the duel."""
        turn = await self.current(guild_id, member_id, session_id)
        if not turn.duel.settled:
            raise UserError(
                "Nothing is settled yet: keep answering until your first place is found "
                f"(at most {turn.duel.answers_to_place(1)} more). Cancel to stop without saving."
            )
        saved = await self._submit(turn)
        await self.sessions.end(turn.session.id)
        return replace(saved, session=None)

    async def cancel(self, guild_id: int, member_id: int, session_id: int) -> Debate:
        """End the duel without saving; the member's ballot, if any, is untouched."""
        turn = await self.current(guild_id, member_id, session_id)
        await self.sessions.end(turn.session.id)
        return turn.debate

    async def drop_idle(self) -> int:
        dropped = await self.sessions.drop_idle(datetime.now(UTC) - IDLE)
        if dropped:
            log.info("Dropped %d duel session(s) idle for a day", dropped)
        return dropped

    # -- helpers ---------------------------------------------------------------------------

    async def _turn(self, session: DuelSession, debate: Debate) -> DuelTurn:
        """The stored duel, ready to answer; one that no longer fits its debate is dropped."""
        try:
            duel = Duel.from_json(session.state)
        except DuelStateError:
            log.exception("Duel %d has an unreadable state", session.id)
            duel = None
        if duel is None or _item_ids(duel) != {item.id for item in debate.items}:
            await self.sessions.end(session.id)
            raise UserError(
                f"**{safe(debate.title)}** was edited since you started this duel, so its "
                "questions no longer fit. Your saved ballot is untouched; `/duel` starts a new one."
            )
        return DuelTurn(session, debate, duel)

    async def _settle(self, turn: DuelTurn) -> DuelTurn | DuelSaved:
        """Save when the member's goal is reached; otherwise the turn as it is.

        A goal short of the full order keeps the session, its next goal raised, so the
        member can go on from where they are instead of answering the same matches again.
        """
        duel = turn.duel
        if not duel.goal_reached:
            return turn
        try:
            saved = await self._submit(turn)
        except UserError as error:
            # The save limit, most likely: the answers are stored, the member can Save later.
            return replace(turn, notice=str(error))
        if duel.finished:
            await self.sessions.end(turn.session.id)
            return replace(saved, session=None)
        duel.goal = next((goal for goal in GOALS if goal > duel.placed_count), None)
        session = await self.sessions.advance(turn.session, duel.to_json(), duel.asked)
        return replace(saved, session=session)

    async def _submit(self, turn: DuelTurn) -> DuelSaved:
        session, debate = turn.session, turn.debate
        previous = await self.voting.current(session.guild_id, debate, session.member_id)
        ballot = await self.voting.submit(
            session.guild_id,
            debate,
            session.member_id,
            turn.duel.settled,
            previous.reason if previous else None,
        )
        return DuelSaved(debate, ballot, previous is not None, session)


def _kept(debate: Debate, ballot: Ballot | None) -> Tiers:
    """The ballot's tiers over items the debate still has."""
    if ballot is None:
        return ()
    known = {item.id for item in debate.items}
    tiers = (tuple(i for i in tier if i in known) for tier in ballot.tiers)
    return tuple(tier for tier in tiers if tier)


def _item_ids(duel: Duel) -> set[int]:
    return {*duel.leaves, *(item for unit in duel.settled for item in unit)}
