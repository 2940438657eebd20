"""Reminder requests and posts, predictions and a debate's own rules, in SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import DebateRules, DebateSpec, ItemSpec
from bot.storage import BallotRepository, Database, DebateRepository
from bot.storage.debate_rules import DebateRulesRepository
from bot.storage.predictions import PredictionRepository
from bot.storage.reminders import ReminderRepository

HERE = 42
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
SPEC = DebateSpec(
    slug="films", title="Films", question="Which?", author="me",
    items=(ItemSpec("Alien"), ItemSpec("Aliens")),
)  # fmt: skip


async def test_a_reminder_is_claimed_once_and_pings_only_who_asked_and_has_not_ranked(
    db: Database,
) -> None:
    debates, reminders = DebateRepository(db), ReminderRepository(db)
    debate = await debates.create(SPEC, guild_id=HERE, created_by=1)
    deadline = await debates.set_deadline(
        HERE, debate.id, NOW + timedelta(days=2), 555, remind_at=NOW + timedelta(days=1)
    )
    assert await reminders.toggle(HERE, debate.id, 7, NOW) is True
    assert await reminders.toggle(HERE, debate.id, 8, NOW) is True
    assert await reminders.toggle(HERE, debate.id, 9, NOW) is True
    assert await reminders.toggle(HERE, debate.id, 9, NOW) is False, "the same click opts out"
    await BallotRepository(db).save(HERE, debate.id, 8, ((debate.items[0].id,),))
    assert await reminders.waiting(HERE, debate.id) == [7]

    assert await reminders.due(NOW) == []
    assert await debates.next_due() == deadline.remind_at
    [due] = await reminders.due(NOW + timedelta(days=1))
    post = await reminders.claim(due, nonce="rdrabc", now=NOW)
    assert post is not None and post.status == "claimed"
    assert await reminders.claim(due, nonce="rdrdef", now=NOW) is None, "claimed once"
    assert await reminders.due(NOW + timedelta(days=1)) == []
    assert await debates.next_due() == deadline.closes_at
    assert [p.nonce for p in await reminders.unfinished()] == ["rdrabc"]
    await reminders.mark_sent(post.id, NOW)
    assert await reminders.unfinished() == []


async def test_a_prediction_is_replaced_not_added(db: Database) -> None:
    debate = await DebateRepository(db).create(SPEC, guild_id=HERE, created_by=1)
    store = PredictionRepository(db)
    a, b = (i.id for i in debate.items)
    first, replaced = await store.save(HERE, debate.id, 7, ((a,), (b,)), NOW)
    assert not replaced and first.created_at == first.updated_at == NOW
    later = NOW + timedelta(hours=1)
    second, replaced = await store.save(HERE, debate.id, 7, ((b,), (a,)), later)
    assert replaced and second.created_at == NOW and second.updated_at == later
    assert [p.tiers for p in await store.all(HERE, debate.id)] == [((b,), (a,))]


async def test_a_debate_keeps_its_own_rules_whatever_opens_or_closes_it(db: Database) -> None:
    debates, rules = DebateRepository(db), DebateRulesRepository(db)
    debate = await debates.create(SPEC, guild_id=HERE, created_by=1)
    assert await rules.get(HERE, debate.id) == DebateRules()
    await rules.update(HERE, debate.id, results="after-close", min_member_days=3)
    assert await debates.is_open(HERE, debate.id), "setting rules keeps it open"
    await debates.set_open(HERE, debate.id, False)
    await debates.set_deadline(HERE, debate.id, NOW + timedelta(days=1), 5)
    assert await rules.get(HERE, debate.id) == DebateRules("after-close", None, 3)
