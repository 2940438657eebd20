"""Results kept in memory: one running tally per (server, debate), never rebuilt per command.

A debate's ballots are read from SQLite once, the first time anyone asks for its results;
after that every saved or withdrawn ballot updates the tally in O(items²) through the
voting service's listener. Consensus and the disagreement summary then run on the kept
tallies (tens of milliseconds even at 100,000 ballots), in a worker thread so a big debate
never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from bot.errors import UserError
from bot.models import Debate, Tiers
from bot.ranking import (
    METHODS,
    BallotComparison,
    ConsensusResult,
    DisagreementSummary,
    MemberBallots,
    MethodTooLarge,
    compare_ballot,
    consensus,
    disagreement,
)
from bot.storage import BallotRepository, DebateRepository
from bot.storage.tallies import CurrentTiers, TallySource

log = logging.getLogger(__name__)

Key = tuple[int, int]  # (guild_id, debate_id)
# Ballots kept in memory across all debates (about 25 bytes each at 10 items, plus the
# member ids): past it, the least recently used debates are dropped, to be read again.
KEEP_BALLOTS = 250_000
# Ballots preloaded after a start, in the background.
WARM_BALLOTS = 20_000
_FREE = asyncio.Lock()
# Up to this many items, comparing a ballot with an already counted consensus takes well
# under a millisecond: done on the event loop.
INLINE_COMPARE_ITEMS = 40
T = TypeVar("T")

# Every load and every change of a kept tally takes the next number: a chart drawn at one
# version is the chart of every later request at that version (see bot.chart_worker).
_versions = itertools.count(1)


@dataclass
class DebateResults:
    """One server's current ballots on one debate, with the tally kept in step."""

    debate: Debate
    ballots: MemberBallots[int, int]
    version: int = field(default_factory=lambda: next(_versions))

    # The last consensus counted, by method, valid while version stays the same.
    _counted: dict[str, tuple[int, ConsensusResult[int]]] = field(default_factory=dict, repr=False)

    @property
    def voters(self) -> int:
        return self.ballots.tally.voters

    def has_consensus(self, method: str) -> bool:
        counted = self._counted.get(method)
        return counted is not None and counted[0] == self.version

    @property
    def item_ids(self) -> tuple[int, ...]:
        return self.ballots.item_keys


class ResultsService:
    def __init__(
        self,
        ballots: BallotRepository,
        *,
        keep_ballots: int = KEEP_BALLOTS,
        owns: Callable[[int], bool] = lambda _guild: True,
    ) -> None:
        self.ballots = ballots
        self.tallies = TallySource(ballots.db)
        self.keep_ballots = keep_ballots
        # Which servers' tallies are this process's to preload (its shards' servers).
        self.owns = owns
        # Least recently used first: past keep_ballots, the coldest debates are dropped and
        # read again from the database when next asked for.
        self._kept: OrderedDict[Key, DebateResults] = OrderedDict()
        # One lock per kept debate: loading, applying a change and counting (in a worker
        # thread) never overlap, so a ballot saved mid-count can't tear the arrays.
        self._locks: dict[Key, asyncio.Lock] = {}

    def _lock(self, key: Key) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def snapshot(self, guild_id: int, debate: Debate) -> DebateResults:
        """The kept results, loaded from SQLite on first use or when the items changed."""
        key = (guild_id, debate.id)
        kept = self._kept.get(key)
        if kept is not None and kept.item_ids == tuple(i.id for i in debate.items):
            kept.debate = debate  # names and reasons may have been edited
            self._kept.move_to_end(key)
            return kept
        async with self._lock(key):
            kept = self._kept.get(key)
            if kept is None or kept.item_ids != tuple(i.id for i in debate.items):
                kept = await self._load(guild_id, debate)
                self._kept[key] = kept
                self._evict_beyond_bound(keep=key)
            self._kept.move_to_end(key)
            return kept

    def _evict_beyond_bound(self, keep: Key) -> None:
        total = sum(kept.voters for kept in self._kept.values())
        for key in list(self._kept):
            if total <= self.keep_ballots:
                break
            if key == keep or self._locks.get(key, _FREE).locked():
                continue
            total -= self._kept.pop(key).voters
            self._locks.pop(key, None)
            log.debug("Dropped the kept results of guild %d debate %d", *key)

    @property
    def kept_ballots(self) -> int:
        return sum(kept.voters for kept in self._kept.values())

    async def _load(self, guild_id: int, debate: Debate) -> DebateResults:
        current = await self.tallies.current_tiers(guild_id, debate.id)
        # Filling the rank matrix for 100,000 ballots takes a while: off the event loop.
        results = await asyncio.to_thread(_build, debate, current)
        log.debug("Loaded %d ballot(s) for guild %d debate %d", results.voters, guild_id, debate.id)
        return results

    async def on_ballot_change(
        self,
        guild_id: int,
        debate_id: int,
        member_id: int,
        old: Tiers | None,
        new: Tiers | None,
    ) -> None:
        """The voting service's listener: apply one change to a kept tally, if loaded."""
        async with self._lock((guild_id, debate_id)):
            await self._apply(guild_id, debate_id, member_id, new)

    async def _apply(
        self, guild_id: int, debate_id: int, member_id: int, new: Tiers | None
    ) -> None:
        kept = self._kept.get((guild_id, debate_id))
        if kept is None:
            return  # loaded from SQLite, change included, when first needed
        kept.version = next(_versions)
        if new is None:
            if member_id in kept.ballots:
                kept.ballots.withdraw(member_id)
            return
        try:
            kept.ballots.set(member_id, new)
        except (KeyError, ValueError):
            # The debate's items changed under us; reload on next use.
            self._kept.pop((guild_id, debate_id), None)

    async def warm(self, debates: DebateRepository, budget: int = WARM_BALLOTS) -> int:
        """Build kept tallies now, up to ``budget`` ballots, so the first commands after a
        start don't wait; the rest load when first asked for (well within a second each)."""
        warmed = 0
        for guild_id, debate_id in await self.ballots.active_debates():
            if self.kept_ballots >= min(budget, self.keep_ballots):
                break
            if not self.owns(guild_id):
                continue
            debate = await debates.get(debate_id)
            if debate is not None:
                await self.snapshot(guild_id, debate)
                warmed += 1
        return warmed

    async def reasons(self, guild_id: int, debate: Debate) -> dict[int, str]:
        """Each member's reason for their current ballot, for those who gave one.

        Read when a summary quotes them rather than kept: most ballots have none, and
        keeping them would be a Python string per ballot in every kept debate.
        """
        return await self.ballots.current_reasons(guild_id, debate.id)

    def forget_all(self) -> None:
        """Drop every kept tally: another process changed the database (``forget USER_ID``)."""
        self._kept.clear()

    async def consensus(
        self, guild_id: int, debate: Debate, method: str = "schulze"
    ) -> ConsensusResult[int]:
        kept = await self.snapshot(guild_id, debate)
        async with self._lock((guild_id, debate.id)):
            return await asyncio.to_thread(_consensus, kept, method)

    async def disagreement(
        self, guild_id: int, debate: Debate, method: str = "schulze"
    ) -> tuple[ConsensusResult[int], DisagreementSummary[int, int]]:
        """The consensus and what the server disagrees about most (for /hottest, summaries)."""
        kept = await self.snapshot(guild_id, debate)
        author = [item.id for item in debate.items]

        def work() -> tuple[ConsensusResult[int], DisagreementSummary[int, int]]:
            result = _consensus(kept, method)
            return result, disagreement(kept.ballots.tally, kept.ballots, author, result)

        async with self._lock((guild_id, debate.id)):
            return await asyncio.to_thread(work)

    async def compute(self, guild_id: int, debate: Debate, work: Callable[[DebateResults], T]) -> T:
        """Run ``work`` on the kept results in a worker thread, with no change half applied."""
        kept = await self.snapshot(guild_id, debate)
        async with self._lock((guild_id, debate.id)):
            return await asyncio.to_thread(work, kept)

    async def compare(
        self, guild_id: int, debate: Debate, tiers: Tiers, method: str = "schulze"
    ) -> BallotComparison[int] | None:
        """For /myvote and /vote: a ballot against the consensus, None before anyone voted."""
        kept = await self.snapshot(guild_id, debate)
        if kept.voters == 0:
            return None
        mine = _known_only(tiers, set(kept.item_ids))

        def work() -> BallotComparison[int]:
            return compare_ballot(mine, _consensus(kept, method), kept.ballots.tally)

        async with self._lock((guild_id, debate.id)):
            if len(kept.item_ids) <= INLINE_COMPARE_ITEMS and kept.has_consensus(method):
                # Under a burst of votes, one group commit changes the tally once for
                # hundreds of replies: they share one count, and comparing with it is
                # too quick to be worth a thread.
                return work()
            return await asyncio.to_thread(work)


def _build(debate: Debate, current: CurrentTiers) -> DebateResults:
    """The kept results of these ballots: one rank matrix, filled and counted in bulk.

    Items removed from the debate since a ballot was saved are left out of it (a tier
    left empty closes up, a ballot left empty is not counted), as :meth:`MemberBallots.set`
    would count it.
    """
    items = [item.id for item in debate.items]
    n = len(items)
    ids = np.array(items, dtype=np.int64)
    order = np.argsort(ids)
    found = np.minimum(np.searchsorted(ids[order], current.items), max(n - 1, 0))
    known = ids[order][found] == current.items if n else np.zeros(len(found), dtype=np.bool_)
    columns = order[found[known]]
    ballots, tiers = current.ballots[known], current.tiers[known]
    # Renumber each ballot's tiers 0, 1, … over the tiers that kept an item.
    new_ballot = np.ones(len(ballots), dtype=np.bool_)
    new_ballot[1:] = ballots[1:] != ballots[:-1]
    new_tier = new_ballot.copy()
    new_tier[1:] |= tiers[1:] != tiers[:-1]
    tier_no = np.cumsum(new_tier) - 1
    member_no = np.cumsum(new_ballot) - 1
    places = tier_no - tier_no[new_ballot][member_no]
    members = current.members[ballots[new_ballot]].tolist()
    ranks = np.full((len(members), n), n, dtype=np.int32)
    ranks[member_no, columns] = places
    if np.count_nonzero(ranks < n) != len(columns):
        raise ValueError(f"A stored ballot on debate {debate.id} lists an item twice.")
    return DebateResults(debate, MemberBallots.from_ranks(items, members, ranks.T))


def _consensus(kept: DebateResults, method: str) -> ConsensusResult[int]:
    """The consensus of the kept tally, counted once per version (callers hold its lock)."""
    counted = kept._counted.get(method)
    if counted is not None and counted[0] == kept.version:
        return counted[1]
    if method not in METHODS:
        known = ", ".join(METHODS)
        raise UserError(f"I don't know the method '{method[:40]}'. Use one of: {known}.")
    try:
        result = consensus(kept.ballots.tally, method)
    except MethodTooLarge as exc:
        raise UserError(str(exc)) from None
    kept._counted[method] = (kept.version, result)
    return result


def _known_only(tiers: Tiers, known: set[int]) -> Tiers:
    return tuple(kept for tier in tiers if (kept := tuple(i for i in tier if i in known)))
