"""A local Discord for end-to-end tests: gateway, REST API and CDN on 127.0.0.1.

The real bot connects to it through ``DISCORD_API_BASE_URL`` / ``DISCORD_GATEWAY_URL``. Tests
arrange guilds, channels and members, inject ``INTERACTION_CREATE`` events as any member, and
assert on what the bot sent back. Payloads follow Discord's API v10 as discord.py 2.7 parses them;
where Discord enforces something a buggy bot could trip over (the 3-second acknowledgement,
double acknowledgements, message limits, channel permissions, privileged intents), so does this.

Everything the emulator considers wrong but answers anyway (unknown routes, invalid bodies, late
or duplicate acknowledgements) is listed in :attr:`DiscordEmulator.problems`; the e2e fixtures
fail a test that leaves problems behind.

The pieces: ``world`` (guilds, members, messages), ``interactions`` (payloads and handles),
``rest`` and ``gateway`` (the protocol); what Discord refuses is in
``tests/support/discord_model.py``, shared with the in-process fake.
"""

# Waiting helpers take ``timeout=`` so a timeout can say what was awaited (EmulatorError).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from aiohttp import web

from tests.e2e.gateway import Gateway
from tests.e2e.interactions import (
    DEFAULT_TIMEOUT,
    Callback,
    InteractionHandle,
    build_options,
    interaction_payload,
    resolve_entity,
)
from tests.e2e.rest import CommandSync, RecordedRequest, RestApi
from tests.e2e.world import (
    ACK_DEADLINE,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    PRIVILEGED_INTENTS,
    SELECT_TYPES,
    Attachment,
    Channel,
    EmulatorError,
    Guild,
    Json,
    Member,
    Message,
    Role,
    Snowflakes,
    User,
    token_for,
)
from tests.support.discord_model import (
    command_data,
    find_command,
    option_named,
    string_select_value,
    submitted,
)

__all__ = [
    "ACK_DEADLINE",
    "DEFAULT_TIMEOUT",
    "PRIVILEGED_INTENTS",
    "Attachment",
    "Callback",
    "Channel",
    "CommandSync",
    "DiscordEmulator",
    "EmulatorError",
    "Guild",
    "InteractionHandle",
    "Member",
    "Message",
    "RecordedRequest",
    "Role",
    "User",
    "WithheldAnswers",
    "token_for",
]

log = logging.getLogger("e2e.emulator")

T = TypeVar("T")

# Connections waiting to be accepted (the kernel caps it at net.core.somaxconn).
LISTEN_BACKLOG = 4096


class WithheldAnswers:
    """Requests Discord carried out whose answers have not reached the bot (see
    :meth:`DiscordEmulator.withholding_answers`)."""

    def __init__(self, method: str, pattern: str) -> None:
        self.method = method
        self.pattern = re.compile(pattern)
        #: The requests whose answers were held back, in the order they came.
        self.requests: list[RecordedRequest] = []
        self._released = asyncio.Event()

    def matches(self, request: RecordedRequest) -> bool:
        return request.method == self.method and self.pattern.fullmatch(request.path) is not None

    async def hold(self, request: RecordedRequest) -> None:
        self.requests.append(request)
        await self._released.wait()

    def release(self) -> None:
        self._released.set()


class DiscordEmulator:
    """Discord's gateway, REST API and CDN for one application, on 127.0.0.1.

    Use as ``async with DiscordEmulator(...) as emulator:``; arrange guilds with
    :meth:`add_guild` before the bot starts (or after: it then receives GUILD_CREATE).
    """

    def __init__(
        self,
        *,
        application_id: int,
        token: str,
        bot_name: str = "Ranking Debates",
        ack_deadline: float | None = ACK_DEADLINE,
        heartbeat_interval_ms: int = 41_250,
        allow_privileged_intents: bool = False,
    ) -> None:
        self.snowflake = Snowflakes()
        self.application_id = application_id
        self.token = token
        self.ack_deadline = ack_deadline
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allow_privileged_intents = allow_privileged_intents
        self.bot_user = User(application_id, bot_name, bot=True)
        #: The application's owner (what ``Bot.is_owner`` checks against by default).
        self.developer = User(self.snowflake(), "developer")
        self.users: dict[int, User] = {u.id: u for u in (self.bot_user, self.developer)}
        self.guilds: dict[int, Guild] = {}
        self.dm_channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.attachments: dict[int, Attachment] = {}
        self.interactions: dict[int, InteractionHandle] = {}
        self.interactions_by_token: dict[str, InteractionHandle] = {}
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}
        self.command_syncs: list[CommandSync] = []
        self.requests: list[RecordedRequest] = []
        #: The client ends (address, port) of the connections that carried REST requests.
        self.rest_connections: set[tuple[str, int]] = set()
        #: Things Discord would have refused or that the emulator does not know; tests assert
        #: this stays empty.
        self.problems: list[str] = []
        #: Set by a test that provokes problems on purpose, so the fixtures do not fail it.
        self.allow_problems = False
        self.identifies: list[Json] = []
        self.ready_count = 0
        self.resume_count = 0
        self.heartbeats = 0
        self.gateway = Gateway(self)
        self.rest = RestApi(self)
        self._changed = asyncio.Event()
        self._watchdogs: list[Callable[[], None]] = []
        self._withheld: list[WithheldAnswers] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(middlewares=[self.rest.record], client_max_size=64 * 1024 * 1024)
        self.rest.add_routes(app.router)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self.rest.unknown)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        # Discord's edge takes every connection a bot opens. aiohttp's default backlog (128)
        # did not: a bot answering a burst opened hundreds at once, the kernel dropped the
        # rest, and each retried a second later, a stall Discord would never cause.
        await web.SockSite(self._runner, sock, backlog=LISTEN_BACKLOG).start()
        log.info("Discord emulator listening on %s", self.base_url)

    async def stop(self) -> None:
        await self.gateway.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # Waiting ---------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everything waiting in :meth:`wait_for` to re-check its condition."""
        self._changed.set()
        self._changed = asyncio.Event()

    def add_watchdog(self, check: Callable[[], None]) -> None:
        """``check`` runs whenever a waiter wakes; raising from it ends the wait (e.g. bot died)."""
        self._watchdogs.append(check)

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        what: str | Callable[[], str],
    ) -> T:
        """Wait until ``predicate()`` returns something truthy, and return it. ``what`` (or what
        it returns, at the time) names the wait in the timeout's message."""
        deadline = time.monotonic() + timeout
        while True:
            for check in self._watchdogs:
                check()
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                description = what() if callable(what) else what
                raise EmulatorError(f"timed out after {timeout:.0f}s waiting for {description}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_until_ready(self, count: int = 1, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Until READY and every GUILD_CREATE went out for the ``count``-th IDENTIFY."""
        await self.wait_for(
            lambda: self.ready_count >= count, timeout=timeout, what=f"IDENTIFY #{count}"
        )

    async def wait_for_sync(
        self, guild_id: int | None, *, after: int = 0, timeout: float = DEFAULT_TIMEOUT
    ) -> CommandSync:
        """The first command sync (bulk overwrite) for ``guild_id`` (None: global) after the
        ``after``-th one overall."""
        where = "globally" if guild_id is None else f"to guild {guild_id}"
        return await self.wait_for(
            lambda: next((s for s in self.command_syncs[after:] if s.guild_id == guild_id), None),
            timeout=timeout,
            what=f"commands to be synced {where}",
        )

    async def wait_for_message(
        self,
        predicate: Callable[[Message], bool] = lambda m: True,
        *,
        channel: Channel | None = None,
        after: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """The first message (optionally in ``channel``) with id above ``after`` that matches."""

        def find() -> Message | None:
            for message in self.messages.values():
                if message.id <= after or message.deleted or message.loading:
                    continue
                if channel is not None and message.channel is not channel:
                    continue
                if predicate(message):
                    return message
            return None

        return await self.wait_for(find, timeout=timeout, what="a matching message from the bot")

    async def wait_for_answers(
        self, handles: Sequence[InteractionHandle], *, timeout: float = DEFAULT_TIMEOUT
    ) -> list[float]:
        """Until the bot tried to answer every one of ``handles``; their first-answer latencies,
        in order (accepted or refused: compare them with :data:`ACK_DEADLINE`)."""
        await self.wait_for(
            lambda: all(h.answered for h in handles),
            timeout=timeout,
            what=lambda: (
                f"answers to all {len(handles)} interactions "
                f"({sum(h.answered for h in handles)} answered)"
            ),
        )
        return [h.first_answer_latency or 0.0 for h in handles]

    # Arranging the world ---------------------------------------------------------------------

    def add_user(self, name: str) -> User:
        user = User(self.snowflake(), name)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        members: int = 0,
        owner: User | None = None,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A guild with @everyone, Moderator (Manage Server) and bot roles, an owner (by default
        the application's developer), the bot, an admin with Manage Server, ``#general``, and
        ``members`` plain members. ``shard=(id, count)``: its id puts it on that shard. If the
        bot is connected (on its shard), it joins (GUILD_CREATE)."""
        guild_id = self.snowflake() if shard is None else self.snowflake.on_shard(*shard)
        guild = Guild(self, guild_id, name, owner or self.developer)
        guild.add_members(members)
        self.guilds[guild.id] = guild
        session = self.gateway.live_session(guild.id)
        if session is not None:
            session.dispatch("GUILD_CREATE", guild.create_payload(with_members=False, join=True))
        return guild

    def remove_bot_from(self, guild: Guild) -> None:
        """The bot is kicked from ``guild`` (GUILD_DELETE, not unavailable; while the bot is
        offline, the next READY no longer lists it)."""
        guild.has_bot = False
        session = self.gateway.live_session(guild.id)
        if session is not None:
            session.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    def invite_bot_back(self, guild: Guild) -> None:
        """The bot is invited into ``guild`` again (GUILD_CREATE)."""
        guild.has_bot = True
        session = self.gateway.live_session(guild.id)
        if session is not None:
            session.dispatch("GUILD_CREATE", guild.create_payload(with_members=False, join=True))

    def guild(self, index: int = 0) -> Guild:
        return list(self.guilds.values())[index]

    def channel(self, channel_id: int) -> Channel | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        return self.dm_channels.get(channel_id)

    def upload(self, filename: str, data: bytes, content_type: str | None = None) -> Attachment:
        """A file a user attaches to a slash command option (pass it as the option's value)."""
        attachment_id = self.snowflake()
        attachment = Attachment(
            attachment_id,
            filename,
            data,
            content_type,
            url=f"{self.base_url}/ephemeral-attachments/{self.application_id}/{attachment_id}/"
            + filename,
            ephemeral=True,
        )
        self.attachments[attachment_id] = attachment
        return attachment

    # Reading what happened -------------------------------------------------------------------

    def channel_messages(
        self, channel: Channel, *, include_ephemeral: bool = False
    ) -> list[Message]:
        return [
            m
            for m in self.messages.values()
            if m.channel is channel and not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    def commands_for(self, guild: Guild | None) -> list[Json]:
        """Commands a member sees in ``guild``: its guild commands, then the global ones."""
        own = self.guild_commands.get(guild.id, []) if guild else []
        names = {(c["name"], c.get("type", 1)) for c in own}
        return own + [c for c in self.global_commands if (c["name"], c.get("type", 1)) not in names]

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        """Recorded requests whose path matches the regex ``pattern`` (fully)."""
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.fullmatch(r.path)]

    # Gateway controls --------------------------------------------------------------------------

    def dispatch(self, event: str, data: Json) -> None:
        """Send a raw gateway event to the bot's current session."""
        self.gateway.dispatch(event, data)

    def request_reconnect(self) -> None:
        """Op 7 RECONNECT: the bot should reconnect and RESUME at ``resume_gateway_url``."""
        self.gateway.request_reconnect()

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the bot's WebSocket with ``code`` (4000: unknown error, resumable)."""
        await self.gateway.drop_connection(code)

    def invalidate_session(self) -> None:
        """Op 9 INVALID_SESSION (not resumable): the bot has to IDENTIFY again."""
        self.gateway.invalidate_session()

    def dispatch_to_bot(self, event: str, data: Json, guild_id: int | None = None) -> None:
        """Dispatch ``event`` if the bot has a session (for ``guild_id``'s shard); otherwise
        nobody hears it."""
        if (session := self.gateway.live_session(guild_id)) is not None:
            session.dispatch(event, data)

    def problem(self, text: str) -> None:
        """Record something Discord would have refused, or the emulator does not know."""
        log.error("EMULATOR: %s", text)
        self.problems.append(text)
        self.notify()

    @contextlib.contextmanager
    def withholding_answers(self, method: str, pattern: str) -> Iterator[WithheldAnswers]:
        """Within the block, Discord carries out the requests that match (``pattern`` as in
        :meth:`requests_to`), but its answers do not reach the bot: the network lost them, or
        the bot died while Discord replied. The answers go out when the block ends."""
        withheld = WithheldAnswers(method, pattern)
        self._withheld.append(withheld)
        try:
            yield withheld
        finally:
            self._withheld.remove(withheld)
            withheld.release()

    async def hold_answer(self, request: RecordedRequest) -> None:
        """Called by the REST API before it answers ``request``: waits while it is withheld."""
        for withheld in list(self._withheld):
            if withheld.matches(request):
                await withheld.hold(request)

    # Injecting interactions ----------------------------------------------------------------------

    async def command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild: Guild | None = None,
        member: Member | None = None,
        channel: Channel | None = None,
    ) -> InteractionHandle:
        """A member runs a slash command, e.g. ``command("debate show", {"debate": "rocky"})``.

        ``name`` is the command with its subcommand group/subcommand, space separated. Option
        values: str/int/float/bool, a Member/User, Channel, Role, or an :meth:`upload`. Defaults:
        the first guild, its first plain member, its ``#general``.
        """
        guild, member, channel = self._who(guild, member, channel)
        definition, path = find_command(self.commands_for(guild), name, guild)
        resolved: Json = {}
        leaf_options = build_options(path[-1], options or {}, resolved, guild, member, None)
        data = command_data(definition, path, leaf_options)
        if resolved:
            data["resolved"] = resolved
        handle = InteractionHandle(
            self,
            type=APPLICATION_COMMAND,
            guild=guild,
            channel=channel,
            member=member,
            user=member.user,
            data=data,
            command_name=name,
        )
        return self._inject(handle)

    async def autocomplete(
        self,
        name: str,
        focused: str,
        value: str = "",
        options: Mapping[str, Any] | None = None,
        *,
        guild: Guild | None = None,
        member: Member | None = None,
        channel: Channel | None = None,
    ) -> InteractionHandle:
        """A member types ``value`` into option ``focused`` of a slash command."""
        guild, member, channel = self._who(guild, member, channel)
        definition, path = find_command(self.commands_for(guild), name, guild)
        option = option_named(path[-1], focused)
        if not option.get("autocomplete"):
            raise EmulatorError(f"option {focused!r} of /{name} does not autocomplete")
        resolved: Json = {}
        leaf_options = build_options(
            path[-1], options or {}, resolved, guild, member, focused=(focused, value)
        )
        data = command_data(definition, path, leaf_options)
        handle = InteractionHandle(
            self,
            type=AUTOCOMPLETE,
            guild=guild,
            channel=channel,
            member=member,
            user=member.user,
            data=data,
            command_name=name,
        )
        return self._inject(handle)

    async def click(
        self,
        message: Message,
        *,
        label: str | None = None,
        custom_id: str | None = None,
        member: Member | None = None,
        force: bool = False,
    ) -> InteractionHandle:
        """A member clicks a button (found by ``custom_id`` or ``label``) on a bot message."""
        component = message.component(custom_id=custom_id, label=label, types=frozenset({2}))
        if component.get("disabled") and not force:
            raise EmulatorError(f"button {component.get('label')!r} is disabled")
        data = {"custom_id": component["custom_id"], "component_type": 2, "id": component["id"]}
        return self._inject_component(message, data, member, force)

    async def select(
        self,
        message: Message,
        values: Sequence[Any],
        *,
        custom_id: str | None = None,
        placeholder: str | None = None,
        member: Member | None = None,
        force: bool = False,
    ) -> InteractionHandle:
        """A member picks ``values`` in a select menu. For a string select, values are option
        values or labels; for user/role/channel selects, the objects themselves."""
        component = message.component(
            custom_id=custom_id, placeholder=placeholder, types=SELECT_TYPES
        )
        if component.get("disabled") and not force:
            raise EmulatorError(f"select {component.get('placeholder')!r} is disabled")
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        if not force and not low <= len(values) <= high:
            raise EmulatorError(f"select takes {low}..{high} values, not {len(values)}")
        data: Json = {"custom_id": component["custom_id"], "component_type": component["type"]}
        data["id"] = component["id"]
        if component["type"] == 3:
            data["values"] = [string_select_value(component, v) for v in values]
        else:
            guild = message.channel.guild
            resolved: Json = {}
            data["values"] = [resolve_entity(v, resolved, guild, member) for v in values]
            data["resolved"] = resolved
        return self._inject_component(message, data, member, force)

    async def submit_modal(
        self,
        opened_by: InteractionHandle,
        values: Mapping[str, Any],
        *,
        member: Member | None = None,
    ) -> InteractionHandle:
        """Submit the modal the bot showed in answer to ``opened_by``.

        ``values`` maps each field's custom_id or label to its value: a string for text inputs
        and radio groups, a list for selects and checkbox groups, a bool for a checkbox.
        """
        modal = await opened_by.modal_shown()
        member = member or opened_by.member
        user = member.user if member else opened_by.user
        if user is not opened_by.user:
            raise EmulatorError("only the member the modal was shown to can submit it")
        remaining = dict(values)
        components = [submitted(c, remaining) for c in modal.get("components", [])]
        if remaining:
            raise EmulatorError(f"the modal has no fields {sorted(remaining)}")
        handle = InteractionHandle(
            self,
            type=MODAL_SUBMIT,
            guild=opened_by.guild,
            channel=opened_by.channel,
            member=member,
            user=user,
            data={"custom_id": modal["custom_id"], "components": components},
            source_message=opened_by.source_message,
        )
        return self._inject(handle)

    # Interaction internals ---------------------------------------------------------------------

    def _who(
        self, guild: Guild | None, member: Member | None, channel: Channel | None
    ) -> tuple[Guild, Member, Channel]:
        if guild is None:
            guild = member.guild if member else channel.guild if channel else self.guild(0)
        assert guild is not None
        if member is None:
            plain = guild.plain_members
            member = plain[0] if plain else guild.admin
        if member.guild is not guild:
            member = guild.member(member.user)
        channel = channel or guild.general
        if channel.guild is not guild:
            raise EmulatorError(f"{channel.name!r} is not a channel of {guild!r}")
        return guild, member, channel

    def _inject_component(
        self, message: Message, data: Json, member: Member | None, force: bool
    ) -> InteractionHandle:
        if message.deleted:
            raise EmulatorError(f"{message!r} was deleted")
        guild = message.channel.guild
        if member is None:
            if message.ephemeral and message.interaction is not None:
                member = message.interaction.member
            elif guild is not None:
                member = guild.plain_members[0] if guild.plain_members else guild.admin
        elif guild is not None and member.guild is not guild:
            member = guild.member(member.user)
        user = (
            member.user if member else (message.interaction.user if message.interaction else None)
        )
        if user is None:
            raise EmulatorError("name the member who clicks")
        if message.ephemeral and not force:
            owner = message.interaction.user if message.interaction else None
            if owner is not None and owner is not user:
                raise EmulatorError(
                    f"{message!r} is ephemeral: only {owner.name} sees it, not {user.name}"
                )
        handle = InteractionHandle(
            self,
            type=MESSAGE_COMPONENT,
            guild=guild,
            channel=message.channel,
            member=member,
            user=user,
            data=data,
            source_message=message,
        )
        return self._inject(handle)

    def _inject(self, handle: InteractionHandle) -> InteractionHandle:
        session = self.gateway.live_session(handle.guild.id if handle.guild else None)
        if session is None:
            raise EmulatorError("cannot inject an interaction: the bot has no gateway session")
        handle.payload = interaction_payload(handle)
        self.interactions[handle.id] = handle
        self.interactions_by_token[handle.token] = handle
        handle.injected_at = time.monotonic()
        handle.session_id = session.id
        session.dispatch("INTERACTION_CREATE", handle.payload)
        return handle
