"""/debate: browse the debates and show the author's ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from cogs.debates.admin import AdminCommands
from cogs.debates.browse import BrowseCommands, ListPageButton, ShowPageButton
from cogs.debates.edit import EditCommands
from cogs.debates.rules import RulesCommands

if TYPE_CHECKING:
    from bot.client import RankingBot


class Debates(
    BrowseCommands,
    EditCommands,
    AdminCommands,
    RulesCommands,
    commands.GroupCog,
    group_name="debate",
    # Without it discord.py would publish the docstring below, a note for developers.
    group_description="See this server's debates and the authors' rankings; admins run them",
):
    """Every /debate subcommand; each feature's commands live in their own mixin module."""

    def __init__(self, bot: RankingBot) -> None:
        self.bot = bot
        super().__init__()


async def setup(bot: RankingBot) -> None:
    bot.add_dynamic_items(ShowPageButton, ListPageButton)
    await bot.add_cog(Debates(bot))
