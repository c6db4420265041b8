"""Work left for later, settled on demand: ended spans queued to be priced in a batch.

It lives outside the rooms so that both sides reach it while neither imports the other: the cost processor
registers its queue here, and a reader that must see every ended call's cost (a budget's check before the
next call) settles them first.
"""

from __future__ import annotations

import weakref
from typing import Protocol

__all__ = ["Settles", "register", "settle"]


class Settles(Protocol):
    def settle(self) -> None:
        """Does now what is queued, in this thread; returns once the queue is empty."""
        ...


_queues: weakref.WeakSet[Settles] = weakref.WeakSet()


def register(queue: Settles) -> None:
    """Settles ``queue`` whenever `settle` is called, for as long as it lives."""
    _queues.add(queue)


def settle() -> None:
    """Settles every registered queue: costs of spans that ended are counted before this returns."""
    for queue in list(_queues):
        queue.settle()
