"""Issue 11 through the real bot: what members type into ``/vote order:`` is read as meant.

A reader's comment pasted on one line is the whole order, as Paste… reads it; space-separated
numerals are an order; an unknown name lists the items privately instead of pointing to the
public ``/debate show``.
"""

from __future__ import annotations

import pytest

from tests.e2e.emulator import DiscordEmulator, Guild, Message
from tests.e2e.harness import BotProcess
from tests.e2e.reading import ballot_tiers

pytestmark = pytest.mark.e2e

COMMENT_ON_ONE_LINE = (
    "Rocky IV – cant argue Rocky II – when Adrianne woke up.. Rocky III – the eye of the "
    "tiger Rocky Balboa – better than people admit Rocky – where it began Rocky V – a sad joke"
)


async def vote(emulator: DiscordEmulator, guild: Guild, order: str, member: int) -> Message:
    handle = await emulator.command("vote", {"order": order}, member=guild.plain_members[member])
    return await handle.message()


async def test_a_comment_pasted_on_one_line_is_the_whole_order(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    reply = await vote(emulator, dev_guild, COMMENT_ON_ONE_LINE, 0)
    assert reply.ephemeral
    assert ballot_tiers(reply) == [
        ("Rocky IV",),
        ("Rocky II",),
        ("Rocky III",),
        ("Rocky Balboa",),
        ("Rocky",),
        ("Rocky V",),
    ], reply.text


async def test_a_comment_whose_reasons_have_no_dash_after_them_is_still_whole(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    comment = (
        "Rocky IV – cant argue Rocky II – when Adrianne woke up.. Rocky III some words "
        "Rocky V – a sad joke"
    )
    reply = await vote(emulator, dev_guild, comment, 3)
    assert ballot_tiers(reply) == [
        ("Rocky IV",),
        ("Rocky II",),
        ("Rocky III",),
        ("Rocky V",),
    ], reply.text
    assert "Not ranked" not in reply.text


async def test_a_film_only_mentioned_in_a_remark_is_named_as_left_unranked(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    reply = await vote(emulator, dev_guild, "Rocky IV – better than Rocky II and Rocky V", 4)
    assert reply.ephemeral
    assert ballot_tiers(reply) == [("Rocky IV",)], reply.text
    assert (
        "⚠️ Not ranked: Rocky II and Rocky V. They are only mentioned in your remark "
        "'better than Rocky II and Rocky V'. To rank them, put them in the order itself, "
        "separated by > or commas, e.g. Rocky IV > Rocky II > Rocky V"
    ) in reply.text
    assert "Saved. This is how I read your order:" in reply.text


async def test_numerals_with_spaces_are_an_order(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    reply = await vote(emulator, dev_guild, "IV II III", 1)
    assert ballot_tiers(reply)[:3] == [("Rocky IV",), ("Rocky II",), ("Rocky III",)], reply.text


@pytest.mark.parametrize(
    ("order", "wording"),
    [
        ("Creed > IV", "I don't know 'Creed'. The items are: Rocky IV, Rocky II, Rocky III"),
        (
            "Rocky IV cant argue Rocky II when he wakes",
            "names Rocky IV and Rocky II, and I can't tell where each one ends. Separate the "
            "items with > or commas",
        ),
    ],
)
async def test_what_cant_be_read_is_answered_privately_and_nothing_is_saved(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess, order: str, wording: str
) -> None:
    reply = await vote(emulator, dev_guild, order, 2)
    assert reply.ephemeral
    assert wording in reply.text
    assert "Saved" not in reply.text
    assert "/debate show" not in reply.text
    assert not emulator.channel_messages(dev_guild.general)
