"""What an operator watches: ``/healthz`` and one log line per command, as JSON lines."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
import pytest

from tests.e2e.conftest import StartBot
from tests.e2e.emulator import DiscordEmulator, Guild
from tests.support.seed import LIKE_COMMENT_2

pytestmark = pytest.mark.e2e


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_healthz_and_a_json_log_line_for_every_command(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    bot = await start_bot(env={"HEALTH_PORT": "0", "LOG_FORMAT": "json"})
    entries = json_lines(bot.log_path.read_text())
    assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    [url] = [
        m.group(0)
        for e in entries
        if (m := re.search(r"http://127\.0\.0\.1:\d+/healthz", str(e["message"])))
    ]
    # Like an orchestrator, ask until the bot is ready (it waits for its servers after READY).
    for _ in range(100):
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            status, health = response.status, await response.json()
        if status == 200:
            break
        await asyncio.sleep(0.1)
    assert status == 200, health
    assert health["status"] == "ok" and health["gateway"] == "connected"
    assert health["database"] == "ok" and health["servers"] == 1

    await (await emulator.command("debate show")).message()
    await (await emulator.command("vote", {"order": "Rocky IX > Rocky X"})).message()

    for _ in range(50):  # the line is written just after the answer is sent
        log = json_lines(bot.log_path.read_text())
        commands = [e for e in log if e["logger"] == "bot.commands"]
        if len(commands) >= 2:
            break
        await asyncio.sleep(0.1)
    assert [(e["command"], e["guild"], e["outcome"]) for e in commands] == [
        ("debate show", dev_guild.id, "ok"),
        ("vote", dev_guild.id, "refused"),
    ]
    assert all(isinstance(e["latency_ms"], int) and e["latency_ms"] >= 0 for e in commands)


async def test_a_json_log_line_for_every_click_choice_and_form_without_member_content(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    bot = await start_bot(env={"LOG_FORMAT": "json", "VOTE_SAVES_PER_MINUTE": "0"})
    me, other = dev_guild.plain_members[:2]
    show = await (await emulator.command("debate show", member=me)).message()
    builder = await (await emulator.click(show, label="Vote", member=me)).message()
    builder = await (await emulator.select(builder, ["Rocky IV"])).message()
    paste = await emulator.click(builder, label="Paste…")
    modal = await paste.modal_shown()
    box, *_ = [c["custom_id"] for row in modal["components"] for c in row.get("components", [])
             if c["type"] == 4]  # fmt: skip
    secret = LIKE_COMMENT_2 + "\nmy private reasoning ZEBRA-42"
    builder = await (await emulator.submit_modal(paste, {box: secret})).message()
    await (await emulator.click(builder, label="Save")).message()
    question = await (await emulator.command("forget-me", member=me)).message()
    await (await emulator.click(question, label="Cancel", member=other, force=True)).message()

    for _ in range(50):
        log = json_lines(bot.log_path.read_text())
        components = [e for e in log if e["logger"] == "bot.components"]
        if len(components) >= 6:
            break
        await asyncio.sleep(0.1)
    seen = [(e["component"], e["kind"], e["guild"], e["outcome"]) for e in components]
    assert seen[0] == ("VOTE", "button", dev_guild.id, "ok")
    assert [kind for _, kind, _, _ in seen] == [
        "button",
        "select",
        "button",
        "form",
        "button",
        "button",
    ]
    assert seen[-1] == ("FORGET", "button", dev_guild.id, "refused")
    assert all(isinstance(e["duration_ms"], int) and e["duration_ms"] >= 0 for e in components)
    # Which spec, never the raw id (FORGET's carries a member id) nor what members chose.
    # (Only these lines: the test bot also logs discord.py's raw events at DEBUG.)
    written = "".join(json.dumps(e) for e in components)
    assert "ZEBRA-42" not in written and "rd:" not in written
    assert str(me.user.id) not in written
