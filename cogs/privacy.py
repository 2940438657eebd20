"""/forget-me: a member erases everything the bot stores about them in this server."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any, ClassVar, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot import custom_ids
from bot.errors import UserError
from bot.render.privacy import describe_erasure
from bot.ui import DynamicButton, dynamic_view, guild_of

if TYPE_CHECKING:
    from bot.client import RankingBot

QUESTION = (
    "Erase everything I store about you in this server? That is your ballots on every debate "
    "(every saved version, with your reasons) and your name on debates or schedules you "
    "created. The results stop counting you at once. This can't be undone."
)
# How long the question may be answered: long enough to read it (and for the bot to
# restart meanwhile), short enough that an old message is not a loaded gun.
ANSWER_WITHIN_SECONDS = 15 * 60
EXPIRED = "Nothing erased: this question expired. Use `/forget-me` again if you still want to."


class ForgetButton(DynamicButton, spec=custom_ids.FORGET):
    """Erase or Cancel under the question: its member and deadline are in its id, so it
    answers after a restart, for that member only, and refuses once the deadline passed."""

    labels: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "erase": ("Erase my data", discord.ButtonStyle.danger),
        "cancel": ("Cancel", discord.ButtonStyle.secondary),
    }

    def __init__(self, action: str, member_id: int, expires: int) -> None:
        label, style = self.labels[action]
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                custom_id=self.spec.format(action=action, member_id=member_id, expires=expires),
            )
        )
        self.action = action
        self.member_id = member_id
        self.expires = expires

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(match["action"], int(match["member_id"]), int(match["expires"]))

    async def clicked(self, interaction: discord.Interaction[RankingBot]) -> None:
        if interaction.user.id != self.member_id:
            raise UserError("This isn't yours: use `/forget-me` yourself to erase your own data.")
        if self.action == "cancel":
            await interaction.response.edit_message(content="Cancelled: nothing erased.", view=None)
            return
        if time.time() > self.expires:
            await interaction.response.edit_message(content=EXPIRED, view=None)
            return
        erasure = await interaction.client.privacy.forget(self.member_id, guild_of(interaction))
        text = describe_erasure(erasure, where="in this server")
        await interaction.response.edit_message(content=text, view=None)


def forget_view(member_id: int, *, now: float | None = None) -> discord.ui.View:
    """The question's two buttons; stopped, so discord.py keeps nothing: they are dynamic."""
    expires = int((time.time() if now is None else now) + ANSWER_WITHIN_SECONDS)
    return dynamic_view(
        *(ForgetButton(action, member_id, expires) for action in ForgetButton.labels)
    )


class Privacy(commands.Cog):
    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="forget-me",
        description="Erase your ballots and everything else I store about you here",
    )
    @app_commands.guild_only()
    async def forget_me(self, interaction: discord.Interaction[RankingBot]) -> None:
        await interaction.response.send_message(
            QUESTION, view=forget_view(interaction.user.id), ephemeral=True
        )


async def setup(bot: RankingBot) -> None:
    bot.add_dynamic_items(ForgetButton)
    await bot.add_cog(Privacy(bot))
