"""The options commands share: the ``debate`` option's description, autocomplete and resolution.

A command takes ``debate: DebateArg | None = None`` (or a required variant) and receives the
:class:`Debate` itself; a name nobody knows is answered by the one error path before the
command runs. Left out, the option is None and the command uses the server's current debate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.models import Debate

if TYPE_CHECKING:
    from bot.client import RankingBot


class DebateTransformer(app_commands.Transformer):
    """Offers the debates this server sees while a member types, and finds the one chosen."""

    def __init__(
        self, description: str = "Which debate (default: the server's current one)"
    ) -> None:
        # discord.py takes option descriptions from the command, not the transformer:
        # describe_options() copies this one onto every option that uses it.
        self.description = description

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    # discord.py types these for any Client; every interaction here is this bot's.
    async def transform(  # type: ignore[override]
        self, interaction: discord.Interaction[RankingBot], value: str
    ) -> Debate:
        return await interaction.client.directory.resolve(interaction.guild_id, value)

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction[RankingBot], value: str
    ) -> list[app_commands.Choice[str]]:
        suggested = await interaction.client.directory.suggest(interaction.guild_id, value)
        return [app_commands.Choice(name=label[:100], value=slug) for label, slug in suggested]


DebateArg = app_commands.Transform[Debate, DebateTransformer()]
CurrentDebateArg = app_commands.Transform[
    Debate, DebateTransformer("The debate /vote, /consensus and the others use by default")
]
DebateToDeleteArg = app_commands.Transform[
    Debate, DebateTransformer("The debate to delete, with every ballot on it")
]


def describe_options(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> None:
    """Give every option of ``command`` (and its subcommands) its transformer's description."""
    commands = command.walk_commands() if isinstance(command, app_commands.Group) else [command]
    for leaf in commands:
        if isinstance(leaf, app_commands.Group):
            continue
        for param in leaf._params.values():
            if isinstance(param._annotation, DebateTransformer) and str(param.description) == "…":
                param.description = param._annotation.description
