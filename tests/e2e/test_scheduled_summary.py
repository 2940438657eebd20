"""Scenario 5: a scheduled summary fires, posts once with its chart, and never twice.

Slots are on the hour, days apart, and the bot has no clock to turn; what it does have is
a schedule in SQLite whose ``next_due`` it trusts. So, as an admin would, the test
schedules with ``/summary schedule``; then, with the bot stopped, it moves ``next_due``
three days back (through the bot's own repository): downtime that missed three slots.
On start the scheduler's first look posts the summary: once, not the backlog, with its
PNG. Then the bot restarts right after posting, and nothing is posted again.

Proving "nothing again" needs to know the scheduler has looked: another server's summary,
due just now, is the sentinel. Schedules are taken oldest first and unfinished posts are
settled before any, so once the sentinel is out, a duplicate would already be there.

The second test loses Discord's answer to the post and kills the bot before it can record
the post as sent: the restarted bot sends it again with the same nonce, and Discord (here
the emulator, like Discord with ``enforce_nonce``) returns the first message instead of
making a second.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Schedule, SummaryPost
from bot.ranking import MemberBallots, consensus
from bot.storage import Database, DebateRepository
from bot.storage.summaries import SummaryRepository
from tests.e2e.conftest import StartBot
from tests.e2e.emulator import Channel, DiscordEmulator, Guild, Message
from tests.e2e.reading import placed_lines
from tests.e2e.world import png_size
from tests.support.discord_model import message_cards
from tests.support.rocky import BALBOA, II, III, IV, ROCKY_TITLES, V

pytestmark = pytest.mark.e2e

SLUG = "rocky-training-montages"
# Three members' ballots, typed with the films' full names.
VOTES = [
    tuple((title,) for title in ROCKY_TITLES),
    ((II,), (IV,), (BALBOA,)),
    ((V,), (II, III), (IV,)),
]
MISSED = timedelta(days=3)


@pytest.fixture
def summaries(dev_guild: Guild) -> Channel:
    return dev_guild.add_channel("summaries")


@pytest.fixture
def sentinel_guild(emulator: DiscordEmulator) -> Guild:
    """Another server the bot is in, whose summary shows that the scheduler has looked."""
    return emulator.add_guild("Sentinel Stallions")


async def schedule_daily_summary(
    emulator: DiscordEmulator, guild: Guild, channel: Channel
) -> Message:
    for member, tiers in zip(guild.plain_members, VOTES, strict=False):
        order = " > ".join(" = ".join(tier) for tier in tiers)
        await (await emulator.command("vote", {"order": order}, member=member)).message()
    scheduled = await emulator.command(
        "summary schedule", {"channel": channel, "every": "daily"}, member=guild.admin
    )
    reply = await scheduled.message()
    assert reply.ephemeral and "every day" in reply.text and f"<#{channel.id}>" in reply.text
    return reply


# -- the bot's SQLite file, while the bot is stopped ---------------------------------------------


async def debate_id(db: Database) -> int:
    return next(d.id for d in await DebateRepository(db).list_catalog() if d.slug == SLUG)


async def move_due(database: Path | str, guild: Guild, due: datetime) -> Schedule:
    """Set the schedule's next slot to ``due``, as if the bot had been down since then."""
    async with await Database.open(database) as db:
        repo = SummaryRepository(db)
        schedule = await repo.get_schedule(guild.id, await debate_id(db))
        assert schedule is not None, "/summary schedule stored a schedule"
        return await repo.set_schedule(dataclasses.replace(schedule, next_due=due))


async def schedule_sentinel(database: Path, guild: Guild) -> None:
    """A summary due just now in ``guild``'s #general (no command: the guild has none)."""
    now = datetime.now(UTC)
    async with await Database.open(database) as db:
        schedule = Schedule(
            guild_id=guild.id,
            debate_id=await debate_id(db),
            channel_id=guild.general.id,
            every="daily",
            hour=now.hour,
            weekday=None,
            next_due=now - timedelta(seconds=1),
            created_by=guild.owner_id,
            created_at=now,
        )
        await SummaryRepository(db).set_schedule(schedule)


async def stored_posts(database: Path | str, guild: Guild) -> tuple[list[SummaryPost], Schedule]:
    async with await Database.open(database) as db:
        repo = SummaryRepository(db)
        debate = await debate_id(db)
        schedule = await repo.get_schedule(guild.id, debate)
        assert schedule is not None
        return await repo.posts(guild.id, debate), schedule


async def eventually_settled(
    database: Path | str, guild: Guild, within: float = 10.0
) -> list[SummaryPost]:
    """The guild's posts once none is left ``claimed`` (polled while the bot runs: SQLite's
    WAL lets a reader in), or as they are after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    posts, _ = await stored_posts(database, guild)
    while any(p.status == "claimed" for p in posts) and loop.time() < deadline:
        await asyncio.sleep(0.1)
        posts, _ = await stored_posts(database, guild)
    return posts


# -- what a summary must be -------------------------------------------------------------------


def assert_is_the_summary(post: Message) -> None:
    assert not post.ephemeral and post.author.bot
    assert len(post.attachments) == 1, post.attachments
    chart = post.attachments[0]
    size = png_size(chart.data)
    assert chart.filename.endswith(".png") and size, "the chart is a PNG"
    assert size[0] >= 400 and size[1] >= 200, f"a PNG of sensible size, not {size}"
    assert post.layout and not post.embeds and not post.content, "a Components V2 card"
    assert post.pictures == [chart.data], "the card shows the chart"
    cards = message_cards(post.payload())
    assert [card.title.split(":")[0] for card in cards] == [
        "Server ranking",
        "Since the last summary",
        "Hottest disagreements",
    ]
    assert cards[-1].pictures == [chart.url], "the chart, under the disagreements"

    ballots = MemberBallots(ROCKY_TITLES, dict(enumerate(VOTES)))
    expected = consensus(ballots.tally).ranking
    assert [item for _, item, _ in placed_lines(post)] == expected, post.text
    assert f"**{len(VOTES)} voters**" in post.text and "Hottest disagreements" in post.text
    assert "first summary" in post.text, "what changed since the last one: it is the first"
    assert {"Show the numbers", "Vote"} <= {b.get("label") for b in post.buttons}
    assert (post.allowed_mentions or {}).get("parse") == [], "a summary pings nobody"


# -- the scenarios ----------------------------------------------------------------------------


async def test_a_due_summary_posts_once_with_its_chart_and_not_again_after_a_restart(
    emulator: DiscordEmulator,
    dev_guild: Guild,
    summaries: Channel,
    sentinel_guild: Guild,
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    await schedule_daily_summary(emulator, dev_guild, summaries)
    assert emulator.channel_messages(summaries) == [], "nothing is due yet"
    assert await bot.stop() == 0
    missed = await move_due(bot.database_path, dev_guild, datetime.now(UTC) - MISSED)

    await bot.start()
    post = await emulator.wait_for_message(channel=summaries)
    assert_is_the_summary(post)

    # Restart right after posting; the sentinel says when the scheduler has had its look.
    assert await bot.stop() == 0
    await schedule_sentinel(bot.database_path, sentinel_guild)
    await bot.start()
    await emulator.wait_for_message(channel=sentinel_guild.general)
    assert emulator.channel_messages(summaries) == [post], "posted once, not after the restart"
    vote = await emulator.click(post, label="Vote", member=dev_guild.plain_members[5])
    assert (await vote.message()).selects, "the summary's Vote button opens the builder"

    assert await bot.stop() == 0
    posts, schedule = await stored_posts(bot.database_path, dev_guild)
    assert [(p.status, p.message_id, p.slot) for p in posts] == [("sent", post.id, missed.next_due)]
    now = datetime.now(UTC)
    assert now < schedule.next_due <= now + timedelta(days=1), "one post, not 3 missed ones"


async def test_a_scheduled_summary_of_a_closed_debate_is_final_and_offers_no_vote(
    emulator: DiscordEmulator, dev_guild: Guild, summaries: Channel, start_bot: StartBot
) -> None:
    bot = await start_bot()
    await schedule_daily_summary(emulator, dev_guild, summaries)
    closed = await (await emulator.command("debate close", member=dev_guild.admin)).message()
    assert "closed" in closed.text
    assert await bot.stop() == 0
    await move_due(bot.database_path, dev_guild, datetime.now(UTC) - MISSED)

    await bot.start()
    post = await emulator.wait_for_message(channel=summaries)
    assert post.layout and post.title.startswith("Final ranking:"), post.title
    assert "Voting is closed: this order is final." in post.text
    assert "/vote" not in post.text and "Provisional" not in post.text
    labels = [b.get("label") for b in post.buttons]
    assert "Show the numbers" in labels and "Vote" not in labels, labels


async def test_a_post_whose_answer_was_lost_is_not_duplicated_by_the_restart(
    emulator: DiscordEmulator,
    dev_guild: Guild,
    summaries: Channel,
    start_bot: StartBot,
) -> None:
    bot = await start_bot()
    await schedule_daily_summary(emulator, dev_guild, summaries)
    assert await bot.stop() == 0
    await move_due(bot.database_path, dev_guild, datetime.now(UTC) - MISSED)
    channel_posts = rf"/channels/{summaries.id}/messages"

    # Discord creates the message, but the bot dies before it hears back.
    with emulator.withholding_answers("POST", channel_posts) as lost:
        await bot.start()
        post = await emulator.wait_for_message(channel=summaries)
        assert await bot.kill() == -9
    assert len(lost.requests) == 1

    await bot.start()
    resent = await emulator.wait_for(
        lambda: emulator.requests_to("POST", channel_posts)[1:],
        what="the restarted bot to send the unconfirmed summary again",
    )
    first = emulator.requests_to("POST", channel_posts)[0]
    assert resent[0].json["nonce"] == first.json["nonce"], "the same nonce, so Discord dedupes"
    assert emulator.channel_messages(summaries) == [post], "one summary, not two"
    assert_is_the_summary(post)

    # Recorded as sent, with the id of the one message.
    posts = await eventually_settled(bot.database_path, dev_guild)
    assert [(p.status, p.message_id) for p in posts] == [("sent", post.id)]
