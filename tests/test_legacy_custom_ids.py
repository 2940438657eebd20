"""Buttons on messages posted by earlier versions keep working after an upgrade.

Each id below is written out in the exact format the bot has put on messages since the
buttons were introduced; a message carrying it may be clicked at any time, after any
restart. They are spelled out here, not formatted by the bot's own code, so that a change
of format cannot pass unnoticed.
"""

from __future__ import annotations

import time
from typing import Any

from bot.client import RankingBot
from bot.duels import DuelTurn
from bot.models import Debate, DebateSpec, ItemSpec
from bot.render.charts import PNG_MAGIC
from tests.support.discord_fake import CHANNEL_ID, GUILD_ID, MEMBER_ID, Driver, snowflake

PRIVATE = 64


def old_message(bot: RankingBot, label: str, custom_id: str, *, private: bool = False) -> dict:
    """A message from a previous run of the bot with one button (no view in memory for it)."""
    return {
        "id": str(snowflake()), "channel_id": str(CHANNEL_ID),
        "author": bot.fake.bot_user, "content": "", "embeds": [], "attachments": [],  # type: ignore[attr-defined]
        "type": 0, "flags": PRIVATE if private else 0, "tts": False, "mention_everyone": False,
        "mentions": [], "mention_roles": [], "pinned": False, "edited_timestamp": None,
        "timestamp": "2024-01-01T00:00:00+00:00",
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 2, "label": label, "custom_id": custom_id}]}],
    }  # fmt: skip


async def click_old(
    driver: Driver, bot: RankingBot, label: str, custom_id: str, *, private: bool = False
) -> Any:
    message = old_message(bot, label, custom_id, private=private)
    bot.fake.messages[int(message["id"])] = message  # type: ignore[attr-defined]
    return await driver.click(message, label=label)


async def big_debate(bot: RankingBot, voters: int = 3) -> Debate:
    """Long enough for every paged message (author's ranking, ballot, table) to have pages."""
    specs = tuple(ItemSpec(f"Contender {n:03d}", "a reason " * 40) for n in range(40))
    debate = await bot.debate_store.create(
        DebateSpec("big", "A big debate", "Q?", "Me", specs), guild_id=GUILD_ID
    )
    keys = [item.id for item in debate.items]
    for member in range(1, voters + 1):
        order = keys[member:] + keys[:member]
        await bot.voting.submit(GUILD_ID, debate, member, tuple((k,) for k in order), "why")
    await bot.voting.submit(
        GUILD_ID, debate, MEMBER_ID, tuple((k,) for k in keys), "my reason " * 40
    )
    return debate


def footer(reply: Any) -> str:
    """The page's small print: an embed's footer, or a card's last "-# " line."""
    if reply.embeds:
        return reply.embeds[0]["footer"]["text"]
    return [line for line in reply.text.splitlines() if line.startswith("-# ")][-1][3:]


async def test_vote(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    reply = await click_old(driver, bot, "Vote", f"rd:vote:{debate.id}")
    assert reply.ephemeral and "rd:builder:" in " ".join(reply.custom_ids())


async def test_author_ranking_page(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    reply = await click_old(driver, bot, "▶", f"rd:show:{debate.id}:1")
    assert reply.ephemeral and "rd:show:" in " ".join(reply.custom_ids())
    assert "Contender" in reply.text


async def test_ballot_page_edit_and_share(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    ballot = await bot.voting.current(GUILD_ID, debate, MEMBER_ID)
    assert ballot is not None
    paged = await click_old(driver, bot, "▶", f"rd:ballot:page:{debate.id}:1", private=True)
    assert paged.type == 7 and "Your ballot" in paged.text
    edit = await click_old(driver, bot, "Edit", f"rd:ballot:edit:{debate.id}", private=True)
    assert "rd:builder:" in " ".join(edit.custom_ids())
    shared = await click_old(
        driver, bot, "Share", f"rd:ballot:share:{debate.id}:{ballot.id}", private=True
    )
    assert not shared.ephemeral and "Contender" in shared.text


async def test_builder_from_before_a_restart(driver: Driver, bot: RankingBot) -> None:
    reply = await click_old(driver, bot, "Save", "rd:builder:0a1b2c3d:save", private=True)
    assert reply.ephemeral and "builder has closed" in reply.content


async def test_consensus_page(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    reply = await click_old(driver, bot, "Full ranking", f"rd:cons:{debate.id}:schulze:0")
    assert reply.ephemeral and "Show the numbers" in str(reply.message["components"])


async def test_show_the_numbers(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    reply = await click_old(driver, bot, "Show the numbers", f"rd:h2h:{debate.id}:borda:0")
    assert reply.ephemeral and footer(reply).startswith("Page 1/")
    # One measure per image: head to head, and where members place each item.
    charts = reply.message["attachments"]
    assert len(charts) == 2 and all(chart["data"][:8] == PNG_MAGIC for chart in charts)


async def test_a_page_of_the_numbers(driver: Driver, bot: RankingBot) -> None:
    """Under the table, ◀ and ▶ carried the same kind of id as "Show the numbers"."""
    debate = await big_debate(bot)
    reply = await click_old(driver, bot, "▶", f"rd:h2h:{debate.id}:schulze:1", private=True)
    assert reply.ephemeral and footer(reply).startswith("Page 2/")


async def test_leaderboard_page(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    reply = await click_old(driver, bot, "▶", f"rd:lb:{debate.id}:items:copeland:1")
    assert reply.ephemeral and "Contender" in reply.text


async def test_duel(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    offer = await click_old(driver, bot, "Duel", f"rd:duel:open:{debate.id}")
    assert offer.ephemeral and f"rd:duel:start:{debate.id}:" in " ".join(offer.custom_ids())


async def test_duel_offer_start_and_switch(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    switched = await click_old(
        driver, bot, "Switch", f"rd:duel:offer:{debate.id}:fresh", private=True
    )
    assert f"rd:duel:start:{debate.id}:fresh:" in " ".join(switched.custom_ids())
    started = await click_old(
        driver, bot, "Start", f"rd:duel:start:{debate.id}:fresh:3", private=True
    )
    ids = " ".join(started.custom_ids())
    assert ":0:a" in ids and "rd:duel:save:" in ids and "rd:duel:cancel:" in ids


async def test_duel_answer_and_session(driver: Driver, bot: RankingBot) -> None:
    debate = await big_debate(bot)
    turn = await bot.duels.begin(GUILD_ID, debate, MEMBER_ID, goal=3, refine=False)
    assert isinstance(turn, DuelTurn)
    session = turn.session.id
    answered = await click_old(driver, bot, "A", f"rd:duel:{session}:0:a", private=True)
    assert f"rd:duel:{session}:1:" in " ".join(answered.custom_ids())
    cancelled = await click_old(driver, bot, "Cancel", f"rd:duel:cancel:{session}", private=True)
    assert cancelled.custom_ids() == []
    gone = await click_old(driver, bot, "Keep going", f"rd:duel:resume:{session}", private=True)
    assert gone.ephemeral and "This duel has ended" in gone.content


async def test_debate_list_page(driver: Driver, bot: RankingBot) -> None:
    reply = await click_old(driver, bot, "▶", "rd:list:1", private=True)
    assert reply.type == 7 and "Debates" in reply.embeds[0]["title"]


async def test_forget_me_confirm(driver: Driver, bot: RankingBot) -> None:
    """/forget-me's Erase and Cancel: for the member who asked, until the time in the id."""
    debate = await big_debate(bot)
    later = int(time.time()) + 600
    other = await click_old(
        driver, bot, "Erase my data", f"rd:forget:erase:{MEMBER_ID + 1}:{later}", private=True
    )
    assert other.ephemeral and "isn't yours" in other.content
    stale = await click_old(
        driver, bot, "Erase my data", f"rd:forget:erase:{MEMBER_ID}:{int(time.time()) - 1}",
        private=True,
    )  # fmt: skip
    assert stale.type == 7 and "expired" in stale.content and stale.custom_ids() == []
    assert await bot.voting.current(GUILD_ID, debate, MEMBER_ID) is not None
    cancelled = await click_old(
        driver, bot, "Cancel", f"rd:forget:cancel:{MEMBER_ID}:{later}", private=True
    )
    assert cancelled.type == 7 and "nothing erased" in cancelled.content
    erased = await click_old(
        driver, bot, "Erase my data", f"rd:forget:erase:{MEMBER_ID}:{later}", private=True
    )
    assert erased.type == 7 and "Erased your ballots on 1 debate" in erased.content
    assert await bot.voting.current(GUILD_ID, debate, MEMBER_ID) is None
