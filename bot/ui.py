"""Base classes for the bot's views and modals: owner checks and the shared error path."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import answer_error


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


# The public Vote button's custom_id. The ballots cog registers a dynamic item for this
# template, so the button keeps working after a restart and no other cog depends on it.
VOTE_CUSTOM_ID = "rd:vote:{debate_id}"
VOTE_TEMPLATE = r"rd:vote:(?P<debate_id>[0-9]+)"


def vote_button(debate_id: int) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label="Vote",
        emoji="🗳️",
        style=discord.ButtonStyle.primary,
        custom_id=VOTE_CUSTOM_ID.format(debate_id=debate_id),
    )
