"""What the processor remembers between spans: open spans, subtree totals, priced response ids. Bounded."""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from opentelemetry.sdk.trace import Span

from .. import _attributes as a
from .._spans import plain_attributes
from ..usage import operation_of

__all__ = ["Tracker", "reset_in_forked_child"]

_MAX_DEPTH = 256


def reset_in_forked_child(reset: Callable[[], None]) -> None:
    """Calls the bound method ``reset`` in the child after an ``os.fork()``, for as long as its object lives.

    A child inherits a copy of the parent's state: totals it must not report again, and locks that another
    thread of the parent may have held at the fork, which would never be released in the child.
    """
    register = getattr(os, "register_at_fork", None)
    if register is None:
        return
    method = weakref.WeakMethod(reset)  # pyright: ignore[reportArgumentType]

    def after_in_child() -> None:
        bound = method()
        if bound is not None:
            bound()

    register(after_in_child=after_in_child)


@dataclass(slots=True)
class _Below:
    """The priced calls below one open span."""

    cost: Decimal = Decimal(0)
    calls: int = 0
    usage_keys: set[tuple[int, int]] = field(default_factory=set[tuple[int, int]])


class Tracker:
    """Open spans by id with their parents, the totals of the priced calls below them, and priced response ids.

    Everything is bounded: past ``max_open_spans`` the oldest open span is forgotten (a span that never
    ends costs nothing forever), and past ``max_response_ids`` the oldest response id. Recording a span
    start is one dictionary insert, and a priced response id an insert and an append: the GIL makes each
    atomic, so the common paths take no lock.

    Attributes:
        open_spans: the open spans by id, oldest first. The processor inserts and pops here itself, on
            every span: a method call would be most of what it spends on spans it passes through.
        below: the priced calls below each open span that has some.
        max_open: how many open spans are kept; past it, `evict` forgets the oldest.
    """

    def __init__(self, max_open_spans: int = 10_000, max_response_ids: int = 10_000) -> None:
        self.max_open = max_open_spans
        self._max_responses = max_response_ids
        self._reset()
        reset_in_forked_child(self._reset)

    def _reset(self) -> None:
        """Forgets everything; in a forked child, the parent's open spans are the parent's to end."""
        if hasattr(self, "open_spans"):
            # In a forked child: the same objects, emptied, as the processor holds the first two.
            self.open_spans.clear()
            self.below.clear()
            self._responses.clear()
            self._claimed.clear()
            self._calls.clear()
            self._called.clear()
        else:
            # OrderedDict: evicting the oldest is O(1); a dict scans the holes its deletions leave at its front.
            self.open_spans: OrderedDict[int, Span] = OrderedDict()
            self.below: dict[int, _Below] = {}
            self._responses: dict[tuple[str, str], int] = {}
            # The priced response ids in the order they came: forgetting the oldest is a pop from the left.
            self._claimed: deque[tuple[str, str]] = deque()
            # The usage of priced calls by span id, kept after they end (bounded like the response ids): a
            # call inside one that ended first with the same usage is the same call.
            self._calls: dict[int, tuple[int, int]] = {}
            self._called: deque[int] = deque()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.open_spans)

    def evict(self) -> None:
        """Forgets the oldest open spans past `max_open`."""
        with self._lock:
            while len(self.open_spans) > self.max_open:
                evicted, _ = self.open_spans.popitem(last=False)
                self.below.pop(evicted, None)

    def ancestors(self, parent_id: int | None) -> Iterator[tuple[int, Span]]:
        """The open spans above a span whose parent is ``parent_id``, nearest first, with their ids."""
        depth = 0
        while parent_id is not None and depth < _MAX_DEPTH:
            span = self.open_spans.get(parent_id)
            if span is None:
                return
            yield parent_id, span
            grandparent = span.parent
            parent_id = grandparent.span_id if grandparent is not None else None
            depth += 1

    def priced_response(self, provider: str | None, response_id: str) -> int | None:
        """The span that already priced ``response_id``, if one did."""
        return self._responses.get((provider or "", response_id))

    def claim_response(self, provider: str | None, response_id: str, span_id: int) -> int | None:
        """Records that ``span_id`` priced ``response_id``, unless a span did already: then returns its id."""
        key = (provider or "", response_id)
        earlier = self._responses.setdefault(key, span_id)
        if earlier != span_id:
            return earlier
        claimed = self._claimed
        claimed.append(key)
        if len(claimed) > self._max_responses:
            # A set, an append and a pop are each atomic; threads that claim at once forget one id each.
            self._responses.pop(claimed.popleft(), None)
        return None

    def priced_call(self, span_id: int) -> tuple[int, int] | None:
        """The usage (input, output tokens) of the call that span ``span_id`` priced, if it priced one."""
        return self._calls.get(span_id)

    def claim_call(self, span_id: int, usage_key: tuple[int, int]) -> None:
        """Records that ``span_id`` priced a call with this usage; past the bound the oldest is forgotten."""
        self._calls[span_id] = usage_key
        called = self._called
        called.append(span_id)
        if len(called) > self._max_responses:
            self._calls.pop(called.popleft(), None)

    def roll_up(self, parent_id: int | None, amount: Decimal, usage_key: tuple[int, int]) -> None:
        """Adds a priced call to every open ancestor; ancestors that are not calls show the new totals."""
        updates: list[tuple[Span, float, int]] = []
        with self._lock:
            for span_id, span in self.ancestors(parent_id):
                below = self.below.get(span_id)
                if below is None:
                    below = self.below[span_id] = _Below()
                below.cost += amount
                below.calls += 1
                below.usage_keys.add(usage_key)
                updates.append((span, float(below.cost), below.calls))
        for span, cost, calls in updates:
            # Inference spans carry their own cost only: a backend that sums costs must not count a call twice.
            if span.end_time is None and operation_of(plain_attributes(span)) is None:
                span.set_attributes({a.LLMCOST_SUBTREE_COST: cost, a.LLMCOST_SUBTREE_CALLS: calls})
