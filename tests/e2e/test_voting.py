"""Scenario 2: six members vote, each their own way, and ``/myvote`` shows each one's ballot.

By text (``/vote order:``, aliases and every separator), with the builder (picks from the
menu, Undo, Tie with previous, Save), by pasting the two reader comments of the seed post
into Paste… (look-alikes with the same shape: see ``tests/support/seed.py``), then one
member withdraws and one changes their mind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pytest

from bot.ranking import agreement
from tests.e2e.conftest import StartBot
from tests.e2e.emulator import (
    ACK_DEADLINE,
    DiscordEmulator,
    Guild,
    InteractionHandle,
    Member,
    Message,
)
from tests.e2e.harness import BotProcess
from tests.e2e.reading import ballot_tiers
from tests.support.rocky import BALBOA, II, III, IV, ROCKY_I, ROCKY_TITLES, V
from tests.support.seed import LIKE_COMMENT_1, LIKE_COMMENT_2

pytestmark = pytest.mark.e2e

Tiers = list[tuple[str, ...]]

# What each reader comment must become (issue 3): a full order, and a partial top three.
COMMENT_1_BALLOT: Tiers = [(IV,), (II,), (BALBOA,), (ROCKY_I,), (III,), (V,)]
COMMENT_2_BALLOT: Tiers = [(IV,), (II,), (III,)]

_AUTHOR_AGREEMENT = re.compile(r"you side with the author on (\d+) and against on (\d+)")


@pytest.fixture
async def bot(start_bot: StartBot) -> BotProcess:
    # A member changes their mind within seconds here; the save limit has its own tests.
    return await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0"})


# -- what members do ------------------------------------------------------------------------


class Voters:
    """The members' actions, each one answered in time (every handle is kept for timings)."""

    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emulator = emulator
        self.handles: list[InteractionHandle] = []

    async def _answer(self, handle: InteractionHandle) -> Message:
        self.handles.append(handle)
        return await handle.message()

    async def vote(self, member: Member, order: str, why: str | None = None) -> Message:
        options = {"order": order} | ({"why": why} if why else {})
        return await self._answer(await self.emulator.command("vote", options, member=member))

    async def command(self, name: str, member: Member) -> Message:
        return await self._answer(await self.emulator.command(name, member=member))

    async def pick(self, builder: Message, name: str) -> Message:
        return await self._answer(await self.emulator.select(builder, [name]))

    async def click(self, message: Message, label: str, member: Member | None = None) -> Message:
        return await self._answer(await self.emulator.click(message, label=label, member=member))

    async def paste(self, builder: Message, text: str) -> Message:
        """Paste… then submit ``text`` in the modal's first box, as a member pasting a comment."""
        opened = await self.emulator.click(builder, label="Paste…")
        self.handles.append(opened)
        modal = await opened.modal_shown()
        first_box = next(
            c for row in modal["components"] for c in row.get("components", []) if c["type"] == 4
        )
        submitted = await self.emulator.submit_modal(opened, {first_box["custom_id"]: text})
        return await self._answer(submitted)

    def slowest(self) -> float:
        return max(h.ack_latency or 0.0 for h in self.handles)


def author_agreement(message: Message) -> tuple[int, int]:
    """(agreed, compared) from "you side with the author on 11 and against on 4"."""
    match = _AUTHOR_AGREEMENT.search(message.text)
    assert match, f"no agreement with the author in {message.text!r}"
    return int(match.group(1)), int(match.group(1)) + int(match.group(2))


def expected_author_agreement(tiers: Sequence[Sequence[str]]) -> tuple[int, int]:
    """The engine's count, run here: pairs the ballot and the author both order, and agree on."""
    result = agreement(tiers, [(name,) for name in ROCKY_TITLES], ROCKY_TITLES)
    return result.agreed, result.compared


def assert_shows_ballot(message: Message, tiers: Tiers) -> None:
    assert message.ephemeral, "a member's ballot is shown to them alone"
    assert ballot_tiers(message) == tiers, message.text
    assert author_agreement(message) == expected_author_agreement(tiers), message.text


# -- the scenario -----------------------------------------------------------------------------


async def test_six_members_vote_by_text_builder_and_paste_and_myvote_shows_each(
    emulator: DiscordEmulator,
    dev_guild: Guild,
    bot: BotProcess,
    record_property: Callable[[str, object], None],
) -> None:
    typist, alias_typist, builder_user, comment_1, comment_2, changer = dev_guild.plain_members
    act = Voters(emulator)
    expected: dict[Member, Tiers] = {}

    # 1. Typed, with a tie and a reason: read back as understood, the unranked listed.
    reply = await act.vote(typist, "Rocky IV > Rocky II = Rocky III > Rocky", why="The snow.")
    expected[typist] = [(IV,), (II, III), (ROCKY_I,)]
    assert_shows_ballot(reply, expected[typist])
    assert "Saved" in reply.text and "Unranked" in reply.text and "The snow." in reply.text
    assert {b["label"] for b in reply.buttons} >= {"Edit", "Share"}

    # 2. Typed with aliases, any case, every separator and a remark after a dash.
    reply = await act.vote(alias_typist, "v, balboa; ROCKY 1 / 3 > rocky four – the snow")
    expected[alias_typist] = [(V,), (BALBOA,), (ROCKY_I,), (III,), (IV,)]
    assert_shows_ballot(reply, expected[alias_typist])

    # 3. The builder: pick, pick, Undo, pick, Tie with previous, pick, Save (a partial order).
    builder = await act.command("vote", builder_user)
    assert builder.ephemeral and builder.selects, builder.text
    assert {o["label"] for o in builder.selects[0]["options"]} == set(ROCKY_TITLES)
    builder = await act.pick(builder, II)
    builder = await act.pick(builder, V)
    assert ballot_tiers(builder) == [(II,), (V,)]
    builder = await act.click(builder, "Undo")
    assert ballot_tiers(builder) == [(II,)]
    builder = await act.pick(builder, IV)
    builder = await act.click(builder, "Tie with previous")
    builder = await act.pick(builder, III)
    assert ballot_tiers(builder) == [(II, IV), (III,)]
    saved = await act.click(builder, "Save")
    expected[builder_user] = [(II, IV), (III,)]
    assert saved.id == builder.id, "Save turns the builder into the saved ballot"
    assert_shows_ballot(saved, expected[builder_user])

    # 4. The first reader comment, pasted into a builder opened from the public Vote button.
    show = await act.command("debate show", comment_1)
    builder = await act.click(show, "Vote", member=comment_1)
    assert builder.ephemeral and builder.interaction and builder.interaction.user is comment_1.user
    builder = await act.paste(builder, LIKE_COMMENT_1)
    assert ballot_tiers(builder) == COMMENT_1_BALLOT, builder.text
    expected[comment_1] = COMMENT_1_BALLOT
    assert_shows_ballot(await act.click(builder, "Save"), COMMENT_1_BALLOT)

    # 5. The second comment, a top three inside prose that names another film in passing.
    builder = await act.paste(await act.command("vote", comment_2), LIKE_COMMENT_2)
    assert ballot_tiers(builder) == COMMENT_2_BALLOT, builder.text
    expected[comment_2] = COMMENT_2_BALLOT
    assert_shows_ballot(await act.click(builder, "Save"), COMMENT_2_BALLOT)

    # 6. An item named twice is refused and stores nothing; a ballot; a change of mind.
    refused = await act.vote(changer, "Rocky IV > Rocky IV")
    assert refused.ephemeral and "twice" in refused.text and not ballot_tiers(refused)
    assert "haven't ranked" in (await act.command("myvote", changer)).text
    await act.vote(changer, "Rocky > Rocky II")
    changed = await act.vote(changer, "Balboa > IV > Rocky")
    expected[changer] = [(BALBOA,), (IV,), (ROCKY_I,)]
    assert "replacing your earlier ballot" in changed.text
    assert_shows_ballot(changed, expected[changer])

    # Withdrawing: the ballot no longer counts (its history is kept).
    withdrawn = await act.command("unvote", alias_typist)
    assert withdrawn.ephemeral and "Withdrew" in withdrawn.text
    del expected[alias_typist]

    # /myvote reflects each member's current ballot, and nothing for the one who withdrew.
    for member, tiers in expected.items():
        mine = await act.command("myvote", member)
        assert_shows_ballot(mine, tiers)
    assert "after changing it once." in (await act.command("myvote", changer)).text
    gone = await act.command("myvote", alias_typist)
    assert gone.ephemeral and not ballot_tiers(gone) and "haven't ranked" in gone.text

    listing = await act.command("debate list", typist)
    assert "5 members ranked it" in listing.text, listing.text

    record_property("slowest acknowledgement", f"{act.slowest():.3f}s of {len(act.handles)}")
    assert act.slowest() < ACK_DEADLINE
