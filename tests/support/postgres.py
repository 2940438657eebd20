"""A throwaway PostgreSQL server for the tests, or the one PG_TEST_URL names.

The server is Debian's PostgreSQL 15 (``/usr/lib/postgresql/15/bin``, or PG_BIN), made with
``initdb`` in a temporary folder and listening only on a Unix socket in it, so parallel runs
never collide. PostgreSQL refuses to run as root: as root, the server runs as the
``postgres`` user (which Debian's package creates) or ``RD_PG_USER``. Each test gets its own
schema, dropped afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

DEFAULT_BIN = Path("/usr/lib/postgresql/15/bin")


class Unavailable(Exception):
    """No PostgreSQL to test against; the message says why and how to get one."""


@dataclass
class Server:
    url: str  # the database the tests use (superuser, trust auth over the socket)
    folder: Path | None = None  # ours to stop and delete; None for PG_TEST_URL
    bin: Path | None = None
    user: str | None = None

    def stop(self) -> None:
        if self.folder is None or self.bin is None:
            return
        _run(
            self.user,
            [str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _run(user: str | None, command: list[str]) -> subprocess.CompletedProcess[str]:
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def start(*, fsync: bool = False) -> Server:
    """PG_TEST_URL if set, else a new server; :class:`Unavailable` when neither can be had."""
    given = os.environ.get("PG_TEST_URL")
    if given:
        return Server(given)
    binaries = Path(os.environ.get("PG_BIN", DEFAULT_BIN))
    if not (binaries / "initdb").exists():
        raise Unavailable(
            f"no PostgreSQL binaries in {binaries} (apt-get install postgresql-15, or set "
            "PG_BIN), and PG_TEST_URL is not set"
        )
    user: str | None = None
    if os.geteuid() == 0:
        user = os.environ.get("RD_PG_USER", "postgres")
        try:
            account = pwd.getpwnam(user)
        except KeyError:
            raise Unavailable(
                f"running as root and there is no {user!r} user to run PostgreSQL as"
            ) from None
    folder = Path(tempfile.mkdtemp(prefix="rd-pg-"))
    data = folder / "data"
    if user is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    done = _run(
        user,
        [
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "--locale=C.UTF-8",
            "--encoding=UTF8",
            "-N",
        ],
    )
    if done.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"initdb failed: {done.stderr.strip()[-400:]}")
    options = f"-c listen_addresses='' -k {folder} -c max_connections=200"
    if not fsync:
        # A test database does not need to survive a power cut.
        options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    done = _run(
        user,
        [
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "log"),
            "-o",
            options,
            "-w",
            "start",
        ],
    )
    if done.returncode:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"PostgreSQL did not start: {(done.stderr + log).strip()[-400:]}")
    return Server(f"postgresql://postgres@/postgres?host={folder}", folder, binaries, user)


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (asyncpg passes unknown parameters on)."""
    return f"{url}{'&' if '?' in url else '?'}search_path={schema}"


async def new_schema(url: str) -> str:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    return schema


async def drop_schema(url: str, schema: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await conn.close()
