"""Scenario 6: two guilds vote differently; neither sees the other's results.

Commands reach a second guild only through a global sync, which the bot does on explicit request
(``python -m bot sync``), so this scenario runs that first, as an owner would.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import StartBot
from tests.e2e.emulator import DiscordEmulator, Guild, Member
from tests.e2e.reading import ranked_items
from tests.support.rocky import ROCKY_TITLES

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_guild(emulator: DiscordEmulator) -> Guild:
    return emulator.add_guild("Italian Stallions", members=6)


@pytest.fixture
def shared_member(emulator: DiscordEmulator, second_guild: Guild) -> Member:
    """One person who is a member of both guilds."""
    first = emulator.guild(0).plain_members[0]
    second_guild.add_member(first.user)
    return first


async def start_with_global_commands(emulator: DiscordEmulator, start_bot: StartBot) -> None:
    bot = await start_bot(dev_guild=None, start=False)
    assert await bot.run_once("sync") == 0, bot.log_tail(40)
    assert [sync.guild_id for sync in emulator.command_syncs] == [None]
    await bot.start()
    assert len(emulator.command_syncs) == 1, "without DEV_GUILD_ID, a start does not sync"


async def test_after_a_global_sync_both_guilds_are_answered_in_their_own_channels(
    emulator: DiscordEmulator, start_bot: StartBot, second_guild: Guild, shared_member: Member
) -> None:
    await start_with_global_commands(emulator, start_bot)

    for guild in (emulator.guild(0), second_guild):
        show = await emulator.command("debate show", guild=guild, member=shared_member)
        message = await show.message()
        assert message.channel is guild.general
        assert ranked_items(message, ROCKY_TITLES) == list(ROCKY_TITLES)


async def test_a_member_of_both_guilds_keeps_a_separate_ballot_in_each(
    emulator: DiscordEmulator, start_bot: StartBot, second_guild: Guild, shared_member: Member
) -> None:
    await start_with_global_commands(emulator, start_bot)
    first = emulator.guild(0)
    orders = {first: "IV > II > III", second_guild: "V > Balboa > Rocky"}
    expected = {
        first: ["Rocky IV", "Rocky II", "Rocky III"],
        second_guild: ["Rocky V", "Rocky Balboa", "Rocky"],
    }
    for guild, order in orders.items():
        vote = await emulator.command("vote", {"order": order}, guild=guild, member=shared_member)
        assert (await vote.message()).ephemeral
    for guild in orders:
        mine = await emulator.command("myvote", guild=guild, member=shared_member)
        shown = ranked_items(await mine.message(), ROCKY_TITLES)
        assert shown[:3] == expected[guild], f"/myvote in {guild.name} shows that guild's ballot"
