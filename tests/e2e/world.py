"""The emulated Discord's world: users, guilds, roles, channels, members and messages.

Each object knows its own payload as Discord's API v10 sends it, and a guild computes
permissions the way Discord does, so the bot's permission checks meet real numbers.
"""

from __future__ import annotations

import base64
import itertools
import re
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

import discord

from tests.support.discord_model import (  # noqa: F401  (re-exported for the emulator)
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    CB_AUTOCOMPLETE,
    CB_DEFERRED_MESSAGE,
    CB_DEFERRED_UPDATE,
    CB_LAUNCH_ACTIVITY,
    CB_MESSAGE,
    CB_MODAL,
    CB_PONG,
    CB_UPDATE,
    CHANNEL_MESSAGE_FLAGS,
    FLAG_COMPONENTS_V2,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    INTERACTION_MESSAGE_FLAGS,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    OPT_ATTACHMENT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_SUB_COMMAND,
    OPT_SUB_COMMAND_GROUP,
    OPT_USER,
    PING,
    SELECT_TYPES,
    Json,
    NotAllowed,
    member_payload,
    message_headings,
    message_pictures,
    message_text,
    message_title,
    user_payload,
    walk_components,
)

if TYPE_CHECKING:
    from tests.e2e.interactions import InteractionHandle


DISCORD_EPOCH_MS = 1_420_070_400_000
ACK_DEADLINE = 3.0
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9

# Gateway opcodes.
OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_PRESENCE, OP_VOICE = 0, 1, 2, 3, 4
OP_RESUME, OP_RECONNECT, OP_REQUEST_MEMBERS, OP_INVALID_SESSION = 6, 7, 8, 9
OP_HELLO, OP_HEARTBEAT_ACK = 10, 11

P = discord.Permissions
EVERYONE_PERMISSIONS = P(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_external_emojis=True,
    read_message_history=True,
    use_application_commands=True,
    create_instant_invite=True,
    change_nickname=True,
    connect=True,
    speak=True,
).value
# What the README asks to grant the bot: View Channel, Send Messages, Embed Links, Attach Files.
BOT_PERMISSIONS = P(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
).value
MODERATOR_PERMISSIONS = P(manage_guild=True).value
ALL_PERMISSIONS = P.all().value
ADMINISTRATOR = P(administrator=True).value
VIEW_CHANNEL = P(view_channel=True).value
SEND_MESSAGES = P(send_messages=True).value
ATTACH_FILES = P(attach_files=True).value
READ_MESSAGE_HISTORY = P(read_message_history=True).value


class EmulatorError(NotAllowed):
    """A test asked the emulator for something Discord would not let a user do, or timed out."""


class Snowflakes:
    """Increasing Discord-style ids whose timestamps are the time they were made."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(now, self._last + 1)
        return self._last

    def on_shard(self, shard_id: int, count: int) -> int:
        """The next id of a server on shard ``shard_id`` of ``count`` (the bits above the 22nd
        say which: Discord's ``(guild_id >> 22) % count``)."""
        value = self()
        step = (shard_id - (value >> 22)) % count
        if step:
            value = self._last = ((value >> 22) + step) << 22
        return value


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return None


def number_components(components: list[Json]) -> None:
    # Discord gives every component a numeric id unique within the message when none is sent.
    taken = {c["id"] for c in walk_components(components) if isinstance(c.get("id"), int)}
    counter = itertools.count(1)
    for component in walk_components(components):
        if not isinstance(component.get("id"), int):
            component["id"] = next(n for n in counter if n not in taken)


# ---------------------------------------------------------------------------------------------
# Users, roles, channels, members, guilds


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> Json:
        return user_payload(
            self.id, self.name, None if self.bot else self.name.title(), bot=self.bot
        )


@dataclass(eq=False)
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> Json:
        data: Json = {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> Json:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False)
class Channel:
    id: int
    name: str
    guild: Guild | None
    type: int = 0  # 0 text, 1 DM, 4 category, 5 announcement
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient: User | None = None

    @property
    def guild_id(self) -> int | None:
        return self.guild.id if self.guild else None

    def payload(self) -> Json:
        if self.guild is None:
            return {
                "id": str(self.id),
                "type": self.type,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.recipient.payload()] if self.recipient else [],
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "parent_id": None if self.parent_id is None else str(self.parent_id),
            "topic": self.topic,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "permission_overwrites": [o.payload() for o in self.overwrites],
        }

    def deny(self, target: Role | Member, permissions: int) -> None:
        """Deny ``permissions`` to a role or member here (the bot hears CHANNEL_UPDATE)."""
        self._overwrite(target).deny |= permissions
        self._changed()

    def allow(self, target: Role | Member, permissions: int) -> None:
        """Allow ``permissions`` to a role or member here (the bot hears CHANNEL_UPDATE)."""
        self._overwrite(target).allow |= permissions
        self._changed()

    def _changed(self) -> None:
        if self.guild is not None:
            self.guild.tell_bot("CHANNEL_UPDATE", self.payload())

    def _overwrite(self, target: Role | Member) -> Overwrite:
        kind = 0 if isinstance(target, Role) else 1
        for overwrite in self.overwrites:
            if overwrite.id == target.id and overwrite.type == kind:
                return overwrite
        overwrite = Overwrite(target.id, kind)
        self.overwrites.append(overwrite)
        return overwrite


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    def payload(self, permissions: int | None = None) -> Json:
        return member_payload(
            self.user.payload(),
            [role.id for role in self.roles],
            joined_at=self.joined_at,
            nick=self.nick,
            permissions=permissions,
        )

    def permissions_in(self, channel: Channel | None = None) -> int:
        return self.guild.permissions_for(self, channel)


class Host(Protocol):
    """What a guild needs from the emulator: ids, users, and a way to tell the bot."""

    bot_user: User
    guilds: dict[int, Guild]
    snowflake: Callable[[], int]

    def add_user(self, name: str) -> User: ...

    def dispatch_to_bot(self, event: str, data: Json, guild_id: int | None = None) -> None: ...


class Guild:
    """A server: roles, channels and members, as the emulator's state and as payloads."""

    def __init__(self, host: Host, guild_id: int, name: str, owner: User) -> None:
        self._host = host
        self.id = guild_id
        self.name = name
        self.owner_id = owner.id
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.everyone = self._add_role(Role(guild_id, "@everyone", EVERYONE_PERMISSIONS))
        self.moderator_role = self.add_role("Moderator", MODERATOR_PERMISSIONS)
        self.bot_role = self._add_role(
            Role(
                host.snowflake(),
                host.bot_user.name,
                BOT_PERMISSIONS,
                position=2,
                managed=True,
                bot_id=host.bot_user.id,
            )
        )
        self.owner = self.add_member(owner)
        self.bot_member = self.add_member(host.bot_user, roles=[self.bot_role])
        #: A member with Manage Server (through the Moderator role), not the owner.
        self.admin = self.add_member(f"{_slug(name)}-admin", roles=[self.moderator_role])
        self.general = self.add_channel("general")
        #: Whether the bot is in the server: READY lists only those.
        self.has_bot = True
        #: In an outage: READY lists it as unavailable, but no GUILD_CREATE follows.
        self.outage = False

    def __repr__(self) -> str:
        return f"<Guild {self.id} {self.name!r}>"

    # Arranging ---------------------------------------------------------------------------

    def add_role(self, name: str, permissions: int = 0) -> Role:
        return self._add_role(Role(self._host.snowflake(), name, permissions, position=1))

    def add_channel(self, name: str, *, type: int = 0, topic: str | None = None) -> Channel:
        position = len(self.channels)
        channel = Channel(self._host.snowflake(), name, self, type, position, topic)
        self.channels[channel.id] = channel
        self.tell_bot("CHANNEL_CREATE", channel.payload())
        return channel

    def remove_channel(self, channel: Channel) -> None:
        """Delete a channel (the bot hears CHANNEL_DELETE; posting there answers 404)."""
        del self.channels[channel.id]
        self.tell_bot("CHANNEL_DELETE", channel.payload())

    def add_member(
        self, user: User | str | None = None, *, roles: Sequence[Role] = (), nick: str | None = None
    ) -> Member:
        """Add a user (an existing :class:`User` to share one person between guilds, or a name)."""
        if not isinstance(user, User):
            user = self._host.add_user(user or f"member{len(self.members) + 1}")
        member = Member(user, self, list(roles), nick)
        self.members[user.id] = member
        return member

    def add_members(self, count: int, prefix: str = "member") -> list[Member]:
        start = len(self.plain_members) + 1
        return [self.add_member(f"{prefix}{i}") for i in range(start, start + count)]

    def set_permissions(self, role: Role, permissions: int) -> None:
        """Change a role's permissions (the bot hears GUILD_ROLE_UPDATE)."""
        role.permissions = permissions
        self.tell_bot("GUILD_ROLE_UPDATE", {"guild_id": str(self.id), "role": role.payload()})

    def tell_bot(self, event: str, data: Json) -> None:
        """Dispatch ``event`` if the bot already knows this guild."""
        if self.id in self._host.guilds:
            self._host.dispatch_to_bot(event, data, self.id)

    def _add_role(self, role: Role) -> Role:
        self.roles[role.id] = role
        return role

    # Reading ----------------------------------------------------------------------------

    @property
    def plain_members(self) -> list[Member]:
        """Members who are neither the owner, the admin nor the bot, in the order they joined."""
        special = {self.owner_id, self.bot_member.id, self.admin.id}
        return [m for m in self.members.values() if m.id not in special]

    @property
    def text_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.type in (0, 5)]

    def member(self, user: User | Member | int) -> Member:
        user_id = user if isinstance(user, int) else user.id
        try:
            return self.members[user_id]
        except KeyError:
            raise EmulatorError(f"user {user_id} is not a member of {self!r}") from None

    def permissions_for(self, member: Member, channel: Channel | None = None) -> int:
        """Discord's permission computation: base from roles, then channel overwrites."""
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        base = self.everyone.permissions
        for role in member.roles:
            base |= role.permissions
        if base & ADMINISTRATOR:
            return ALL_PERMISSIONS
        if channel is None:
            return base
        by_key = {(o.type, o.id): o for o in channel.overwrites}
        if everyone := by_key.get((0, self.id)):
            base = (base & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role in member.roles:
            if overwrite := by_key.get((0, role.id)):
                allow |= overwrite.allow
                deny |= overwrite.deny
        base = (base & ~deny) | allow
        if own := by_key.get((1, member.id)):
            base = (base & ~own.deny) | own.allow
        if not base & VIEW_CHANNEL:
            return 0
        return base

    def create_payload(self, *, with_members: bool, join: bool = False) -> Json:
        """GUILD_CREATE's guild. ``join``: the bot was just added, and Discord leaves out
        ``unavailable`` (discord.py tells a join from a server coming back by that)."""
        members = self.members.values() if with_members else [self.bot_member]
        payload: Json = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": str(self.general.id) if self.channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "features": [],
            "roles": [role.payload() for role in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "soundboard_sounds": [],
            "channels": [channel.payload() for channel in self.channels.values()],
            "threads": [],
            "members": [m.payload() for m in members],
            "member_count": len(self.members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "joined_at": self.bot_member.joined_at,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "incidents_data": None,
        }
        if join:
            del payload["unavailable"]
        return payload


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "guild"


# ---------------------------------------------------------------------------------------------
# Messages and attachments


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None
    url: str
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self) -> Json:
        data: Json = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "description": self.description,
            "ephemeral": self.ephemeral,
            "flags": 0,
        }
        if dims := png_size(self.data):
            data["width"], data["height"] = dims
        return data


@dataclass(eq=False)
class Message:
    """A message the bot sent (to a channel, or as an interaction response or followup)."""

    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    allowed_mentions: Json | None = None
    interaction: InteractionHandle | None = None
    reference: Json | None = None
    created_at: float = field(default_factory=time.monotonic)
    #: When its content was first shown: created_at, or when a "thinking…" placeholder was
    #: replaced by the answer (what a member waits for after a deferral).
    shown_at: float = field(default_factory=time.monotonic)
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None
    deleted: bool = False
    #: Earlier versions of the message, oldest first (each a payload dict).
    history: list[Json] = field(default_factory=list)
    #: The nonce it was created with (Discord returns it, and dedupes on it if asked to).
    nonce: str | None = None

    def __repr__(self) -> str:
        return f"<Message {self.id} in #{self.channel.name} {self.text[:60]!r}>"

    # Reading ----------------------------------------------------------------------------

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while the message is a deferred response's "thinking…" placeholder."""
        return bool(self.flags & FLAG_LOADING)

    @property
    def edits(self) -> int:
        return len(self.history)

    @property
    def guild(self) -> Guild | None:
        return self.channel.guild

    @property
    def text(self) -> str:
        """Content, embeds and text displays flattened into one string, for ``in`` checks."""
        return message_text({"content": self.content, "embeds": self.embeds,
                             "components": self.components})  # fmt: skip

    def walk_components(self) -> Iterator[Json]:
        return walk_components(self.components)

    @property
    def layout(self) -> bool:
        """True for a Components V2 message (a card: no content, no embeds)."""
        return bool(self.flags & FLAG_COMPONENTS_V2)

    @property
    def note(self) -> str:
        """The line above the embeds or cards: the content, or a card message's first text
        display outside any card (a card message has no content)."""
        first = self.components[0] if self.layout and self.components else {}
        return self.content or (first.get("content", "") if first.get("type") == 10 else "")

    @property
    def pictures(self) -> list[bytes]:
        """The pictures a member sees: embed images and media gallery items, in order."""
        return message_pictures(self.payload() | {"attachments": self._attachment_data()})

    @property
    def headings(self) -> list[str]:
        """Embed field names, or a card's bold lines above their text."""
        return message_headings(self.payload())

    @property
    def title(self) -> str:
        return message_title(self.payload())

    def _attachment_data(self) -> list[Json]:
        return [a.payload() | {"data": a.data} for a in self.attachments]

    @property
    def buttons(self) -> list[Json]:
        return [c for c in self.walk_components() if c["type"] == 2]

    @property
    def selects(self) -> list[Json]:
        return [c for c in self.walk_components() if c["type"] in SELECT_TYPES]

    def component(
        self,
        *,
        custom_id: str | None = None,
        label: str | None = None,
        placeholder: str | None = None,
        types: frozenset[int] | None = None,
    ) -> Json:
        """The one interactive component matching; ``label`` matches exactly, then as a part."""
        candidates = [
            c
            for c in self.walk_components()
            if "custom_id" in c and (types is None or c["type"] in types)
        ]
        if custom_id is not None:
            found = [c for c in candidates if c["custom_id"] == custom_id]
        elif label is not None:
            found = [c for c in candidates if c.get("label") == label] or [
                c for c in candidates if label.lower() in (c.get("label") or "").lower()
            ]
        elif placeholder is not None:
            found = [c for c in candidates if placeholder in (c.get("placeholder") or "")]
        else:
            found = candidates
        if len(found) != 1:
            wanted = custom_id or label or placeholder or "any"
            have = [(c.get("label") or c.get("placeholder"), c["custom_id"]) for c in candidates]
            raise EmulatorError(
                f"{len(found)} components match {wanted!r} on {self!r}; it has {have}"
            )
        return found[0]

    def payload(self) -> Json:
        guild = self.channel.guild
        data: Json = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "reactions": [],
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
            "components": self.components,
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
        if self.reference is not None:
            data["message_reference"] = self.reference
        if self.nonce is not None:
            data["nonce"] = self.nonce
        interaction = self.interaction
        if interaction is not None:
            data["webhook_id"] = str(interaction.application_id)
            data["application_id"] = str(interaction.application_id)
            data["interaction_metadata"] = interaction.metadata(self)
            if interaction.command_name is not None:
                data["interaction"] = {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "name": interaction.command_name,
                    "user": interaction.user.payload(),
                }
        return data


def token_for(application_id: int) -> str:
    """A well-formed fake bot token whose first part encodes ``application_id``, like Discord's."""
    first = base64.urlsafe_b64encode(str(application_id).encode()).decode().rstrip("=")
    return f"{first}.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
