"""The public Vote button under /debate show: opens the builder for whoever clicks it.

The debates cog only draws the button (``bot.ui.vote_button``); this dynamic item answers
it, so it keeps working after a restart and the debates cog needs nothing from ballots.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.errors import guarded
from bot.ui import VOTE_CUSTOM_ID, VOTE_TEMPLATE
from cogs.ballots.builder_view import open_builder
from cogs.ballots.common import bot_of, debate_by_id, guild_of


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=VOTE_TEMPLATE):
    def __init__(self, debate_id: int) -> None:
        self.debate_id = debate_id
        super().__init__(
            discord.ui.Button(
                label="Vote",
                emoji="🗳️",
                style=discord.ButtonStyle.primary,
                custom_id=VOTE_CUSTOM_ID.format(debate_id=debate_id),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["debate_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await guarded(interaction, self._open)

    async def _open(self, interaction: discord.Interaction) -> None:
        debate = await debate_by_id(bot_of(interaction), guild_of(interaction), self.debate_id)
        await open_builder(interaction, debate)
