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
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable

from opentelemetry.sdk.trace import ReadableSpan

from .. import _settle
from ._tracking import reset_in_forked_child

__all__ = ["Deferred"]

_log = logging.getLogger("otel_llmcost")
_IDLE = 60.0
"""Seconds the timer waits for a span before it checks that its queue still exists."""


class Deferred:
    """Hands ended spans to ``handle`` in the order they ended: ``batch`` at a time on the thread that ends the
    last of them, and after ``delay`` seconds on a timer thread of its own (started with the first span).
    ``after`` is called at the end of each batch, with the batch's work still in the caches.

    Nothing is dropped, even when the queue itself is dropped without a `stop`, and it holds at most ``batch``
    spans (and one more per thread whose span ends while another thread handles the queue). `settle` handles the
    queue in the calling thread; a forked child starts empty (the parent handles what it queued) and starts its
    own timer.
    """

    def __init__(
        self,
        handle: Callable[[ReadableSpan], None],
        *,
        batch: int = 64,
        delay: float = 1.0,
        after: Callable[[], None] | None = None,
    ) -> None:
        self._handle = handle
        self._after = after
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
        self._starting = threading.Lock()  # two threads whose spans both find the queue empty start one timer

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
            with self._starting:
                timer = self._timer
                if timer is None or not timer.is_alive():
                    arguments = (weakref.ref(self), self._wake, self._stop, self._delay)
                    timer = threading.Thread(target=_timer, args=arguments, name="otel-llmcost pricing", daemon=True)
                    timer.start()
                    self._timer = timer
        self._wake.set()

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
            if self._after is not None:
                self._after()

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

    def __del__(self) -> None:
        # A processor dropped without a shutdown (its provider's ``shutdown_on_exit`` off): what it queued is
        # handed on rather than lost. It and this queue hold each other, so the cycle collector finds them, and
        # calls this before it clears either (PEP 442): the handler still works, and no timer can reach the queue.
        # Not as the interpreter ends, when the modules the handler needs may be gone, as the exporters' threads are.
        if self._pending and not sys.is_finalizing():
            self.settle()


def _timer(owner: weakref.ref[Deferred], wake: threading.Event, stop: threading.Event, delay: float) -> None:
    """The timer thread: ``delay`` seconds after the first span of a batch, hands the queue on. It holds its
    queue weakly, and ends within a minute of the queue's processor being dropped without a shutdown (the queue
    then hands on what it holds itself: `Deferred.__del__`)."""
    while not stop.is_set():
        if not wake.wait(_IDLE):
            if owner() is None:
                return
            continue
        wake.clear()
        stop.wait(delay)
        queue = owner()
        if queue is None:
            return
        queue.settle()
        del queue
