"""Running the bot and its database commands: what ``python -m bot`` does unless analyzing."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from pathlib import Path

import discord
from dotenv import load_dotenv

from bot.catalog import CatalogError
from bot.client import RankingBot, make_bot
from bot.endpoints import apply_endpoints
from bot.logs import formatter_for
from bot.maintenance import (
    DATABASE_ERRORS,
    backup_command,
    copy_db_command,
    forget_command,
    migrate_command,
)
from bot.settings import Settings, SettingsError, dotenv_warning
from bot.storage import Database
from bot.storage.database import DatabaseUnavailable

log = logging.getLogger("bot")

# Commands that only touch the database: no token needed.
OFFLINE = {"backup", "forget", "migrate", "copy-db"}


def launch(command: str, args: list[str]) -> int:
    """``run``, ``sync`` or a database command with the arguments after it; the exit status."""
    if command in OFFLINE:
        gc.enable()  # paused for the imports by bot/__main__.py; copy-db makes many rows
    # The working directory's .env, as the README says: the default search starts from this
    # file's folder, which for an installed bot is inside site-packages.
    dotenv = Path.cwd() / ".env"
    load_dotenv(dotenv, override=False)
    warning = dotenv_warning(dotenv)
    if warning is not None:
        print(f"ranking-debates: warning: {warning}", file=sys.stderr)
    try:
        settings = Settings.from_env(require_token=command not in OFFLINE)
    except SettingsError as exc:
        print(f"ranking-debates: {exc}", file=sys.stderr)
        return 1
    if command == "backup":
        return backup_command(settings, args)
    if command == "forget":
        return forget_command(settings, args)
    if command == "migrate":
        return migrate_command(settings, args)
    if command == "copy-db":
        return copy_db_command(args)
    formatter = formatter_for(settings.log_format)
    if formatter is None:
        discord.utils.setup_logging(level=settings.log_level_number, root=True)
    else:
        discord.utils.setup_logging(level=settings.log_level_number, root=True, formatter=formatter)
    # aiosqlite logs every statement, and Matplotlib its font cache, at DEBUG: they drown the
    # bot's own debug output.
    for noisy in ("aiosqlite", "matplotlib"):
        logging.getLogger(noisy).setLevel(max(settings.log_level_number, logging.INFO))
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
    try:
        db = await Database.open(settings.database)
    except DatabaseUnavailable as exc:
        print(f"ranking-debates: {exc}", file=sys.stderr)
        return 1
    async with db:
        try:
            # Before logging in: a database this bot cannot use stops it with one line.
            # On PostgreSQL, shards starting together take turns (an advisory lock).
            await db.migrate()
        except DATABASE_ERRORS as exc:
            print(f"ranking-debates: {exc}", file=sys.stderr)
            return 1
        bot = make_bot(settings, db, sync_globally=sync_globally)
        stop = asyncio.Event()
        install_stop_handlers(asyncio.get_running_loop(), stop)
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


def install_stop_handlers(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Ctrl-C and SIGTERM (Ctrl-Break on Windows) set ``stop`` so the bot shuts down cleanly."""
    names = ("SIGINT", "SIGTERM", "SIGBREAK")
    for sig in (getattr(signal, name) for name in names if hasattr(signal, name)):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            # Windows' event loops have no add_signal_handler; a plain handler runs in the
            # main thread between bytecodes, so it hands the event to the loop thread-safely.
            signal.signal(sig, lambda _sig, _frame: loop.call_soon_threadsafe(stop.set))


def _close_after_sync(bot: RankingBot, stop: asyncio.Event):  # noqa: ANN202
    async def on_ready() -> None:
        # setup_hook already synced globally; nothing else to do.
        stop.set()

    return on_ready
