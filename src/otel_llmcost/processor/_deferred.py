"""Pricing in batches: ended spans queued, and handled in order, ``batch`` at a time.

Handled one at a time as they end, inside real SDK calls, each span's pricing runs with the processor's code and
data out of the CPU's caches (the SDK's call pushed them out): about three times what the same work costs in a
row. Queued, a span's end costs the application one append, and every ``batch``-th span's end handles the queue
in a row, warm. A timer thread hands on what waits longer than ``delay`` seconds (an application gone quiet).

The batches are handled on the thread whose span fills the queue, not on the timer's: while the application's
threads run Python without a pause (a loop of calls to an SDK over an in-process transport), CPython lets a
waiting thread at the GIL only when they block, and its requests meanwhile slow them down; an application that
waits on the network lets the timer run at once.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from opentelemetry.sdk.trace import ReadableSpan

from .. import _settle
from ._tracking import reset_in_forked_child

__all__ = ["Deferred"]

_log = logging.getLogger("otel_llmcost")


class Deferred:
    """Hands ended spans to ``handle`` in the order they ended: ``batch`` at a time on the thread that ends the
    last of them, and after ``delay`` seconds on a timer thread of its own (started with the first span).

    Nothing is dropped, and the queue never holds more than ``batch`` spans. `settle` handles the queue in the
    calling thread; a forked child starts empty (the parent handles what it queued) and starts its own timer.
    """

    def __init__(self, handle: Callable[[ReadableSpan], None], *, batch: int = 32, delay: float = 1.0) -> None:
        self._handle = handle
        self._batch = batch
        self._delay = delay
        self._reset()
        reset_in_forked_child(self._reset)
        _settle.register(self)

    def _reset(self) -> None:
        self._pending: deque[ReadableSpan] = deque()
        # Held while spans are handled, so that they are handled one at a time and in order; reentrant, as a
        # handled span may reach code that settles (a metric reader collecting inline).
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    def put(self, span: ReadableSpan) -> None:
        """Queues an ended span: called by the thread that ended it."""
        pending = self._pending
        pending.append(span)
        queued = len(pending)
        if queued >= self._batch:
            self.settle()
        elif queued == 1:
            self._start_timer()

    def _start_timer(self) -> None:
        timer = self._timer
        if timer is None or not timer.is_alive():
            if self._stop.is_set():
                self.settle()  # shut down: handled on the spot, as there is no timer any more
                return
            timer = self._timer = threading.Thread(target=self._run, name="otel-llmcost pricing", daemon=True)
            timer.start()
        self._wake.set()

    def _run(self) -> None:
        wake, stop = self._wake, self._stop
        while not stop.is_set():
            wake.wait()
            wake.clear()
            stop.wait(self._delay)
            self.settle()

    def settle(self) -> None:
        """Handles every queued span in this thread, oldest first."""
        pending, handle = self._pending, self._handle
        with self._lock:
            while pending:
                span = pending.popleft()
                try:
                    handle(span)
                except Exception:  # noqa: BLE001 - a failing processor behind this one must not lose the others
                    _log.debug("otel-llmcost: a span processor failed on a span it was handed", exc_info=True)

    def stop(self, timeout: float = 5.0) -> None:
        """Handles what is queued and ends the timer; a span that ends later is handled on the spot."""
        self._stop.set()
        self._wake.set()
        timer = self._timer
        if timer is not None and timer is not threading.current_thread():
            timer.join(timeout)
        self.settle()

    def __len__(self) -> int:
        return len(self._pending)
