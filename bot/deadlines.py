"""Reading a deadline as admins type it: an ISO date-time, a Discord timestamp, or a duration.

Pure: no Discord, no SQL. Every form is bounded before any work (a few dozen characters),
and the answer is an aware UTC datetime strictly after ``now``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# A deadline further out than this is almost certainly a typo (a year where a day was meant).
MAX_AHEAD = timedelta(days=366)
MAX_TEXT = 40
# The reminder comes this long before the deadline, or halfway when less time is left.
REMINDER_LEAD = timedelta(hours=24)

_DURATION = re.compile(r"(?P<count>[0-9]{1,7})\s*(?P<unit>s|m|h|d|w)", re.IGNORECASE)
_DISCORD_TIMESTAMP = re.compile(r"<t:(?P<seconds>-?[0-9]{1,12})(?::[tTdDfFR])?>")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

HOW = (
    "Give a time like `2h`, `30m`, `3d`, `1w` or `90s` from now, a date-time like "
    "`2026-12-31 18:00` (UTC unless it names an offset, e.g. `+01:00`), or a Discord "
    "timestamp like `<t:1767225600>`."
)


class BadDeadline(ValueError):
    """The text is not a deadline; the message says why and how to write one."""


def parse_deadline(text: str, now: datetime) -> datetime:
    """The moment ``text`` names, after ``now`` and within :data:`MAX_AHEAD`."""
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise BadDeadline(f"I can't read that as a time. {HOW}")
    moment = _read(text, now)
    if moment <= now:
        raise BadDeadline(
            f"That time ({discord_timestamp(moment, 'f')}) has passed. Give one in the future."
        )
    if moment - now > MAX_AHEAD:
        raise BadDeadline("That is more than a year away; give a deadline within a year.")
    return moment


def _read(text: str, now: datetime) -> datetime:
    if match := _DURATION.fullmatch(text):
        amount = int(match["count"])
        return now + timedelta(**{_UNITS[match["unit"].lower()]: amount})
    if match := _DISCORD_TIMESTAMP.fullmatch(text):
        try:
            return datetime.fromtimestamp(int(match["seconds"]), UTC)
        except (OverflowError, OSError, ValueError):
            raise BadDeadline(f"That timestamp is out of range. {HOW}") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadDeadline(f"I can't read `{_shown(text)}` as a time. {HOW}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def reminder_time(closes_at: datetime, now: datetime) -> datetime:
    """When to remind of a deadline set at ``now``: 24 h before it, or halfway there."""
    return closes_at - min(REMINDER_LEAD, (closes_at - now) / 2)


def discord_timestamp(moment: datetime, style: str = "R") -> str:
    """``<t:…:R>``: Discord shows it in each reader's own time zone and language."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def _shown(text: str) -> str:
    # User text inside inline code: a backtick would end the code span early.
    return text.replace("`", "'")
