"""Scenario 1: the bot starts, gets READY, syncs to the dev guild only, and shows the Rocky
ranking."""

from __future__ import annotations

import pytest

from tests.e2e.emulator import PRIVILEGED_INTENTS, DiscordEmulator, Guild, Message
from tests.e2e.harness import BotProcess
from tests.e2e.reading import ranked_entries, ranked_items
from tests.support.rocky import ROCKY_TITLES

pytestmark = pytest.mark.e2e


def assert_pings_nobody(message: Message) -> None:
    mentions = message.allowed_mentions or {}
    assert mentions.get("parse") == [], mentions
    assert not mentions.get("users") and not mentions.get("roles"), mentions


async def test_starts_and_syncs_to_the_dev_guild_only(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    assert emulator.ready_count == 1
    assert not emulator.identifies[0]["intents"] & PRIVILEGED_INTENTS
    assert [sync.guild_id for sync in emulator.command_syncs] == [dev_guild.id]
    assert emulator.requests_to("PUT", r"/applications/\d+/commands") == []
    assert emulator.global_commands == []
    debate = next(c for c in emulator.guild_commands[dev_guild.id] if c["name"] == "debate")
    assert {"list", "show"} <= {option["name"] for option in debate["options"]}


async def test_debate_show_answers_the_rocky_ranking(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    show = await emulator.command("debate show", member=dev_guild.plain_members[0])
    message = await show.message()

    assert (await show.response()).latency < 3
    assert not message.ephemeral, "the ranking is public, with a Vote button for everyone"
    assert ranked_items(message, ROCKY_TITLES) == list(ROCKY_TITLES), message.text
    assert all(reason.strip() for _, reason in ranked_entries(message)), "each film has a reason"
    assert message.component(label="Vote")
    assert_pings_nobody(message)
    # One card: the text, the tier list (served by the emulator's CDN) under it, the buttons.
    assert message.layout and not message.embeds and not message.content
    [picture] = message.pictures
    assert picture.startswith(b"\x89PNG")
    assert [c["type"] for c in message.components] == [17, 1]


async def test_debate_option_autocompletes_and_names_the_debate(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    typed = await emulator.autocomplete("debate show", "debate", "rocky")
    choices = await typed.autocomplete_choices()
    assert choices, "typing 'rocky' suggests the Rocky debate"

    show = await emulator.command("debate show", {"debate": choices[0]["value"]})
    message = await show.message()
    assert ranked_items(message, ROCKY_TITLES) == list(ROCKY_TITLES), message.text


async def test_restarts_cleanly_on_the_same_database(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    """SIGTERM ends the bot with exit code 0; started again, it identifies, syncs and answers."""
    await bot.restart()

    assert bot.exit_codes == [0]
    assert emulator.ready_count == 2
    assert [sync.guild_id for sync in emulator.command_syncs] == [dev_guild.id, dev_guild.id]
    message = await (await emulator.command("debate show")).message()
    assert ranked_items(message, ROCKY_TITLES) == list(ROCKY_TITLES), message.text
