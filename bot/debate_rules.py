"""A debate's rules in a server: whether its results are hidden until it closes, and who may
vote on it. The server's settings give the defaults; a debate's own rules override them.

Pure rules over plain data (no Discord): the cogs pass the member's role ids and join time
from the interaction, so no privileged intent is needed, and nothing about a refused member
is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.deadlines import discord_timestamp
from bot.errors import UserError
from bot.models import ANYONE, Debate, DebateRules, GuildSettings, ResultsVisibility, VoterRules
from bot.render.text import safe
from bot.storage import BallotRepository, DebateRepository, SettingsRepository
from bot.storage.debate_rules import DebateRulesRepository


@dataclass(frozen=True, slots=True)
class Hidden:
    """Results hidden while the debate is open: what members may know meanwhile."""

    debate: Debate
    voters: int
    closes_at: datetime | None

    def when(self) -> str:
        if self.closes_at is None:
            return "when an admin closes voting"
        return f"when voting closes {discord_timestamp(self.closes_at)}"

    def line(self) -> str:
        ranked = "1 member has" if self.voters == 1 else f"{self.voters:,} members have"
        return f"🔒 {ranked} ranked **{safe(self.debate.title)}** so far. The results come out {self.when()}."


class HiddenResults(UserError):
    """A member asked for results that stay hidden until the debate closes."""

    def __init__(self, hidden: Hidden) -> None:
        super().__init__(hidden.line())
        self.hidden = hidden


def effective_results(settings: GuildSettings, rules: DebateRules) -> ResultsVisibility:
    return rules.results or settings.results


def voter_rules(settings: GuildSettings, rules: DebateRules) -> VoterRules:
    role = settings.voter_role_id if rules.voter_role_id is None else rules.voter_role_id
    days = settings.min_member_days if rules.min_member_days is None else rules.min_member_days
    return VoterRules(role_id=None if role == ANYONE else role, min_member_days=days)


def refusal(
    rules: VoterRules,
    debate: Debate,
    *,
    role_ids: set[int],
    joined_at: datetime | None,
    now: datetime,
) -> str | None:
    """Why the member may not vote on ``debate`` and when they can; None when they may."""
    title = safe(debate.title)
    if rules.role_id is not None and rules.role_id not in role_ids:
        return (
            f"Only members with the <@&{rules.role_id}> role can vote on **{title}**; "
            "you can once a moderator gives it to you."
        )
    if rules.min_member_days and joined_at is not None:
        allowed_from = joined_at + timedelta(days=rules.min_member_days)
        if now < allowed_from:
            return (
                f"Members can vote on **{title}** {_days(rules.min_member_days)} after joining "
                f"this server; you can from {discord_timestamp(allowed_from, 'f')} "
                f"({discord_timestamp(allowed_from)})."
            )
    return None


def describe_voters(rules: VoterRules) -> str:
    """Who may vote, in words: for /settings and /debate show."""
    if rules.open_to_all:
        return "every member"
    parts = []
    if rules.role_id is not None:
        parts.append(f"members with <@&{rules.role_id}>")
    else:
        parts.append("members")
    if rules.min_member_days:
        parts.append(f"who joined at least {_days(rules.min_member_days)} ago")
    return " ".join(parts)


def describe_results(results: ResultsVisibility) -> str:
    if results == "after-close":
        return "after-close — hidden until voting closes, then revealed"
    return "live — anyone can see them while voting is open"


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


class DebateRulesService:
    """What the cogs ask: are results hidden, may this member vote; and changing the rules."""

    def __init__(
        self,
        rules: DebateRulesRepository,
        settings: SettingsRepository,
        debates: DebateRepository,
        ballots: BallotRepository,
    ) -> None:
        self.store = rules
        self.settings = settings
        self.debates = debates
        self.ballots = ballots

    async def own(self, guild_id: int, debate: Debate) -> DebateRules:
        return await self.store.get(guild_id, debate.id)

    async def update(self, guild_id: int, debate: Debate, **changes: Any) -> DebateRules:
        return await self.store.update(guild_id, debate.id, **changes)

    async def results(self, guild_id: int, debate: Debate) -> ResultsVisibility:
        settings = await self.settings.get(guild_id)
        return effective_results(settings, await self.store.get(guild_id, debate.id))

    async def hidden(self, guild_id: int, debate: Debate) -> Hidden | None:
        """The hidden state while results are hidden; None when they show."""
        if await self.results(guild_id, debate) != "after-close":
            return None
        if not await self.debates.is_open(guild_id, debate.id):
            return None
        deadline = await self.debates.deadline(guild_id, debate.id)
        return Hidden(
            debate,
            await self.ballots.count_current(guild_id, debate.id),
            deadline.closes_at if deadline else None,
        )

    async def voters(self, guild_id: int, debate: Debate) -> VoterRules:
        settings = await self.settings.get(guild_id)
        return voter_rules(settings, await self.store.get(guild_id, debate.id))

    async def ensure_may_vote(
        self,
        guild_id: int,
        debate: Debate,
        *,
        role_ids: set[int],
        joined_at: datetime | None,
        now: datetime,
    ) -> None:
        """A UserError saying why and when, unless the member may vote on ``debate``."""
        rules = await self.voters(guild_id, debate)
        if rules.open_to_all:
            return
        why = refusal(rules, debate, role_ids=role_ids, joined_at=joined_at, now=now)
        if why is not None:
            raise UserError(why)
