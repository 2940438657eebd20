"""The emulator itself, spoken to over HTTP and WebSocket the way discord.py does (no bot)."""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import APPLICATION_ID, TOKEN
from tests.e2e.emulator import DiscordEmulator, Guild

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": f"Bot {TOKEN}"}
SHOW_COMMAND = {
    "name": "debate",
    "description": "Debates",
    "options": [
        {
            "name": "show",
            "description": "Show one",
            "type": 1,
            "options": [{"name": "debate", "description": "Which", "type": 3}],
        }
    ],
}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Gateway:
    """A minimal gateway client: zlib-stream like discord.py, JSON in and out."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.inflate = zlib.decompressobj()

    async def receive(self) -> dict[str, Any]:
        message = await self.ws.receive(timeout=10)
        assert message.type == aiohttp.WSMsgType.BINARY, message
        return json.loads(self.inflate.decompress(message.data))

    async def until(self, event: str) -> dict[str, Any]:
        while (payload := await self.receive()).get("t") != event:
            pass
        return payload

    async def send(self, op: int, data: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": data}))


async def connect(http: aiohttp.ClientSession, emulator: DiscordEmulator) -> Gateway:
    url = f"{emulator.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    return Gateway(await http.ws_connect(url))


async def identify(
    gateway: Gateway, intents: int = 1, shard: list[int] | None = None
) -> dict[str, Any]:
    hello = await gateway.receive()
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
    data: dict[str, Any] = {"token": TOKEN, "intents": intents, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await gateway.send(2, data)
    return await gateway.until("READY")


async def sync_show_command(http: aiohttp.ClientSession, emulator: DiscordEmulator) -> None:
    url = f"{emulator.api_base_url}/applications/{APPLICATION_ID}/guilds/{emulator.guild(0).id}"
    async with http.put(f"{url}/commands", json=[SHOW_COMMAND], headers=AUTH) as response:
        assert response.status == 200
        assert all(command["id"] for command in await response.json())


async def test_json_answers_have_exactly_the_content_type_discord_py_decodes(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emulator.api_base_url}/users/@me", headers=AUTH) as response:
        assert response.headers["Content-Type"] == "application/json"
        assert (await response.json())["id"] == str(APPLICATION_ID)
    async with http.get(f"{emulator.api_base_url}/users/@me") as response:
        assert response.status == 401


async def test_unknown_routes_answer_404_json_and_are_reported(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{emulator.api_base_url}/no/such/route", headers=AUTH) as response:
        assert response.status == 404
        assert response.headers["Content-Type"] == "application/json"
    assert emulator.problems == [
        "the bot called a route the emulator does not know: GET /api/v10/no/such/route"
    ]
    emulator.allow_problems = True


async def test_identify_gets_ready_and_a_guild_create_per_guild(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    emulator.add_guild("Second")
    gateway = await connect(http, emulator)
    ready = await identify(gateway)

    assert ready["d"]["resume_gateway_url"] == emulator.gateway_url
    assert {g["id"] for g in ready["d"]["guilds"]} == {str(g) for g in emulator.guilds}
    created = [await gateway.until("GUILD_CREATE") for _ in emulator.guilds]
    assert [c["d"]["name"] for c in created] == ["Rocky Fans", "Second"]
    await gateway.send(1, ready["s"])
    assert (await gateway.receive())["op"] == 11


async def test_each_shard_session_hears_of_its_own_servers_only(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    on_shard = [emulator.add_guild(f"Shard {n}", members=1, shard=(n, 2)) for n in (0, 1, 0)]
    assert [(g.id >> 22) % 2 for g in on_shard] == [0, 1, 0]
    assert sorted(emulator.guilds) == list(emulator.guilds), "ids still increase"
    shard_of = {g.id: (g.id >> 22) % 2 for g in emulator.guilds.values()}
    gateways = [await connect(http, emulator) for _ in range(2)]
    readies = [await identify(gw, shard=[n, 2]) for n, gw in enumerate(gateways)]
    for n, (gateway, ready) in enumerate(zip(gateways, readies, strict=True)):
        mine = {g for g, shard in shard_of.items() if shard == n}
        assert ready["d"]["shard"] == [n, 2]
        assert {int(g["id"]) for g in ready["d"]["guilds"]} == mine
        created = {int((await gateway.until("GUILD_CREATE"))["d"]["id"]) for _ in mine}
        assert created == mine

    # A member of a shard-1 server runs a command: only shard 1's session hears of it.
    await sync_show_command(http, emulator)
    emulator.guild_commands[on_shard[1].id] = emulator.guild_commands[emulator.guild(0).id]
    handle = await emulator.command("debate show", guild=on_shard[1])
    event = await gateways[1].until("INTERACTION_CREATE")
    assert event["d"]["guild_id"] == str(on_shard[1].id)
    assert handle.session_id == readies[1]["d"]["session_id"]
    with pytest.raises(TimeoutError):
        await gateways[0].ws.receive(timeout=0.3)

    # A second process on shard 1 while the first still holds it is a mistake to report.
    third = await connect(http, emulator)
    await identify(third, shard=[1, 2])
    assert emulator.problems == [
        "IDENTIFY on shard [1, 2] while another session of it is still connected"
    ]
    emulator.allow_problems = True


async def test_an_identify_on_a_shard_that_does_not_exist_is_refused(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    gateway = await connect(http, emulator)
    await gateway.receive()
    await gateway.send(2, {"token": TOKEN, "intents": 1, "properties": {}, "shard": [2, 2]})
    closed = await gateway.ws.receive(timeout=10)
    assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4010


async def test_privileged_intents_are_refused_like_discord_does(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    gateway = await connect(http, emulator)
    await gateway.receive()
    await gateway.send(2, {"token": TOKEN, "intents": 1 << 15, "properties": {}})
    closed = await gateway.ws.receive(timeout=10)
    assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4014


async def test_resume_replays_what_was_missed(
    emulator: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    gateway = await connect(http, emulator)
    ready = await identify(gateway)
    seen = (await gateway.until("GUILD_CREATE"))["s"]
    await emulator.drop_connection(4000)
    emulator.dispatch("CUSTOM_EVENT", {"n": 1})  # happens while the bot is away

    gateway = await connect(http, emulator)
    await gateway.receive()
    await gateway.send(6, {"token": TOKEN, "session_id": ready["d"]["session_id"], "seq": seen})
    missed = await gateway.receive()
    assert (missed["t"], missed["d"]) == ("CUSTOM_EVENT", {"n": 1})
    assert (await gateway.receive())["t"] == "RESUMED"


async def test_callback_with_response_names_the_message_and_keeps_its_files(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, dev_guild: Guild
) -> None:
    await sync_show_command(http, emulator)
    gateway = await connect(http, emulator)
    await identify(gateway)
    handle = await emulator.command("debate show", {"debate": "rocky"})
    event = (await gateway.until("INTERACTION_CREATE"))["d"]
    assert event["data"]["options"][0]["options"] == [
        {"name": "debate", "type": 3, "value": "rocky"}
    ]
    for key in ("token", "version", "application_id", "attachment_size_limit", "app_permissions"):
        assert key in event

    form = aiohttp.FormData()
    payload = {"type": 4, "data": {"content": "here", "attachments": [{"id": 0}]}}
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    form.add_field("files[0]", b"\x89PNG...", filename="chart.png")
    url = f"{emulator.api_base_url}/interactions/{event['id']}/{event['token']}/callback"
    async with http.post(url, data=form, params={"with_response": "1"}) as response:
        body = await response.json()
    message = await handle.message()
    assert body["interaction"]["response_message_id"] == str(message.id)
    assert body["resource"]["message"]["content"] == "here"
    async with http.get(message.attachments[0].url) as download:
        assert await download.read() == b"\x89PNG..."

    async with http.post(url, json={"type": 4, "data": {"content": "again"}}) as response:
        assert response.status == 400
        assert (await response.json())["code"] == 40060
    emulator.allow_problems = True


async def test_a_late_answer_is_refused_and_measured(
    emulator: DiscordEmulator, http: aiohttp.ClientSession, dev_guild: Guild
) -> None:
    await sync_show_command(http, emulator)
    gateway = await connect(http, emulator)
    await identify(gateway)
    emulator.ack_deadline = 0.0
    handle = await emulator.command("debate show")
    event = (await gateway.until("INTERACTION_CREATE"))["d"]
    url = f"{emulator.api_base_url}/interactions/{event['id']}/{event['token']}/callback"
    async with http.post(url, json={"type": 5}) as response:
        assert response.status == 404 and (await response.json())["code"] == 10062

    with pytest.raises(AssertionError, match="too late"):
        await handle.response()
    assert handle.first_answer_latency is not None
    emulator.allow_problems = True
