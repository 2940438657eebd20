"""Issue 12's remaining bounds, driven through the real bot as an attacker would.

Two admins race edits of one debate; a member opens Paste… over and over; an admin imports
debate after debate. Each is refused with a reason, and meanwhile another server's
``/consensus`` is answered as quickly as ever.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.e2e.conftest import StartBot
from tests.e2e.emulator import DiscordEmulator, Guild, InteractionHandle
from tests.e2e.harness import BotProcess
from tests.e2e.test_hostile_input import PROMPT
from tests.e2e.test_restart import first_text_box

pytestmark = pytest.mark.e2e

SMALL = b"slug: albums\ntitle: Best albums\nquestion: Which one?\nauthor: Me\nitems: [Rumours, Low, Aja]\n"


async def field(opened: InteractionHandle, label: str) -> str:
    """The custom_id of the form's input under ``label``."""
    modal = await opened.modal_shown()
    return next(c["component"]["custom_id"] for c in modal["components"] if c.get("label") == label)


async def two_servers(
    emulator: DiscordEmulator, start_bot: StartBot, env: Mapping[str, str] = {}
) -> tuple[Guild, Guild, BotProcess]:
    """The dev server and another one, both seeing the commands after a global sync."""
    other = emulator.add_guild("Italian Stallions", members=2)
    bot = await start_bot(dev_guild=None, start=False, env=env)
    assert await bot.run_once("sync") == 0, bot.log_tail(40)
    await bot.start()
    return emulator.guild(0), other, bot


async def others_answered_promptly(
    emulator: DiscordEmulator, other: Guild, handles: list[InteractionHandle]
) -> None:
    asked = await emulator.command("consensus", guild=other)
    await emulator.wait_for_answers([*handles, asked], timeout=30)
    assert (asked.first_answer_latency or 0) < PROMPT
    assert "Server ranking: The Rocky training montages" in (await asked.message()).text


async def test_of_two_admins_editing_from_the_same_version_the_second_is_shown_the_current(
    emulator: DiscordEmulator, start_bot: StartBot
) -> None:
    guild, other, _ = await two_servers(emulator, start_bot)
    imported = await emulator.command(
        "debate import", {"file": emulator.upload("a.yaml", SMALL)}, member=guild.admin
    )
    assert "Imported" in (await imported.message()).text
    first = await emulator.command("debate edit", {"debate": "albums"}, member=guild.admin)
    second = await emulator.command("debate edit", {"debate": "albums"}, member=guild.admin)
    saved = await emulator.submit_modal(first, {await field(first, "Title"): "Best records"})
    assert (await saved.message()).text.startswith("Saved **Best records**")
    stale = await emulator.submit_modal(second, {await field(second, "Title"): "Finest albums"})
    await others_answered_promptly(emulator, other, [stale])
    refused = await stale.message()
    assert refused.ephemeral
    assert "Someone else changed this debate; here is the current version" in refused.text
    assert "**Best records**" in refused.text and "Saved" not in refused.text


async def test_opening_paste_over_and_over_never_gets_a_submit_both_applied_and_lost(
    emulator: DiscordEmulator, start_bot: StartBot
) -> None:
    guild, other, _ = await two_servers(emulator, start_bot)
    member = guild.plain_members[0]
    builder = await (await emulator.command("vote", member=member)).message()
    opened = [await emulator.click(builder, label="Paste…", member=member) for _ in range(12)]
    box = await first_text_box(opened[0])
    oldest = await emulator.submit_modal(opened[0], {box: "IV\nII"})
    newest = await emulator.submit_modal(opened[-1], {await first_text_box(opened[-1]): "IV\nII"})
    await others_answered_promptly(emulator, other, [oldest, newest])
    closed = await oldest.message()
    assert closed.ephemeral and "no longer open" in closed.text, closed.text
    assert "Nothing was saved" in closed.text and len(oldest.messages) == 1
    pasted = await newest.message()
    assert "Pasted 2 items." in pasted.text and "Nothing was saved" not in pasted.text
    assert len(newest.messages) == 1


async def test_a_server_importing_past_its_debate_limit_is_refused(
    emulator: DiscordEmulator, start_bot: StartBot
) -> None:
    guild, other, _ = await two_servers(emulator, start_bot, env={"MAX_DEBATES_PER_SERVER": "3"})
    for n in range(3):
        body = SMALL.replace(b"slug: albums", f"slug: albums-{n}".encode())
        imported = await emulator.command(
            "debate import", {"file": emulator.upload(f"{n}.yaml", body)}, member=guild.admin
        )
        assert "Imported" in (await imported.message()).text
    fourth = await emulator.command(
        "debate import", {"file": emulator.upload("4.yaml", SMALL)}, member=guild.admin
    )
    await others_answered_promptly(emulator, other, [fourth])
    refused = await fourth.message()
    assert refused.ephemeral
    assert "already has 3 debates of its own, the most it may have" in refused.text
