"""Discord's gateway: HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME → RESUMED.

Each IDENTIFY opens a session whose events are numbered and kept, so a RESUME replays what the
bot missed. Frames are zlib-stream compressed when the bot asks for it, as discord.py does.

Shards: an IDENTIFY may name ``shard: [id, count]`` (without it, shard 0 of 1). Its session then
hears of the servers on that shard only, ``(guild_id >> 22) % count == id``, as on Discord: its
READY lists them, it gets their GUILD_CREATEs, and every event of a server goes to the newest
session of its shard. Several processes of one bot each hold their own shards' sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from tests.e2e.world import (
    INTENT_GUILD_MEMBERS,
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_PRESENCE,
    OP_RECONNECT,
    OP_REQUEST_MEMBERS,
    OP_RESUME,
    OP_VOICE,
    PRIVILEGED_INTENTS,
    EmulatorError,
    Json,
)

if TYPE_CHECKING:
    from tests.e2e.emulator import DiscordEmulator

log = logging.getLogger("e2e.emulator")


class Connection:
    """One WebSocket; everything sent goes through one queue so the order is the order queued."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.compressor = zlib.compressobj() if compress else None
        self.queue: asyncio.Queue[Json | None] = asyncio.Queue()
        self.session: Session | None = None
        self.dropped = False  # closed by the emulator, not by the bot
        self.writer = asyncio.create_task(self._write(), name="emulator-gateway-writer")

    def send(self, payload: Json) -> None:
        self.queue.put_nowait(payload)

    async def _write(self) -> None:
        while (payload := await self.queue.get()) is not None:
            text = json.dumps(payload)
            if self.ws.closed:
                return
            try:
                if self.compressor is not None:
                    data = self.compressor.compress(text.encode()) + self.compressor.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return


class Session:
    """One IDENTIFY's session: every event it dispatched, numbered, kept for RESUME."""

    def __init__(self, session_id: str, intents: int, shard: tuple[int, int] = (0, 1)) -> None:
        self.id = session_id
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.events: list[Json] = []
        self.connection: Connection | None = None
        self.ended = False

    def serves(self, guild_id: int) -> bool:
        """Whether the server's events come to this session (it is on the session's shard)."""
        shard_id, count = self.shard
        return (guild_id >> 22) % count == shard_id

    def dispatch(self, event: str, data: Json) -> None:
        self.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.events.append(payload)
        if self.connection is not None:
            self.connection.send(payload)


class Gateway:
    """The gateway endpoint and the bot's sessions; tests steer it through the emulator."""

    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emulator = emulator
        self.sessions: dict[str, Session] = {}
        self.session: Session | None = None
        self.connections: set[Connection] = set()

    async def stop(self) -> None:
        for connection in list(self.connections):
            connection.queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await connection.ws.close(code=1001)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
            self.emulator.problem(
                f"gateway connection with unexpected query {request.query_string!r}"
            )
        connection = Connection(ws, compress=request.query.get("compress") == "zlib-stream")
        self.connections.add(connection)
        interval = self.emulator.heartbeat_interval_ms
        connection.send(
            {"op": OP_HELLO, "d": {"heartbeat_interval": interval, "_trace": ["emulator"]}}
        )
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                await self._frame(connection, json.loads(frame.data))
        finally:
            self.connections.discard(connection)
            connection.queue.put_nowait(None)
            session = connection.session
            if session is not None and session.connection is connection:
                session.connection = None
                if ws.close_code in (1000, 1001) and not connection.dropped:
                    session.ended = True  # a clean close ends the session: no RESUME
            self.emulator.notify()
        return ws

    async def _frame(self, connection: Connection, payload: Json) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == OP_HEARTBEAT:
            self.emulator.heartbeats += 1
            connection.send({"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._identify(connection, data or {})
        elif op == OP_RESUME:
            self._resume(connection, data or {})
        elif op in (OP_PRESENCE, OP_VOICE, OP_REQUEST_MEMBERS):
            log.debug("gateway op %s ignored: %s", op, data)
        else:
            self.emulator.problem(f"unknown gateway op {op}: {payload}")

    async def _identify(self, connection: Connection, data: Json) -> None:
        self.emulator.identifies.append(data)
        if data.get("token") != self.emulator.token:
            await connection.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS and not self.emulator.allow_privileged_intents:
            await connection.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = _shard(data.get("shard", [0, 1]))
        if shard is None:
            await connection.ws.close(code=4010, message=b"Invalid shard.")
            return
        if any(s.shard == shard and s.connection is not None for s in self.live_sessions()):
            self.emulator.problem(
                f"IDENTIFY on shard {list(shard)} while another session of it is still connected"
            )
        session = Session(secrets.token_hex(16), intents, shard)
        self.sessions[session.id] = session
        self.session = session
        session.connection = connection
        connection.session = session
        guilds = [g for g in self.emulator.guilds.values() if session.serves(g.id) and g.has_bot]
        session.dispatch("READY", self._ready_payload(session, [g.id for g in guilds]))
        with_members = bool(intents & INTENT_GUILD_MEMBERS)
        for guild in guilds:
            if guild.outage:  # listed as unavailable; it comes when the outage ends
                continue
            session.dispatch("GUILD_CREATE", guild.create_payload(with_members=with_members))
        self.emulator.ready_count += 1
        self.emulator.notify()

    def _ready_payload(self, session: Session, guild_ids: list[int]) -> Json:
        return {
            "v": 10,
            "user": self._me_payload(),
            "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.emulator.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(self.emulator.application_id), "flags": 1 << 23},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["emulator"],
        }

    def _me_payload(self) -> Json:
        return self.emulator.bot_user.payload() | {
            "verified": True,
            "mfa_enabled": False,
            "email": None,
        }

    def _resume(self, connection: Connection, data: Json) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.ended or data.get("token") != self.emulator.token:
            connection.send({"op": OP_INVALID_SESSION, "d": False})
            return
        session.connection = connection
        connection.session = session
        seq = int(data.get("seq") or 0)
        for event in session.events:
            if event["s"] > seq:
                connection.send(event)
        session.dispatch("RESUMED", {"_trace": ["emulator"]})
        self.emulator.resume_count += 1
        self.emulator.notify()

    def dispatch(self, event: str, data: Json, guild_id: int | None = None) -> None:
        """Send a raw gateway event to the bot's current session (of ``guild_id``'s shard)."""
        session = self.live_session(guild_id)
        if session is None:
            raise EmulatorError(f"cannot dispatch {event}: the bot has no gateway session")
        session.dispatch(event, data)

    def request_reconnect(self) -> None:
        """Op 7 RECONNECT: the bot should reconnect and RESUME at ``resume_gateway_url``."""
        connection = self.current_connection()
        connection.send({"op": OP_RECONNECT, "d": None})

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the bot's WebSocket with ``code`` (4000: unknown error, resumable)."""
        connection = self.current_connection()
        connection.dropped = True
        await connection.ws.close(code=code)

    def invalidate_session(self) -> None:
        """Op 9 INVALID_SESSION (not resumable): the bot has to IDENTIFY again."""
        connection = self.current_connection()
        if connection.session is not None:
            connection.session.ended = True
        connection.send({"op": OP_INVALID_SESSION, "d": False})

    def live_sessions(self) -> list[Session]:
        """Sessions not ended (connected, or waiting for a RESUME), the newest first."""
        return [s for s in reversed(self.sessions.values()) if not s.ended]

    def live_session(self, guild_id: int | None = None) -> Session | None:
        """The session that hears of ``guild_id``: the newest live one of the server's shard.
        Without a server (DMs, the tests' controls), the bot's latest session unless it ended.
        """
        if guild_id is None:
            session = self.session
            return session if session is not None and not session.ended else None
        return next((s for s in self.live_sessions() if s.serves(guild_id)), None)

    def current_connection(self) -> Connection:
        session = self.live_session()
        if session is None or session.connection is None:
            raise EmulatorError("the bot is not connected to the gateway")
        return session.connection


def _shard(value: object) -> tuple[int, int] | None:
    """IDENTIFY's ``shard``: [id, count] with 0 <= id < count, else None (Discord: 4010)."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    shard_id, count = value
    if not (isinstance(shard_id, int) and isinstance(count, int) and 0 <= shard_id < count):
        return None
    return shard_id, count
