"""bot.launch: stopping the bot cleanly where the event loop cannot watch signals (Windows)."""

import asyncio
import os
import signal

import pytest

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
