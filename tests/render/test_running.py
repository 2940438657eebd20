"""The reminder's messages: one line for everyone, mentions split within Discord's limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.models import Debate, Item
from bot.render.running import reminder_messages
from bot.render.text import MESSAGE_CONTENT

DEBATE = Debate(1, "films", "Films *of* all time", "Which?", "me", (Item(1, "Alien"),))
CLOSES = datetime(2026, 12, 1, tzinfo=UTC)


def test_with_nobody_waiting_the_reminder_is_one_line_that_pings_nobody() -> None:
    [(text, users)] = reminder_messages(DEBATE, CLOSES, 4, [])
    assert users == [] and "<@" not in text
    assert "closes <t:1796083200:R>, 4 members have ranked so far" in text
    assert r"Films \*of\* all time" in text, "the title is user text: its markdown is escaped"


def test_many_waiting_members_are_split_and_each_is_pinged_exactly_once() -> None:
    waiting = [10**17 + n for n in range(250)]
    parts = reminder_messages(DEBATE, CLOSES, 1, waiting)
    assert len(parts) > 1
    pinged = [user for _, users in parts for user in users]
    assert pinged == waiting
    for text, users in parts:
        assert len(text) <= MESSAGE_CONTENT and len(users) <= 100  # Discord's limits
        assert [int(u) for u in re.findall(r"<@(\d+)>", text)] == users
    assert "1 member has ranked so far" in parts[0][0]
    assert all("ranked so far" not in text for text, _ in parts[1:]), "the line comes once"
