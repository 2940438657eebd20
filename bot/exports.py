"""Exports built off the event loop, one per server at a time, compressed past a size and
refused past what Discord lets a bot upload.

A server's 5,000 ballots on a 200-item debate make an 83 MB CSV: built on the event loop
it froze every server for seconds, and Discord refused the upload anyway. Here the CSV is
written in a thread of its own, gzipped as it goes once it passes ``COMPRESS_ABOVE``, and
given up as soon as even the compressed file passes ``UPLOAD_LIMIT``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import UserError

# Discord lets a bot upload 10 MiB to any server; the YAML file and the request travel too.
UPLOAD_LIMIT = 8 * 1024 * 1024
# Smaller files are sent as plain CSV, which opens with a double click everywhere.
COMPRESS_ABOVE = 1024 * 1024
_ROWS_PER_CHUNK = 200

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    data: bytes

    @property
    def compressed(self) -> bool:
        return self.filename.endswith(".gz")


class ExportTooBig(Exception):
    """Even compressed, the file would be over ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def pack_csv(
    rows: Iterable[Sequence[str]],
    stem: str,
    *,
    compress_above: int = COMPRESS_ABOVE,
    limit: int = UPLOAD_LIMIT,
) -> ExportFile:
    """``rows`` as ``stem.csv``, or ``stem.csv.gz`` past ``compress_above`` bytes; raises
    :class:`ExportTooBig` as soon as the gzipped file passes ``limit``. Memory stays within
    about ``compress_above + limit`` whatever the rows."""
    gzip = zlib.compressobj(wbits=31)  # 31: the gzip container, which every tool opens
    plain: list[bytes] | None = []
    plain_size = 0
    packed: list[bytes] = []
    packed_size = 0
    for chunk in _chunks(rows):
        data = chunk.encode()
        plain_size += len(data)
        if plain is not None and plain_size <= compress_above:
            plain.append(data)
        else:
            plain = None
        out = gzip.compress(data)
        packed.append(out)
        packed_size += len(out)
        if packed_size > limit:
            raise ExportTooBig(limit)
    if plain is not None:
        return ExportFile(f"{stem}.csv", b"".join(plain))
    packed.append(gzip.flush())
    if packed_size + len(packed[-1]) > limit:
        raise ExportTooBig(limit)
    return ExportFile(f"{stem}.csv.gz", b"".join(packed))


def _chunks(rows: Iterable[Sequence[str]]) -> Iterable[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % _ROWS_PER_CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()


class ExportWorker:
    """One thread for exports, and at most one export in flight per server."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exports")
        self._building: set[int] = set()

    async def build(self, guild_id: int, work: Callable[[], T]) -> T:
        if guild_id in self._building:
            raise UserError(
                "I'm still building this server's previous export; it will be here in a "
                "moment. Ask again once it is."
            )
        self._building.add(guild_id)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        finally:
            self._building.discard(guild_id)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
