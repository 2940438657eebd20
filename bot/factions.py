"""Factions of a server's debate: found by the engine on the kept ballots, kept until they change.

Finding factions takes up to a second at 10,000 ballots (bench/factions.py), so it runs in
a worker thread, and its result is kept per debate until a ballot changes: /myvote and
/factions between two votes cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UserError
from bot.models import Debate, Tiers
from bot.ranking import (
    KEMENY_MAX_ITEMS,
    Agreement,
    FactionRules,
    Factions,
    MemberBallots,
    MethodTooLarge,
    find_factions,
)
from bot.results import DebateResults, ResultsService
from bot.storage import SettingsRepository

# The kept ballots (compared by identity: a reload makes new ones), their change count and
# the method: the factions found stay right while all three are the same.
_Stamp = tuple[MemberBallots[int, int], int, str]


@dataclass(frozen=True, slots=True)
class MemberFaction:
    """Where one member stands: their faction (None: in none) and closeness to each."""

    factions: Factions[int, int]
    number: int | None
    closeness: list[Agreement]


class FactionService:
    def __init__(
        self, results: ResultsService, settings: SettingsRepository, rules: FactionRules
    ) -> None:
        self.results = results
        self.settings = settings
        self.rules = rules
        self._kept: dict[tuple[int, int], tuple[_Stamp, Factions[int, int]]] = {}

    async def method(self, guild_id: int, debate: Debate) -> str:
        """The server's default method, or Ranked Pairs where that cannot finish."""
        method = (await self.settings.get(guild_id)).default_method
        if method == "kemeny" and len(debate.items) > KEMENY_MAX_ITEMS:
            return "ranked_pairs"
        return method

    async def factions(self, guild_id: int, debate: Debate) -> Factions[int, int]:
        method = await self.method(guild_id, debate)
        key = (guild_id, debate.id)

        def work(kept: DebateResults) -> Factions[int, int]:
            stamp = (kept.ballots, kept.ballots.changes, method)
            found = self._kept.get(key)
            if found is not None and found[0][0] is kept.ballots and found[0][1:] == stamp[1:]:
                return found[1]
            try:
                result = find_factions(kept.ballots, method, self.rules)
            except MethodTooLarge as error:
                raise UserError(str(error)) from None
            self._kept[key] = (stamp, result)
            return result

        return await self.results.compute(guild_id, debate, work)

    async def member(
        self, guild_id: int, debate: Debate, member_id: int, tiers: Tiers
    ) -> MemberFaction:
        result = await self.factions(guild_id, debate)
        return MemberFaction(result, result.membership.get(member_id), result.closeness(tiers))
