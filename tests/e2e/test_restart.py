"""Scenario 4: after a restart, old messages keep working and every ballot is still there.

Members vote every way before the restart (text, the public Vote button's builder, Paste…,
a change of mind, a withdrawal). The bot is stopped with SIGTERM and started again on the
same database. Then: the Vote button on the ``/debate show`` message sent before the restart
opens the builder (prefilled for a member who voted, empty for one who did not) and saves;
``/myvote`` and ``/debate list`` show every ballot as before; the consensus is the same
(rebuilt from SQLite, where before it was kept up to date ballot by ballot); the Edit and
Share buttons of an old ``/myvote`` answer; a builder left open across the restart says it
closed instead of failing.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import StartBot, answered
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
from tests.support.rocky import BALBOA, II, III, IV, ROCKY_I, V
from tests.support.seed import LIKE_COMMENT_2

pytestmark = pytest.mark.e2e

Tiers = list[tuple[str, ...]]


@pytest.fixture
async def bot(start_bot: StartBot) -> BotProcess:
    return await start_bot(env={"VOTE_SAVES_PER_MINUTE": "0"})


async def first_text_box(handle: InteractionHandle) -> str:
    modal = await handle.modal_shown()
    return next(
        c["custom_id"]
        for row in modal["components"]
        for c in row.get("components", [])
        if c["type"] == 4
    )


async def myvote(emulator: DiscordEmulator, member: Member) -> Message:
    return await answered(await emulator.command("myvote", member=member))


async def test_old_vote_button_opens_the_builder_and_every_ballot_survives_a_restart(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    typist, builder_user, paster, changer, quitter, newcomer = dev_guild.plain_members
    show = await answered(await emulator.command("debate show", member=typist))
    expected: dict[Member, Tiers] = {}

    # Before the restart: every way of voting, a change of mind and a withdrawal.
    await answered(await emulator.command("vote", {"order": "IV > II = III"}, member=typist))
    expected[typist] = [(IV,), (II, III)]

    builder = await answered(await emulator.click(show, label="Vote", member=builder_user))
    builder = await answered(await emulator.select(builder, [BALBOA]))
    builder = await answered(await emulator.select(builder, [ROCKY_I]))
    await answered(await emulator.click(builder, label="Save"))
    expected[builder_user] = [(BALBOA,), (ROCKY_I,)]

    builder = await answered(await emulator.click(show, label="Vote", member=paster))
    paste = await emulator.click(builder, label="Paste…")
    builder = await answered(
        await emulator.submit_modal(paste, {await first_text_box(paste): LIKE_COMMENT_2})
    )
    await answered(await emulator.click(builder, label="Save"))
    expected[paster] = [(IV,), (II,), (III,)]

    await answered(await emulator.command("vote", {"order": "V > IV"}, member=changer))
    await answered(await emulator.command("vote", {"order": "III > V > Rocky"}, member=changer))
    expected[changer] = [(III,), (V,), (ROCKY_I,)]

    await answered(await emulator.command("vote", {"order": "Rocky > II"}, member=quitter))
    await answered(await emulator.command("unvote", member=quitter))

    old_myvote = await myvote(emulator, typist)
    left_open = await answered(await emulator.command("vote", member=newcomer))
    left_open = await answered(await emulator.select(left_open, [II]))
    old_consensus = await answered(await emulator.command("consensus"))
    listing = await answered(await emulator.command("debate list"))
    assert "4 members ranked it" in listing.text, listing.text

    await bot.restart()
    assert bot.exit_codes == [0] and emulator.ready_count == 2

    # The Vote button of the old /debate show message opens the builder, prefilled…
    builder = await answered(await emulator.click(show, label="Vote", member=changer))
    assert builder.ephemeral and builder.interaction and builder.interaction.user is changer.user
    assert ballot_tiers(builder) == expected[changer], builder.text
    assert "your saved ballot" in builder.text
    # …and saves: a fourth pick, through the menu the restarted bot drew.
    builder = await answered(await emulator.select(builder, [II]))
    saved = await answered(await emulator.click(builder, label="Save"))
    expected[changer] = [(III,), (V,), (ROCKY_I,), (II,)]
    assert ballot_tiers(saved) == expected[changer], saved.text

    # For a member who never voted it opens empty.
    fresh = await answered(await emulator.click(show, label="Vote", member=quitter))
    assert fresh.ephemeral and not ballot_tiers(fresh) and fresh.selects, fresh.text
    assert "Pick #1" in fresh.selects[0]["placeholder"]

    # Every ballot is still there, the withdrawn one still withdrawn, and the history kept.
    for member, tiers in expected.items():
        assert ballot_tiers(await myvote(emulator, member)) == tiers
    assert "haven't ranked" in (await myvote(emulator, quitter)).text
    assert "after changing it twice." in (await myvote(emulator, changer)).text
    listing = await answered(await emulator.command("debate list"))
    assert "4 members ranked it" in listing.text, listing.text

    # The consensus, rebuilt from SQLite, is the one kept before (with the one new pick).
    await answered(await emulator.command("vote", {"order": "III > V > Rocky"}, member=changer))
    consensus_after = await answered(await emulator.command("consensus"))
    assert consensus_after.text == old_consensus.text

    # The old /consensus message's Show the numbers answers (for the member who clicks).
    numbers = await answered(await emulator.click(old_consensus, label="Show the numbers"))
    assert numbers.ephemeral and "Head to head" in numbers.text and numbers.attachments

    # The old /myvote's buttons answer: Share posts the ballot, Edit opens the builder in place.
    share = await answered(await emulator.click(old_myvote, label="Share"))
    assert not share.ephemeral and ballot_tiers(share) == expected[typist], share.text
    edit = await emulator.click(old_myvote, label="Edit")
    edited = await answered(edit)
    assert edited.id == old_myvote.id and ballot_tiers(edited) == expected[typist]
    assert edited.selects, "the builder, in place of the ballot"

    # A builder left open across the restart says it closed; nothing was saved from it.
    closed = await answered(await emulator.click(left_open, label="Save"))
    assert closed.ephemeral and "closed" in closed.text and "nothing" in closed.text
    assert "haven't ranked" in (await myvote(emulator, newcomer)).text


async def test_a_paste_submitted_after_a_restart_is_answered(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    member = dev_guild.plain_members[0]
    builder = await answered(await emulator.command("vote", member=member))
    paste = await emulator.click(builder, label="Paste…")
    box = await first_text_box(paste)

    await bot.restart()
    submitted = await emulator.submit_modal(paste, {box: LIKE_COMMENT_2})

    answer = await submitted.response(timeout=ACK_DEADLINE + 1)
    assert answer.latency < ACK_DEADLINE
    assert (await submitted.message()).ephemeral, "an answer for the member who pasted"
    # Nothing lost: the member gets their list back to paste into a new builder.
    assert "Ranked from favourite down:" in (await submitted.message()).text
