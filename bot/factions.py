"""Factions of a server's debate: found by the engine on the kept ballots, kept until they change.

Finding factions takes up to a second at 10,000 ballots (bench/factions.py), so it runs in
a worker thread, and its result is kept per debate until a ballot changes: /myvote and
/factions between two votes cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.errors import UserError
from bot.models import Debate, GuildSettings, Tiers
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

# The kept ballots (compared by identity: a reload makes new ones), their change count, the
# method and the server's rules: the factions found stay right while all four are the same.
_Stamp = tuple[MemberBallots[int, int], int, str, FactionRules]


@dataclass(frozen=True, slots=True)
class MemberFaction:
    """Where one member stands: their faction (None: in none) and closeness to each."""

    factions: Factions[int, int]
    number: int | None
    closeness: list[Agreement]


def server_rules(defaults: FactionRules, settings: GuildSettings) -> FactionRules:
    """The bot-wide rules with the server's own thresholds, where it set them.

    A server that set only one threshold keeps room for two factions whatever the bot-wide
    other one is (it may change after the server chose): the voters are raised to fit.
    """
    size = settings.faction_min_size or defaults.min_size
    voters = settings.faction_min_voters or defaults.min_voters
    return replace(defaults, min_voters=max(voters, 2 * size), min_size=size)


class FactionService:
    def __init__(
        self, results: ResultsService, settings: SettingsRepository, rules: FactionRules
    ) -> None:
        self.results = results
        self.settings = settings
        self.rules = rules
        self._kept: dict[tuple[int, int], tuple[_Stamp, Factions[int, int]]] = {}

    async def factions(self, guild_id: int, debate: Debate) -> Factions[int, int]:
        settings = await self.settings.get(guild_id)
        method = settings.default_method
        if method == "kemeny" and len(debate.items) > KEMENY_MAX_ITEMS:
            method = "ranked_pairs"  # the server's method, or Ranked Pairs where it can't finish
        rules = server_rules(self.rules, settings)
        key = (guild_id, debate.id)

        def work(kept: DebateResults) -> Factions[int, int]:
            stamp = (kept.ballots, kept.ballots.changes, method, rules)
            found = self._kept.get(key)
            if found is not None and found[0][0] is kept.ballots and found[0][1:] == stamp[1:]:
                return found[1]
            try:
                result = find_factions(kept.ballots, method, rules)
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
