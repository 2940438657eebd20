"""Discord's REST API and CDN as the bot uses them, answering from the emulator's state.

discord.py decodes JSON only when Content-Type is exactly ``application/json``; interaction
callbacks are sent with ``with_response`` and must name the message they created; followups
come with ``wait=1``. Every request is recorded (:attr:`DiscordEmulator.requests`).
"""

from __future__ import annotations

import json
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from tests.e2e.interactions import Callback, InteractionHandle
from tests.e2e.world import (
    APPLICATION_COMMAND,
    ATTACH_FILES,
    CB_AUTOCOMPLETE,
    CB_DEFERRED_MESSAGE,
    CB_MESSAGE,
    CB_MODAL,
    CB_UPDATE,
    CHANNEL_MESSAGE_FLAGS,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    INTENT_GUILD_MESSAGES,
    INTERACTION_MESSAGE_FLAGS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Attachment,
    Channel,
    Guild,
    Json,
    Message,
    iso_now,
    number_components,
)
from tests.support.discord_model import (
    FLAG_COMPONENTS_V2,
    resolve_media,
    validate_callback,
    validate_commands,
    validate_message,
)

if TYPE_CHECKING:
    from tests.e2e.emulator import DiscordEmulator

# Discord checks an ``enforce_nonce`` nonce against "the past few minutes"; the emulator takes
# the short end, so that a bot counting on a longer memory fails here first.
NONCE_WINDOW = 120.0

BODY = web.RequestKey("body", Any)
FILES = web.RequestKey("files", list)


def json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py only decodes JSON when Content-Type is exactly "application/json"; aiohttp's
    # json_response would add "; charset=utf-8".
    return web.Response(
        body=json.dumps(data).encode(), status=status, content_type="application/json"
    )


def error_response(
    status: int, code: int, message: str, errors: Json | None = None
) -> web.Response:
    body: Json = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return json_response(body, status)


@dataclass
class RecordedRequest:
    """One HTTP request the bot made, as received."""

    method: str
    path: str  # without the /api/v10 prefix
    query: Mapping[str, str]
    at: float
    json: Any = None
    files: tuple[tuple[str, str, bytes], ...] = ()  # (field name, filename, bytes)
    status: int | None = None  # once answered


@dataclass(frozen=True)
class CommandSync:
    """One bulk overwrite of the application's commands."""

    guild_id: int | None  # None: global
    names: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class UploadedFile:
    """A file in a multipart request, as discord.py sends them ("files[N]")."""

    name: str  # form field, "files[0]"
    index: int
    filename: str
    content_type: str | None
    data: bytes


async def read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """The JSON body (``payload_json`` in a multipart request) and the uploaded files."""
    if request.content_type == "multipart/form-data":
        body: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            data = bytes(await part.read(decode=False))
            if part.name == "payload_json":
                body = json.loads(data)
            elif match := re.fullmatch(r"files\[(\d+)\]", part.name or ""):
                filename = part.filename or f"file{len(files)}"
                content_type = part.headers.get("Content-Type")
                files.append(UploadedFile(match[0], int(match[1]), filename, content_type, data))
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        return raw.decode(errors="replace"), []


def content_type_of(filename: str, declared: str | None) -> str:
    """Discord sniffs a type when discord.py sends the generic octet-stream."""
    if declared and declared != "application/octet-stream":
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


class RestApi:
    """The REST routes, under ``/api/v10``, and the CDN for attachments."""

    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emulator = emulator

    @web.middleware
    async def record(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/gateway" or not request.path.startswith("/api/"):
            return await handler(request)
        path = re.sub(r"^/api/v\d+", "", request.path)
        body, files = await read_body(request)
        record = RecordedRequest(
            request.method,
            path,
            dict(request.query),
            time.monotonic(),
            json=body,
            files=tuple((f.name, f.filename, f.data) for f in files),
        )
        self.emulator.requests.append(record)
        if request.transport is not None:
            self.emulator.rest_connections.add(request.transport.get_extra_info("peername"))
        request[BODY], request[FILES] = body, files
        public = path.startswith(("/interactions/", "/webhooks/"))
        if not public and request.headers.get("Authorization") != f"Bot {self.emulator.token}":
            response: web.StreamResponse = error_response(401, 0, "401: Unauthorized")
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                response = exc
        record.status = response.status
        self.emulator.notify()
        await self.emulator.hold_answer(record)
        return response

    def add_routes(self, router: web.UrlDispatcher) -> None:
        commands = "/applications/{app}/commands"
        guild_commands = "/applications/{app}/guilds/{guild_id}/commands"
        webhook = "/webhooks/{app}/{token}"
        messages = "/channels/{channel_id}/messages"
        routes: list[tuple[str, str, Callable[..., Awaitable[web.StreamResponse]]]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/{user_id:\\d+}", self._get_user),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", commands, self._get_commands),
            ("PUT", commands, self._put_commands),
            ("POST", commands, self._post_command),
            ("GET", commands + "/{command_id}", self._get_command),
            ("PATCH", commands + "/{command_id}", self._patch_command),
            ("DELETE", commands + "/{command_id}", self._delete_command),
            ("GET", guild_commands, self._get_commands),
            ("PUT", guild_commands, self._put_commands),
            ("POST", guild_commands, self._post_command),
            ("GET", guild_commands + "/permissions", self._empty_list),
            ("GET", guild_commands + "/{command_id}", self._get_command),
            ("PATCH", guild_commands + "/{command_id}", self._patch_command),
            ("DELETE", guild_commands + "/{command_id}", self._delete_command),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._interaction_callback),
            ("POST", webhook, self._followup),
            ("GET", webhook + "/messages/{message_id}", self._get_webhook_message),
            ("PATCH", webhook + "/messages/{message_id}", self._edit_webhook_message),
            ("DELETE", webhook + "/messages/{message_id}", self._delete_webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/typing", self._no_content),
            ("GET", messages, self._list_messages),
            ("POST", messages, self._create_message),
            ("GET", messages + "/{message_id}", self._get_message),
            ("PATCH", messages + "/{message_id}", self._edit_message),
            ("DELETE", messages + "/{message_id}", self._delete_message),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_guild_member),
        ]
        for method, path, handler in routes:
            router.add_route(method, "/api/v10" + path, handler)
        router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn)
        router.add_get("/ephemeral-attachments/{app}/{attachment_id}/{filename}", self._cdn)

    async def unknown(self, request: web.Request) -> web.StreamResponse:
        route = f"{request.method} {request.path_qs}"
        self.emulator.problem(f"the bot called a route the emulator does not know: {route}")
        return error_response(404, 0, "404: Not Found")

    async def _no_content(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def _empty_list(self, request: web.Request) -> web.StreamResponse:
        return json_response([])

    async def _get_me(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            self.emulator.bot_user.payload()
            | {"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}
        )

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        user = self.emulator.users.get(int(request.match_info["user_id"]))
        if user is None:
            return error_response(404, 10013, "Unknown User")
        return json_response(user.payload())

    async def _get_application(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            {
                "id": str(self.emulator.application_id),
                "name": self.emulator.bot_user.name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "rpc_origins": [],
                "bot_public": True,
                "bot_require_code_grant": False,
                "bot": self.emulator.bot_user.payload(),
                "owner": self.emulator.developer.payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": 1 << 23,  # application commands badge, nothing privileged
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "approximate_guild_count": len(self.emulator.guilds),
                "approximate_user_install_count": 0,
                "integration_types_config": {"0": {}},
                "event_webhooks_status": 1,
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        return json_response(
            {
                "url": self.emulator.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    def _command_list(self, request: web.Request) -> tuple[int | None, list[Json]] | None:
        if int(request.match_info["app"]) != self.emulator.application_id:
            return None
        if "guild_id" not in request.match_info:
            return None, self.emulator.global_commands
        guild_id = int(request.match_info["guild_id"])
        if guild_id not in self.emulator.guilds:
            return None
        return guild_id, self.emulator.guild_commands.setdefault(guild_id, [])

    def _stored_command(self, body: Json, guild_id: int | None, existing: list[Json]) -> Json:
        kind = body.get("type", 1)
        previous = next(
            (c for c in existing if c["name"] == body["name"] and c.get("type", 1) == kind), None
        )
        command = {
            "type": kind,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            "name_localizations": None,
            "description_localizations": None,
        } | body
        command |= {
            "id": previous["id"] if previous else str(self.emulator.snowflake()),
            "application_id": str(self.emulator.application_id),
            "version": str(self.emulator.snowflake()),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    async def _get_commands(self, request: web.Request) -> web.StreamResponse:
        found = self._command_list(request)
        if found is None:
            return error_response(404, 10004, "Unknown Guild")
        return json_response(found[1])

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        found = self._command_list(request)
        body = request[BODY]
        if found is None or not isinstance(body, list):
            return error_response(400 if found else 404, 50035, "Invalid Form Body")
        guild_id, existing = found
        if errors := validate_commands(body):
            self.emulator.problem(f"invalid command sync: {errors}")
            return error_response(400, 50035, "Invalid Form Body", errors)
        commands = [self._stored_command(c, guild_id, existing) for c in body]
        existing[:] = commands
        self.emulator.command_syncs.append(
            CommandSync(guild_id, tuple(c["name"] for c in commands), time.monotonic())
        )
        return json_response(commands)

    async def _post_command(self, request: web.Request) -> web.StreamResponse:
        found = self._command_list(request)
        if found is None:
            return error_response(404, 10004, "Unknown Guild")
        guild_id, existing = found
        command = self._stored_command(request[BODY], guild_id, existing)
        existing[:] = [c for c in existing if c["id"] != command["id"]] + [command]
        return json_response(command, 201)

    def _command_by_id(self, request: web.Request) -> tuple[list[Json], Json] | None:
        found = self._command_list(request)
        if found is None:
            return None
        command_id = request.match_info["command_id"]
        command = next((c for c in found[1] if c["id"] == command_id), None)
        return None if command is None else (found[1], command)

    async def _get_command(self, request: web.Request) -> web.StreamResponse:
        found = self._command_by_id(request)
        if found is None:
            return error_response(404, 10063, "Unknown application command")
        return json_response(found[1])

    async def _patch_command(self, request: web.Request) -> web.StreamResponse:
        found = self._command_by_id(request)
        if found is None:
            return error_response(404, 10063, "Unknown application command")
        found[1].update(request[BODY] or {})
        return json_response(found[1])

    async def _delete_command(self, request: web.Request) -> web.StreamResponse:
        found = self._command_by_id(request)
        if found is None:
            return error_response(404, 10063, "Unknown application command")
        found[0].remove(found[1])
        return web.Response(status=204)

    async def _interaction_callback(self, request: web.Request) -> web.StreamResponse:
        handle = self.emulator.interactions.get(int(request.match_info["interaction_id"]))
        if handle is None or handle.token != request.match_info["token"]:
            return error_response(404, 10062, "Unknown interaction")
        body: Json = request[BODY] or {}
        now = time.monotonic()
        callback = Callback(body.get("type", 0), body.get("data"), now, now - handle.injected_at)
        if handle.callback is not None:
            handle.refused_callbacks.append((callback, "already acknowledged"))
            self.emulator.problem(f"{handle!r} was acknowledged twice")
            return error_response(400, 40060, "Interaction has already been acknowledged.")
        if self.emulator.ack_deadline is not None and callback.latency > self.emulator.ack_deadline:
            handle.refused_callbacks.append((callback, "too late"))
            self.emulator.problem(f"{handle!r} was acknowledged after {callback.latency:.2f}s")
            return error_response(404, 10062, "Unknown interaction")
        if errors := validate_callback(
            handle.type,
            callback.type,
            callback.data,
            request[FILES],
            on_message=handle.source_message is not None,
            message=handle.source_message.payload() if handle.source_message else None,
        ):
            self.emulator.problem(f"invalid callback for {handle!r}: {errors}")
            return error_response(400, 50035, "Invalid Form Body", errors)
        handle.source_edits_at_answer = handle.source_message.edits if handle.source_message else 0
        message = self._apply_callback(handle, callback, request[FILES])
        handle.callback = callback
        self.emulator.notify()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        return json_response(self._callback_response(handle, callback, message))

    def _apply_callback(
        self, handle: InteractionHandle, callback: Callback, files: list[UploadedFile]
    ) -> Message | None:
        data = callback.data or {}
        kind = callback.type
        if kind in (CB_MESSAGE, CB_DEFERRED_MESSAGE):
            flags = (data.get("flags") or 0) & INTERACTION_MESSAGE_FLAGS
            if kind == CB_DEFERRED_MESSAGE:
                flags |= FLAG_LOADING
            message = Message(
                self.emulator.snowflake(),
                handle.channel,
                self.emulator.bot_user,
                flags=flags,
                type=20 if handle.type == APPLICATION_COMMAND else 0,
                interaction=handle,
            )
            if kind == CB_MESSAGE:
                self._fill_message(message, data, files, new=True)
            handle.original = message
            self._store_message(message)
            return message
        if kind == CB_UPDATE:
            message = handle.source_message
            if message is not None:
                self._edit(message, data, files)
            return message
        if kind == CB_MODAL:
            handle.modal = data
        elif kind == CB_AUTOCOMPLETE:
            handle.choices = list(data.get("choices", []))
        return None

    def _callback_response(
        self, handle: InteractionHandle, callback: Callback, message: Message | None
    ) -> Json:
        interaction: Json = {"id": str(handle.id), "type": handle.type}
        resource: Json = {"type": callback.type}
        if message is not None:
            interaction |= {
                "response_message_id": str(message.id),
                "response_message_loading": message.loading,
                "response_message_ephemeral": message.ephemeral,
            }
            resource["message"] = message.payload()
        return {"interaction": interaction, "resource": resource}

    def _interaction_for_webhook(self, request: web.Request) -> InteractionHandle | None:
        if int(request.match_info["app"]) != self.emulator.application_id:
            return None
        token = request.match_info["token"]
        return self.emulator.interactions_by_token.get(token)

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        handle = self._interaction_for_webhook(request)
        if handle is None or handle.callback is None:
            # Discord only accepts followups once the interaction was acknowledged.
            if handle is not None:
                self.emulator.problem(f"followup to {handle!r} before it was acknowledged")
            return error_response(404, 10015, "Unknown Webhook")
        body: Json = request[BODY] or {}
        if errors := validate_message(body, files=request[FILES]):
            self.emulator.problem(f"invalid followup to {handle!r}: {errors}")
            return error_response(400, 50035, "Invalid Form Body", errors)
        original = handle.original
        if original is not None and original.loading:
            # The first followup after a deferred response replaces the "thinking…" message,
            # keeping the ephemerality chosen when deferring.
            self._edit(original, body, request[FILES], finish_loading=True)
            message = original
        else:
            message = Message(
                self.emulator.snowflake(),
                handle.channel,
                self.emulator.bot_user,
                flags=(body.get("flags") or 0) & INTERACTION_MESSAGE_FLAGS,
                type=20 if handle.type == APPLICATION_COMMAND else 0,
                interaction=handle,
            )
            self._fill_message(message, body, request[FILES], new=True)
            handle.followups.append(message)
            self._store_message(message)
        self.emulator.notify()
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(message.payload())
        return web.Response(status=204)

    def _webhook_message(self, request: web.Request) -> tuple[InteractionHandle, Message] | None:
        handle = self._interaction_for_webhook(request)
        if handle is None or handle.callback is None:
            return None
        message_id = request.match_info["message_id"]
        if message_id == "@original":
            message = handle.original_message()
        else:
            candidates = [*handle.messages]
            message = next((m for m in candidates if str(m.id) == message_id), None)
        if message is None or message.deleted:
            return None
        return handle, message

    async def _get_webhook_message(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if found is None:
            return error_response(404, 10008, "Unknown Message")
        return json_response(found[1].payload())

    async def _edit_webhook_message(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if found is None:
            return error_response(404, 10008, "Unknown Message")
        body: Json = request[BODY] or {}
        if errors := validate_message(
            body, partial=True, files=request[FILES], message=found[1].payload()
        ):
            self.emulator.problem(f"invalid edit of {found[1]!r}: {errors}")
            return error_response(400, 50035, "Invalid Form Body", errors)
        self._edit(found[1], body, request[FILES], finish_loading=True)
        return json_response(found[1].payload())

    async def _delete_webhook_message(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if found is None:
            return error_response(404, 10008, "Unknown Message")
        self._delete(found[1])
        return web.Response(status=204)

    def _channel_for_bot(self, request: web.Request, needed: int) -> Channel | web.Response:
        channel = self.emulator.channel(int(request.match_info["channel_id"]))
        if channel is None:
            return error_response(404, 10003, "Unknown Channel")
        if channel.guild is not None:
            perms = channel.guild.permissions_for(channel.guild.bot_member, channel)
            if not perms & VIEW_CHANNEL:
                return error_response(403, 50001, "Missing Access")
            if perms & needed != needed:
                return error_response(403, 50013, "Missing Permissions")
        return channel

    async def _get_channel(self, request: web.Request) -> web.StreamResponse:
        channel = self._channel_for_bot(request, 0)
        if isinstance(channel, web.Response):
            return channel
        return json_response(channel.payload())

    async def _create_message(self, request: web.Request) -> web.StreamResponse:
        files: list[UploadedFile] = request[FILES]
        needed = SEND_MESSAGES | (ATTACH_FILES if files else 0)
        channel = self._channel_for_bot(request, needed)
        if isinstance(channel, web.Response):
            return channel
        body: Json = request[BODY] or {}
        if errors := validate_message(body, files=files):
            self.emulator.problem(f"invalid message to #{channel.name}: {errors}")
            return error_response(400, 50035, "Invalid Form Body", errors)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._message_with_nonce(channel, str(nonce))
            if earlier is not None:
                # Discord answers with the message already created, and creates none.
                return json_response(earlier.payload())
        reference = body.get("message_reference")
        message = Message(
            self.emulator.snowflake(),
            channel,
            self.emulator.bot_user,
            flags=(body.get("flags") or 0) & CHANNEL_MESSAGE_FLAGS,
            type=19 if reference else 0,
            reference=reference,
        )
        message.nonce = None if nonce is None else str(nonce)
        self._fill_message(message, body, files, new=True)
        self._store_message(message)
        return json_response(message.payload())

    def _message_with_nonce(self, channel: Channel, nonce: str) -> Message | None:
        """The bot's recent message in ``channel`` created with ``nonce`` (``enforce_nonce``)."""
        since = time.monotonic() - NONCE_WINDOW
        for message in self.emulator.messages.values():
            if (
                message.channel is channel
                and message.nonce == nonce
                and message.author is self.emulator.bot_user
                and message.created_at >= since
            ):
                return message
        return None

    def _channel_message(self, request: web.Request) -> tuple[Channel, Message] | web.Response:
        channel = self._channel_for_bot(request, READ_MESSAGE_HISTORY)
        if isinstance(channel, web.Response):
            return channel
        message = self.emulator.messages.get(int(request.match_info["message_id"]))
        if (
            message is None
            or message.channel is not channel
            or message.deleted
            or message.ephemeral
        ):
            return error_response(404, 10008, "Unknown Message")
        return channel, message

    async def _get_message(self, request: web.Request) -> web.StreamResponse:
        found = self._channel_message(request)
        if isinstance(found, web.Response):
            return found
        return json_response(found[1].payload())

    async def _list_messages(self, request: web.Request) -> web.StreamResponse:
        channel = self._channel_for_bot(request, READ_MESSAGE_HISTORY)
        if isinstance(channel, web.Response):
            return channel
        limit = min(int(request.query.get("limit", 50)), 100)
        messages = sorted(self.emulator.channel_messages(channel), key=lambda m: m.id, reverse=True)
        if before := request.query.get("before"):
            messages = [m for m in messages if m.id < int(before)]
        if after := request.query.get("after"):
            messages = [m for m in messages if m.id > int(after)][-limit:]
        return json_response([m.payload() for m in messages[:limit]])

    async def _edit_message(self, request: web.Request) -> web.StreamResponse:
        found = self._channel_message(request)
        if isinstance(found, web.Response):
            return found
        message = found[1]
        if message.author is not self.emulator.bot_user or message.interaction is not None:
            return error_response(403, 50005, "Cannot edit a message authored by another user")
        body: Json = request[BODY] or {}
        if errors := validate_message(
            body, partial=True, files=request[FILES], message=message.payload()
        ):
            self.emulator.problem(f"invalid edit of {message!r}: {errors}")
            return error_response(400, 50035, "Invalid Form Body", errors)
        self._edit(message, body, request[FILES])
        return json_response(message.payload())

    async def _delete_message(self, request: web.Request) -> web.StreamResponse:
        found = self._channel_message(request)
        if isinstance(found, web.Response):
            return found
        self._delete(found[1])
        return web.Response(status=204)

    async def _create_dm(self, request: web.Request) -> web.StreamResponse:
        body: Json = request[BODY] or {}
        user = self.emulator.users.get(int(body.get("recipient_id", 0)))
        if user is None:
            return error_response(404, 10013, "Unknown User")
        channel = next((c for c in self.emulator.dm_channels.values() if c.recipient is user), None)
        if channel is None:
            channel = Channel(self.emulator.snowflake(), "", None, type=1, recipient=user)
            self.emulator.dm_channels[channel.id] = channel
        return json_response(channel.payload())

    def _guild(self, request: web.Request) -> Guild | None:
        return self.emulator.guilds.get(int(request.match_info["guild_id"]))

    async def _get_guild(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild(request)
        if guild is None:
            return error_response(404, 10004, "Unknown Guild")
        payload = guild.create_payload(with_members=False)
        for key in ("channels", "members", "presences", "voice_states", "threads", "joined_at"):
            payload.pop(key, None)
        return json_response(payload)

    async def _get_guild_channels(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild(request)
        if guild is None:
            return error_response(404, 10004, "Unknown Guild")
        return json_response([c.payload() for c in guild.channels.values()])

    async def _get_guild_roles(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild(request)
        if guild is None:
            return error_response(404, 10004, "Unknown Guild")
        return json_response([r.payload() for r in guild.roles.values()])

    async def _get_guild_member(self, request: web.Request) -> web.StreamResponse:
        guild = self._guild(request)
        member = guild.members.get(int(request.match_info["user_id"])) if guild else None
        if member is None:
            return error_response(404, 10007, "Unknown Member")
        return json_response(member.payload())

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        attachment = self.emulator.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None or attachment.filename != request.match_info["filename"]:
            return web.Response(status=404, text="Not Found")
        return web.Response(
            body=attachment.data, content_type=attachment.content_type or "application/octet-stream"
        )

    def _store_message(self, message: Message) -> None:
        self.emulator.messages[message.id] = message
        if not message.ephemeral and not message.loading:
            self._message_event("MESSAGE_CREATE", message)
        self.emulator.notify()

    def _fill_message(
        self, message: Message, body: Json, files: list[UploadedFile], *, new: bool
    ) -> None:
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body or "embed" in body:
            embeds = body.get("embeds") or ([body["embed"]] if body.get("embed") else [])
            message.embeds = [{"type": "rich"} | e for e in embeds]
        if "components" in body:
            message.components = json.loads(json.dumps(body["components"] or []))
            number_components(message.components)
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        if "flags" in body and not new:
            # Only embed suppression can change once a message exists, and a message may
            # become Components V2 (never stop being one).
            keep = message.flags & ~FLAG_SUPPRESS_EMBEDS
            changed = (body["flags"] or 0) & (FLAG_SUPPRESS_EMBEDS | FLAG_COMPONENTS_V2)
            message.flags = keep | changed
        message.attachments = self._attachments(message, body, files)
        # Discord stores attachment://name media as the attachment's URL.
        resolve_media(message.components, [a.payload() for a in message.attachments])

    def _attachments(
        self, message: Message, body: Json, files: list[UploadedFile]
    ) -> list[Attachment]:
        by_index = {f.index: f for f in files}
        if "attachments" not in body:
            kept = list(message.attachments)
            return kept + [self._store_file(message, f, None) for f in files]
        result: list[Attachment] = []
        used: set[int] = set()
        existing = {a.id: a for a in message.attachments}
        for entry in body["attachments"] or []:
            entry_id = int(entry["id"])
            if entry_id in existing:
                result.append(existing[entry_id])
            elif entry_id in by_index:
                result.append(self._store_file(message, by_index[entry_id], entry))
                used.add(entry_id)
        result += [self._store_file(message, f, None) for f in files if f.index not in used]
        return result

    def _store_file(self, message: Message, upload: UploadedFile, entry: Json | None) -> Attachment:
        attachment_id = self.emulator.snowflake()
        filename = (entry or {}).get("filename") or upload.filename
        content_type = content_type_of(filename, upload.content_type)
        attachment = Attachment(
            attachment_id,
            filename,
            upload.data,
            content_type,
            url=f"{self.emulator.base_url}/attachments/{message.channel.id}/{attachment_id}/"
            + filename,
            description=(entry or {}).get("description"),
            ephemeral=message.ephemeral,
        )
        self.emulator.attachments[attachment_id] = attachment
        return attachment

    def _edit(
        self,
        message: Message,
        body: Json,
        files: list[UploadedFile],
        *,
        finish_loading: bool = False,
    ) -> None:
        was_loading = message.loading
        message.history.append(message.payload())
        self._fill_message(message, body, files, new=False)
        if finish_loading and was_loading:
            message.flags &= ~FLAG_LOADING
            message.timestamp = iso_now()
            message.shown_at = time.monotonic()
        else:
            message.edited_timestamp = iso_now()
        if not message.ephemeral:
            event = "MESSAGE_CREATE" if was_loading else "MESSAGE_UPDATE"
            self._message_event(event, message)
        self.emulator.notify()

    def _delete(self, message: Message) -> None:
        message.deleted = True
        if not message.ephemeral:
            self._message_event("MESSAGE_DELETE", message)
        self.emulator.notify()

    def _message_event(self, event: str, message: Message) -> None:
        """MESSAGE_CREATE/UPDATE/DELETE for a guild message, if the bot asked for them."""
        guild = message.channel.guild
        session = self.emulator.gateway.live_session(guild.id if guild else None)
        if session is None or not session.intents & INTENT_GUILD_MESSAGES or guild is None:
            return
        if event == "MESSAGE_DELETE":
            data = {"id": str(message.id), "channel_id": str(message.channel.id)}
            session.dispatch(event, data | {"guild_id": str(guild.id)})
        else:
            session.dispatch(event, message.payload())
