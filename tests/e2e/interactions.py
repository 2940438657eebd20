"""Interactions: the payloads the emulator injects, and a handle on what the bot answered.

Payloads are built the way discord.py 2.7 parses them (``Interaction._from_data``): token,
version, application_id, attachment_size_limit, app_permissions, entitlements, context, locale,
member with permissions, channel with permissions, and ``resolved`` data for entity options.
"""

# Waiting helpers take ``timeout=`` so a timeout can say what was awaited.
# ruff: noqa: ASYNC109

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.e2e.world import (
    ATTACHMENT_SIZE_LIMIT,
    BOT_PERMISSIONS,
    CB_AUTOCOMPLETE,
    CB_DEFERRED_UPDATE,
    CB_MODAL,
    CB_PONG,
    CB_UPDATE,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_NUMBER,
    OPT_STRING,
    Attachment,
    Channel,
    EmulatorError,
    Guild,
    Json,
    Member,
    Message,
    Role,
    User,
)
from tests.support.discord_model import interaction_payload as model_interaction_payload

if TYPE_CHECKING:
    from tests.e2e.emulator import DiscordEmulator

DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class Callback:
    """The bot's answer to an interaction (``POST /interactions/{id}/{token}/callback``)."""

    type: int
    data: Json | None
    at: float
    latency: float  # seconds from the moment the interaction was injected


class InteractionHandle:
    """One injected interaction, and everything the bot did in answer to it."""

    def __init__(
        self,
        emulator: DiscordEmulator,
        *,
        type: int,
        guild: Guild | None,
        channel: Channel,
        member: Member | None,
        user: User,
        data: Json | None,
        source_message: Message | None = None,
        command_name: str | None = None,
    ) -> None:
        self._emulator = emulator
        self.id = emulator.snowflake()
        self.token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        self.application_id = emulator.application_id
        self.type = type
        self.guild = guild
        self.channel = channel
        self.member = member
        self.user = user
        self.data = data
        self.source_message = source_message
        self.command_name = command_name
        self.injected_at = 0.0
        #: The gateway session it was dispatched to (the session of its server's shard).
        self.session_id = ""
        self.callback: Callback | None = None
        #: Callbacks Discord refused (too late, or after the first).
        self.refused_callbacks: list[tuple[Callback, str]] = []
        self.original: Message | None = None
        self.followups: list[Message] = []
        self.modal: Json | None = None
        self.choices: list[Json] | None = None
        self.payload: Json = {}
        #: How often the component's message had been edited when the bot answered.
        self.source_edits_at_answer = 0

    def __repr__(self) -> str:
        return f"<Interaction {self.id} type={self.type} {self.command_name or ''}>"

    @property
    def ack_latency(self) -> float | None:
        return None if self.callback is None else self.callback.latency

    @property
    def messages(self) -> list[Message]:
        """Every message this interaction produced or edited: original first, then followups."""
        original = self.original_message()
        return ([original] if original else []) + self.followups

    def metadata(self, message: Message) -> Json:
        data: Json = {
            "id": str(self.id),
            "type": self.type,
            "user": self.user.payload(),
            "authorizing_integration_owners": self.integration_owners(),
        }
        if self.command_name is not None:
            data["name"] = self.command_name
            data["command_type"] = 1
        if self.source_message is not None:
            data["interacted_message_id"] = str(self.source_message.id)
        if self.original is not None and message is not self.original:
            data["original_response_message_id"] = str(self.original.id)
        return data

    def integration_owners(self) -> Json:
        if self.guild is not None:
            return {"0": str(self.guild.id)}
        return {"1": str(self.user.id)}

    # Waiting for the bot -----------------------------------------------------------------

    async def response(self, timeout: float = DEFAULT_TIMEOUT) -> Callback:
        """The bot's acknowledgement, once it arrives (EmulatorError if Discord refused it)."""

        def answered() -> Callback | None:
            if self.callback is None and self.refused_callbacks:
                callback, reason = self.refused_callbacks[0]
                raise EmulatorError(
                    f"Discord refused the answer to {self!r}: {reason} "
                    f"({callback.latency:.2f}s after it was sent)"
                )
            return self.callback

        return await self._emulator.wait_for(
            answered, timeout=timeout, what=f"the bot to answer {self!r}"
        )

    @property
    def answered(self) -> bool:
        """Whether the bot tried to answer, accepted or not."""
        return self.callback is not None or bool(self.refused_callbacks)

    @property
    def first_answer_latency(self) -> float | None:
        """Seconds to the bot's first try at answering, accepted or not (for bursts)."""
        tries = [c for c, _ in self.refused_callbacks]
        if self.callback is not None:
            tries.append(self.callback)
        return min((c.latency for c in tries), default=None)

    async def message(self, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The message this interaction's response shows, once it is no longer "thinking…".

        A new message (callback 4), the deferred placeholder once edited (5), or the message the
        component sits on once updated (7, or 6 followed by an edit).
        """
        callback = await self.response(timeout)
        if callback.type in (CB_MODAL, CB_AUTOCOMPLETE, CB_PONG):
            raise EmulatorError(f"{self!r} was answered with callback type {callback.type}")

        def shown() -> Message | None:
            message = self.original_message()
            if message is None or message.loading:
                return None
            if callback.type == CB_DEFERRED_UPDATE and message.edits <= self.source_edits_at_answer:
                return None
            return message

        return await self._emulator.wait_for(
            shown, timeout=timeout, what=f"the response to {self!r} to be shown"
        )

    async def followup(self, index: int = 0, timeout: float = DEFAULT_TIMEOUT) -> Message:
        """The ``index``-th followup message (0 = the first), once sent."""
        return await self._emulator.wait_for(
            lambda: self.followups[index] if len(self.followups) > index else None,
            timeout=timeout,
            what=f"followup #{index} to {self!r}",
        )

    async def modal_shown(self, timeout: float = DEFAULT_TIMEOUT) -> Json:
        callback = await self.response(timeout)
        if callback.type != CB_MODAL or self.modal is None:
            raise EmulatorError(f"{self!r} was answered with type {callback.type}, not a modal")
        return self.modal

    async def autocomplete_choices(self, timeout: float = DEFAULT_TIMEOUT) -> list[Json]:
        callback = await self.response(timeout)
        if callback.type != CB_AUTOCOMPLETE or self.choices is None:
            raise EmulatorError(f"{self!r} was answered with type {callback.type}, not choices")
        return self.choices

    def original_message(self) -> Message | None:
        """The message that ``@original`` refers to: the response's own, or the message of the
        component once the bot chose to update it."""
        if self.original is not None:
            return self.original
        if self.callback is not None and self.callback.type in (CB_UPDATE, CB_DEFERRED_UPDATE):
            return self.source_message
        return None


# ---------------------------------------------------------------------------------------------
# Building interaction data


def build_options(
    leaf: Json,
    values: Mapping[str, Any],
    resolved: Json,
    guild: Guild,
    member: Member,
    focused: tuple[str, str] | None,
) -> list[Json]:
    """The leaf command's options from ``values`` (validated against its definition), plus the
    ``focused`` (name, partial text) option for autocomplete."""
    defined = {o["name"]: o for o in leaf.get("options", [])}
    unknown = set(values) - set(defined)
    if unknown:
        raise EmulatorError(f"/{leaf['name']} has no options {sorted(unknown)}")
    built: list[Json] = []
    for name, option in defined.items():
        if focused is not None and name == focused[0]:
            built.append(
                {"name": name, "type": option["type"], "value": focused[1], "focused": True}
            )
            continue
        if name not in values:
            if option.get("required") and focused is None:
                raise EmulatorError(f"option {name!r} of /{leaf['name']} is required")
            continue
        value = option_value(option, values[name], resolved, guild, member)
        built.append({"name": name, "type": option["type"], "value": value})
    return built


def option_value(option: Json, value: Any, resolved: Json, guild: Guild, member: Member) -> Any:
    """One option's value as Discord sends it; the Discord client's checks (choices, channel
    types) are done here, since a member could not send anything else."""
    kind = option["type"]
    if kind in (OPT_STRING, OPT_INTEGER, OPT_NUMBER):
        value = {OPT_STRING: str, OPT_INTEGER: int, OPT_NUMBER: float}[kind](value)
        choices = option.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise EmulatorError(f"{value!r} is not a choice of option {option['name']!r}")
        return value
    if kind == OPT_BOOLEAN:
        return bool(value)
    if kind == OPT_CHANNEL and isinstance(value, Channel):
        allowed = option.get("channel_types")
        if allowed and value.type not in allowed:
            raise EmulatorError(f"#{value.name} is not a channel type {allowed}")
    return resolve_entity(value, resolved, guild, member)


def resolve_entity(value: Any, resolved: Json, guild: Guild | None, member: Member | None) -> str:
    """Put a user/member, channel, role or attachment into ``resolved``; return its id."""
    key = str(value.id)
    if isinstance(value, Member | User):
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[key] = user.payload()
        if guild is not None and user.id in guild.members:
            target = guild.members[user.id]
            payload = target.payload(guild.permissions_for(target))
            del payload["user"]
            resolved.setdefault("members", {})[key] = payload
    elif isinstance(value, Channel):
        payload = value.payload()
        viewer = member or (guild.admin if guild else None)
        perms = guild.permissions_for(viewer, value) if guild and viewer else 0
        payload["permissions"] = str(perms)
        resolved.setdefault("channels", {})[key] = payload
    elif isinstance(value, Role):
        resolved.setdefault("roles", {})[key] = value.payload()
    elif isinstance(value, Attachment):
        resolved.setdefault("attachments", {})[key] = value.payload()
    else:
        raise EmulatorError(f"cannot pass {value!r} as an entity option")
    return key


def interaction_payload(handle: InteractionHandle) -> Json:
    """The INTERACTION_CREATE payload for ``handle``, as discord.py 2.7 parses it."""
    guild, channel = handle.guild, handle.channel
    channel_data, member, app_permissions = channel.payload(), None, BOT_PERMISSIONS
    if guild is not None and handle.member is not None:
        member_perms = guild.permissions_for(handle.member, channel)
        channel_data["permissions"] = str(member_perms)
        member = handle.member.payload(member_perms)
        app_permissions = guild.permissions_for(guild.bot_member, channel)
    return model_interaction_payload(
        interaction_id=handle.id,
        application_id=handle.application_id,
        kind=handle.type,
        token=handle.token,
        data=handle.data,
        channel=channel_data,
        user=handle.user.payload(),
        member=member,
        guild_id=guild.id if guild is not None else None,
        app_permissions=app_permissions,
        attachment_size_limit=ATTACHMENT_SIZE_LIMIT,
        message=handle.source_message.payload() if handle.source_message else None,
    )
