"""A member erases their data with ``/forget-me``; the operator erases a user everywhere with
``python -m bot forget USER_ID``. The results stop counting them without a restart."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.e2e.conftest import StartBot
from tests.e2e.emulator import DiscordEmulator, Guild, Member
from tests.e2e.harness import BotProcess

pytestmark = pytest.mark.e2e

ORDERS = ["IV > II > III", "II > IV", "V > Rocky = III"]


async def voters(emulator: DiscordEmulator, guild: Guild) -> int:
    shown = await (await emulator.command("consensus", guild=guild)).message()
    match = re.search(r"\*\*(\d+) voters?\*\*", shown.text)
    assert match, shown.text
    return int(match.group(1))


async def vote_everywhere(emulator: DiscordEmulator, guilds: list[Guild], who: Member) -> None:
    for guild in guilds:
        others = [m for m in guild.plain_members if m.user is not who.user][:2]
        for member, order in zip([guild.member(who.user), *others], ORDERS, strict=True):
            vote = await emulator.command("vote", {"order": order}, guild=guild, member=member)
            assert "saved" in (await vote.message()).text.lower()


@pytest.fixture
async def bot_in_two_guilds(emulator: DiscordEmulator, start_bot: StartBot) -> BotProcess:
    second = emulator.add_guild("Italian Stallions", members=3)
    second.add_member(emulator.guild(0).plain_members[0].user)
    bot = await start_bot(dev_guild=None, start=False, env={"VOTE_SAVES_PER_MINUTE": "0"})
    assert await bot.run_once("sync") == 0, bot.log_tail(40)
    await bot.start()
    return bot


async def test_forget_me_erases_my_ballots_here_after_i_confirm(
    emulator: DiscordEmulator, bot_in_two_guilds: BotProcess
) -> None:
    here, there = emulator.guild(0), emulator.guild(1)
    me = here.plain_members[0]
    await vote_everywhere(emulator, [here, there], me)
    again = await emulator.command("vote", {"order": "III > II"}, guild=here, member=me)
    await again.message()  # a second saved version of my ballot here
    assert await voters(emulator, here) == 3

    question = await (await emulator.command("forget-me", guild=here, member=me)).message()
    assert question.ephemeral and "can't be undone" in question.text
    assert await voters(emulator, here) == 3, "nothing erased before I confirm"

    erased = await (await emulator.click(question, label="Erase my data", member=me)).message()
    assert erased.text == (
        "Erased your ballots on 1 debate (2 saved versions, with their reasons) in this server. "
        "The results no longer count 1 ballot of you."
    )
    assert not erased.buttons
    assert await voters(emulator, here) == 2, "the kept tally followed at once"
    assert await voters(emulator, there) == 3, "another server is not this one"
    mine = await (await emulator.command("myvote", guild=here, member=me)).message()
    assert "haven't ranked" in mine.text


async def test_the_operator_forgets_a_user_everywhere_while_the_bot_runs(
    emulator: DiscordEmulator, bot_in_two_guilds: BotProcess
) -> None:
    here, there = emulator.guild(0), emulator.guild(1)
    me = here.plain_members[0]
    await vote_everywhere(emulator, [here, there], me)
    assert (await voters(emulator, here), await voters(emulator, there)) == (3, 3)

    assert await bot_in_two_guilds.run_once("forget", str(me.user.id)) == 0
    assert "Erased their ballots on 2 debates" in bot_in_two_guilds.log_tail(5)

    for _ in range(100):  # the running bot notices within its check interval (5 s)
        if (await voters(emulator, here), await voters(emulator, there)) == (2, 2):
            break
        await asyncio.sleep(0.2)
    else:
        pytest.fail("the running bot still counts the forgotten user")


async def test_forget_me_confirmed_after_a_restart_still_erases(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    bot = await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0"})
    me, someone = dev_guild.plain_members[:2]
    for member in (me, someone):
        await (
            await emulator.command("vote", {"order": ORDERS[0]}, guild=dev_guild, member=member)
        ).message()
    question = await (await emulator.command("forget-me", guild=dev_guild, member=me)).message()

    await bot.restart()

    # Not someone else's to press, even after the restart (a click forged with its id).
    forged = await emulator.click(question, label="Erase my data", member=someone, force=True)
    theirs = await forged.message()
    assert theirs.ephemeral and "isn't yours" in theirs.text
    erased = await (await emulator.click(question, label="Erase my data", member=me)).message()
    assert erased.text.startswith("Erased your ballots on 1 debate"), erased.text
    assert not erased.buttons
    assert await voters(emulator, dev_guild) == 1
