"""SIGINT / SIGTERM while JavaScript runs: stop it at once, then deliver the signal.

Python runs signal handlers in the main thread between bytecodes.  While
QuickJS runs, the main thread executes Python only inside our interrupt
handler (``js_interrupt.Interrupter``) and the host bridge -- and an exception
raised there would be swallowed by ctypes or corrupt the binding.  So while a
run's JavaScript may execute, ``SignalRelay`` sits in front of the previous
handlers: a signal stops every JavaScript evaluation of the run (each
``Interrupter`` answers "stop" at its next poll, within microseconds), and is
handed to the previous handler (which raises ``KeyboardInterrupt``, exit 130)
as soon as the main thread is out of JavaScript -- immediately if it was not
in it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[int, FrameType | None], Any]


class SignalRelay:
    """Installed by ``Expressions`` for a run (main thread only), removed by ``close``."""

    def __init__(self) -> None:
        self._previous: dict[int, Handler] = {}
        self._stops: list[Callable[[], None]] = []
        self._inside = 0
        self._pending: tuple[int, FrameType | None] | None = None

    def install(self) -> None:
        """Front the current Python-level handlers (not SIG_DFL / SIG_IGN ones)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in SIGNALS:
            previous = signal.getsignal(signum)
            if callable(previous):
                self._previous[signum] = previous
                signal.signal(signum, self._on_signal)

    def uninstall(self) -> None:
        """Put the previous handlers back where this relay is still the current one.

        A relay installed later may have saved this one as its previous
        handler: it then stays in the chain, passing signals on (``_previous``
        is kept for that), and stops no JavaScript any more.
        """
        for signum, previous in self._previous.items():
            if signal.getsignal(signum) == self._on_signal:
                signal.signal(signum, previous)
        self._stops = []

    def add_stop(self, stop: Callable[[], None]) -> None:
        """``stop`` is called on a signal (it aborts one QuickJS runtime)."""
        self._stops.append(stop)

    def enter(self) -> bool:
        """Before the main thread calls into JavaScript; returns whether to ``leave``."""
        if not self._previous or threading.current_thread() is not threading.main_thread():
            return False
        self._inside += 1
        return True

    def leave(self) -> None:
        """After the call: deliver a signal that arrived meanwhile (this raises, usually)."""
        self._inside -= 1
        if self._inside == 0 and self._pending is not None:
            signum, frame = self._pending
            self._pending = None
            self._previous[signum](signum, frame)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        for stop in self._stops:
            stop()
        if self._inside:
            self._pending = (signum, frame)
            return
        self._previous[signum](signum, frame)
