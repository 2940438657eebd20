"""Exports built off the event loop, one per server at a time, compressed past a size and
refused past what Discord lets a bot upload.

A server's 5,000 ballots on a 200-item debate make an 83 MB CSV: built on the event loop
it froze every server for seconds, and Discord refused the upload anyway. Here the ballots
come from the database a page at a time, each page is written out in a thread of its own,
gzipped as it goes once the file passes ``COMPRESS_ABOVE``, and the export is given up as
soon as even the compressed file passes ``UPLOAD_LIMIT``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import zlib
from collections.abc import AsyncIterable, Callable, Iterable, Sequence
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
    rows: int = 0

    @property
    def compressed(self) -> bool:
        return self.filename.endswith(".gz")


class ExportTooBig(Exception):
    """Even compressed, the file would be over ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class CsvPacker:
    """Rows in, a CSV file out, a piece at a time: plain up to ``compress_above`` bytes,
    gzipped past it, refused with :class:`ExportTooBig` as soon as even the gzipped file
    passes ``limit``. Memory stays within about ``compress_above + limit`` whatever the rows.

    Not thread-safe: the :class:`ExportWorker` feeds it from its one thread.
    """

    def __init__(
        self, stem: str, *, compress_above: int | None = None, limit: int | None = None
    ) -> None:
        self.stem = stem
        # Read when the export starts, so an operator (or a test) can change them.
        self.compress_above = COMPRESS_ABOVE if compress_above is None else compress_above
        self.limit = UPLOAD_LIMIT if limit is None else limit
        self.rows = 0
        self._gzip = zlib.compressobj(wbits=31)  # 31: the gzip container every tool opens
        self._plain: list[bytes] | None = []
        self._plain_size = 0
        self._packed: list[bytes] = []
        self._packed_size = 0

    def add(self, rows: Iterable[Sequence[str]]) -> None:
        for chunk, count in _chunks(rows):
            self.rows += count
            data = chunk.encode()
            self._plain_size += len(data)
            if self._plain is not None and self._plain_size <= self.compress_above:
                self._plain.append(data)
            else:
                self._plain = None
            out = self._gzip.compress(data)
            self._packed.append(out)
            self._packed_size += len(out)
            if self._packed_size > self.limit:
                raise ExportTooBig(self.limit)

    def finish(self) -> ExportFile:
        if self._plain is not None:
            return ExportFile(f"{self.stem}.csv", b"".join(self._plain), self.rows)
        self._packed.append(self._gzip.flush())
        if self._packed_size + len(self._packed[-1]) > self.limit:
            raise ExportTooBig(self.limit)
        return ExportFile(f"{self.stem}.csv.gz", b"".join(self._packed), self.rows)


def pack_csv(
    rows: Iterable[Sequence[str]],
    stem: str,
    *,
    compress_above: int | None = None,
    limit: int | None = None,
) -> ExportFile:
    """``rows`` as ``stem.csv``, or ``stem.csv.gz`` past ``compress_above`` bytes (see
    :class:`CsvPacker`)."""
    packer = CsvPacker(stem, compress_above=compress_above, limit=limit)
    packer.add(rows)
    return packer.finish()


def _chunks(rows: Iterable[Sequence[str]]) -> Iterable[tuple[str, int]]:
    """The rows as CSV text, ``_ROWS_PER_CHUNK`` rows a piece, each with its row count."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    pending = 0
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending == _ROWS_PER_CHUNK:
            yield out.getvalue(), pending
            out.seek(0)
            out.truncate()
            pending = 0
    if pending:
        yield out.getvalue(), pending


class ExportWorker:
    """One thread for exports, and at most one export in flight per server."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exports")
        self._building: set[int] = set()

    def _claim(self, guild_id: int) -> None:
        if guild_id in self._building:
            raise UserError(
                "I'm still building this server's previous export; it will be here in a "
                "moment. Ask again once it is."
            )
        self._building.add(guild_id)

    async def build(self, guild_id: int, work: Callable[[], T]) -> T:
        self._claim(guild_id)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        finally:
            self._building.discard(guild_id)

    async def pack(
        self, guild_id: int, pieces: AsyncIterable[Iterable[Sequence[str]]], stem: str
    ) -> ExportFile:
        """The rows of ``pieces`` as one file (see :class:`CsvPacker`), each piece turned into
        CSV in the export thread as soon as it arrives: the rows are never all in memory,
        and the event loop only ever waits for one piece (a page of the database)."""
        self._claim(guild_id)
        loop = asyncio.get_running_loop()
        try:
            packer = CsvPacker(stem)
            async for rows in pieces:
                await loop.run_in_executor(self._executor, packer.add, rows)
            return await loop.run_in_executor(self._executor, packer.finish)
        finally:
            self._building.discard(guild_id)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
