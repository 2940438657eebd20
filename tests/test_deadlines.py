"""Reading deadlines: durations, Discord timestamps and ISO date-times; nothing in the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.deadlines import MAX_AHEAD, BadDeadline, discord_timestamp, parse_deadline

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "after"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_a_duration_counts_from_now(text: str, after: timedelta) -> None:
    assert parse_deadline(text, NOW) == NOW + after


def test_a_discord_timestamp_with_or_without_a_style_is_that_moment() -> None:
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_deadline("<t:1798761600>", NOW) == moment
    assert parse_deadline("<t:1798761600:R>", NOW) == moment


def test_an_iso_time_is_utc_unless_it_names_an_offset() -> None:
    assert parse_deadline("2026-12-31 18:00", NOW) == datetime(2026, 12, 31, 18, tzinfo=UTC)
    assert parse_deadline("2026-12-31T18:00+01:00", NOW) == datetime(2026, 12, 31, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("tomorrow", "can't read"),
        ("", "can't read"),
        ("9" * 60, "can't read"),
        ("2020-01-01", "has passed"),
        ("0s", "has passed"),
        ("<t:99999999999>", "more than a year"),
        ("400d", "more than a year"),
    ],
)
def test_what_is_not_a_future_deadline_is_refused_with_how_to_write_one(
    text: str, says: str
) -> None:
    with pytest.raises(BadDeadline, match=says):
        parse_deadline(text, NOW)


@given(st.text(max_size=60))
def test_any_text_is_a_future_deadline_within_a_year_or_a_bad_deadline(text: str) -> None:
    try:
        moment = parse_deadline(text, NOW)
    except BadDeadline as exc:
        assert str(exc)
    else:
        assert NOW < moment <= NOW + MAX_AHEAD and moment.tzinfo is not None


def test_a_timestamp_is_shown_relative_for_every_reader() -> None:
    assert discord_timestamp(datetime(2027, 1, 1, tzinfo=UTC)) == "<t:1798761600:R>"
