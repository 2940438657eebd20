"""Base classes for the bot's views and modals: owner checks and the shared error path."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands

from bot.errors import answer_error

if TYPE_CHECKING:
    from bot.client import RankingBot


async def debate_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for every command's ``debate`` option: the debates this server sees."""
    bot = cast("RankingBot", interaction.client)
    return [
        app_commands.Choice(name=label[:100], value=slug)
        for label, slug in await bot.directory.suggest(interaction.guild_id, current)
    ]


class BaseView(discord.ui.View):
    """A view whose errors go through the bot's one error path."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await answer_error(interaction, error)


class OwnedView(BaseView):
    """A view only the member who opened it may use (an ephemeral builder, a confirmation)."""

    def __init__(self, owner_id: int, *, timeout: float | None = 600) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "This isn't yours: use the command yourself to get your own.", ephemeral=True
        )
        return False


class BaseModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await answer_error(interaction, error)


VOTE_CUSTOM_ID = "rd:vote:{debate_id}"
VOTE_TEMPLATE = r"rd:vote:(?P<debate_id>[0-9]+)"


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=VOTE_TEMPLATE):
    """The public Vote button under /debate show, results and summaries.

    A click is announced as the ``vote_button`` event (``on_vote_button(interaction,
    debate_id)``), which the ballots cog answers by opening the builder; no cog that draws the
    button needs the ballots cog. Its state is its custom_id, so it works after a restart,
    and a view made only of dynamic items is never kept in discord.py's view store, so
    public messages cost no memory however many are sent.
    """

    def __init__(self, debate_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Vote",
                emoji="🗳️",
                style=discord.ButtonStyle.primary,
                custom_id=VOTE_CUSTOM_ID.format(debate_id=debate_id),
            )
        )
        self.debate_id = debate_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["debate_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        interaction.client.dispatch("vote_button", interaction, self.debate_id)


def vote_button(debate_id: int) -> VoteButton:
    return VoteButton(debate_id)
