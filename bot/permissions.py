"""Who may do what: the bot's permission checks, in one place.

- who counts as a server admin (:func:`ensure_admin`, :func:`admin_only`);
- whether the bot itself, and the member asking, may post a summary in a channel
  (:func:`check_can_post`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

from bot.errors import UserError

if TYPE_CHECKING:
    from bot.client import RankingBot
    from bot.server_settings import ServerSettingsService

T = TypeVar("T")

# -- server admins ---------------------------------------------------------------------------


class NotAdmin(app_commands.CheckFailure):
    """The member may not run an admin command; the message says what would let them."""


async def is_admin(interaction: discord.Interaction, settings: ServerSettingsService) -> bool:
    """Manage Server, or the role the server named with ``/settings admin_role``."""
    if interaction.guild_id is None:
        return False
    # interaction.permissions are the member's resolved permissions, Administrator included.
    if interaction.permissions.manage_guild:
        return True
    role_id = (await settings.get(interaction.guild_id)).admin_role_id
    return role_id is not None and role_id in member_role_ids(interaction.user)


def member_role_ids(user: discord.abc.User) -> set[int]:
    # The interaction payload carries the member's role ids. Member.roles would drop any the
    # role cache does not hold yet (the guild may still be unavailable), so read the ids.
    return set(getattr(user, "_roles", ()))


async def ensure_admin(interaction: discord.Interaction, settings: ServerSettingsService) -> None:
    """Raise :class:`NotAdmin` with a message naming what the member lacks."""
    if await is_admin(interaction, settings):
        return
    if interaction.guild_id is None:
        raise NotAdmin("This command only works in a server.")
    role_id = (await settings.get(interaction.guild_id)).admin_role_id
    needs = "the Manage Server permission"
    if role_id is not None:
        needs += f" or the <@&{role_id}> role"
    raise NotAdmin(f"Only server admins can do that: it needs {needs}.")


def admin_only() -> Callable[[T], T]:
    """Check, when the command runs, that the member is an admin (see :func:`is_admin`).

    Pair it with ``app_commands.default_permissions(manage_guild=True)`` where Discord
    allows it, so the command is hidden from members to begin with. Discord only accepts
    default permissions on top-level commands, not on subcommands: ``/debate`` also has
    member commands, so for ``/debate create``, ``edit``, ``delete`` and the others this
    runtime check is the only guard. It is also what lets the server's admin role in, which
    default permissions know nothing about.
    """

    async def predicate(interaction: discord.Interaction[RankingBot]) -> bool:
        await ensure_admin(interaction, interaction.client.server_settings)
        return True

    return app_commands.check(predicate)


# -- the bot in a channel ------------------------------------------------------------------

# What the bot needs in a channel to post a summary there, by Discord's names for them.
REQUIRED_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    """The permissions a summary needs that ``permissions`` lacks, by their Discord names."""
    return [label for name, label in REQUIRED_PERMISSIONS.items() if not getattr(permissions, name)]


def bot_permissions_in(channel: discord.abc.GuildChannel) -> discord.Permissions | None:
    """The bot's permissions in ``channel``, or None when the server is not cached.

    An uncached server (no gateway yet) has no roles to compute from: guessing would report
    every permission missing, so the caller lets Discord decide instead.
    """
    guild = channel.guild
    if guild.unavailable or guild.me is None or not guild.roles:
        return None
    return channel.permissions_for(guild.me)


def cannot_post_message(channel_mention: str, missing: list[str]) -> str:
    return (
        f"I can't post summaries in {channel_mention}: I'm missing "
        f"{', '.join(missing)} there. Allow {'it' if len(missing) == 1 else 'them'} for me in "
        "the channel's permissions, or pick another channel."
    )


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
    check_member_can_post(interaction, target)
    return target


def check_member_can_post(
    interaction: discord.Interaction, target: discord.abc.GuildChannel
) -> None:
    """A UserError unless the member asking may see and post in ``target`` themselves: the
    bot must not post where the member could not (an admin role is no way around a
    channel's own permissions)."""
    if target.id == interaction.channel_id:
        permissions: discord.Permissions | None = interaction.permissions
    else:
        member = interaction.user
        guild = target.guild
        cached = isinstance(member, discord.Member) and not guild.unavailable and guild.roles
        permissions = target.permissions_for(member) if cached else None  # type: ignore[arg-type]
    if permissions is None:
        raise UserError(
            f"I can't check your permissions in {target.mention} right now (Discord hasn't "
            "sent me this server yet); try again in a minute."
        )
    if not (permissions.view_channel and permissions.send_messages):
        raise UserError(
            f"You can't post in {target.mention} yourself, so I won't post there for you. "
            "Pick a channel you can post in."
        )
