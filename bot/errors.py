"""The one error path: every failed interaction gets an ephemeral answer.

User mistakes raise :class:`UserError` (or one of discord.py's check failures) and are
answered with a plain explanation. Anything else is a bug: the user gets a short apology
with an error id, and the log gets the traceback under the same id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.logs import log_command, note_outcome

log = logging.getLogger(__name__)


class UserError(Exception):
    """Something the user can fix; the message is shown to them as is."""


class DebateNotFound(UserError):
    """A debate a button, a form or a duel names was deleted (or is not this server's).

    The user-facing side of :class:`bot.models.DebateGone`, which storage raises."""

    def __init__(self) -> None:
        super().__init__("That debate no longer exists. `/debate list` shows the current ones.")


def explain(error: BaseException) -> str | None:
    """The message for an error the user can act on, or None for an unexpected error."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        # Raised in one of our transformers (bot.arguments): explain what it raised.
        error = error.__cause__
    if isinstance(error, UserError):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"You need the {missing} permission to do that."
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"I need the {missing} permission here to do that."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works in a server."
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand {error.value!r} for that option."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    return None


async def answer_error(interaction: discord.Interaction, error: BaseException) -> str:
    """Answer ``interaction`` ephemerally about ``error``; log it when it is unexpected.

    Returns the outcome for the command log: ``refused`` or ``failed <error id>``."""
    message = explain(error)
    outcome = "refused"
    if message is None:
        error_id = uuid.uuid4().hex[:8]
        command = interaction.command.qualified_name if interaction.command else None
        log.error(
            "Unexpected error %s in %s (guild=%s user=%s)",
            error_id,
            command or (interaction.data and interaction.data.get("custom_id")),
            interaction.guild_id,
            interaction.user.id if interaction.user else None,
            exc_info=error,
        )
        message = f"Sorry, something went wrong on my side. (error id `{error_id}`)"
        outcome = f"failed {error_id}"
    note_outcome(outcome)
    await send_ephemeral(interaction, message)
    return outcome


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Send an ephemeral message whether or not the interaction was already answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        # The interaction expired or was deleted: nobody is left to tell.
        log.warning("Could not deliver an error message for interaction %s", interaction.id)


class ErrorHandlingTree(app_commands.CommandTree["discord.Client"]):
    """A CommandTree whose ``on_error`` is the bot's one error path."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        log_command(interaction, await answer_error(interaction, error))


AnyInteraction = TypeVar("AnyInteraction", bound=discord.Interaction)


async def guarded(
    interaction: AnyInteraction, handler: Callable[[AnyInteraction], Awaitable[None]]
) -> None:
    """Run ``handler`` on the one error path, for code discord.py would only log errors of
    (event listeners; dynamic buttons get it from :class:`bot.ui.DynamicButton`)."""
    try:
        await handler(interaction)
    except Exception as error:
        await answer_error(interaction, error)
