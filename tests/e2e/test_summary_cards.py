"""Summaries and "Show the numbers" as Components V2 cards, on a 200-item debate.

An admin imports a debate of 200 items with long names in three scripts; twelve members
rank fifteen each in two camps. A posted summary and a scheduled one are each one card
message Discord takes (the emulator refuses more than 4,000 characters of text or 40
components, and content or embeds beside the flag): the ranking's first places with the
Full ranking button, what changed, the factions, the hottest disagreements with the chart
in a media gallery. "Show the numbers" answers with a private card (the table, the two
charts); its ▶ turns the table in place, and the pictures of the edited message are still
the message's own attachments, fetched from the CDN.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.storage import Database, DebateRepository
from bot.storage.summaries import SummaryRepository
from tests.e2e.conftest import StartBot, answered
from tests.e2e.emulator import DiscordEmulator, Guild, Message
from tests.e2e.harness import BotProcess
from tests.e2e.world import png_size
from tests.support.discord_model import V2_MAX_COMPONENTS, V2_MAX_TEXT, message_cards

pytestmark = pytest.mark.e2e

SLUG = "big-cards"
ITEMS = [
    f"{n:03d} · "
    + ("Ёжик в тумане, режиссёрская версия" if n % 3 == 0 else "")
    + ("千と千尋の神隠し 特別版" if n % 3 == 1 else "")
    + ("Amélie — the extended cut with the commentary" if n % 3 == 2 else "")
    for n in range(200)
]
# Two camps ranking different films (7 and 5 members, one of each swapping a pair): clear
# factions, and a ranking of 30 long names too long for the card, so it shows its top.
CAMP_A, CAMP_B = ITEMS[:15], ITEMS[15:30]
ORDERS = [CAMP_A] * 6 + [[*CAMP_A[:3], CAMP_A[4], CAMP_A[3], *CAMP_A[5:]]]
ORDERS += [CAMP_B] * 4 + [[CAMP_B[0], CAMP_B[2], CAMP_B[1], *CAMP_B[3:]]]


def debate_yaml() -> bytes:
    return json.dumps(
        {
            "slug": SLUG,
            "title": "Two hundred films with long names, ranked",
            "question": "Which one is best?",
            "author": "The admin",
            "items": ITEMS,
        },
        ensure_ascii=False,
    ).encode()


@pytest.fixture
async def bot(emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot) -> BotProcess:
    dev_guild.add_members(12 - len(dev_guild.plain_members))
    started = await start_bot(env={"VOTE_COOLDOWN_SECONDS": "0", "VOTE_SAVES_PER_MINUTE": "0"})
    imported = await emulator.command(
        "debate import",
        {"file": emulator.upload("big.yaml", debate_yaml())},
        member=dev_guild.admin,
    )
    assert "Imported" in (await imported.message()).text
    for member, order in zip(dev_guild.plain_members[:12], ORDERS, strict=True):
        handle = await emulator.command(
            "vote", {"debate": SLUG, "order": " > ".join(order)}, member=member
        )
        assert "Saved" in (await handle.message()).text
    return started


def assert_is_the_summary_card(post: Message) -> None:
    """One card Discord takes, with every section and the chart under the disagreements."""
    assert not post.ephemeral and post.layout and not post.embeds and not post.content
    payload = post.payload()
    texts = [c for c in post.walk_components() if c["type"] == 10]
    assert sum(len(c["content"]) for c in texts) <= V2_MAX_TEXT
    assert len(list(post.walk_components())) <= V2_MAX_COMPONENTS
    cards = message_cards(payload)
    titles = [card.title.split(":")[0] for card in cards]
    assert titles == [
        "Server ranking",
        "Since the last summary",
        "Factions",
        "Hottest disagreements",
    ]
    ranking = cards[0].text
    assert f"`   1` **{CAMP_A[0]}**" in ranking, ranking
    assert "The first places of 200 items · Full ranking shows them all" in ranking
    assert "**Faction A" in cards[2].text and "**Faction B" in cards[2].text
    [chart] = post.attachments
    assert cards[3].pictures == [chart.url] and post.pictures == [chart.data]
    size = png_size(chart.data)
    assert size and size[0] >= 400, size
    labels = [b.get("label") for b in post.buttons]
    assert labels == ["Show the numbers", "Full ranking", "Vote"], labels
    assert (post.allowed_mentions or {}).get("parse") == []


async def fetched(url: str) -> bytes:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, f"{url} no longer resolves"
        return await response.read()


async def test_a_posted_summary_is_one_card_and_its_numbers_turn_in_place_with_their_charts(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    posted = await emulator.command("summary post", {"debate": SLUG}, member=dev_guild.admin)
    assert (await posted.message()).ephemeral
    post = await emulator.wait_for_message(
        lambda m: not m.ephemeral and m.layout, channel=dev_guild.general
    )
    assert_is_the_summary_card(post)

    full = await answered(await emulator.click(post, label="Full ranking"))
    assert full.ephemeral and full.layout and "Page 1/" in full.text

    member = dev_guild.plain_members[0]
    numbers = await emulator.click(post, label="Show the numbers", member=member)
    table = await numbers.message()
    assert table.ephemeral and table.layout and not table.embeds
    assert [a.filename for a in table.attachments] == ["head-to-head.png", "places.png"]
    charts = table.pictures
    assert len(charts) == 2 and all(png_size(chart) for chart in charts)
    assert "Page 1/" in table.text and "```" in table.text
    first_rows = table.text.split("```")[1]

    turned = await emulator.click(table, label="▶", member=member)
    edited = await turned.message()
    assert edited.id == table.id and edited.edits >= 1, "turned in place"
    assert "Page 2/" in edited.text and edited.text.split("```")[1] != first_rows
    # The edit named the attachments it keeps, and its gallery still shows them.
    [edit] = [r for r in emulator.requests_to("POST", r"/interactions/.*/callback")
              if r.json and r.json.get("type") == 7]  # fmt: skip
    kept = [str(a["id"]) for a in edit.json["data"]["attachments"]]
    assert kept == [str(a.id) for a in table.attachments]
    assert edited.pictures == charts
    urls = [card.pictures for card in message_cards(edited.payload())]
    assert [url for pictures in urls for url in pictures] == [a.url for a in edited.attachments]
    for attachment, chart in zip(edited.attachments, charts, strict=True):
        assert await fetched(attachment.url) == chart


async def test_a_scheduled_summary_of_the_big_debate_is_one_card(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    summaries = dev_guild.add_channel("summaries")
    scheduled = await emulator.command(
        "summary schedule",
        {"debate": SLUG, "channel": summaries, "every": "daily"},
        member=dev_guild.admin,
    )
    assert "every day" in (await scheduled.message()).text
    assert await bot.stop() == 0
    async with await Database.open(bot.database_path) as db:
        found = await DebateRepository(db).list_for_guild(dev_guild.id)
        debate = next(d for d in found if d.slug == SLUG)
        repo = SummaryRepository(db)
        schedule = await repo.get_schedule(dev_guild.id, debate.id)
        assert schedule is not None
        due = datetime.now(UTC) - timedelta(minutes=5)
        await repo.set_schedule(dataclasses.replace(schedule, next_due=due))

    await bot.start()
    post = await emulator.wait_for_message(channel=summaries, timeout=60)
    assert_is_the_summary_card(post)
    assert "This is the first summary of this debate here." in post.text
