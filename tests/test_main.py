"""bot.launch: stopping the bot cleanly where the event loop cannot watch signals (Windows)."""

import asyncio
import gc
import os
import signal

import pytest

from bot.client import GC_YOUNG_THRESHOLD, resume_collecting
from bot.launch import install_stop_handlers


class WindowsLikeLoop(asyncio.SelectorEventLoop):
    """A loop that, like Windows' loops, cannot install signal handlers."""

    def add_signal_handler(self, sig: int, callback: object, *args: object) -> None:
        raise NotImplementedError


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signals_stop_the_bot_where_the_loop_has_no_signal_handlers(sig: int) -> None:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    loop = WindowsLikeLoop()

    async def wait_for_stop() -> bool:
        stop = asyncio.Event()
        install_stop_handlers(asyncio.get_running_loop(), stop)
        os.kill(os.getpid(), sig)
        await asyncio.wait_for(stop.wait(), 5)
        return stop.is_set()

    try:
        assert loop.run_until_complete(wait_for_stop())
    finally:
        loop.close()
        for s, handler in saved.items():
            signal.signal(s, handler)


def test_the_collector_resumes_after_the_imports_with_fewer_young_collections() -> None:
    """What `python -m bot` imported is frozen out of every collection, and young
    collections come every GC_YOUNG_THRESHOLD allocations (see resume_collecting)."""
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    gc.disable()
    kept = [[] for _ in range(1_000)]  # noqa: F841 - alive through the freeze
    try:
        resume_collecting()
        assert gc.isenabled()
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *threshold[1:])
        assert gc.get_freeze_count() >= 1_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        (gc.enable if enabled else gc.disable)()
