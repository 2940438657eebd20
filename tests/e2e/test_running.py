"""Running a debate from opening to reveal: hidden results, predictions, reminders, who may vote.

Long waits (a deadline a week out, its reminder a day before) are not waited for: with the bot
stopped, the deadline or the reminder time is moved into the past through the bot's own store,
as if the bot had been down then; the next start acts on it, once. The last test waits for a
real deadline a minute away, with its reminder halfway.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ranking import MemberBallots, consensus
from bot.ranking.predictions import score_predictions
from bot.storage import Database, DebateRepository
from bot.storage.reminders import ReminderRepository
from tests.e2e.conftest import StartBot
from tests.e2e.emulator import Channel, DiscordEmulator, Guild, Member, Message
from tests.e2e.reading import display_lines
from tests.e2e.test_results import typed_tiers
from tests.support.rocky import BALBOA, II, III, IV, ROCKY_I, ROCKY_TITLES

pytestmark = pytest.mark.e2e

SLUG = "rocky-training-montages"
ORDERS = [
    "IV > II > III > Rocky > Balboa > V",
    "II > IV > Balboa",
    "IV > III > II > Rocky",
]
HIDDEN = re.compile(r"🔒 (\d+) members? ha(?:s|ve) ranked")


async def answer(emulator: DiscordEmulator, name: str, options: dict | None = None, *,
                 member: Member | None = None, channel: Channel | None = None) -> Message:  # fmt: skip
    handle = await emulator.command(name, options or {}, member=member, channel=channel)
    return await handle.message()


async def open_hidden(emulator: DiscordEmulator, guild: Guild, closes: str) -> Message:
    reply = await answer(
        emulator,
        "debate open",
        {"closes": closes, "results": "after-close"},
        member=guild.admin,
    )
    assert not reply.ephemeral and "closes <t:" in reply.text and "hidden" in reply.text
    assert [b["label"] for b in reply.buttons] == ["Vote", "Remind me"]
    return reply


async def vote(emulator: DiscordEmulator, member: Member, order: str) -> Message:
    return await answer(emulator, "vote", {"order": order}, member=member)


def is_reveal(message: Message) -> bool:
    return "has closed. The results:" in message.text


async def debate_id(database: Path) -> int:
    async with await Database.open(database) as db:
        return next(d.id for d in await DebateRepository(db).list_catalog() if d.slug == SLUG)


async def move_into_past(database: Path, guild: Guild, *, deadline: bool, reminder: bool) -> None:
    """As if the bot had been down when the deadline (or its reminder time) came."""
    async with await Database.open(database) as db:
        debates = DebateRepository(db)
        found = await debates.deadline(guild.id, await debate_id(database))
        assert found is not None and found.remind_at is not None
        now = datetime.now(UTC)
        closes_at = now - timedelta(minutes=5) if deadline else found.closes_at
        remind_at = now - timedelta(minutes=10) if reminder else found.remind_at
        await debates.set_deadline(
            guild.id, found.debate_id, closes_at, found.announce_channel_id, remind_at
        )


async def test_hidden_results_show_counts_until_the_reveal_which_scores_predictions(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    bot = await start_bot()
    members = dev_guild.plain_members
    await open_hidden(emulator, dev_guild, "1w")
    for member, order in zip(members, ORDERS, strict=False):
        assert "Saved" in (await vote(emulator, member, order)).text

    # Members see how many ranked and when results come out, from every results command.
    for name, options in [
        ("consensus", {}),
        ("hottest", {}),
        ("leaderboard", {}),
        ("leaderboard", {"board": "predictions"}),
        ("factions", {}),
        ("consensus", {"public": True}),
    ]:
        hidden = await answer(emulator, name, options, member=members[4])
        assert hidden.ephemeral, name
        assert HIDDEN.search(hidden.text) and HIDDEN.search(hidden.text)[1] == "3", hidden.text
        assert "come out when voting closes <t:" in hidden.text, hidden.text
        assert "IV" not in hidden.text and not hidden.attachments
    # Their own ballot shows, but not where it splits from the (hidden) consensus.
    mine = await answer(emulator, "myvote", member=members[0])
    assert mine.ephemeral and "Rocky IV" in mine.text
    assert "The server's order" not in mine.text and "🔒 3 members have ranked" in mine.text
    # An admin gets a private preview, marked as such, even when asking to post it.
    preview = await answer(emulator, "consensus", {"public": True}, member=dev_guild.admin)
    assert preview.ephemeral and "Preview" in preview.note and "Rocky IV" in preview.text
    # A summary posted meanwhile shows the count only.
    await answer(emulator, "summary post", member=dev_guild.admin)
    posted = await emulator.wait_for_message(
        lambda m: "ranked **" in m.text and not m.ephemeral, channel=dev_guild.general
    )
    assert HIDDEN.search(posted.text)[1] == "3" and not posted.attachments  # type: ignore[index]
    assert "Hottest" not in posted.text and [b["label"] for b in posted.buttons] == ["Vote"]

    # Predictions: typed, and through the builder; a member may both vote and predict.
    typed = await answer(emulator, "predict", {"order": "IV > II > III"}, member=members[0])
    assert typed.ephemeral and "Saved your prediction" in typed.text
    builder = await answer(emulator, "predict", member=members[4])
    assert "Your prediction" in builder.text
    assert "Duel" not in [b["label"] for b in builder.buttons]
    for name in ("Rocky II", "Rocky IV"):
        builder = await (await emulator.select(builder, [name], member=members[4])).message()
    saved = await (await emulator.click(builder, label="Save", member=members[4])).message()
    assert "Saved your prediction" in saved.text
    again = await answer(emulator, "predict", {"order": "II > IV > III"}, member=members[4])
    assert "replacing your earlier prediction" in again.text
    assert await bot.stop() == 0

    await move_into_past(bot.database_path, dev_guild, deadline=True, reminder=False)
    await bot.start()
    reveal = await emulator.wait_for_message(is_reveal, channel=dev_guild.general)
    for part in ("3 voters", "Hottest disagreements", "The server vs the author", "guessed"):
        assert part in reveal.text, (part, reveal.text)
    assert len(reveal.attachments) == 1, "the reveal carries the chart"
    scores = re.findall(r"(=?\d)\. <@(\d+)> — (\d+)% of match-ups", reveal.text)
    assert {s[1] for s in scores} == {str(members[0].id), str(members[4].id)}, reveal.text
    assert scores[0][0] == "1" and int(scores[0][2]) >= int(scores[1][2])

    board = await answer(emulator, "leaderboard", {"board": "predictions"}, member=members[5])
    assert board.ephemeral and "Predictions" in board.text and f"<@{members[4].id}>" in board.text
    shown = await answer(emulator, "consensus", member=members[5])
    assert "Rocky IV" in shown.text and "Preview" not in shown.note


# A reader's comment pasted as a guess: numbers, a remark after a dash, a short name.
PASTED_GUESS = "1. Rocky IV – the snow, obviously\n2. Rocky II\n3. Rocky III\n4. Rocky\n5. Balboa"
TYPED_GUESS = "V > Balboa > Rocky > III > II > IV"


async def test_a_pasted_and_a_typed_prediction_are_scored_at_the_reveal_as_the_engine_does(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    bot = await start_bot()
    members = dev_guild.plain_members
    paster, typist = members[3], members[4]
    await open_hidden(emulator, dev_guild, "1w")
    for member, order in zip(members, ORDERS, strict=False):
        assert "Saved" in (await vote(emulator, member, order)).text

    builder = await answer(emulator, "predict", member=paster)
    assert builder.ephemeral and "Your prediction" in builder.text, builder.text
    opened = await emulator.click(builder, label="Paste…", member=paster)
    pasted = await (await emulator.submit_modal(opened, {"list0": PASTED_GUESS})).message()
    assert "Pasted 5 items" in pasted.text, pasted.text
    saved = await (await emulator.click(pasted, label="Save", member=paster)).message()
    assert "Saved your prediction" in saved.text and "match-ups" in saved.text, saved.text
    typed = await answer(emulator, "predict", {"order": TYPED_GUESS}, member=typist)
    assert typed.ephemeral and "Saved your prediction" in typed.text
    assert await bot.stop() == 0

    await move_into_past(bot.database_path, dev_guild, deadline=True, reminder=False)
    await bot.start()
    reveal = await emulator.wait_for_message(is_reveal, channel=dev_guild.general)

    # The engine's scores, run here on the same ballots and guesses (by item name).
    ballots = {m.id: typed_tiers(order) for m, order in zip(members, ORDERS, strict=False)}
    final = consensus(MemberBallots(ROCKY_TITLES, ballots).tally)
    guesses = {
        paster.id: [(IV,), (II,), (III,), (ROCKY_I,), (BALBOA,)],
        typist.id: typed_tiers(TYPED_GUESS),
    }
    scores = score_predictions(guesses, final.order, ROCKY_TITLES)
    assert [s.member for s in scores] == [paster.id, typist.id]
    expected = [
        f"{s.place}. <@{s.member}> — {s.share:.0%} of match-ups right "
        f"({s.agreement.agreed}/{s.agreement.compared})"
        for s in scores
    ]
    assert "🔮 Who guessed the server best" in reveal.text
    assert [line for line in display_lines(reveal) if "of match-ups right" in line] == expected
    board = await answer(emulator, "leaderboard", {"board": "predictions"}, member=members[5])
    assert [line for line in display_lines(board) if "of match-ups right" in line] == expected


async def test_predictions_are_for_hidden_results_only(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    await start_bot()
    refused = await answer(emulator, "predict", {"order": "IV > II"})
    assert refused.ephemeral and "are live, so there is nothing to guess" in refused.text


async def test_remind_me_pings_once_only_those_who_asked_and_have_not_ranked(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    announce = dev_guild.add_channel("announcements")
    bot = await start_bot()
    members = dev_guild.plain_members
    opened = await answer(
        emulator, "debate open", {"closes": "1w"}, member=dev_guild.admin, channel=announce
    )
    show = await answer(emulator, "debate show")
    assert "Remind me" in [b["label"] for b in show.buttons]

    async def remind(message: Message, member: Member) -> str:
        return (
            await (await emulator.click(message, label="Remind me", member=member)).message()
        ).text

    assert "I'll remind you in" in await remind(opened, members[0])
    assert "I'll remind you in" in await remind(show, members[1])
    assert "no reminder" in await remind(opened, members[1]), "the same button opts out"
    assert "I'll remind you in" in await remind(opened, members[2])
    builder = await answer(emulator, "vote", member=members[3])
    assert "I'll remind you in" in await remind(builder, members[3]), "on the vote message too"
    await vote(emulator, members[2], ORDERS[0])  # ranked: not pinged
    assert await bot.stop() == 0

    await move_into_past(bot.database_path, dev_guild, deadline=False, reminder=True)
    await bot.start()
    reminder = await emulator.wait_for_message(
        lambda m: "⏰" in m.text and not m.ephemeral, channel=announce
    )
    assert "closes <t:" in reminder.text and "1 member has ranked so far" in reminder.text
    pinged = {str(members[0].id), str(members[3].id)}
    assert set(re.findall(r"<@(\d+)>", reminder.text)) == pinged
    mentions = reminder.allowed_mentions or {}
    assert {str(u) for u in mentions.get("users", [])} == pinged and mentions.get("parse") == [], (
        mentions
    )

    # Stopped at once, maybe before the bot marked it sent: the next start resends it with the
    # same nonce, which Discord answers with the message already there. Never a second one.
    assert await bot.stop() == 0
    await bot.start()
    await answer(emulator, "debate list")

    async def statuses() -> list[str]:
        async with await Database.open(bot.database_path) as db:
            posts = await ReminderRepository(db).posts(
                dev_guild.id, await debate_id(bot.database_path)
            )
        return [p.status for p in posts]

    for _ in range(100):
        if await statuses() == ["sent"]:
            break
        await asyncio.sleep(0.1)
    assert await statuses() == ["sent"]
    assert [m for m in emulator.channel_messages(announce) if "⏰" in m.text] == [reminder]


async def test_who_may_vote_by_role_and_days_since_joining(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    voters = dev_guild.add_role("Voters")
    members = dev_guild.plain_members
    members[1].roles.append(voters)
    members[2].roles.append(voters)
    long_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    members[2].joined_at = long_ago
    await start_bot()
    settings = await answer(
        emulator,
        "settings",
        {"voter_role": voters, "min_member_days": 7},
        member=dev_guild.admin,
    )
    assert f"<@&{voters.id}>" in settings.text and "at least 7 days" in settings.text

    no_role = await vote(emulator, members[0], ORDERS[0])
    assert no_role.ephemeral and f"Only members with the <@&{voters.id}> role" in no_role.text
    too_new = await vote(emulator, members[1], ORDERS[0])
    assert "7 days after joining" in too_new.text and "you can from <t:" in too_new.text
    builder = await answer(emulator, "vote", member=members[1])
    assert "7 days after joining" in builder.text, "the builder refuses too"
    duel = await answer(emulator, "duel", member=members[1])
    assert "7 days after joining" in duel.text, "and the duel"
    assert "Saved" in (await vote(emulator, members[2], ORDERS[0])).text
    listing = await answer(emulator, "debate list")
    assert "1 member ranked it" in listing.text, "nothing was stored for the refused"
    show = await answer(emulator, "debate show")
    assert f"Who may vote: members with <@&{voters.id}> who joined at least 7 days ago" in (
        show.text
    )

    # One debate open to all, whatever the server says.
    rules = await answer(
        emulator,
        "debate rules",
        {"voter_role": dev_guild.everyone, "min_days": 0},
        member=dev_guild.admin,
    )
    assert "Who may vote: every member" in rules.text
    assert "Saved" in (await vote(emulator, members[0], ORDERS[1])).text


async def test_a_real_deadline_a_minute_away_reminds_halfway_and_reveals(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot
) -> None:
    await start_bot()
    members = dev_guild.plain_members
    opened = await open_hidden(emulator, dev_guild, "60s")
    await (await emulator.click(opened, label="Remind me", member=members[1])).message()
    assert "Saved" in (await vote(emulator, members[0], ORDERS[0])).text
    await answer(emulator, "predict", {"order": ORDERS[0]}, member=members[0])
    # The reminder comes halfway (30 s), pinging the one who asked and has not ranked.
    reminder = await emulator.wait_for_message(
        lambda m: "⏰" in m.text and not m.ephemeral, channel=dev_guild.general, timeout=50
    )
    assert re.findall(r"<@(\d+)>", reminder.text) == [str(members[1].id)]
    assert "Saved" in (await vote(emulator, members[1], ORDERS[1])).text
    reveal = await emulator.wait_for_message(is_reveal, channel=dev_guild.general, timeout=50)
    assert "2 voters" in reveal.text and f"1. <@{members[0].id}> — " in reveal.text
    assert "is closed" in (await vote(emulator, members[2], ORDERS[2])).text
