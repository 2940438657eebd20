"""``python -m bot``: run the bot. ``python -m bot sync``: publish commands globally, then exit.
``python -m bot analyze FILE``: rank ballots from a file offline (no Discord needed)."""

from __future__ import annotations

import os

# The engine's matrices are small: OpenBLAS threads only add contention on a shared
# machine (a 12 ms product took 190 ms under load in bench/engine.py). Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import asyncio
import logging
import signal
import sys

import discord
from dotenv import load_dotenv

from bot.catalog import CatalogError
from bot.client import RankingBot
from bot.endpoints import apply_endpoints
from bot.settings import Settings, SettingsError
from bot.storage import Database

log = logging.getLogger("bot")

USAGE = """usage: python -m bot [run | sync | analyze FILE [--method M] [--json]]

  run       start the bot (the default)
  sync      publish the slash commands globally once, then exit
  analyze   rank ballots from a PrefLib or text file and print the result"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "run"
    if command in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if command == "analyze":
        from bot.analyze import main as analyze

        return analyze(args[1:])
    if command not in {"run", "sync"}:
        print(f"Unknown command {command!r}.\n{USAGE}", file=sys.stderr)
        return 2
    load_dotenv(override=False)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ranking-debates: {exc}", file=sys.stderr)
        return 1
    discord.utils.setup_logging(level=settings.log_level_number, root=True)
    # aiosqlite logs every statement at DEBUG, which drowns the bot's own debug output.
    logging.getLogger("aiosqlite").setLevel(max(settings.log_level_number, logging.INFO))
    try:
        apply_endpoints(settings.api_base_url, settings.gateway_url)
    except ValueError as exc:
        print(f"ranking-debates: {exc}", file=sys.stderr)
        return 1
    try:
        return asyncio.run(run(settings, sync_globally=command == "sync"))
    except KeyboardInterrupt:
        return 0


async def run(settings: Settings, *, sync_globally: bool = False) -> int:
    async with await Database.open(settings.database_path) as db:
        bot = RankingBot(settings, db, sync_globally=sync_globally)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if sync_globally:
            bot.add_listener(_close_after_sync(bot, stop), "on_ready")
        async with bot:
            runner = asyncio.create_task(bot.start(settings.discord_token), name="bot")
            stopper = asyncio.create_task(stop.wait(), name="signals")
            await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper.done():
                log.info("Shutting down")
                await bot.close()
            stopper.cancel()
            try:
                await runner
            except discord.LoginFailure:
                print(
                    "ranking-debates: Discord refused DISCORD_TOKEN; reset the token in the "
                    "Developer Portal and paste the new one into .env.",
                    file=sys.stderr,
                )
                return 1
            except CatalogError as exc:
                print(f"ranking-debates: the debate catalog has problems:\n{exc}", file=sys.stderr)
                return 1
        log.info("Database closed; goodbye")
    return 0


def _close_after_sync(bot: RankingBot, stop: asyncio.Event):  # noqa: ANN202
    async def on_ready() -> None:
        # setup_hook already synced globally; nothing else to do.
        stop.set()

    return on_ready


if __name__ == "__main__":
    raise SystemExit(main())
