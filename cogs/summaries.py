"""/summary post, schedule and stop (Manage Server), and the loop that posts scheduled ones.

The scheduling rules and their guarantees live in :mod:`bot.summary_schedule` and
:mod:`bot.summary_poster`; this cog checks who may ask and whether the bot can post where
asked (:func:`bot.permissions.check_can_post`), and runs the poster's loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.arguments import DebateArg
from bot.errors import UserError
from bot.models import Schedule
from bot.permissions import check_can_post, ensure_admin
from bot.render.text import safe
from bot.summary_schedule import describe_schedule

if TYPE_CHECKING:
    from bot.client import RankingBot

log = logging.getLogger(__name__)


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Summaries(
    commands.GroupCog, group_name="summary", group_description="Server summaries (admins)"
):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot
        self.poster = bot.summary_poster
        super().__init__()

    async def cog_load(self) -> None:
        self._running = asyncio.create_task(self._run_due(), name="due-actions")

    async def cog_unload(self) -> None:
        self._running.cancel()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Default permissions hide the group from members, but server admins can override
        # that in their settings; the rule itself is checked here, on every use.
        await ensure_admin(interaction, self.bot.server_settings)
        return True

    # -- the loop ---------------------------------------------------------------------

    async def _run_due(self) -> None:
        """Deadlines, reminders and scheduled summaries (:class:`bot.due_loop.DueLoop`)."""
        # Posting needs the gateway's channel cache, and posts left half-done by a previous
        # run must be settled before any new one is claimed.
        await self.bot.wait_until_ready()
        for recover in (self.poster.recover, self.bot.reminders.recover):
            try:
                await recover()
            except Exception:
                log.exception("Settling posts left half-done failed")
        await self.bot.due.run()

    # -- the commands -----------------------------------------------------------------

    @app_commands.command(
        name="post", description="Post the consensus and the hottest disagreements now"
    )
    @app_commands.describe(
        channel="Where to post it (default: here)",
    )
    async def post(
        self,
        interaction: discord.Interaction[RankingBot],
        debate: DebateArg | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        found = debate or await self.bot.directory.current(interaction.guild_id)
        target = check_can_post(interaction, channel)
        # Composing draws a chart: acknowledge first (privately: the summary is the public part).
        await interaction.response.defer(ephemeral=True, thinking=True)
        message = await self.poster.post_now(interaction.guild_id, found, target)  # type: ignore[arg-type]
        await interaction.followup.send(
            f"Posted the summary of **{safe(found.title)}** in "
            f"{target.mention}: {message.jump_url}",
            ephemeral=True,
        )

    @app_commands.command(name="schedule", description="Post a summary every day or week")
    @app_commands.describe(
        channel="Where to post the summaries",
        every="How often",
        hour="The hour to post at, 0–23 in UTC (default: the current hour)",
    )
    async def schedule(
        self,
        interaction: discord.Interaction[RankingBot],
        channel: discord.TextChannel,
        every: Literal["daily", "weekly"],
        debate: DebateArg | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        found = debate or await self.bot.directory.current(interaction.guild_id)
        check_can_post(interaction, channel)
        replaced = await self.poster.schedule_of(interaction.guild_id, found)
        at = self.poster.clock().hour if hour is None else hour
        schedule = await self.poster.schedule(
            interaction.guild_id, found, channel.id, every, at, interaction.user.id
        )
        self.bot.due.wake()
        first = discord.utils.format_dt(schedule.next_due, "F")
        text = (
            f"Summaries of **{safe(found.title)}** will be posted in "
            f"{channel.mention} {describe_schedule(schedule)}. The first comes {first} "
            f"({discord.utils.format_dt(schedule.next_due, 'R')})."
        )
        if replaced is not None:
            text += f" This replaces the schedule {describe_schedule(replaced)} in <#{replaced.channel_id}>."
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="list", description="This server's scheduled summaries")
    async def list_schedules(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        schedules = await self.poster.schedules(interaction.guild_id)
        if not schedules:
            raise UserError("No summaries are scheduled here. `/summary schedule` sets one up.")
        titles = {d.id: d.title for d in await self.bot.directory.visible(interaction.guild_id)}
        lines = [
            f"**{safe(titles.get(s.debate_id, 'a deleted debate'))}**: "
            f"{describe_schedule(s)} in <#{s.channel_id}>, " + schedule_state(s)
            for s in schedules
        ]
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="stop", description="Stop the scheduled summaries of a debate")
    async def stop(
        self, interaction: discord.Interaction[RankingBot], debate: DebateArg | None = None
    ) -> None:
        assert interaction.guild_id is not None
        found = debate or await self.bot.directory.current(interaction.guild_id)
        removed = await self.poster.stop(interaction.guild_id, found)
        title = safe(found.title)
        if removed is None:
            others = await self.poster.schedules(interaction.guild_id)
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


def schedule_state(schedule: Schedule) -> str:
    if schedule.paused_at is None:
        return f"next {discord.utils.format_dt(schedule.next_due, 'R')}."
    since = discord.utils.format_dt(schedule.paused_at, "R")
    return (
        f"⏸ **paused** {since}: {schedule.paused_reason}. `/summary schedule` it again to resume."
    )
