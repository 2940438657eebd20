"""The real bot as a subprocess, pointed at the emulator through its settings alone."""

# Waiting helpers take ``timeout=`` so a timeout can say what was awaited.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.e2e.emulator import DEFAULT_TIMEOUT, DiscordEmulator, EmulatorError

REPO_ROOT = Path(__file__).resolve().parents[2]
BOT_ARGV: tuple[str, ...] = (sys.executable, "-m", "bot")
LOG_TAIL_LINES = 200
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # discord.py colours its log when it thinks it is in Docker

# Settings the bot reads that must not leak in from the developer's shell.
_SCRUBBED = (
    "DISCORD_",
    "DATABASE_PATH",
    "DEV_GUILD_ID",
    "LOG_LEVEL",
    "CATALOG_DIR",
    "VOTE_SAVES_PER_MINUTE",
    "BACKUP_",
    "HEALTH_",
    "LOG_FORMAT",
    "SHARD_",
    "DATABASE_URL",
)

# Every process group started here, so that nothing outlives the test session.
_live_groups: set[int] = set()


class BotProcess:
    """``python -m bot`` against ``emulator``, with its output in ``log_path``.

    ``env`` adds or overrides settings (e.g. ``{"VOTE_SAVES_PER_MINUTE": "0"}``); a value of
    ``None`` removes one (e.g. ``{"DEV_GUILD_ID": None}``). ``argv`` and ``cwd`` run another
    command from another folder (an installed ``ranking-debates``).
    """

    def __init__(
        self,
        emulator: DiscordEmulator,
        workdir: Path,
        *,
        dev_guild_id: int | None,
        env: Mapping[str, str | None] = {},
        argv: Sequence[str] = BOT_ARGV,
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.database_path = workdir / "ranking-debates.sqlite3"
        self.log_path = workdir / "bot.log"
        self.argv = tuple(argv)
        self.cwd = cwd
        self.dev_guild_id = dev_guild_id
        self.env = self._environment(env)
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.exit_codes: list[int] = []
        self._expect_exit = False
        self._reported = False
        self._exit_watcher: asyncio.Task[None] | None = None
        emulator.add_watchdog(self._check_alive)

    def _environment(self, extra: Mapping[str, str | None]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
        env |= {
            "DISCORD_TOKEN": self.emulator.token,
            "DATABASE_PATH": str(self.database_path),
            "LOG_LEVEL": "DEBUG",
            "DISCORD_API_BASE_URL": self.emulator.api_base_url,
            "DISCORD_GATEWAY_URL": self.emulator.gateway_url,
            "PYTHONUNBUFFERED": "1",
        }
        if self.dev_guild_id is not None:
            env["DEV_GUILD_ID"] = str(self.dev_guild_id)
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    # Running ------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, *, wait_for_sync: bool = True, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Start the bot and wait until the emulator sent it READY (and, with a dev guild and
        ``wait_for_sync``, until it synced its commands there)."""
        if self.running:
            raise RuntimeError("the bot is already running")
        ready_before = self.emulator.ready_count
        syncs_before = len(self.emulator.command_syncs)
        self.process = await self._spawn(self.argv, f"start #{self.starts + 1}")
        self.starts += 1
        self._expect_exit = self._reported = False
        self._exit_watcher = asyncio.create_task(self._watch_exit(self.process))
        await self.emulator.wait_until_ready(ready_before + 1, timeout=timeout)
        if wait_for_sync and self.dev_guild_id is not None:
            await self.emulator.wait_for_sync(
                self.dev_guild_id, after=syncs_before, timeout=timeout
            )

    async def stop(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """SIGTERM, and the exit code once the bot has shut down (killed after ``timeout``)."""
        process = self.process
        if process is None or process.returncode is not None:
            return process.returncode if process and process.returncode is not None else 0
        self._expect_exit = True
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            self._kill_group(process.pid)
            await process.wait()
            raise EmulatorError(f"the bot did not exit within {timeout:.0f}s of SIGTERM") from None
        finally:
            self._kill_group(process.pid)
        return code

    async def kill(self) -> int:
        """SIGKILL, like a crash or a power cut: no shutdown code runs. The exit code (-9)."""
        process = self.process
        if process is None or process.returncode is not None:
            raise RuntimeError("the bot is not running")
        self._expect_exit = True
        self._kill_group(process.pid)
        return await process.wait()

    async def restart(
        self, *, wait_for_sync: bool = True, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Stop cleanly (exit code 0 required), then start again on the same database."""
        code = await self.stop(timeout)
        if code != 0:
            raise EmulatorError(f"the bot exited with code {code} on SIGTERM, not 0")
        await self.start(wait_for_sync=wait_for_sync, timeout=timeout)

    async def close(self) -> int | None:
        """Teardown: stop whatever runs, never leaving a process behind. The exit code, unless
        it was expected or already reported to the test (then None)."""
        process = self.process
        if process is None:
            return None
        exited_before = process.returncode is not None
        try:
            code = await self.stop(timeout=10)
        finally:
            if self._exit_watcher is not None:
                self._exit_watcher.cancel()
        return None if exited_before and (self._expect_exit or self._reported) else code

    async def run_once(self, *args: str, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Run ``python -m bot ARGS`` to completion (e.g. ``run_once("sync")``); its exit code."""
        process = await self._spawn((*self.argv, *args), " ".join(args))
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            raise EmulatorError(
                f"`python -m bot {' '.join(args)}` ran over {timeout:.0f}s"
            ) from None
        finally:
            self._kill_group(process.pid)

    async def _spawn(self, argv: Sequence[str], label: str) -> asyncio.subprocess.Process:
        with self.log_path.open("ab") as log:
            log.write(f"\n===== {label} at {time.strftime('%H:%M:%S')} =====\n".encode())
            log.flush()
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=self.cwd,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group: stopping it stops its children
            )
        _live_groups.add(process.pid)
        return process

    async def _watch_exit(self, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        self.exit_codes.append(code)
        self.emulator.notify()  # wake waiters so _check_alive can report it

    def _check_alive(self) -> None:
        process = self.process
        if process is None or self._expect_exit or process.returncode is None:
            return
        self._reported = True
        raise EmulatorError(
            f"the bot exited with code {process.returncode}; its log:\n{self.log_tail(60)}"
        )

    @staticmethod
    def _kill_group(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        _live_groups.discard(pid)

    # Reading ------------------------------------------------------------------------------------

    def log_text(self) -> str:
        if not self.log_path.exists():
            return ""
        return _ANSI.sub("", self.log_path.read_text(errors="replace"))

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        text = self.log_text().splitlines()
        skipped = len(text) - lines
        head = [f"[... {skipped} earlier lines in {self.log_path}]"] if skipped > 0 else []
        return "\n".join(head + text[-lines:])


def kill_leftovers() -> None:
    """Last resort at the end of the session: no bot process group survives the tests."""
    for pid in list(_live_groups):
        BotProcess._kill_group(pid)
