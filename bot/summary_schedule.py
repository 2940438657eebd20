"""When scheduled summaries are due: daily or weekly slots at an hour in UTC.

* **Due.** A schedule stores ``next_due``, the next slot. It is due when ``next_due <= now``.
* **After downtime, one post, not the backlog.** When a due slot is taken, ``next_due``
  moves to the first slot *after now*, not after the old slot: three days of downtime
  give one summary on start, then the normal rhythm (see :func:`next_slot`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.errors import UserError
from bot.models import Frequency, Schedule

FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def next_slot(after: datetime, every: Frequency, hour: int, weekday: int | None = None) -> datetime:
    """The first slot strictly after ``after``: today or a later day at ``hour``:00 UTC."""
    after = after.astimezone(UTC)
    slot = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    if every == "weekly":
        if weekday is None:
            raise ValueError("A weekly schedule needs a weekday.")
        slot += timedelta(days=(weekday - slot.weekday()) % 7)
        step = timedelta(days=7)
    else:
        step = timedelta(days=1)
    while slot <= after:
        slot += step
    return slot


def new_schedule(
    *,
    guild_id: int,
    debate_id: int,
    channel_id: int,
    every: Frequency,
    hour: int,
    created_by: int,
    now: datetime,
) -> Schedule:
    """A schedule whose first slot is the next ``hour`` (on its weekday, when weekly)."""
    if every not in FREQUENCIES:
        raise UserError("Summaries can be posted `daily` or `weekly`.")
    if not 0 <= hour <= 23:
        raise UserError("The hour is 0 to 23, in UTC.")
    weekday = None
    if every == "weekly":
        # The weekday of the first such hour from now: "weekly" means "from now on".
        weekday = next_slot(now, "daily", hour).weekday()
    return Schedule(
        guild_id=guild_id,
        debate_id=debate_id,
        channel_id=channel_id,
        every=every,
        hour=hour,
        weekday=weekday,
        next_due=next_slot(now, every, hour, weekday),
        created_by=created_by,
        created_at=now,
    )


def describe_schedule(schedule: Schedule) -> str:
    when = f"{schedule.hour:02d}:00 UTC"
    if schedule.every == "weekly" and schedule.weekday is not None:
        return f"every {WEEKDAYS[schedule.weekday]} at {when}"
    return f"every day at {when}"
