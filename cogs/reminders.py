"""Remind me: the button under /debate show, the vote builder and the opening announcement.

A click opts the member in to the reminder before the debate's deadline, and a second click
opts them out; the reminder itself is posted by :class:`bot.reminders.ReminderPoster`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.deadlines import discord_timestamp
from bot.errors import guarded
from bot.render.text import safe
from bot.ui import guild_of

if TYPE_CHECKING:
    from bot.client import RankingBot


class Reminders(commands.Cog):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_remind_button(
        self, interaction: discord.Interaction[RankingBot], debate_id: int
    ) -> None:
        async def toggle(clicked: discord.Interaction[RankingBot]) -> None:
            guild_id = guild_of(clicked)
            debate = await self.bot.directory.by_id(guild_id, debate_id)
            asked, deadline = await self.bot.reminders.toggle(guild_id, debate, clicked.user.id)
            title = safe(debate.title)
            if asked:
                text = (
                    f"⏰ I'll remind you in <#{deadline.announce_channel_id}> before voting on "
                    f"**{title}** closes {discord_timestamp(deadline.closes_at)}, if you haven't "
                    "ranked it by then. Click **Remind me** again to stop."
                )
            else:
                text = f"Okay: no reminder for **{title}**. Click **Remind me** to ask again."
            await clicked.response.send_message(text, ephemeral=True)

        await guarded(interaction, toggle)


async def setup(bot: RankingBot) -> None:
    await bot.add_cog(Reminders(bot))
