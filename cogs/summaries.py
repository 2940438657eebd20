"""/summary post, schedule and stop (Manage Server), and the loop that posts scheduled ones.

The scheduling rules and their guarantees live in :mod:`bot.summaries`; this cog checks
who may ask and whether the bot can post where asked, and runs the service's loop.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.errors import UserError
from bot.permissions import ensure_admin
from bot.render.text import safe
from bot.summaries import (
    SummaryService,
    bot_permissions_in,
    cannot_post_message,
    describe_schedule,
    missing_permissions,
)
from bot.ui import debate_autocomplete

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)

# How often the loop looks for due summaries: slots are on the hour, so a minute late is fine.
POLL_SECONDS = 60


def check_can_post(
    interaction: discord.Interaction, channel: discord.abc.GuildChannel | None
) -> discord.abc.GuildChannel:
    """The channel to post in (default: this one) if the bot may post there, else a UserError.

    For the channel the command was used in, Discord tells us the bot's permissions with the
    interaction; for another one we compute them from the cached server.
    """
    target = channel or interaction.channel
    if not isinstance(target, discord.abc.GuildChannel) or not isinstance(
        target, discord.abc.Messageable
    ):
        raise UserError("Summaries can only be posted in a server's text channel. Pick one.")
    if target.id == interaction.channel_id:
        permissions: discord.Permissions | None = interaction.app_permissions
    else:
        permissions = bot_permissions_in(target)
    missing = missing_permissions(permissions) if permissions is not None else []
    if missing:
        raise UserError(cannot_post_message(target.mention, missing))
    return target


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Summaries(
    commands.GroupCog, group_name="summary", group_description="Server summaries (admins)"
):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot
        self.service = SummaryService(bot)
        super().__init__()

    async def cog_load(self) -> None:
        self.poster.start()

    async def cog_unload(self) -> None:
        self.poster.cancel()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Default permissions hide the group from members, but server admins can override
        # that in their settings; the rule itself is checked here, on every use.
        await ensure_admin(interaction, self.bot.guild_settings)
        return True

    # -- the loop ---------------------------------------------------------------------

    @tasks.loop(seconds=POLL_SECONDS)
    async def poster(self) -> None:
        try:
            await self.service.run_due()
        except Exception:
            # A database hiccup must not end the loop: the next minute tries again.
            log.exception("Looking for due summaries failed")

    @poster.before_loop
    async def _before_poster(self) -> None:
        # Posting needs the gateway's channel cache, and posts left half-done by a previous
        # run must be settled before any new one is claimed.
        await self.bot.wait_until_ready()
        await self.service.recover()

    # -- the commands -----------------------------------------------------------------

    @app_commands.command(
        name="post", description="Post the consensus and the hottest disagreements now"
    )
    @app_commands.describe(
        debate="Which debate (default: the server's current one)",
        channel="Where to post it (default: here)",
    )
    @app_commands.autocomplete(debate=debate_autocomplete)
    async def post(
        self,
        interaction: discord.Interaction,
        debate: str | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        found = await self.bot.directory.resolve(interaction.guild_id, debate)
        target = check_can_post(interaction, channel)
        # Composing draws a chart: acknowledge first (privately: the summary is the public part).
        await interaction.response.defer(ephemeral=True, thinking=True)
        message = await self.service.post_now(interaction.guild_id, found, target)  # type: ignore[arg-type]
        await interaction.followup.send(
            f"Posted the summary of **{safe(found.title)}** in "
            f"{target.mention}: {message.jump_url}",
            ephemeral=True,
        )

    @app_commands.command(name="schedule", description="Post a summary every day or week")
    @app_commands.describe(
        channel="Where to post the summaries",
        every="How often",
        debate="Which debate (default: the server's current one)",
        hour="The hour to post at, 0–23 in UTC (default: the current hour)",
    )
    @app_commands.autocomplete(debate=debate_autocomplete)
    async def schedule(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        every: Literal["daily", "weekly"],
        debate: str | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        found = await self.bot.directory.resolve(interaction.guild_id, debate)
        check_can_post(interaction, channel)
        replaced = await self.bot.summaries.get_schedule(interaction.guild_id, found.id)
        at = self.service.clock().hour if hour is None else hour
        schedule = await self.service.schedule(
            interaction.guild_id, found, channel.id, every, at, interaction.user.id
        )
        first = discord.utils.format_dt(schedule.next_due, "F")
        text = (
            f"Summaries of **{safe(found.title)}** will be posted in "
            f"{channel.mention} {describe_schedule(schedule)}. The first comes {first} "
            f"({discord.utils.format_dt(schedule.next_due, 'R')})."
        )
        if replaced is not None:
            text += f" This replaces the schedule {describe_schedule(replaced)} in <#{replaced.channel_id}>."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="stop", description="Stop the scheduled summaries of a debate")
    @app_commands.describe(debate="Which debate (default: the server's current one)")
    @app_commands.autocomplete(debate=debate_autocomplete)
    async def stop(self, interaction: discord.Interaction, debate: str | None = None) -> None:
        assert interaction.guild_id is not None
        found = await self.bot.directory.resolve(interaction.guild_id, debate)
        removed = await self.service.stop(interaction.guild_id, found)
        title = safe(found.title)
        if removed is None:
            others = await self.bot.summaries.schedules_for_guild(interaction.guild_id)
            hint = (
                " Name the debate: this server has scheduled summaries for others."
                if others
                else ""
            )
            raise UserError(f"There are no scheduled summaries of **{title}**.{hint}")
        await interaction.response.send_message(
            f"Stopped the summaries of **{title}** ({describe_schedule(removed)} in "
            f"<#{removed.channel_id}>).",
            ephemeral=True,
        )


async def setup(bot: RankingBot) -> None:
    await bot.add_cog(Summaries(bot))
