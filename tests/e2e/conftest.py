"""Fixtures: a local Discord (``emulator``) and the real bot connected to it (``bot``).

The emulator starts with one guild, the dev guild, with six plain members. A test that needs
more (guilds, members, channels) asks for ``emulator`` and arranges them before it asks for the
bot, or uses ``start_bot`` to start it later with other settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.e2e.emulator import DiscordEmulator, Guild, InteractionHandle, Message, token_for
from tests.e2e.harness import BotProcess, kill_leftovers

APPLICATION_ID = 123456789012345678
# First part is base64("123456789012345678"), like a real token's.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
assert token_for(APPLICATION_ID) == TOKEN

BOTS_KEY = pytest.StashKey[list[BotProcess]]()
EMULATOR_KEY = pytest.StashKey[DiscordEmulator]()

StartBot = Callable[..., Awaitable[BotProcess]]


async def answered(handle: InteractionHandle) -> Message:
    """The message an interaction showed, after checking it was answered within Discord's
    three seconds."""
    message = await handle.message()
    assert (await handle.response()).latency < 3
    return message


@pytest.fixture
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[DiscordEmulator]:
    async with DiscordEmulator(application_id=APPLICATION_ID, token=TOKEN) as emulator:
        emulator.add_guild("Rocky Fans", members=6)
        request.node.stash[EMULATOR_KEY] = emulator
        yield emulator


@pytest.fixture
def dev_guild(emulator: DiscordEmulator) -> Guild:
    return emulator.guild(0)


@pytest.fixture
async def start_bot(
    emulator: DiscordEmulator, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[StartBot]:
    """``await start_bot(dev_guild=..., env={...}, start=True)``: a bot process, stopped after
    the test (exit code 0 required)."""
    bots: list[BotProcess] = []
    request.node.stash[BOTS_KEY] = bots

    async def start(
        *,
        dev_guild: Guild | bool | None = True,
        env: Mapping[str, str | None] = {},
        start: bool = True,
        wait_for_sync: bool = True,
    ) -> BotProcess:
        guild = emulator.guild(0) if dev_guild is True else dev_guild or None
        workdir = tmp_path / f"bot{len(bots) + 1}"
        workdir.mkdir()
        dev_guild_id = guild.id if guild else None
        bot = BotProcess(emulator, workdir, dev_guild_id=dev_guild_id, env=env)
        bots.append(bot)
        if start:
            await bot.start(wait_for_sync=wait_for_sync)
        return bot

    yield start
    codes = [await bot.close() for bot in bots]
    unclean = [code for code in codes if code not in (0, None)]
    if unclean:
        pytest.fail(f"the bot exited with code {unclean[0]}, not 0 (SIGTERM must end it cleanly)")


@pytest.fixture
async def bot(start_bot: StartBot) -> BotProcess:
    """The bot, started against the emulator with the dev guild, READY and synced."""
    return await start_bot()


@pytest.fixture(autouse=True)
def no_emulator_problems(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test after which the emulator saw something Discord would have refused."""
    yield
    emulator = request.node.stash.get(EMULATOR_KEY, None)
    if emulator is not None and emulator.problems and not emulator.allow_problems:
        problems = "\n".join(f"- {p}" for p in emulator.problems)
        pytest.fail(f"the emulator saw problems:\n{problems}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if report.failed:
        for bot in item.stash.get(BOTS_KEY, []):
            report.sections.append((f"bot log ({bot.log_path})", bot.log_tail()))
        emulator = item.stash.get(EMULATOR_KEY, None)
        if emulator is not None and emulator.problems:
            report.sections.append(("emulator problems", "\n".join(emulator.problems)))
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    kill_leftovers()
