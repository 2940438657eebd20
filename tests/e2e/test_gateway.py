"""The bot keeps its gateway session: it RESUMEs at the emulator and re-identifies there."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import APPLICATION_ID, StartBot
from tests.e2e.emulator import DiscordEmulator, EmulatorError, Guild, token_for
from tests.e2e.harness import BotProcess
from tests.e2e.reading import ranked_items
from tests.support.rocky import ROCKY_TITLES

pytestmark = pytest.mark.e2e


async def test_resumes_after_a_dropped_connection_without_losing_an_interaction(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    await emulator.drop_connection(4000)
    show = await emulator.command("debate show")  # sent while the bot is away: replayed

    message = await show.message()
    assert emulator.resume_count == 1
    assert emulator.ready_count == 1, "resumed, not identified again"
    assert ranked_items(message, ROCKY_TITLES) == list(ROCKY_TITLES)


async def test_identifies_again_at_the_emulator_after_an_invalid_session(
    emulator: DiscordEmulator, dev_guild: Guild, bot: BotProcess
) -> None:
    emulator.invalidate_session()
    await emulator.wait_until_ready(2)

    message = await (await emulator.command("debate show")).message()
    assert ranked_items(message, ROCKY_TITLES) == list(ROCKY_TITLES)


async def test_a_bot_that_cannot_log_in_fails_the_wait_at_once_with_its_log(
    emulator: DiscordEmulator, start_bot: StartBot
) -> None:
    """Harness check: a wrong token gets 401 from the emulator, and the test hears about the
    exit straight away rather than after a timeout."""
    wrong = token_for(APPLICATION_ID).replace("abcdef", "zzzzzz")
    with pytest.raises(EmulatorError, match="exited with code 1") as failure:
        await start_bot(env={"DISCORD_TOKEN": wrong})
    assert "DISCORD_TOKEN" in str(failure.value), "the bot's own explanation is shown"
    assert emulator.ready_count == 0
