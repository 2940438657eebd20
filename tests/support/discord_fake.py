"""Drive the real bot with interactions built from raw payloads, and record what it answers.

Interactions go in exactly as the gateway hands them to discord.py
(``ConnectionState.parse_interaction_create``), so the CommandTree, transformers, checks,
views, dynamic items and modals all really run. discord.py's two HTTP entry points — the
webhook adapter (interaction callbacks, followups) and ``HTTPClient.request`` (channel
messages) — are replaced by :class:`FakeDiscord`, which answers as Discord does and keeps
every message, so tests assert on what users would see.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import discord
from discord import app_commands
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter

from tests.support.discord_model import (
    FLAG_COMPONENTS_V2,
    OPT_ATTACHMENT,
    OPT_CHANNEL,
    OPT_ROLE,
    Json,
    command_data,
    find_command,
    interaction_payload,
    kept_attachments,
    member_payload,
    message_headings,
    message_pictures,
    message_text,
    message_title,
    option_named,
    resolve_media,
    string_select_value,
    submitted,
    user_payload,
    validate_callback,
    validate_message,
    walk_components,
)

APPLICATION_ID = 900_000_000_000_000_001
BOT_USER_ID = APPLICATION_ID
GUILD_ID = 100_000_000_000_000_001
OTHER_GUILD_ID = 100_000_000_000_000_002
CHANNEL_ID = 200_000_000_000_000_001
MEMBER_ID = 300_000_000_000_000_001
ADMIN_ID = 300_000_000_000_000_999

# Permission bits members get in these tests: everyday ones, and Manage Server for admins.
MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, attach_files=True,
    read_message_history=True, use_application_commands=True,
)  # fmt: skip
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | discord.Permissions(manage_guild=True)
_snowflakes = itertools.count(500_000_000_000_000_000)


def snowflake() -> int:
    return next(_snowflakes)


@dataclass
class Call:
    """One request the bot made."""

    method: str
    path: str
    params: dict[str, Any]
    payload: dict[str, Any] | None
    files: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Reply:
    """What one interaction got back: its callback type, and the messages it created or edited."""

    type: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def message(self) -> dict[str, Any]:
        assert self.messages, f"the interaction created no message (callback type {self.type})"
        return self.messages[-1]

    @property
    def ephemeral(self) -> bool:
        return bool(self.message.get("flags", 0) & 64)

    @property
    def content(self) -> str:
        return self.message.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.get("embeds") or []

    @property
    def text(self) -> str:
        """Everything a user reads in the last message: content, embed titles, fields, footers."""
        return message_text(self.message)

    @property
    def title(self) -> str:
        """The message's title: its embed's, or its card's first heading."""
        return message_title(self.message)

    @property
    def headings(self) -> list[str]:
        """The headings of the message's parts: embed field names or a card's bold lines."""
        return message_headings(self.message)

    @property
    def pictures(self) -> list[bytes]:
        """The pictures a member sees in the last message (embed images, gallery items)."""
        return message_pictures(self.message)

    @property
    def layout(self) -> bool:
        """True when the last message is a Components V2 layout (no content, no embeds)."""
        return bool(self.message.get("flags", 0) & FLAG_COMPONENTS_V2)

    @property
    def choices(self) -> list[dict[str, Any]]:
        assert self.type == 8, f"not an autocomplete answer (type {self.type})"
        return self.data.get("choices", [])

    def custom_ids(self) -> list[str]:
        return [
            c["custom_id"] for c in walk_components(self.message["components"]) if "custom_id" in c
        ]

    def component(
        self, *, label: str | None = None, custom_id: str | None = None
    ) -> dict[str, Any]:
        for component in walk_components(self.message["components"]):
            if label is not None and component.get("label") == label:
                return component
            if custom_id is not None and component.get("custom_id") == custom_id:
                return component
        raise AssertionError(f"no component {label or custom_id!r} in {self.custom_ids()}")


class FakeDiscord:
    """Discord's side of the HTTP conversation, in memory."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.replies: dict[str, Reply] = {}  # by interaction token
        # Interaction token -> id of the message a component or modal was used on.
        self._origin: dict[str, str] = {}
        # Interaction token -> interaction type, for checking the answer Discord would accept.
        self._kinds: dict[str, int] = {}
        #: What Discord would have refused (a 50035 "Invalid Form Body"); the ``bot`` fixture
        #: fails a test that leaves any behind.
        self.refusals: list[str] = []
        self.bot_user = user_payload(BOT_USER_ID, "Ranking Debates", None, bot=True)

    # -- patching ------------------------------------------------------------------------

    def install(self, monkeypatch: Any) -> None:
        fake = self

        async def webhook_request(
            _adapter: Any, route: Route, session: Any = None, **kw: Any
        ) -> Any:
            return fake.handle(route, kw)

        async def http_request(_http: Any, route: Route, **kw: Any) -> Any:
            return fake.handle(route, kw)

        monkeypatch.setattr(AsyncWebhookAdapter, "request", webhook_request)
        monkeypatch.setattr(HTTPClient, "request", http_request)

    # -- answering -----------------------------------------------------------------------

    def handle(self, route: Route, kw: dict[str, Any]) -> Any:
        payload = kw.get("payload") or kw.get("json")
        files = [(f.filename or "file", _read(f)) for f in kw.get("files") or []]
        for part in kw.get("multipart") or kw.get("form") or []:
            if part.get("name") == "payload_json":
                payload = json.loads(part["value"])
        path = urlsplit(route.url).path.split("/v10", 1)[-1]
        call = Call(route.method, path, dict(kw.get("params") or {}), payload, files)
        self.calls.append(call)
        parts = path.strip("/").split("/")
        if parts[0] == "interactions":
            return self._callback(parts[2], call)
        if parts[0] == "webhooks":
            return self._webhook(parts[2], call)
        if parts[0] == "channels" and len(parts) >= 3 and parts[2] == "messages":
            return self._channel_message(int(parts[1]), parts[3:], call)
        raise AssertionError(f"the bot called an unexpected route: {route.method} {path}")

    def _check(self, errors: Json, call: Call) -> None:
        if errors:
            self.refusals.append(f"{call.method} {call.path}: {errors}")
            raise AssertionError(f"Discord would refuse {call.method} {call.path}: {errors}")

    def _reply(self, token: str) -> Reply:
        return self.replies.setdefault(token, Reply())

    def _callback(self, token: str, call: Call) -> dict[str, Any]:
        assert call.payload is not None
        reply = self._reply(token)
        kind = call.payload["type"]
        data = call.payload.get("data") or {}
        on_message = token in self._origin
        source = self.messages.get(int(self._origin[token])) if on_message else None
        self._check(
            validate_callback(
                self._kinds[token], kind, data, call.files, on_message=on_message, message=source
            ),
            call,
        )
        reply.type, reply.data = kind, data
        interaction = {"id": str(snowflake()), "type": 2}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):  # a new message (5: "thinking…" until the followup edits it)
            message = self._new_message(CHANNEL_ID, data, call.files)
            message["interaction_token"] = token
            if kind == 5:
                message["loading"] = True
            reply.messages.append(message)
            interaction |= {
                "response_message_id": message["id"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message["flags"] & 64),
            }
            resource["message"] = message
        elif kind == 7:  # update the message the component is on
            message = self.messages[int(self._origin[token])]
            self._edit(message, data, call.files)
            reply.messages.append(message)
            resource["message"] = message
        return {"interaction": interaction, "resource": resource}

    def _webhook(self, token: str, call: Call) -> dict[str, Any] | None:
        reply = self._reply(token)
        target = call.path.rsplit("/", 1)[-1]
        if call.method in ("POST", "PATCH"):
            edited = self._find_webhook_message(token, target) if call.method == "PATCH" else None
            self._check(
                validate_message(
                    call.payload or {},
                    partial=call.method == "PATCH",
                    files=call.files,
                    message=edited,
                ),
                call,
            )
        if call.method == "POST":  # a followup
            loading = [m for m in reply.messages if m.pop("loading", False)]
            if loading:  # as on Discord, the first followup after a defer replaces "thinking…"
                self._edit(loading[0], call.payload or {}, call.files)
                return loading[0]
            message = self._new_message(CHANNEL_ID, call.payload or {}, call.files)
            message["interaction_token"] = token
            reply.messages.append(message)
            return message
        message = self._find_webhook_message(token, target)
        if call.method == "PATCH":
            message.pop("loading", None)
            self._edit(message, call.payload or {}, call.files)
            if message not in reply.messages:
                reply.messages.append(message)
            return message
        if call.method == "DELETE":
            message["deleted"] = True
            return None
        return message

    def _find_webhook_message(self, token: str, target: str) -> dict[str, Any]:
        if target == "@original":
            origin = self._origin.get(token)
            if origin is not None and self._reply(token).type == 7:
                return self.messages[int(origin)]
            created = [
                m for m in self._reply(token).messages if m.get("interaction_token") == token
            ]
            assert created, "the bot edited @original before answering"
            return created[0]
        return self.messages[int(target)]

    def _channel_message(self, channel_id: int, rest: list[str], call: Call) -> Any:
        if call.method in ("POST", "PATCH"):
            edited = self.messages[int(rest[0])] if call.method == "PATCH" else None
            self._check(
                validate_message(
                    call.payload or {},
                    partial=call.method == "PATCH",
                    files=call.files,
                    message=edited,
                ),
                call,
            )
        if call.method == "POST":
            return self._new_message(channel_id, call.payload or {}, call.files)
        message = self.messages[int(rest[0])]
        if call.method == "PATCH":
            self._edit(message, call.payload or {}, call.files)
        return message

    def _new_message(
        self, channel_id: int, data: dict[str, Any], files: list[tuple[str, bytes]]
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(snowflake()), "channel_id": str(channel_id), "author": self.bot_user,
            "content": "", "embeds": [], "components": [], "attachments": [],
            "type": 0, "flags": 0, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "pinned": False, "edited_timestamp": None,
            "timestamp": datetime.now(UTC).isoformat(),
        }  # fmt: skip
        self._edit(message, data, files)
        message["flags"] = data.get("flags") or 0
        self.messages[int(message["id"])] = message
        return message

    def _edit(
        self, message: dict[str, Any], data: dict[str, Any], files: list[tuple[str, bytes]]
    ) -> None:
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in data:
                message[key] = (
                    data[key] if data[key] is not None else ([] if key != "content" else "")
                )
        # As Discord: the attachments named in the body stay (all when it names none), and
        # the files uploaded come after them.
        message["attachments"] = kept_attachments(data, message["attachments"]) + [
            {"id": str(snowflake()), "filename": name, "size": len(body), "data": body,
             "url": f"https://cdn.invalid/{snowflake()}/{name}",
             "proxy_url": f"https://cdn.invalid/{name}"}
            for name, body in files
        ]  # fmt: skip
        # A Components V2 message stays one; its pictures point at its attachments, as Discord
        # resolves attachment://name when it stores a message.
        message["flags"] = (message.get("flags") or 0) | (
            data.get("flags") or 0
        ) & FLAG_COMPONENTS_V2
        resolve_media(message["components"], message["attachments"])


def _read(file: discord.File) -> bytes:
    file.reset()
    data = file.fp.read()
    file.reset()
    return data if isinstance(data, bytes) else data.encode()


class Driver:
    """Sends interactions into a bot as the gateway would, and waits for them to finish."""

    def __init__(self, bot: discord.Client, fake: FakeDiscord) -> None:
        self.bot = bot
        self.fake = fake

    # -- payloads ------------------------------------------------------------------------

    def _base(
        self, kind: int, data: dict[str, Any], *, user_id: int, guild_id: int | None, admin: bool,
        message: dict[str, Any] | None = None, roles: Sequence[int] = (),
    ) -> dict[str, Any]:  # fmt: skip
        token = f"token-{snowflake()}"
        user = user_payload(user_id, f"member{user_id % 1000}", f"Member {user_id % 1000}")
        permissions = ADMIN_PERMISSIONS if admin else MEMBER_PERMISSIONS
        channel = {"id": str(CHANNEL_ID), "type": 0, "name": "general",
                   "guild_id": str(guild_id) if guild_id else None, "position": 0,
                   "permission_overwrites": [], "nsfw": False, "parent_id": None}  # fmt: skip
        member = None
        if guild_id is not None:
            joined_at = "2024-01-01T00:00:00+00:00"
            member = member_payload(user, roles, joined_at=joined_at, permissions=permissions.value)
        payload = interaction_payload(
            interaction_id=snowflake(), application_id=APPLICATION_ID, kind=kind, token=token,
            data=data, channel=channel, user=user, member=member, guild_id=guild_id,
            app_permissions=discord.Permissions.all().value,
            attachment_size_limit=25 * 1024 * 1024,
        )  # fmt: skip
        if message is not None:
            payload["message"] = message
            self.fake._origin[token] = message["id"]
        self.fake._kinds[token] = kind
        return payload

    async def dispatch(self, payload: dict[str, Any], *, wait_seconds: float = 10) -> Reply:
        before = asyncio.all_tasks()
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await _settle(before, wait_seconds)
        return self.fake.replies.get(payload["token"], Reply())

    # -- what members do -----------------------------------------------------------------

    async def slash(
        self, command: str, *, user_id: int = MEMBER_ID, guild_id: int | None = GUILD_ID,
        admin: bool = False, attachments: dict[str, tuple[str, bytes]] | None = None,
        roles: Sequence[int] = (), **options: Any,
    ) -> Reply:  # fmt: skip
        """Run ``/command sub option:value``; option types come from the bot's own tree.

        Role options take a role id; ``roles`` are the ids of the roles the member has.
        """
        data = self._command_data(command, options, attachments or {})
        payload = self._base(2, data, user_id=user_id, guild_id=guild_id, admin=admin, roles=roles)
        return await self.dispatch(payload)

    async def autocomplete(
        self, command: str, option: str, typed: str, *, user_id: int = MEMBER_ID,
        guild_id: int | None = GUILD_ID, **options: Any,
    ) -> Reply:  # fmt: skip
        data = self._command_data(command, {**options, option: typed}, {}, focused=option)
        payload = self._base(4, data, user_id=user_id, guild_id=guild_id, admin=False)
        return await self.dispatch(payload)

    async def click(
        self, message: dict[str, Any], *, label: str | None = None, custom_id: str | None = None,
        user_id: int = MEMBER_ID, guild_id: int | None = GUILD_ID, admin: bool = False,
        roles: Sequence[int] = (),
    ) -> Reply:  # fmt: skip
        component = Reply(messages=[message]).component(label=label, custom_id=custom_id)
        assert not component.get("disabled"), f"{label or custom_id!r} is disabled"
        data = {"custom_id": component["custom_id"], "component_type": component["type"]}
        payload = self._base(
            3, data, user_id=user_id, guild_id=guild_id, admin=admin, message=message, roles=roles
        )
        return await self.dispatch(payload)

    async def select(
        self, message: dict[str, Any], values: list[str], *, custom_id: str | None = None,
        user_id: int = MEMBER_ID, guild_id: int | None = GUILD_ID,
    ) -> Reply:  # fmt: skip
        selects = [c for c in walk_components(message["components"]) if c["type"] == 3]
        chosen = next(c for c in selects if custom_id in (None, c["custom_id"]))
        picked = [string_select_value(chosen, value) for value in values]
        data = {"custom_id": chosen["custom_id"], "component_type": 3, "values": picked}
        payload = self._base(
            3, data, user_id=user_id, guild_id=guild_id, admin=False, message=message
        )
        return await self.dispatch(payload)

    async def submit_modal(
        self, modal: dict[str, Any], values: dict[str, str], *, user_id: int = MEMBER_ID,
        guild_id: int | None = GUILD_ID, message: dict[str, Any] | None = None,
        admin: bool = False, roles: Sequence[int] = (),
    ) -> Reply:  # fmt: skip
        """Submit a modal the bot opened (``reply.data`` of a type-9 reply), by input custom_id.

        Inputs come back in the layout they were sent in, as Discord does: inside their
        label (type 18) or their action row.
        """
        remaining = dict(values)
        rows = [submitted(component, remaining) for component in modal.get("components") or []]
        assert not remaining, f"the modal has no fields {sorted(remaining)}"
        data = {"custom_id": modal["custom_id"], "components": rows}
        payload = self._base(
            5, data, user_id=user_id, guild_id=guild_id, admin=admin, message=message, roles=roles
        )
        return await self.dispatch(payload)

    # -- command data ------------------------------------------------------------------

    def _command_data(
        self, command: str, options: dict[str, Any], attachments: dict[str, tuple[str, bytes]],
        focused: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The interaction's data for ``command``, from the commands as the bot would sync them."""
        tree: app_commands.CommandTree[Any] = self.bot.tree  # type: ignore[attr-defined]
        synced = [{"id": str(snowflake()), **c.to_dict(tree)} for c in tree.get_commands()]
        definition, path = find_command(synced, command, "the bot's command tree")
        resolved: dict[str, Any] = {}
        leaf_options = []
        for name, value in options.items():
            kind = option_named(path[-1], name)["type"]
            option: dict[str, Any] = {"name": name, "type": kind}
            if kind == OPT_ATTACHMENT:
                filename, body = attachments[name]
                attachment_id = str(snowflake())
                resolved.setdefault("attachments", {})[attachment_id] = {
                    "id": attachment_id, "filename": filename, "size": len(body),
                    "url": f"https://cdn.invalid/{filename}", "proxy_url": f"https://cdn.invalid/{filename}",
                    "content_type": "application/octet-stream",
                }  # fmt: skip
                _ATTACHMENT_BODIES[f"https://cdn.invalid/{filename}"] = body
                option["value"] = attachment_id
            elif kind == OPT_ROLE:
                resolved.setdefault("roles", {})[str(value)] = {
                    "id": str(value), "name": f"role-{value}", "color": 0, "hoist": False,
                    "position": 1, "permissions": "0", "managed": False, "mentionable": False,
                    "flags": 0,
                }  # fmt: skip
                option["value"] = str(value)
            elif kind == OPT_CHANNEL:
                resolved.setdefault("channels", {})[str(value)] = {
                    "id": str(value), "type": 0, "name": "summaries", "permissions": str(
                        MEMBER_PERMISSIONS.value), "guild_id": str(GUILD_ID),
                }  # fmt: skip
                option["value"] = str(value)
            else:
                option["value"] = value
            if focused == name:
                option["focused"] = True
            leaf_options.append(option)
        data = command_data(definition, path, leaf_options)
        if resolved:
            data["resolved"] = resolved
        return data


# Attachment bodies the bot may download (discord.Attachment.read goes through HTTPClient.get_from_cdn).
_ATTACHMENT_BODIES: dict[str, bytes] = {}


async def fake_get_from_cdn(_http: Any, url: str) -> bytes:
    return _ATTACHMENT_BODIES[url]


async def _settle(before: set[asyncio.Task[Any]], wait_seconds: float) -> None:
    """Wait until every task the interaction started has finished (view timers aside)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    current = asyncio.current_task()
    while True:
        await asyncio.sleep(0)
        pending = [
            t for t in asyncio.all_tasks()
            if t not in before and t is not current and not t.done() and not _is_timer(t)
        ]  # fmt: skip
        if not pending:
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"interaction still running after {wait_seconds}s: {pending}")
        await asyncio.wait(pending, timeout=remaining)


def _is_timer(task: asyncio.Task[Any]) -> bool:
    # View timeouts and sleeping background loops would never finish within a test.
    name = getattr(task.get_coro(), "__qualname__", "")
    return "timeout" in name.lower() or task.get_name().startswith("discord-ui-view-timeout")
