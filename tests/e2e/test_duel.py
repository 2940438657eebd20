"""Duels end to end: ranking by "A or B?" into ordinary ballots, through the real bot.

A member answers as their own order dictates (``Answerer``), reading the two sides off the
message like a person would. Covered: a full duel that /myvote and /consensus reflect at
once, an early stop that saves only a true top, the Duel buttons under /debate show and in
the ballot builder, a restart mid-duel, stale buttons, refining a ballot, and a
200-item debate.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import StartBot, answered
from tests.e2e.emulator import DiscordEmulator, Guild, Member, Message
from tests.e2e.harness import BotProcess
from tests.e2e.reading import ballot_tiers, placed_lines
from tests.support.rocky import BALBOA, II, III, IV, V
from tests.support.rocky import ROCKY_I as ROCKY

pytestmark = pytest.mark.e2e

Tiers = list[tuple[str, ...]]
# A member who can't split II and III, and disagrees with the author lower down.
TARGET: Tiers = [(IV,), (II, III), (BALBOA,), (ROCKY,), (V,)]

_SIDE = re.compile(r"^(🅰|🅱) \*\*(.+)\*\*$")
_ESCAPE = re.compile(r"\\(.)")
_PROGRESS = re.compile(r"Question (\d+) of at most ([\d,]+)")


@pytest.fixture
async def bot(start_bot: StartBot) -> BotProcess:
    return await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0"})


def sides(message: Message) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides of the question on a duel message, as item names."""
    found: dict[str, tuple[str, ...]] = {}
    for line in message.embeds[0].get("description", "").split("\n"):
        if match := _SIDE.match(line.strip()):
            names = _ESCAPE.sub(r"\1", match.group(2)).split(" = ")
            found[match.group(1)] = tuple(names)
    assert set(found) == {"🅰", "🅱"}, message.text
    return found["🅰"], found["🅱"]


def progress(message: Message) -> tuple[int, int]:
    """(question number, at most how many) from "Question 4 of at most 11"."""
    match = _PROGRESS.search(message.text)
    assert match, message.text
    return int(match.group(1)), int(match.group(2).replace(",", ""))


def is_question(message: Message) -> bool:
    return any(button.get("label") == "Same" for button in message.buttons)


def prefix_of(tiers: Tiers, target: Tiers) -> bool:
    return [set(t) for t in tiers] == [set(t) for t in target[: len(tiers)]]


class Answerer:
    """A member answering every question by their own order."""

    def __init__(self, emulator: DiscordEmulator, member: Member, target: Tiers) -> None:
        self.emulator = emulator
        self.member = member
        self.place = {name: p for p, tier in enumerate(target) for name in tier}
        self.asked: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def choice(self, message: Message) -> str:
        a, b = sides(message)
        self.asked.append((a, b))
        place_a, place_b = self.place[a[0]], self.place[b[0]]
        return "A" if place_a < place_b else "B" if place_a > place_b else "Same"

    async def answer(self, message: Message) -> Message:
        label = self.choice(message)
        return await answered(await self.emulator.click(message, label=label, member=self.member))

    async def until_done(self, message: Message, *, limit: int = 10_000) -> Message:
        while is_question(message) and len(self.asked) < limit:
            message = await self.answer(message)
        return message


async def test_a_full_duel_saves_a_ballot_that_myvote_and_consensus_show_at_once(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    await answered(await emulator.command("settings", {"min_voters": 1}, member=dev_guild.admin))
    member = dev_guild.plain_members[0]
    offer = await answered(await emulator.command("duel", member=member))
    assert offer.ephemeral and "How many answers" in offer.text, offer.text
    # In six items a top 3 can take as many answers as the full order, so it isn't offered.
    assert [b["label"] for b in offer.buttons] == ["Full order · ≤ 11 answers"]

    first = await answered(await emulator.click(offer, label="Full order", member=member))
    assert first.id == offer.id, "the offer turns into the first question"
    assert progress(first) == (1, 11)
    labels = [b["label"] for b in first.buttons]
    assert labels == ["A", "Same", "B", "Save what I have", "Cancel"]
    assert first.component(label="Save what I have")["disabled"], "nothing settled yet"
    assert "Which Rocky film" in first.text

    duel = Answerer(emulator, member, TARGET)
    saved = await duel.until_done(first)
    assert len(duel.asked) <= 11
    assert "Saved your full order" in saved.text, saved.text
    assert [set(t) for t in ballot_tiers(saved)] == [set(t) for t in TARGET]

    mine = await answered(await emulator.command("myvote", member=member))
    assert [set(t) for t in ballot_tiers(mine)] == [set(t) for t in TARGET]
    consensus = await answered(await emulator.command("consensus"))
    order = [item for _, item, _ in placed_lines(consensus)]
    assert order[0] == IV and set(order[1:3]) == {II, III} and order[3:] == [BALBOA, ROCKY, V]


async def test_an_early_stop_from_the_duel_button_saves_only_a_true_top(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    member = dev_guild.plain_members[1]
    show = await answered(await emulator.command("debate show", member=member))
    assert "/duel" in show.text and [b["label"] for b in show.buttons][-2:] == ["Vote", "Duel"]
    offer = await answered(await emulator.click(show, label="Duel", member=member))
    assert offer.ephemeral and offer.id != show.id
    question = await answered(await emulator.click(offer, label="Full order", member=member))

    duel = Answerer(emulator, member, TARGET)
    while question.component(label="Save what I have").get("disabled"):
        question = await duel.answer(question)
    assert ballot_tiers(question) and prefix_of(ballot_tiers(question), TARGET)
    asked, most = progress(question)
    assert asked == len(duel.asked) + 1 and most <= 11

    saved = await answered(await emulator.click(question, label="Save what I have", member=member))
    tiers = ballot_tiers(saved)
    assert tiers and prefix_of(tiers, TARGET) and len(tiers) < len(TARGET), saved.text
    mine = await answered(await emulator.command("myvote", member=member))
    assert ballot_tiers(mine) == tiers, "the ballot says no more than the answers did"

    # The builder has a Duel button too: it turns the builder into the duel.
    builder = await answered(await emulator.command("vote", member=member))
    from_builder = await answered(await emulator.click(builder, label="Duel", member=member))
    assert from_builder.id == builder.id and "How many answers" in from_builder.text


async def test_a_duel_survives_a_restart_and_duel_again_resumes_it(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    member = dev_guild.plain_members[2]
    offer = await answered(await emulator.command("duel", member=member))
    question = await answered(await emulator.click(offer, label="Full order", member=member))
    duel = Answerer(emulator, member, TARGET)
    for _ in range(3):
        question = await duel.answer(question)
    before = (sides(question), progress(question))

    await bot.restart()

    # The message from before the restart goes on where it was…
    question = await duel.answer(question)
    assert progress(question)[0] == 5
    # …and /duel again picks up the same duel instead of starting a new one.
    resumed = await answered(await emulator.command("duel", member=member))
    assert resumed.id != question.id and progress(resumed) == progress(question)
    assert sides(resumed) == sides(question) and before[1][0] == 4
    saved = await duel.until_done(resumed)
    assert [set(t) for t in ballot_tiers(saved)] == [set(t) for t in TARGET]
    assert len(duel.asked) <= 11


async def test_stale_buttons_change_nothing_and_say_why(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    member = dev_guild.plain_members[3]
    offer = await answered(await emulator.command("duel", member=member))
    old = await answered(await emulator.click(offer, label="Full order", member=member))
    new = await answered(await emulator.command("duel", member=member))
    assert sides(new) == sides(old) and progress(new) == (1, 11)

    duel = Answerer(emulator, member, TARGET)
    new = await duel.answer(new)
    # The same question answered again on the older message: not counted twice.
    again = await answered(await emulator.click(old, label="B", member=member))
    assert again.id == old.id and "already answered" in again.text
    assert progress(again) == progress(new) == (2, progress(new)[1])
    assert sides(again) == sides(new)

    cancelled = await answered(await emulator.click(new, label="Cancel", member=member))
    assert "cancelled" in cancelled.text.lower() and not cancelled.buttons
    ended = await answered(await emulator.click(again, label="A", member=member))
    assert ended.ephemeral and ended.id != again.id and "has ended" in ended.text
    mine = await answered(await emulator.command("myvote", member=member))
    assert "haven't ranked" in mine.text, "nothing was saved"


async def test_refining_a_ballot_asks_only_what_it_leaves_open_and_keeps_the_reason(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    member = dev_guild.plain_members[4]
    await answered(
        await emulator.command("vote", {"order": "IV > II = III", "why": "snow!"}, member=member)
    )
    offer = await answered(await emulator.command("duel", member=member))
    assert "placing 3 of 6" in offer.text and "only about the 3" in offer.text, offer.text
    assert [b["label"] for b in offer.buttons] == [
        "Full order · ≤ 3 answers",
        "Start afresh instead",
    ]
    afresh = await answered(
        await emulator.click(offer, label="Start afresh instead", member=member)
    )
    assert "Full order · ≤ 11 answers" in [b["label"] for b in afresh.buttons]
    offer = await answered(
        await emulator.click(afresh, label="Refine my ballot instead", member=member)
    )

    question = await answered(await emulator.click(offer, label="Full order", member=member))
    assert ballot_tiers(question)[:2] == [(IV,), (II, III)] or prefix_of(
        ballot_tiers(question), TARGET
    )
    duel = Answerer(emulator, member, TARGET)
    saved = await duel.until_done(question)
    asked = {name for a, b in duel.asked for name in a + b}
    assert asked <= {ROCKY, BALBOA, V} and len(duel.asked) <= 3
    assert [set(t) for t in ballot_tiers(saved)] == [set(t) for t in TARGET]
    assert "replaces your earlier ballot" in saved.text and "snow!" in saved.text


async def test_a_200_item_debate_says_up_front_what_each_stop_costs(
    emulator: DiscordEmulator, dev_guild: Guild, start_bot: StartBot, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    names = [f"Song {n:03d}" for n in range(200)]
    spec = {
        "slug": "songs",
        "title": "Two hundred songs",
        "question": "Which song is best?",
        "author": {"name": "DJ"},
        "items": [{"name": name, "reason": f"Track {n}."} for n, name in enumerate(names)],
    }
    (catalog / "songs.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0", "CATALOG_DIR": str(catalog)})
    member = dev_guild.plain_members[5]

    offer = await answered(await emulator.command("duel", {"debate": "songs"}, member=member))
    labels = [b["label"] for b in offer.buttons]
    assert labels == [
        "Top 3 · ≤ 215 answers",
        "Top 10 · ≤ 271 answers",
        "Full order · ≤ 1,345 answers",
    ]
    question = await answered(await emulator.click(offer, label="Top 3", member=member))
    assert progress(question) == (1, 215) and "Track" in question.text

    # This member likes the songs in reverse order of their numbers.
    duel = Answerer(emulator, member, [(name,) for name in reversed(names)])
    saved = await duel.until_done(question)
    assert len(duel.asked) <= 215
    assert ballot_tiers(saved)[:3] == [("Song 199",), ("Song 198",), ("Song 197",)]
    assert "Keep going" in [b["label"] for b in saved.buttons]
    going = await answered(await emulator.click(saved, label="Keep going", member=member))
    asked, most = progress(going)
    assert asked == len(duel.asked) + 1 and most - len(duel.asked) <= 7 * 8, "top 10 next"


async def test_a_member_who_loses_the_voter_role_mid_duel_can_answer_no_more(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    """Any answer may settle the last place and save the ballot: each is checked like /vote."""
    voters = dev_guild.add_role("Voters")
    member = dev_guild.plain_members[0]
    member.roles.append(voters)
    rules = await answered(
        await emulator.command("settings", {"voter_role": voters}, member=dev_guild.admin)
    )
    assert f"<@&{voters.id}>" in rules.text, rules.text
    offer = await answered(await emulator.command("duel", member=member))
    first = await answered(await emulator.click(offer, label="Full order", member=member))
    duel = Answerer(emulator, member, TARGET)
    second = await duel.answer(first)
    assert progress(second)[0] == 2

    member.roles.remove(voters)
    refused = await answered(await emulator.click(second, label=duel.choice(second), member=member))
    assert refused.ephemeral and f"Only members with the <@&{voters.id}> role" in refused.text
    mine = await answered(await emulator.command("myvote", member=member))
    assert "haven't ranked" in mine.text, mine.text

    member.roles.append(voters)
    third = await duel.answer(second)
    assert progress(third)[0] == 3, "the refused answer changed nothing"
