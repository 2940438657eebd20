"""/settings: a server's settings, shown without options and changed with them (admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserError
from bot.factions import server_rules
from bot.permissions import NotAdmin, admin_only
from bot.ranking import METHODS
from bot.render.admin import settings_embed
from cogs.debates.rules import (
    MAX_MEMBER_DAYS,
    MIN_DAYS_HELP,
    RESULTS_CHOICES,
    VOTER_ROLE_HELP,
    rule_changes,
)

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.models import Debate


MIN_VOTERS = (1, 1000)
# 0 puts a faction threshold back to the bot-wide default.
FACTION_VOTERS = (0, 1000)
FACTION_SIZE = (0, 100)


class ServerSettings(commands.Cog):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="settings", description="Show or change this server's settings (admins)"
    )
    @app_commands.describe(
        min_voters="How many members must rank a debate before results count (default 3)",
        hide_members="Hide who ranked what in results and exports",
        pseudonymous_exports="Name members in CSV exports by a pseudonym, not their id (default on)",
        default_method="The voting method /consensus uses unless told another",
        admin_role="A role that may run admin commands, besides Manage Server; @everyone: none",
        results="live: results show while voting is open; after-close: hidden until it closes",
        voter_role=f"{VOTER_ROLE_HELP} (default)",
        min_member_days=MIN_DAYS_HELP,
        faction_min_voters="/factions looks for factions from this many voters (0: bot default)",
        faction_min_size="Each faction has at least this many members (0: bot default)",
    )
    @app_commands.choices(
        default_method=[app_commands.Choice(name=m.label, value=m.id) for m in METHODS.values()],
        results=RESULTS_CHOICES,
    )
    # Hidden from members by default; a server can grant it to its admin role in
    # Server Settings → Integrations. The runtime check below is what enforces it.
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @admin_only()
    async def settings(
        self,
        interaction: discord.Interaction[RankingBot],
        min_voters: app_commands.Range[int, MIN_VOTERS[0], MIN_VOTERS[1]] | None = None,
        hide_members: bool | None = None,
        pseudonymous_exports: bool | None = None,
        default_method: app_commands.Choice[str] | None = None,
        admin_role: discord.Role | None = None,
        results: app_commands.Choice[str] | None = None,
        voter_role: discord.Role | None = None,
        min_member_days: app_commands.Range[int, 0, MAX_MEMBER_DAYS] | None = None,
        faction_min_voters: app_commands.Range[int, FACTION_VOTERS[0], FACTION_VOTERS[1]]
        | None = None,
        faction_min_size: app_commands.Range[int, FACTION_SIZE[0], FACTION_SIZE[1]] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        changes: dict[str, Any] = {}
        if min_voters is not None:
            # Discord enforces the range in its client; a hand-made request is not so polite.
            if not MIN_VOTERS[0] <= min_voters <= MIN_VOTERS[1]:
                raise UserError(f"min_voters must be {MIN_VOTERS[0]}–{MIN_VOTERS[1]}.")
            changes["min_voters"] = min_voters
        if hide_members is not None:
            changes["hide_members"] = hide_members
        if pseudonymous_exports is not None:
            changes["pseudonymous_exports"] = pseudonymous_exports
        if default_method is not None:
            changes["default_method"] = default_method.value
        if admin_role is not None:
            changes["admin_role_id"] = self._admin_role_id(interaction, admin_role)
        changes |= rule_changes(results, voter_role, min_member_days, everyone=None)
        if faction_min_voters is not None or faction_min_size is not None:
            changes |= await self._faction_thresholds(
                interaction.guild_id, faction_min_voters, faction_min_size
            )
        if changes:
            saved = await self.bot.server_settings.update(interaction.guild_id, **changes)
            heading = "Saved. This server's settings are now:"
        else:
            saved = await self.bot.server_settings.get(interaction.guild_id)
            heading = "This server's settings; change them with the options of `/settings`."
        rules = server_rules(self.bot.factions.rules, saved)
        embed = settings_embed(
            saved,
            current=await self._current(interaction.guild_id),
            method_label=_method_label(saved.default_method),
            factions=(rules.min_voters, rules.min_size),
        )
        await interaction.response.send_message(heading, embed=embed, ephemeral=True)

    @staticmethod
    def _admin_role_id(
        interaction: discord.Interaction[RankingBot], role: discord.Role
    ) -> int | None:
        # Whoever may name the admin role may make anyone an admin: that takes Manage Server,
        # so an admin by role can't hand the role on or widen it.
        if not interaction.permissions.manage_guild:
            raise NotAdmin(
                "Only members with the Manage Server permission can change the admin role."
            )
        if role.is_default():
            return None  # @everyone means "no admin role": everyone an admin is never meant
        if role.managed:
            raise UserError(
                f"{role.mention} belongs to an integration, so no member can be given it. "
                "Pick a role you can hand out."
            )
        return role.id

    async def _faction_thresholds(
        self, guild_id: int, voters: int | None, size: int | None
    ) -> dict[str, int | None]:
        """The threshold changes asked for (0: back to the default), refused unless two
        factions still fit: checked with the other threshold as it will be."""
        for name, value, (low, high) in (
            ("faction_min_voters", voters, FACTION_VOTERS),
            ("faction_min_size", size, FACTION_SIZE),
        ):
            if value is not None and not low <= value <= high:
                raise UserError(f"{name} must be {low}–{high} (0: the bot-wide default).")
        changes = {
            name: value or None
            for name, value in (("faction_min_voters", voters), ("faction_min_size", size))
            if value is not None
        }
        current = await self.bot.server_settings.get(guild_id)
        defaults = self.bot.factions.rules
        new_voters = changes.get("faction_min_voters", current.faction_min_voters)
        new_size = changes.get("faction_min_size", current.faction_min_size)
        effective_size = new_size or defaults.min_size
        if new_voters is not None and new_voters < 2 * effective_size:
            raise UserError(
                f"faction_min_voters must be at least twice faction_min_size "
                f"({effective_size}), so that two factions fit: {2 * effective_size} or more."
            )
        if new_voters is None and defaults.min_voters < 2 * effective_size:
            raise UserError(
                f"With factions of at least {effective_size}, the bot-wide faction_min_voters "
                f"({defaults.min_voters}) leaves no room for two: set faction_min_voters to "
                f"{2 * effective_size} or more as well."
            )
        return changes

    async def _current(self, guild_id: int) -> Debate | None:
        try:
            return await self.bot.directory.current(guild_id)
        except UserError:  # no debates at all yet
            return None


def _method_label(method: str) -> str:
    info = METHODS.get(method)
    return f"{info.label} — {info.description}" if info else method


async def setup(bot: RankingBot) -> None:
    await bot.add_cog(ServerSettings(bot))
