"""Factions end to end: twelve members in two camps, /factions, /myvote, and hide_members.

The real bot against the emulator: members vote by typing their orders, and what the bot
shows is compared with the engine (``bot.ranking.find_factions``) run here on the same
ballots. With hide_members on, nothing the bot sends names a member.
"""

from __future__ import annotations

import json
import re

import pytest

from bot.ranking import MemberBallots, find_factions
from tests.e2e.conftest import StartBot
from tests.e2e.emulator import DiscordEmulator, Guild
from tests.e2e.harness import BotProcess
from tests.support.rocky import ROCKY_TITLES

pytestmark = pytest.mark.e2e

# The author's order and its reverse, each with one member who swaps a pair.
CAMP_A = ["IV > II > III > Rocky > Balboa > V"] * 5 + ["IV > II > Rocky > III > Balboa > V"]
CAMP_B = ["V > Balboa > Rocky > III > II > IV"] * 5 + ["V > Balboa > III > Rocky > II > IV"]
NAMES = {"IV": "Rocky IV", "II": "Rocky II", "III": "Rocky III", "Rocky": "Rocky"}
NAMES |= {"Balboa": "Rocky Balboa", "V": "Rocky V"}


@pytest.fixture
async def bot(emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot) -> BotProcess:
    dev_guild.add_members(12 - len(dev_guild.plain_members))
    return await start_bot(env={"VOTE_COOLDOWN_SECONDS": "0"})


async def test_factions_shows_the_camps_and_myvote_places_each_member(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    members = dev_guild.plain_members[:12]
    for member, order in zip(members, CAMP_A + CAMP_B, strict=True):
        reply = await (await emulator.command("vote", {"order": order}, member=member)).message()
        assert "Saved" in reply.text

    # The engine here, on the same ballots, says what the bot must show.
    engine: MemberBallots[int, str] = MemberBallots(ROCKY_TITLES)
    for member, order in zip(members, CAMP_A + CAMP_B, strict=True):
        engine.set(member.id, [[NAMES[name.strip()]] for name in order.split(">")])
    expected = find_factions(engine)
    assert [f.size for f in expected.factions] == [6, 6]

    shown = await (await emulator.command("factions", {"public": True})).message()
    assert not shown.ephemeral
    assert "12 members** fall into **2 factions" in shown.text
    for faction in expected.factions:
        top = " · ".join(
            f"{faction.consensus.place(name)}. {name}" for name in faction.consensus.ranking[:5]
        )
        assert top in shown.text
        for member_id in faction.members:
            assert f"<@{member_id}>" in shown.text
    assert "Faction A — team Rocky IV · 6 members (50%)" in shown.text
    assert "Faction B — team Rocky V · 6 members (50%)" in shown.text

    mine = await (await emulator.command("myvote", member=members[0])).message()
    assert mine.ephemeral
    assert "You're in **Faction A — team Rocky IV**." in mine.text
    theirs = await (await emulator.command("myvote", member=members[11])).message()
    assert "You're in **Faction B — team Rocky V**." in theirs.text
    assert re.search(
        r"Item against item, you side with Faction A's majority in \d+ of the \d+ match-ups "
        r"you both call \(\d+%\) and Faction B's in \d+ of \d+ \(\d+%\)\.",
        theirs.text,
    ), theirs.text
    assert "pairs" not in theirs.text

    await (
        await emulator.command("settings", {"hide_members": True}, member=dev_guild.admin)
    ).message()
    hidden = await (await emulator.command("factions")).message()
    payload = json.dumps([hidden.content, hidden.embeds, hidden.components])
    assert "Faction A" in hidden.text and "<@" not in payload
    assert not any(str(m.id) in payload or m.name in payload for m in members)
