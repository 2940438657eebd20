"""``python -m bot``: run the bot. ``python -m bot sync``: publish commands globally, then exit.
``python -m bot analyze FILE``: rank ballots from a file offline (no Discord needed).

This module only dispatches: ``analyze`` must not pay for discord.py, aiohttp and the bot
client (half a second of imports), so each command imports what it needs when it runs.
"""

from __future__ import annotations

import os

# The engine's matrices are small: OpenBLAS threads only add contention on a shared
# machine (a 12 ms product took 190 ms under load in bench/engine.py). Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import gc
import sys

USAGE = """usage: python -m bot [run | sync | backup [PATH] | forget USER_ID | migrate
                     | copy-db FROM TO | analyze FILE [--method M] [--json]]

  run       start the bot (the default)
  sync      publish the slash commands globally once, then exit
  backup    copy the database consistently (safe while the bot runs) to PATH, a folder,
            or by default a dated file in BACKUP_DIR or beside the database
  forget    erase everything stored about the user USER_ID in every server
  migrate   bring the database (DATABASE_URL or DATABASE_PATH) to this version, then exit
  copy-db   copy every row of the database FROM (e.g. a SQLite file) into the empty TO
            (e.g. postgresql://user:password@host/database) and check the counts
  analyze   rank ballots from a PrefLib or text file and print the result"""
BOT_COMMANDS = {"run", "sync", "backup", "forget", "migrate", "copy-db"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "run"
    if command in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    if command == "analyze":
        from bot.analyze import main as analyze

        return analyze(args[1:])
    if command not in BOT_COMMANDS:
        print(f"Unknown command {command!r}.\n{USAGE}", file=sys.stderr)
        return 2
    # The imports make over a hundred thousand objects that live as long as the process,
    # and almost no garbage: the collector's passes over them were a fifth of the time to
    # READY. Paused until the bot has loaded its cogs (RankingBot.setup_hook), or until
    # launch() knows the command only touches the database.
    gc.disable()
    from bot.launch import launch

    return launch(command, args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
