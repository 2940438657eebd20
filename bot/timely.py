"""Answering an interaction in one step when the work is quick, deferring only when not.

Discord wants a first answer within 3 seconds. Deferring at once is safe but costs a second
request (the "thinking…" acknowledgement, then the answer): under a burst of votes those
requests were half of the bot's traffic. :class:`TimelyAnswer` sends the answer itself as
the first response when it is ready in time, and defers only when the interaction gets
close to the limit without one.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Self

import discord

# How old an interaction may get (from when the member sent it) before we defer: a second
# before Discord's 3 s, for the request's trip and a loaded event loop. Not sooner: in a
# burst every deferral is a second request (the "thinking…", then the answer), and at
# 1.5 s a bot just behind deferred half the burst, fell further behind doing so, and
# answered 1,000 votes at 0.45x a bare bot's pace instead of 0.8x (bench/burst.py).
DEFER_AT_AGE_SECONDS = 2.0
# Discord's window for the first answer. An interaction older than this when the timer
# fires is refused by Discord whichever way it is answered: a deferral would only add a
# request, at the moment the bot is furthest behind (a burst queued up in front of it).
ANSWER_WINDOW_SECONDS = 3.0
# An interaction that reaches us already older than DEFER_AT_AGE_SECONDS (the bot is behind
# a burst) is given this long for its answer, up to LATEST_DEFER_AGE_SECONDS of age, before
# we defer: its answer is usually a group commit away, and deferring every one of them
# doubled the requests of a bot that was behind already.
LATE_GRACE_SECONDS = 0.5
LATEST_DEFER_AGE_SECONDS = 2.5
# The same bound for an answer that is being prepared (:meth:`TimelyAnswer.preparing`): the
# wait in line is over (its ballot's transaction has begun), and what is left is a commit
# and this process's own work on the event loop, which a deferral would not hasten (its
# request waits for the same loop) but would add to. A bot behind a burst deferred 150-250
# of 1,000 votes that way (a whole group commit of 250 straddling the 2 s mark on
# PostgreSQL), each answered a moment later, and fell further behind doing so
# (bench/burst.py). One still unanswered at this age (a stalled database) is deferred.


class ClockOffset:
    """How far this host's clock runs ahead of Discord's (negative: behind).

    An interaction's age is Discord's timestamp against our clock, so a host whose clock is
    off by seconds (no NTP, a drifting VM) would defer too late, or take every interaction
    for one past Discord's window. The youngest arrival of the last few minutes is our
    estimate: some member's interaction reaches us within network time. Used only in the
    safe direction: to defer sooner, and to skip fewer deferrals.
    """

    BUCKET_SECONDS = 60.0
    BUCKETS = 10

    def __init__(self) -> None:
        self._minima: deque[tuple[int, float]] = deque(maxlen=self.BUCKETS)

    def observe(self, arrival_age: float, now: float | None = None) -> None:
        bucket = int((time.monotonic() if now is None else now) // self.BUCKET_SECONDS)
        if self._minima and self._minima[-1][0] == bucket:
            self._minima[-1] = (bucket, min(self._minima[-1][1], arrival_age))
        else:
            self._minima.append((bucket, arrival_age))

    def seconds(self, now: float | None = None) -> float:
        bucket = int((time.monotonic() if now is None else now) // self.BUCKET_SECONDS)
        recent = [age for at, age in self._minima if at > bucket - self.BUCKETS]
        return min(recent, default=0.0)


CLOCK = ClockOffset()


def age_of(interaction: discord.Interaction[Any]) -> float:
    """Seconds since the member sent it, by this host's clock."""
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


def observe_arrival(interaction: discord.Interaction[Any]) -> None:
    """Every interaction, as it arrives: the samples :class:`ClockOffset` learns from."""
    CLOCK.observe(age_of(interaction))


class TimelyAnswer:
    """``async with TimelyAnswer(interaction) as answer: ... await answer.send(...)``.

    Within the block a timer defers (ephemerally, "thinking…") once the interaction is
    :data:`DEFER_AT_AGE_SECONDS` old (unless it is past Discord's window already);
    :meth:`send` answers directly if that has not happened, else as the deferred answer. An
    exception leaving the block finds the interaction either unanswered or deferred, as the
    shared error path expects.
    """

    def __init__(
        self,
        interaction: discord.Interaction[Any],
        *,
        ephemeral: bool = True,
        defer_at_age: float | None = None,
    ) -> None:
        self.interaction = interaction
        self.ephemeral = ephemeral
        self.defer_at_age = DEFER_AT_AGE_SECONDS if defer_at_age is None else defer_at_age
        # A plain timer, not a task: nearly every answer is sent before it fires, and under
        # a burst a task per vote, cancelled a moment later, was work for nothing.
        self._timer: asyncio.TimerHandle | None = None
        self._deferring: asyncio.Task[Any] | None = None
        self._preparing = False

    async def __aenter__(self) -> Self:
        observe_arrival(self.interaction)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._seconds_to_deferral(), self._defer)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._stop_timer()
        # A deferral under way finishes first: the error path then finds it deferred.
        if self._deferring is not None:
            await self._deferring

    @property
    def age(self) -> float:
        return age_of(self.interaction)

    def _age_to_defer_by(self) -> float:
        """The age, corrected for a clock behind Discord's (older, so we defer sooner)."""
        return self.age - min(CLOCK.seconds(), 0.0)

    def _past_the_window(self) -> bool:
        """Whether Discord would refuse any answer now, corrected for a clock ahead of
        Discord's (younger, so we never skip a deferral because our clock is fast)."""
        return self.age - max(CLOCK.seconds(), 0.0) >= ANSWER_WINDOW_SECONDS

    def _seconds_to_deferral(self) -> float:
        age = self._age_to_defer_by()
        defer_at = self.defer_at_age
        if age >= defer_at:
            defer_at = max(defer_at, min(age + LATE_GRACE_SECONDS, LATEST_DEFER_AGE_SECONDS))
        return max(0.0, defer_at - age)

    def preparing(self) -> None:
        """The wait in line is over (the ballot's transaction has begun): only its commit,
        rendering and sending are left, so the deferral may wait until
        :data:`LATEST_DEFER_AGE_SECONDS` of age."""
        self._preparing = True

    def _defer(self) -> None:
        self._timer = None
        later = LATEST_DEFER_AGE_SECONDS - self._age_to_defer_by()
        if self._preparing and later > 0:
            self._timer = asyncio.get_running_loop().call_later(later, self._defer)
            return
        if not self.interaction.response.is_done() and not self._past_the_window():
            self._deferring = asyncio.create_task(
                self.interaction.response.defer(ephemeral=self.ephemeral, thinking=True),
                name="timely-defer",
            )

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def send(self, **kwargs: Any) -> None:
        """The answer (``embed=``, ``view=``, ``content=`` … as for ``send_message``)."""
        # Deferring and answering never overlap: once the answer starts, no deferral does;
        # one already under way is finished first and the answer follows it.
        self._stop_timer()
        if self._deferring is not None:
            await self._deferring
        if self.interaction.response.is_done():
            await self.interaction.followup.send(ephemeral=self.ephemeral, **kwargs)
        else:
            await self.interaction.response.send_message(ephemeral=self.ephemeral, **kwargs)
