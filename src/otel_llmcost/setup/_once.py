"""`once`: a set-up step that a process takes at most once, however often (and from however many threads) asked."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

__all__ = ["once"]


def once(step: Callable[[], None]) -> Callable[[], None]:
    """``step``, run by the first call only; a call made while it runs waits for it to finish."""
    lock = threading.Lock()
    done = False

    @functools.wraps(step)
    def first() -> None:
        nonlocal done
        with lock:
            if done:
                return
            done = True
            step()

    return first
