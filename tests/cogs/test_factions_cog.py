"""/factions and the faction lines of /myvote, through the real CommandTree."""

from __future__ import annotations

import json

from bot.client import RankingBot
from bot.models import Debate
from tests.support.discord_fake import GUILD_ID, MEMBER_ID, Driver
from tests.support.rocky import ROCKY_TITLES

ROCKY = list(ROCKY_TITLES)
# Two camps: the author's order, and its reverse; a swap here and there within each.
CAMP_A = [ROCKY, ROCKY, [*ROCKY[:2], ROCKY[3], ROCKY[2], *ROCKY[4:]], ROCKY, ROCKY, ROCKY]
CAMP_B = [list(reversed(order)) for order in CAMP_A]


async def vote(bot: RankingBot, debate: Debate, member: int, names: list[str]) -> None:
    by_name = {item.name: item.id for item in debate.items}
    await bot.voting.submit(GUILD_ID, debate, member, tuple((by_name[n],) for n in names), None)


async def two_camps(bot: RankingBot) -> Debate:
    debate = await bot.directory.current(GUILD_ID)
    for member, order in enumerate(CAMP_A, start=1):
        await vote(bot, debate, MEMBER_ID if member == 1 else member, order)
    for member, order in enumerate(CAMP_B, start=101):
        await vote(bot, debate, member, order)
    return debate


async def test_factions_names_each_camp_with_its_ranking_and_what_all_agree_on(
    driver: Driver, bot: RankingBot
) -> None:
    await two_camps(bot)
    reply = await driver.slash("factions", public=True)
    assert not reply.ephemeral
    assert reply.layout and not reply.embeds
    assert "12 members** fall into **2 factions" in reply.text
    names = reply.headings
    assert names == [
        "Faction A — team Rocky IV · 6 members (50%)",
        "Faction B — team Rocky V · 6 members (50%)",
    ]
    first = reply.text.split("**Faction A — team Rocky IV · 6 members (50%)**\n")[1]
    assert first.startswith("1. Rocky IV · 2. Rocky II")
    assert f"<@{MEMBER_ID}>" in first
    assert "Unlike the rest: ⬆️ **Rocky IV**" in first or "Unlike the rest: ⬇️" in first
    assert "silhouette" in reply.text.splitlines()[-1]
    [picture] = reply.message["attachments"]
    assert picture["filename"] == "factions.png" and picture["data"].startswith(b"\x89PNG")
    assert reply.pictures == [picture["data"]]


async def test_factions_name_no_member_when_the_server_hides_them(
    driver: Driver, bot: RankingBot
) -> None:
    await two_camps(bot)
    await bot.server_settings.update(GUILD_ID, hide_members=True)
    reply = await driver.slash("factions")
    text = json.dumps({**reply.message, "attachments": None})
    assert "Faction A" in text and "<@" not in text and "Members:" not in text
    mine = await driver.slash("myvote")
    assert "You're in **Faction A — team Rocky IV**." in mine.text


async def test_too_few_voters_for_factions_says_how_many_are_needed(
    driver: Driver, bot: RankingBot
) -> None:
    debate = await bot.directory.current(GUILD_ID)
    for member in range(1, 6):
        await vote(bot, debate, member, ROCKY)
    reply = await driver.slash("factions")
    [embed] = reply.embeds
    assert "Factions need at least 10 members" in embed["description"]
    assert "5 so far" in embed["description"]
    assert not embed.get("fields")


async def test_myvote_says_which_faction_you_are_in_and_how_close_you_are_to_each(
    driver: Driver, bot: RankingBot
) -> None:
    await two_camps(bot)
    reply = await driver.slash("myvote")
    assert reply.ephemeral
    assert "You're in **Faction A — team Rocky IV**." in reply.text
    assert (
        "Item against item, you side with Faction A's majority in 15 of the 15 match-ups you "
        "both call (100%) and Faction B's in 0 of 15 (0%)."
    ) in reply.text
    assert "pairs" not in reply.text


async def test_myvote_says_nothing_of_factions_when_there_are_none(
    driver: Driver, bot: RankingBot
) -> None:
    await driver.slash("vote", order="IV > II > III")
    reply = await driver.slash("myvote")
    assert "Your current ballot, saved <t:" in reply.text and "faction" not in reply.text.lower()


async def test_a_server_s_own_thresholds_decide_when_factions_show(
    driver: Driver, bot: RankingBot
) -> None:
    await two_camps(bot)
    # Twelve voters in two camps of six: too few for a server asking for 20, or groups of 7.
    await bot.server_settings.update(GUILD_ID, faction_min_voters=20)
    text = (await driver.slash("factions")).text
    assert "Factions need at least 20 members" in text
    await bot.server_settings.update(GUILD_ID, faction_min_voters=None, faction_min_size=7)
    text = (await driver.slash("factions")).text
    assert "fall into" not in text
    # Another server keeps the bot-wide thresholds; back to them, the camps show again.
    await bot.server_settings.update(GUILD_ID, faction_min_size=None)
    assert "12 members** fall into **2 factions" in (await driver.slash("factions")).text
