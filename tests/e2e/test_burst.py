"""Scenario 7: a burst of 200 concurrent interactions, each acknowledged within 3 seconds.

The emulator injects all 200 at once and records, for each, the time from injection to the
bot's first answer; Discord refuses answers later than 3 s, and so does the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import statistics
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from tests.e2e.emulator import ACK_DEADLINE, DiscordEmulator, Guild, InteractionHandle, Member
from tests.e2e.harness import BotProcess

pytestmark = pytest.mark.e2e

BURST = 200


async def burst(
    emulator: DiscordEmulator,
    guild: Guild,
    name: str,
    options: Callable[[Member], Mapping[str, Any]],
) -> tuple[list[InteractionHandle], list[float]]:
    """``BURST`` new members each run ``/name`` at the same moment; handles and latencies."""
    members = guild.add_members(BURST, prefix="burst")
    handles = await asyncio.gather(
        *(emulator.command(name, options(m), guild=guild, member=m) for m in members)
    )
    latencies = await emulator.wait_for_answers(handles, timeout=60)
    return handles, latencies


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"n={len(ordered)} median={statistics.median(ordered):.3f}s p95={p95:.3f}s "
        f"max={ordered[-1]:.3f}s"
    )


async def test_200_concurrent_debate_shows_are_each_acknowledged_within_3_seconds(
    emulator: DiscordEmulator,
    dev_guild: Guild,
    bot: BotProcess,
    record_property: Callable[[str, object], None],
) -> None:
    handles, latencies = await burst(emulator, dev_guild, "debate show", lambda m: {})
    record_property("acknowledgements", summary(latencies))

    late = [t for t in latencies if t > ACK_DEADLINE]
    assert not late, f"{len(late)} of {BURST} answered after 3 s: {summary(latencies)}"
    messages = await asyncio.gather(*(h.message() for h in handles))
    assert len({m.id for m in messages}) == BURST


async def test_200_concurrent_votes_are_acknowledged_and_stored(
    emulator: DiscordEmulator,
    dev_guild: Guild,
    bot: BotProcess,
    record_property: Callable[[str, object], None],
) -> None:
    handles, latencies = await burst(emulator, dev_guild, "vote", lambda m: {"order": "IV > II"})
    record_property("acknowledgements", summary(latencies))

    late = [t for t in latencies if t > ACK_DEADLINE]
    assert not late, f"{len(late)} of {BURST} answered after 3 s: {summary(latencies)}"
    replies = await asyncio.gather(*(h.message() for h in handles))
    assert all(reply.ephemeral for reply in replies)
    listing = await (await emulator.command("debate list")).message()
    assert f"{BURST} members" in listing.text, listing.text


async def test_every_saved_answer_survives_a_crash_in_the_middle_of_a_burst(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot
) -> None:
    bot = await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0"})
    # Fewer than BURST: what is tested is durability, not how late a loaded machine answers.
    members = dev_guild.add_members(60, prefix="crash")
    handles = await asyncio.gather(
        *(
            emulator.command("vote", {"order": "IV > II"}, guild=dev_guild, member=m)
            for m in members
        )
    )

    def saved() -> list[InteractionHandle]:
        return [h for h in handles if any("Saved" in m.text for m in h.messages if not m.loading)]

    # Killed while votes are still being saved: some members were told, others not yet.
    await emulator.wait_for(lambda: len(saved()) >= 10, timeout=60, what="10 saved answers")
    await bot.kill()
    told = {h.member.id for h in saved() if h.member is not None}
    assert told

    with contextlib.closing(sqlite3.connect(bot.database_path)) as conn:
        stored = {row[0] for row in conn.execute("SELECT member_id FROM current_ballots")}
    assert told <= stored
