"""/debate rules: a debate's own rules in this server (admins): hidden results, who may vote.

Each rule left unset follows the server's `/settings`; the answer shows the rules that apply.
The options both commands share (results, voter role, days since joining) are read here, by
:func:`rule_changes`, for both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.arguments import DebateArg
from bot.debate_rules import describe_results, describe_voters
from bot.models import ANYONE
from bot.permissions import admin_only
from bot.render.text import safe
from bot.ui import CogMixin

if TYPE_CHECKING:
    from bot.client import RankingBot

MAX_MEMBER_DAYS = 365
# results: in /settings, /debate open and (with "as the server") /debate rules.
RESULTS_CHOICES = [
    app_commands.Choice(name="live", value="live"),
    app_commands.Choice(name="after-close", value="after-close"),
]
RULE_RESULTS = [
    *RESULTS_CHOICES,
    app_commands.Choice(name="as the server (/settings)", value="server"),
]
VOTER_ROLE_HELP = "Only members with this role may vote; @everyone: anyone"
MIN_DAYS_HELP = "Members may vote this many days after joining the server (0: at once)"


def rule_changes(
    results: app_commands.Choice[str] | None,
    voter_role: discord.Role | None,
    min_days: int | None,
    *,
    everyone: int | None,
) -> dict[str, Any]:
    """The rules given, as stored, for /settings and /debate rules alike.

    @everyone is stored as ``everyone``: for the server, no role (None); for one debate,
    ANYONE, which overrides a role the server asks for. Results "server" (only /debate rules
    offers it) drops the debate's own choice.
    """
    changes: dict[str, Any] = {}
    if results is not None:
        changes["results"] = None if results.value == "server" else results.value
    if voter_role is not None:
        changes["voter_role_id"] = everyone if voter_role.is_default() else voter_role.id
    if min_days is not None:
        # Discord enforces the range in its client; a hand-made request is not so polite.
        changes["min_member_days"] = max(0, min(MAX_MEMBER_DAYS, min_days))
    return changes


class RulesCommands(CogMixin):
    bot: RankingBot

    @app_commands.command(
        name="rules", description="Who may vote on a debate and when its results show (admins)"
    )
    @app_commands.describe(
        results="live, after-close (hidden until voting closes), or as the server's /settings",
        voter_role=f"{VOTER_ROLE_HELP}, whatever /settings says",
        min_days=MIN_DAYS_HELP,
        follow_server="Drop this debate's own rules: it follows /settings again",
    )
    @app_commands.choices(results=RULE_RESULTS)
    @app_commands.guild_only()
    @admin_only()
    async def rules(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        results: app_commands.Choice[str] | None = None,
        voter_role: discord.Role | None = None,
        min_days: app_commands.Range[int, 0, MAX_MEMBER_DAYS] | None = None,
        follow_server: bool = False,
    ) -> None:
        assert interaction.guild_id is not None
        found = debate or await self.bot.directory.current(interaction.guild_id)
        changes: dict[str, Any] = {}
        if follow_server:
            changes = {"results": None, "voter_role_id": None, "min_member_days": None}
        changes |= rule_changes(results, voter_role, min_days, everyone=ANYONE)
        if changes:
            await self.bot.debate_rules.update(interaction.guild_id, found, **changes)
        shown = await self.bot.debate_rules.results(interaction.guild_id, found)
        voters = await self.bot.debate_rules.voters(interaction.guild_id, found)
        own = await self.bot.debate_rules.own(interaction.guild_id, found)
        follows = " (as the server)" if own == type(own)() else ""
        await interaction.response.send_message(
            f"{'Saved. ' if changes else ''}**{safe(found.title)}** here{follows}:\n"
            f"• Results: {describe_results(shown)}\n"
            f"• Who may vote: {describe_voters(voters)}",
            ephemeral=True,
        )
