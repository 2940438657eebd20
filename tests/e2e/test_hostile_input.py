"""Hostile input through the real bot: refused with a reason, and nobody else waits for it.

An admin uploads a YAML alias bomb or a file nested 600 levels deep to ``/debate import``;
a member pastes the longest typo-ridden order into a 200-item debate with 20 aliases per
item; a whole server asks for a 200-item chart at once. Meanwhile another member's (or
another server's) command must be answered as quickly as ever.
"""

from __future__ import annotations

import asyncio

import pytest
import yaml

from tests.e2e.conftest import StartBot
from tests.e2e.emulator import DiscordEmulator, Guild, InteractionHandle
from tests.e2e.harness import BotProcess
from tests.e2e.reading import ranked_items
from tests.e2e.test_guild_isolation import start_with_global_commands
from tests.support.rocky import ROCKY_TITLES
from tests.test_catalog import alias_bomb

pytestmark = pytest.mark.e2e

# Discord drops an interaction not acknowledged within 3 s: another server's member must be
# answered within it, however loaded the machine (the bombs used to stall the loop 6 s).
PROMPT = 3.0


async def import_while_another_member_asks(
    emulator: DiscordEmulator, guild: Guild, filename: str, data: bytes
) -> tuple[InteractionHandle, InteractionHandle]:
    upload = await emulator.command(
        "debate import", {"file": emulator.upload(filename, data)}, member=guild.admin
    )
    other = await emulator.command("debate show", member=guild.plain_members[1])
    await emulator.wait_for_answers([upload, other], timeout=30)
    return upload, other


async def test_an_alias_bomb_is_refused_and_others_are_answered_meanwhile(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    upload, other = await import_while_another_member_asks(
        emulator, dev_guild, "bomb.yaml", alias_bomb().encode()
    )
    reply = await upload.message()
    assert reply.ephemeral
    assert "uses YAML anchors or aliases; write each value out in full" in reply.text, reply.text
    assert (await other.message()).text
    assert (other.first_answer_latency or 0) < PROMPT


async def test_600_levels_of_nesting_get_a_clear_answer_not_an_apology(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    deep = ("items: " + "[" * 600 + "]" * 600 + "\n").encode()
    upload, other = await import_while_another_member_asks(emulator, dev_guild, "deep.yaml", deep)
    reply = await upload.message()
    assert reply.ephemeral and "is nested more than 8 levels deep" in reply.text, reply.text
    assert "something went wrong" not in reply.text.lower()
    assert (other.first_answer_latency or 0) < PROMPT


def big_debate_yaml() -> tuple[bytes, list[str]]:
    """A 200-item debate, 20 aliases per item, names without numbers; and its names."""
    words = [f"{a}{b}{c}{d}" for a in "bdfk" for b in "aeiou" for c in "lmnr" for d in "aeiou"]
    names = [f"{words[n]} {words[n + 1]} {words[n + 2]}" for n in range(200)]
    items = [
        {
            "name": name,
            "aliases": [
                f"{words[(n * 20 + k) % 400]} {words[(n * 7 + k) % 400]} x" for k in range(20)
            ],
        }
        for n, name in enumerate(names)
    ]
    document = {
        "slug": "big",
        "title": "Two hundred things",
        "question": "Which is best?",
        "author": {"name": "Admin"},
        "items": items,
    }
    return yaml.safe_dump(document, sort_keys=False).encode(), names


async def test_the_worst_typed_order_is_read_while_others_are_answered(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    data, names = big_debate_yaml()
    created = await emulator.command(
        "debate import", {"file": emulator.upload("big.yaml", data)}, member=dev_guild.admin
    )
    assert "big" in (await created.message()).text

    def typo(name: str) -> str:
        return name[:3] + name[4] + name[3] + name[5:]

    order = " > ".join(typo(name) for name in names)
    assert 3000 < len(order) <= 6000
    voter, asker = dev_guild.plain_members[2], dev_guild.plain_members[3]
    votes = [
        await emulator.command("vote", {"order": order, "debate": "big"}, member=voter),
        await emulator.command("vote", {"order": order, "debate": "big"}, member=voter),
    ]
    other = await emulator.command("debate show", member=asker)
    await emulator.wait_for_answers([*votes, other], timeout=30)
    assert (other.first_answer_latency or 0) < PROMPT
    replies = [(await vote.message()).text for vote in votes]
    # The same member sent it twice at once: one is read, the other told to wait.
    assert any("still reading what you sent before" in text for text in replies), replies
    assert any(typo(names[0]) not in text and names[0] in text for text in replies), replies
    await asyncio.sleep(0)


async def test_one_server_hammering_charts_is_refused_and_another_is_answered_meanwhile(
    emulator: DiscordEmulator, start_bot: StartBot
) -> None:
    # The second server sees commands only after a global sync, as an owner would run it.
    other_guild = emulator.add_guild("Italian Stallions", members=2)
    await start_with_global_commands(emulator, start_bot)
    guild = emulator.guild(0)
    data, names = big_debate_yaml()
    created = await emulator.command(
        "debate import", {"file": emulator.upload("big.yaml", data)}, member=guild.admin
    )
    assert "big" in (await created.message()).text
    # Numbers are offered once someone voted; posted, so that every member can click.
    order = f"{names[0]} > {names[1]}"
    vote = await emulator.command("vote", {"debate": "big", "order": order}, member=guild.admin)
    assert "Saved" in (await vote.message()).text
    shown = await (await emulator.command("consensus", {"debate": "big", "public": True})).message()

    theirs = await emulator.command("vote", {"order": "IV > II > III"}, guild=other_guild)
    assert "Saved" in (await theirs.message()).text

    # Every member of the first server asks for the 200-item chart at once, one of them twice.
    clickers = [*guild.plain_members, guild.plain_members[0]]
    clicks = [
        await emulator.click(shown, label="Show the numbers", member=member) for member in clickers
    ]
    other = await emulator.command("consensus", guild=other_guild)
    await emulator.wait_for_answers([*clicks, other], timeout=60)
    assert (other.first_answer_latency or 0) < PROMPT
    answer = await other.message()
    assert ranked_items(answer, ROCKY_TITLES)

    async def final_text(handle: InteractionHandle) -> tuple[str, int]:
        message = await handle.message()
        assert message.ephemeral
        return message.text, len(message.attachments)

    answers = [await final_text(click) for click in clicks]
    charts = [text for text, files in answers if files]
    assert len(charts) >= 1, answers
    # Not queued behind the first server's drawing: answered before its chart was shown (a
    # 200-item chart takes many times a Rocky consensus, on any machine).
    drawn = [(await click.message()).shown_at for click in clicks]
    assert answer.shown_at < max(drawn)
    refused = [text for text, files in answers if not files]
    assert any("drawing another chart for this server" in text for text in refused), answers
    assert any("asked for a chart a moment ago" in text for text in refused), answers

    # The chart stays cached while the tally stands still: the next click is answered with it.
    again = await emulator.click(shown, label="Show the numbers", member=guild.admin)
    assert (await again.message()).attachments
