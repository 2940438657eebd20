"""Exports: built off the loop, gzipped past a size, refused past Discord's upload limit."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import random
import string
import threading

import pytest

from bot.errors import UserError
from bot.exports import ExportTooBig, ExportWorker, pack_csv


def rows(count: int, width: int = 40) -> list[list[str]]:
    rng = random.Random(count)
    return [
        [str(n), "".join(rng.choice(string.ascii_letters) for _ in range(width)), 'a, "b"']
        for n in range(count)
    ]


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_small_export_is_plain_csv() -> None:
    packed = pack_csv(rows(10), "x", compress_above=10_000)
    assert packed.filename == "x.csv" and not packed.compressed
    assert read_csv(packed.data.decode()) == rows(10)


def test_a_big_export_is_gzipped_and_reads_back_the_same() -> None:
    packed = pack_csv(rows(5000), "x", compress_above=10_000)
    assert packed.filename == "x.csv.gz"
    assert read_csv(gzip.decompress(packed.data).decode()) == rows(5000)


def test_an_export_too_big_even_compressed_is_given_up_early() -> None:
    produced = 0

    def endless():
        nonlocal produced
        rng = random.Random(1)
        while True:  # incompressible rows, for ever: only the limit stops it
            produced += 1
            yield ["".join(rng.choice(string.printable) for _ in range(200))]

    with pytest.raises(ExportTooBig):
        pack_csv(endless(), "x", compress_above=1000, limit=100_000)
    assert produced < 2000  # stopped at the limit, not after building everything


async def test_one_export_per_server_at_a_time_in_its_own_thread() -> None:
    worker = ExportWorker()
    gate = threading.Event()
    names: list[str] = []

    def work() -> str:
        names.append(threading.current_thread().name)
        gate.wait(10)
        return "done"

    try:
        first = asyncio.create_task(worker.build(1, work))
        await asyncio.sleep(0.05)
        with pytest.raises(UserError, match="still building this server's previous export"):
            await worker.build(1, work)
        other = asyncio.create_task(worker.build(2, lambda: "other"))
        gate.set()
        assert await first == "done" and await other == "other"
        assert names == ["exports_0"]
        assert await worker.build(1, lambda: "again") == "again"
    finally:
        gate.set()
        worker.close()


async def test_pack_writes_each_piece_in_the_export_thread_as_it_arrives() -> None:
    worker = ExportWorker()
    where: list[str] = []
    fetched: list[int] = []

    def piece(n: int):
        for row in rows(100, width=5)[n * 10 : n * 10 + 10]:
            where.append(threading.current_thread().name)
            yield row

    async def pieces():
        for n in range(10):
            fetched.append(n)
            await asyncio.sleep(0)  # a page of the database
            yield piece(n)

    try:
        packed = await worker.pack(1, pieces(), "x")
    finally:
        worker.close()
    assert packed.filename == "x.csv" and packed.rows == 100
    assert read_csv(packed.data.decode()) == rows(100, width=5)
    assert set(where) == {"exports_0"} and len(where) == 100
    assert fetched == list(range(10))


async def test_pack_stops_reading_pieces_once_the_file_is_too_big(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.exports as exports

    monkeypatch.setattr(exports, "COMPRESS_ABOVE", 1000)
    monkeypatch.setattr(exports, "UPLOAD_LIMIT", 20_000)
    rng = random.Random(3)
    read = 0

    async def endless():
        nonlocal read
        while True:
            read += 1
            yield [["".join(rng.choice(string.printable) for _ in range(200))] for _ in range(50)]

    worker = ExportWorker()
    try:
        with pytest.raises(ExportTooBig):
            await worker.pack(1, endless(), "x")
        # The server may export again at once: the failed one let go of its turn.
        assert (await worker.pack(1, _one_piece(), "y")).rows == 1
    finally:
        worker.close()
    assert read < 20


async def _one_piece():
    yield [["only"]]
