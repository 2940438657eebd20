"""Deadlines: a debate opened with `closes` closes by itself and reveals its results, once.

The first test is the downtime case without a real wait: the deadline is set a week out by
command, then, with the bot stopped, moved into the past through the bot's own store (the
bot was down at the deadline). The next start closes the debate and posts the reveal in the
channel where it was opened; a second restart posts nothing more.

The second test is the real thing with a deadline 20 seconds away: the bot's own loop closes
it while it runs, and a ballot after the deadline is refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Deadline
from bot.storage import Database, DebateRepository
from bot.storage.summaries import SummaryRepository
from tests.e2e.conftest import StartBot
from tests.e2e.emulator import Channel, DiscordEmulator, Guild, Message

pytestmark = pytest.mark.e2e

SLUG = "rocky-training-montages"
TIMESTAMP = re.compile(r"<t:(\d+):R>")


async def open_with_deadline(
    emulator: DiscordEmulator, guild: Guild, channel: Channel, closes: str
) -> Message:
    opened = await emulator.command(
        "debate open", {"closes": closes}, member=guild.admin, channel=channel
    )
    reply = await opened.message()
    assert not reply.ephemeral and "closes <t:" in reply.text, reply.text
    return reply


async def vote(emulator: DiscordEmulator, guild: Guild, n: int) -> str:
    order = "IV > II > III > Rocky > Balboa > V" if n % 2 else "II > IV > Balboa"
    return (
        await (
            await emulator.command("vote", {"order": order}, member=guild.plain_members[n])
        ).message()
    ).text


def is_reveal(message: Message) -> bool:
    return "has closed. The results:" in message.text


async def stored(database: Path, guild: Guild) -> tuple[Deadline | None, list[str], bool]:
    async with await Database.open(database) as db:
        debates = DebateRepository(db)
        debate_id = next(d.id for d in await debates.list_catalog() if d.slug == SLUG)
        posts = await SummaryRepository(db).posts(guild.id, debate_id)
        return (
            await debates.deadline(guild.id, debate_id),
            [f"{p.kind}:{p.status}" for p in posts],
            await debates.is_open(guild.id, debate_id),
        )


async def move_deadline(database: Path, deadline: Deadline, closes_at: datetime) -> None:
    async with await Database.open(database) as db:
        await DebateRepository(db).set_deadline(
            deadline.guild_id, deadline.debate_id, closes_at, deadline.announce_channel_id
        )


async def test_a_deadline_passed_while_the_bot_was_down_closes_and_reveals_once(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    announce = dev_guild.add_channel("announcements")
    bot = await start_bot()
    reply = await open_with_deadline(emulator, dev_guild, announce, "1w")
    shown = int(TIMESTAMP.search(reply.text)[1])  # type: ignore[index]
    assert abs(shown - (datetime.now(UTC) + timedelta(weeks=1)).timestamp()) < 60
    show = await (await emulator.command("debate show")).message()
    assert f"<t:{shown}:R>" in show.text, "the deadline shows in /debate show"
    listing = await (await emulator.command("debate list")).message()
    assert f"closes <t:{shown}:R>" in listing.text
    for n in range(3):
        assert "Saved" in await vote(emulator, dev_guild, n)
    assert await bot.stop() == 0

    deadline, posts, is_open = await stored(bot.database_path, dev_guild)
    assert deadline is not None and is_open and posts == []
    assert deadline.announce_channel_id == announce.id
    await move_deadline(bot.database_path, deadline, datetime.now(UTC) - timedelta(hours=5))

    await bot.start()
    reveal = await emulator.wait_for_message(is_reveal, channel=announce)
    assert "3 voters" in reveal.text and "Hottest disagreements" in reveal.text
    assert len(reveal.attachments) == 1, "the reveal carries the chart"
    # Closed: the reveal says its order is final and offers no Vote.
    assert reveal.layout and reveal.title.startswith("Final ranking:"), reveal.title
    assert reveal.note.startswith("Voting on **") and reveal.pictures, "a card with the chart"
    assert "Voting is closed: this order is final." in reveal.text
    assert "Vote" not in [b.get("label") for b in reveal.buttons]
    refused = await vote(emulator, dev_guild, 4)
    assert "is closed" in refused, refused

    # Restart after the reveal: the deadline is spent, nothing is posted again.
    assert await bot.stop() == 0
    assert await stored(bot.database_path, dev_guild) == (None, ["reveal:sent"], False)
    await bot.start()
    await (await emulator.command("debate list")).message()  # the bot is up and answering
    assert [m for m in emulator.channel_messages(announce) if is_reveal(m)] == [reveal]
    assert await bot.stop() == 0
    assert (await stored(bot.database_path, dev_guild))[1] == ["reveal:sent"]


async def test_a_real_deadline_closes_the_debate_while_the_bot_runs(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    await start_bot()
    await open_with_deadline(emulator, dev_guild, dev_guild.general, "20s")
    assert "Saved" in await vote(emulator, dev_guild, 0)
    assert "Saved" in await vote(emulator, dev_guild, 1)
    # 20 s to the deadline, and the loop looks every 5 s.
    reveal = await emulator.wait_for_message(is_reveal, channel=dev_guild.general, timeout=40)
    assert "2 voters" in reveal.text
    assert "is closed" in await vote(emulator, dev_guild, 2)
