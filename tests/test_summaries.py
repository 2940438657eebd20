"""The summary scheduler with a controllable clock: due, missed while down, restarts, crashes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import discord
import pytest

from bot.models import Debate, SummarySnapshot, VoterChanges
from bot.permissions import missing_permissions
from bot.storage.summaries import dump_snapshot, load_snapshot
from bot.summary_changes import changes_since
from bot.summary_poster import RESEND_WINDOW, SummaryPoster
from bot.summary_schedule import next_slot
from bot.ui import summary_card, summary_view
from tests.support.discord_fake import GUILD_ID
from tests.support.discord_model import (
    FLAG_COMPONENTS_V2,
    assert_fits,
    message_cards,
    message_pictures,
)
from tests.support.rocky import ROCKY_TITLES

CHANNEL = 700_000_000_000_000_001
ADMIN = 42
# A Monday, 10:30 UTC.
START = datetime(2024, 6, 3, 10, 30, tzinfo=UTC)


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Crash(BaseException):
    """The process dying: not an Exception, so nothing on the way catches it."""


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
async def debate(bot) -> Debate:
    found = await bot.directory.current(GUILD_ID)
    await vote(bot, found, 1, ROCKY_TITLES)
    await vote(bot, found, 2, ROCKY_TITLES[1:] + ROCKY_TITLES[:1])
    await vote(bot, found, 3, ROCKY_TITLES)
    return found


async def vote(bot, debate: Debate, member: int, names: Sequence[str]) -> None:
    by_name = {item.name: item.id for item in debate.items}
    await bot.voting.submit(GUILD_ID, debate, member, tuple((by_name[n],) for n in names))


def posted(bot) -> list[dict]:
    """Summaries the bot sent to the summary channel, oldest first."""
    return [m for m in bot.fake.messages.values() if m["channel_id"] == str(CHANNEL)]


def sent_nonces(bot) -> list[str]:
    return [
        call.payload["nonce"]
        for call in bot.fake.calls
        if call.method == "POST" and call.path == f"/channels/{CHANNEL}/messages"
    ]


# -- when is a summary due ------------------------------------------------------------------


def test_daily_slots_are_the_next_such_hour_strictly_after() -> None:
    assert next_slot(START, "daily", 12) == START.replace(hour=12, minute=0)
    assert next_slot(START, "daily", 9) == datetime(2024, 6, 4, 9, tzinfo=UTC)
    at_slot = datetime(2024, 6, 3, 12, tzinfo=UTC)
    assert next_slot(at_slot, "daily", 12) == datetime(2024, 6, 4, 12, tzinfo=UTC)


def test_weekly_slots_fall_on_their_weekday() -> None:
    # Wednesday is 2; START is a Monday.
    assert next_slot(START, "weekly", 8, weekday=2) == datetime(2024, 6, 5, 8, tzinfo=UTC)
    assert next_slot(START, "weekly", 8, weekday=0) == datetime(2024, 6, 10, 8, tzinfo=UTC)
    assert next_slot(START, "weekly", 11, weekday=0) == datetime(2024, 6, 3, 11, tzinfo=UTC)
    with pytest.raises(ValueError):
        next_slot(START, "weekly", 8)


def test_next_slot_accepts_other_time_zones() -> None:
    paris = START.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert next_slot(paris, "daily", 12) == START.replace(hour=12, minute=0)


def test_changes_since_the_last_snapshot() -> None:
    before = SummarySnapshot("schulze", 4, 10, {1: 1, 2: 2, 3: 3})
    now = SummarySnapshot("schulze", 6, 15, {1: 2, 2: 1, 3: 3, 4: 4})
    changes = changes_since(before, now, VoterChanges(new=2, changed=1))
    assert (changes.first, changes.voters_before, changes.voters_now) == (False, 4, 6)
    assert (changes.new_voters, changes.changed_ballots, changes.method_changed) == (2, 1, False)
    moved = {m.item: (m.before, m.now) for m in changes.moved}
    assert moved == {1: (1, 2), 2: (2, 1), 4: (None, 4)}
    assert changes_since(None, now, None).first


def test_snapshots_survive_json() -> None:
    snapshot = SummarySnapshot("borda", 3, 99, {5: 1, 6: 1, 7: 3})
    assert load_snapshot(dump_snapshot(snapshot)) == snapshot


def test_missing_permissions_are_named_as_discord_names_them() -> None:
    have = discord.Permissions(view_channel=True, send_messages=True)
    assert missing_permissions(have) == ["Embed Links", "Attach Files"]
    assert missing_permissions(discord.Permissions.all()) == []


# -- the scheduler --------------------------------------------------------------------------


async def schedule_daily(bot, debate: Debate, clock: Clock, hour: int = 12) -> SummaryPoster:
    service = SummaryPoster(bot, buttons=summary_view, card=summary_card, clock=clock)
    await service.schedule(GUILD_ID, debate, CHANNEL, "daily", hour, ADMIN)
    return service


async def test_nothing_is_posted_before_the_slot_and_one_summary_at_it(bot, debate, clock) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = START.replace(hour=11, minute=59)
    assert await service.run_due() == []
    assert posted(bot) == []
    clock.now = START.replace(hour=12, minute=0, second=20)
    [post] = await service.run_due()
    [message] = posted(bot)
    cards = message_cards(message)
    assert [card.title.split(":")[0] for card in cards] == [
        "Server ranking",
        "Since the last summary",
        "Hottest disagreements",
    ]
    assert message["flags"] & FLAG_COMPONENTS_V2 and not message["embeds"]
    assert message["attachments"][0]["filename"] == "summary.png"
    [chart] = message_pictures(message)
    assert chart[:4] == b"\x89PNG"
    assert cards[2].pictures == [message["attachments"][0]["url"]]  # under the disagreements
    assert "first summary" in cards[1].text
    assert sent_nonces(bot) == [post.nonce]
    stored = await bot.summary_store.get_post(post.id)
    assert stored.status == "sent" and stored.message_id == int(message["id"])
    schedule = await bot.summary_store.get_schedule(GUILD_ID, debate.id)
    assert schedule.next_due == datetime(2024, 6, 4, 12, tzinfo=UTC)
    # The same minute again, and later that day: nothing more.
    assert await service.run_due() == []
    clock.now = START.replace(hour=23)
    assert await service.run_due() == []
    assert len(posted(bot)) == 1


async def test_after_days_down_it_posts_once_not_the_backlog(bot, debate, clock) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = datetime(2024, 6, 6, 15, 10, tzinfo=UTC)  # three missed slots
    restarted = SummaryPoster(bot, buttons=summary_view, card=summary_card, clock=clock)
    assert await restarted.recover() == []
    assert len(await restarted.run_due()) == 1
    assert await restarted.run_due() == []
    assert len(posted(bot)) == 1
    # Back in rhythm: the next slot after now, not after the missed one.
    schedule = await bot.summary_store.get_schedule(GUILD_ID, debate.id)
    assert schedule.next_due == datetime(2024, 6, 7, 12, tzinfo=UTC)
    del service


async def test_a_restart_right_after_posting_posts_nothing(bot, debate, clock) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = START.replace(hour=12, second=1)
    await service.run_due()
    clock.advance(seconds=2)
    restarted = SummaryPoster(bot, buttons=summary_view, card=summary_card, clock=clock)
    assert await restarted.recover() == []
    assert await restarted.run_due() == []
    assert len(posted(bot)) == 1


async def test_a_crash_between_recording_and_sending_resends_once_with_the_same_nonce(
    bot, debate, clock, monkeypatch
) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = START.replace(hour=12, second=1)

    async def die(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(service, "_send", die)
    with pytest.raises(Crash):
        await service.run_due()
    [claimed] = await bot.summary_store.unfinished()
    assert posted(bot) == []
    # Restarted 20 seconds later: the claimed post goes out, with its nonce, so that Discord
    # returns the existing message if the first attempt had reached it.
    clock.advance(seconds=20)
    restarted = SummaryPoster(bot, buttons=summary_view, card=summary_card, clock=clock)
    assert [p.id for p in await restarted.recover()] == [claimed.id]
    assert sent_nonces(bot) == [claimed.nonce]
    assert (await bot.summary_store.get_post(claimed.id)).status == "sent"
    assert await restarted.run_due() == []  # the slot itself is not posted again
    assert len(posted(bot)) == 1


async def test_a_crash_long_ago_is_abandoned_rather_than_risk_a_duplicate(
    bot, debate, clock, monkeypatch
) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = START.replace(hour=12, second=1)

    async def die(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(service, "_send", die)
    with pytest.raises(Crash):
        await service.run_due()
    clock.advance(seconds=RESEND_WINDOW.total_seconds() + 1)
    restarted = SummaryPoster(bot, buttons=summary_view, card=summary_card, clock=clock)
    assert await restarted.recover() == []
    [post] = await bot.summary_store.posts(GUILD_ID, debate.id)
    assert post.status == "abandoned"
    assert await restarted.run_due() == []
    assert posted(bot) == []
    # The next slot comes as scheduled.
    clock.now = datetime(2024, 6, 4, 12, tzinfo=UTC)
    assert len(await restarted.run_due()) == 1


async def test_each_summary_says_what_changed_since_the_last(bot, debate, clock) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = START.replace(hour=12)
    await service.run_due()
    for member in (4, 5, 6):
        await vote(bot, debate, member, list(reversed(ROCKY_TITLES)))
    await vote(bot, debate, 1, ROCKY_TITLES[::-1])  # changed their mind
    clock.now = datetime(2024, 6, 4, 12, tzinfo=UTC)
    await service.run_due()
    second = message_cards(posted(bot)[-1])[1].text
    assert "\n3 new voters (3 → 6), 1 member changed their ranking.\n" in second
    assert "▲" in second and "▼" in second


async def test_a_failed_send_is_recorded_and_not_retried_every_minute(
    bot, debate, clock, monkeypatch
) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = START.replace(hour=12)

    async def forbidden(self, *args, **kwargs):
        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"), "Missing Access")

    monkeypatch.setattr(discord.PartialMessageable, "send", forbidden)
    assert await service.run_due() == []
    [post] = await bot.summary_store.posts(GUILD_ID, debate.id)
    assert post.status == "failed" and "Missing Access" in post.error
    clock.advance(minutes=1)
    assert await service.run_due() == []
    assert len(await bot.summary_store.posts(GUILD_ID, debate.id)) == 1


async def test_stopping_and_rescheduling(bot, debate, clock) -> None:
    service = await schedule_daily(bot, debate, clock)
    weekly = await service.schedule(GUILD_ID, debate, CHANNEL, "weekly", 9, ADMIN)
    assert weekly.weekday == 1  # the first 09:00 from Monday 10:30 is on Tuesday
    assert weekly.next_due == datetime(2024, 6, 4, 9, tzinfo=UTC)
    assert len(await bot.summary_store.schedules_for_guild(GUILD_ID)) == 1
    assert await service.stop(GUILD_ID, debate) is not None
    assert await service.stop(GUILD_ID, debate) is None
    clock.advance(days=8)
    assert await service.run_due() == []


async def test_a_slot_is_claimed_once_even_if_two_loops_race(bot, debate, clock) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = START.replace(hour=12)
    [schedule] = await bot.summary_store.due(clock.now)
    snapshot = SummarySnapshot("schulze", 3, 1, {})
    first = await bot.summary_store.claim_slot(
        schedule,
        next_due=clock.now + timedelta(days=1),
        snapshot=snapshot,
        nonce="a",
        now=clock.now,
    )
    second = await bot.summary_store.claim_slot(
        schedule,
        next_due=clock.now + timedelta(days=1),
        snapshot=snapshot,
        nonce="b",
        now=clock.now,
    )
    assert first is not None and second is None
    del service


async def test_a_summary_gains_a_factions_section_once_there_are_clear_factions(
    bot, debate, clock
) -> None:
    service = await schedule_daily(bot, debate, clock)
    clock.now = START.replace(hour=12)
    await service.run_due()
    titles = [card.title for card in message_cards(posted(bot)[-1])]
    assert "Factions" not in titles  # three voters: too few for factions
    for member in range(10, 16):
        await vote(bot, debate, member, list(ROCKY_TITLES))
    for member in range(20, 26):
        await vote(bot, debate, member, list(reversed(ROCKY_TITLES)))
    clock.now = datetime(2024, 6, 4, 12, tzinfo=UTC)
    await service.run_due()
    message = posted(bot)[-1]
    assert_fits(message)
    cards = message_cards(message)
    [section] = [card for card in cards if card.title == "Factions"]
    assert "**Faction A — team Rocky IV** (" in section.text
    assert "**Faction B — team Rocky V** (" in section.text
    assert "<@" not in section.text  # a summary names no member here
    assert cards[-1].title.startswith("Hottest") and cards[-1].pictures  # the chart stays last
    assert len(message_pictures(message)) == 1
