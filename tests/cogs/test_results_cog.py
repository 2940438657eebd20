"""/consensus, /hottest and /leaderboard through the real CommandTree, buttons included."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

import pytest

from bot.models import Debate, DebateSpec, ItemSpec
from bot.render.charts import PNG_MAGIC
from tests.support.discord_fake import GUILD_ID, MEMBER_ID, Driver, Reply
from tests.support.discord_model import assert_fits
from tests.support.rocky import ROCKY_TITLES
from tests.test_legacy_custom_ids import old_message

PRIVATE = 64


async def rocky(bot) -> Debate:
    return await bot.directory.current(GUILD_ID)


async def vote(bot, debate: Debate, member: int, names: Sequence[str], reason: str | None = None):
    by_name = {item.name: item.id for item in debate.items}
    tiers = tuple((by_name[name],) for name in names)
    await bot.voting.submit(GUILD_ID, debate, member, tiers, reason)


async def seed_rocky(bot) -> Debate:
    debate = await rocky(bot)
    await vote(bot, debate, 1, ROCKY_TITLES, "The snow montage *and* Hearts on Fire")
    await vote(bot, debate, 2, ["Rocky II", "Rocky IV", "Rocky III", "Rocky V", "Rocky"], "Adrian!")
    await vote(bot, debate, 3, ["Rocky IV", "Rocky II", "Rocky III"])
    await vote(bot, debate, 4, list(reversed(ROCKY_TITLES)), "Contrarian @everyone")
    await vote(bot, debate, 5, ["Rocky IV", "Rocky III", "Rocky II", "Rocky Balboa", "Rocky"])
    return debate


async def big_debate(bot, items: int = 120, voters: int = 30) -> Debate:
    specs = tuple(ItemSpec(f"Contender number {n:03d}") for n in range(items))
    debate = await bot.debate_store.create(
        DebateSpec("big", "A very big debate", "Q?", "Me", specs), guild_id=GUILD_ID
    )
    rng = random.Random(5)
    keys = [item.id for item in debate.items]
    for member in range(1, voters + 1):
        order = keys[:]
        rng.shuffle(order)
        tiers = tuple((k,) for k in order[: rng.randint(5, items)])
        await bot.voting.submit(GUILD_ID, debate, member, tiers, "because " * 50)
    return debate


def png_of(reply: Reply) -> bytes:
    """The head-to-head chart; the places chart comes with it, one measure per image."""
    head_to_head, places = reply.message["attachments"]
    assert places["data"][:8] == head_to_head["data"][:8]
    return head_to_head["data"]


# -- /consensus --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["consensus", "hottest", "leaderboard", "factions"])
async def test_results_are_private_unless_the_member_posts_them(
    driver: Driver, bot, command: str
) -> None:
    await seed_rocky(bot)
    private = await driver.slash(command)
    assert private.type == 5 and private.ephemeral and private.text
    posted = await driver.slash(command, public=True)
    assert posted.type == 5 and not posted.ephemeral and posted.text
    assert posted.text == private.text and posted.layout == private.layout


async def test_consensus_before_anyone_voted_says_so_once_and_offers_only_vote(
    driver: Driver,
) -> None:
    reply = await driver.slash("consensus")
    assert_fits(reply.message)
    assert "Nobody has ranked" in reply.text and "counts once 3 members have" in reply.text
    assert "0 voters" not in reply.text and "Provisional" not in reply.text
    labels = [c.get("label") for c in _components(reply)]
    assert "Show the numbers" not in labels and "Vote" in labels


async def test_a_closed_debates_consensus_is_final_and_offers_no_vote(driver: Driver, bot) -> None:
    await seed_rocky(bot)
    closed = await driver.slash("debate close", admin=True)
    assert "is closed" in closed.content
    reply = await driver.slash("consensus")
    assert reply.text.startswith("## Final ranking:")
    assert "this order is final" in reply.text
    labels = [c.get("label") for c in _components(reply)]
    assert "Vote" not in labels and "Show the numbers" in labels


async def test_consensus_shows_the_order_margins_and_method(driver: Driver, bot) -> None:
    await seed_rocky(bot)
    reply = await driver.slash("consensus")
    assert_fits(reply.message)
    description = reply.text
    assert "**5 voters** · Schulze" in description and "How this was counted" in description
    assert "`   1` **Rocky IV** — preferred to" in description
    assert "Provisional" not in description
    other = await driver.slash("consensus", method="borda")
    assert "· Borda" in other.text


async def test_show_the_numbers_answers_privately_with_the_table_and_a_chart(
    driver: Driver, bot
) -> None:
    await seed_rocky(bot)
    reply = await driver.slash("consensus")
    numbers = await driver.click(reply.message, label="Show the numbers")
    assert numbers.ephemeral and numbers.layout  # one card: the table, the charts under it
    assert_fits(numbers.message)
    assert "```" in numbers.text and "Rocky IV" in numbers.text
    assert len(numbers.pictures) == 2
    png = png_of(numbers)
    assert png[:8] == PNG_MAGIC and len(png) > 10_000


async def test_a_method_too_slow_for_the_debate_is_refused_before_anything_public(
    driver: Driver, bot
) -> None:
    await big_debate(bot, items=25, voters=3)
    reply = await driver.slash("consensus", debate="big", method="kemeny")
    assert reply.type == 4 and reply.ephemeral
    assert "Kemeny–Young can rank at most" in reply.content and "Ranked Pairs" in reply.content


async def test_big_consensus_pages_privately_and_then_in_place(driver: Driver, bot) -> None:
    await big_debate(bot)
    reply = await driver.slash("consensus", debate="big", public=True)
    assert not reply.ephemeral
    assert_fits(reply.message)
    pages = int(re.search(r"Page 1/(\d+)", reply.text)[1])
    assert pages >= 2
    seen = _listed(reply)
    nxt = await driver.click(reply.message, label="▶")
    # A private copy, acknowledged first (it may be the first request since a restart): the
    # public page does not move under everyone else's eyes.
    assert nxt.ephemeral and nxt.type == 5
    message = nxt.message
    seen += _listed(nxt)
    for _ in range(pages - 2):
        turned = await driver.click(message, label="▶")
        assert turned.type == 7  # the private copy turns in place
        assert_fits(turned.message)
        seen += _listed(turned)
        message = turned.message
    assert len(seen) == 120 and len(set(seen)) == 120


async def test_numbers_of_a_big_debate_page_through_the_table(driver: Driver, bot) -> None:
    await big_debate(bot, items=40, voters=10)
    reply = await driver.slash("consensus", debate="big")
    numbers = await driver.click(reply.message, label="Show the numbers")
    assert numbers.ephemeral and numbers.layout and "\n-# Page 1/10 " in numbers.text
    charts = numbers.pictures
    turned = await driver.click(numbers.message, label="▶")
    assert turned.type == 7 and "\n-# Page 2/10 " in turned.text
    assert_fits(turned.message)
    assert turned.pictures == charts  # the charts stay under the turned page


# -- /hottest -----------------------------------------------------------------------------


async def test_hottest_names_members_and_quotes_their_reasons(driver: Driver, bot) -> None:
    await seed_rocky(bot)
    reply = await driver.slash("hottest")
    assert_fits(reply.message)
    names = [f["name"] for f in reply.embeds[0]["fields"]]
    assert "🔥 Closest head-to-head contests" in names and "⚔️ Rivals" in names
    assert "<@" in reply.text
    assert "@everyone" not in reply.text


async def test_hottest_hides_members_when_the_server_asks(driver: Driver, bot) -> None:
    await seed_rocky(bot)
    await bot.settings_store.update(GUILD_ID, hide_members=True)
    reply = await driver.slash("hottest")
    assert_fits(reply.message)
    assert "<@" not in reply.text and "Rivals" not in reply.text
    assert "hides member-level results" in reply.text


async def test_hottest_for_a_big_debate_fits(driver: Driver, bot) -> None:
    await big_debate(bot)
    reply = await driver.slash("hottest", debate="big")
    assert_fits(reply.message)


# -- /leaderboard ------------------------------------------------------------------------


async def test_item_leaderboard(driver: Driver, bot) -> None:
    await seed_rocky(bot)
    reply = await driver.slash("leaderboard")
    assert_fits(reply.message)
    first = reply.embeds[0]["description"].split("\n\n", 1)[1].splitlines()[0]
    assert "**Rocky IV**" in first and "🥇" in first and "avg" in first
    assert "movement shows from the next one" in reply.embeds[0]["footer"]["text"]


async def test_item_leaderboard_shows_movement_since_the_last_summary(driver: Driver, bot) -> None:
    debate = await seed_rocky(bot)
    await driver.slash("summary post", admin=True)
    for member in (6, 7, 8, 9):
        await vote(bot, debate, member, ["Rocky V", "Rocky Balboa", "Rocky"])
    reply = await driver.slash("leaderboard")
    description = reply.embeds[0]["description"]
    assert "▲" in description or "▼" in description
    assert "movement since the last summary" in description


async def test_member_leaderboard_pages(driver: Driver, bot) -> None:
    await big_debate(bot, items=8, voters=45)
    reply = await driver.slash("leaderboard", debate="big", board="members")
    assert_fits(reply.message)
    assert "Crowd whisperers" in reply.embeds[0]["description"]
    assert reply.embeds[0]["footer"]["text"].startswith("Page 1/3")
    names = [f["name"] for f in reply.embeds[0]["fields"]]
    assert "🙃 Contrarians — furthest from the server" in names
    nxt = await driver.click(reply.message, label="▶")
    assert nxt.ephemeral and nxt.embeds[0]["footer"]["text"].startswith("Page 2/3")
    assert "` 21.` <@" in nxt.embeds[0]["description"]


async def test_member_leaderboard_is_refused_when_members_are_hidden(driver: Driver, bot) -> None:
    await seed_rocky(bot)
    await bot.settings_store.update(GUILD_ID, hide_members=True)
    reply = await driver.slash("leaderboard", board="members")
    assert reply.type == 4 and reply.ephemeral
    assert "keeps member-level results private" in reply.content


async def test_unknown_debate_is_a_private_error(driver: Driver) -> None:
    for command in ("consensus", "hottest", "leaderboard"):
        reply = await driver.slash(command, debate="tennis players")
        assert reply.ephemeral and "I don't know a debate called 'tennis players'" in reply.content


async def test_buttons_keep_working_after_a_restart(driver: Driver, bot) -> None:
    """Their state is in their custom_id: a new process (no views in memory) answers them."""
    await seed_rocky(bot)
    reply = await driver.slash("consensus")
    bot._connection._view_store._views.clear()  # what a restart forgets
    numbers = await driver.click(reply.message, label="Show the numbers")
    assert numbers.ephemeral and png_of(numbers)[:8] == PNG_MAGIC


@pytest.mark.parametrize("command", ["consensus", "hottest", "leaderboard", "factions"])
async def test_commands_are_server_only(driver: Driver, command: str) -> None:
    reply = await driver.slash(command, guild_id=None, user_id=MEMBER_ID)
    assert reply.ephemeral and "only works in a server" in reply.content


def _components(reply: Reply) -> list[dict[str, Any]]:
    from tests.support.discord_model import walk_components

    return list(walk_components(reply.message["components"]))


def _listed(reply: Reply) -> list[str]:
    return [line for line in reply.text.splitlines() if line.startswith("`")]


# -- Components V2 ------------------------------------------------------------------------


def _layout_kinds(reply: Reply) -> list[int]:
    return [c["type"] for c in reply.message["components"]]


async def test_consensus_is_one_card_text_then_picture_with_the_buttons_below(
    driver: Driver, bot
) -> None:
    await seed_rocky(bot)
    reply = await driver.slash("consensus", public=True)
    assert reply.layout and not reply.content and not reply.embeds
    assert _layout_kinds(reply) == [17, 1]  # a container, then a row of buttons
    [card, row] = reply.message["components"]
    assert [c["type"] for c in card["components"]] == [10, 12]  # the text, then the picture
    assert card["components"][0]["content"].startswith("## Server ranking:")
    [picture] = reply.pictures
    assert picture[:8] == PNG_MAGIC
    assert [c.get("label") for c in row["components"]] == ["Show the numbers", "Vote"]
    # The buttons work on the card, after a restart too.
    bot._connection._view_store._views.clear()
    numbers = await driver.click(reply.message, label="Show the numbers")
    assert numbers.ephemeral and png_of(numbers)[:8] == PNG_MAGIC


async def test_a_private_card_turns_its_page_in_place_keeping_its_picture(
    driver: Driver, bot
) -> None:
    await big_debate(bot, items=120, voters=30)
    reply = await driver.slash("consensus", debate="big")
    assert reply.layout and reply.ephemeral
    [picture] = reply.pictures
    turned = await driver.click(reply.message, label="▶")
    assert turned.type == 7 and turned.layout
    assert "Page 2/" in turned.text and turned.pictures == [picture]
    assert_fits(turned.message)


async def test_a_message_sent_as_an_embed_keeps_being_answered_with_embeds(
    driver: Driver, bot
) -> None:
    # Messages from before cards (and those too long for one) are embeds with the same
    # buttons: a click there answers in kind, never turning the message into a card.
    debate = await big_debate(bot, items=120, voters=30)
    legacy = old_message(bot, "▶", f"rd:cons:{debate.id}:schulze:1", private=True)
    legacy["embeds"] = [{"title": "Server ranking: A very big debate", "description": "old"}]
    bot.fake.messages[int(legacy["id"])] = legacy
    turned = await driver.click(legacy, label="▶")
    assert turned.type == 7 and not turned.layout
    assert "Page 2/" in turned.embeds[0]["footer"]["text"]


async def test_a_member_who_cannot_post_here_gets_public_answers_privately(
    driver, bot, monkeypatch
) -> None:
    import discord

    from tests.support import discord_fake

    muted = discord_fake.MEMBER_PERMISSIONS & ~discord.Permissions(send_messages=True)
    monkeypatch.setattr(discord_fake, "MEMBER_PERMISSIONS", muted)
    for command, options in (
        ("consensus", {"public": True}),
        ("hottest", {"public": True}),
        ("leaderboard", {"public": True}),
        ("debate show", {}),
    ):
        reply = await driver.slash(command, **options)
        assert reply.ephemeral, command
        assert "Only you can see this: you can't send messages in this channel" in reply.text


async def test_a_card_turned_private_says_so_above_it_and_keeps_saying_it_on_page_turns(
    driver: Driver, bot, monkeypatch
) -> None:
    import discord

    from bot.ui import CANNOT_POST_NOTE
    from tests.support import discord_fake

    # A card can carry no content: the note is its first text display, outside the card.
    muted = discord_fake.MEMBER_PERMISSIONS & ~discord.Permissions(send_messages=True)
    monkeypatch.setattr(discord_fake, "MEMBER_PERMISSIONS", muted)
    await big_debate(bot, items=120, voters=30)
    reply = await driver.slash("consensus", debate="big", public=True)
    assert reply.ephemeral and reply.layout and not reply.content
    assert _layout_kinds(reply)[:2] == [10, 17]
    assert reply.message["components"][0]["content"] == CANNOT_POST_NOTE
    assert reply.title.startswith("Server ranking:")
    turned = await driver.click(reply.message, label="▶")
    assert turned.type == 7 and turned.layout and "Page 2/" in turned.text
    assert turned.message["components"][0]["content"] == CANNOT_POST_NOTE
    assert_fits(turned.message)
