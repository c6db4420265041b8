"""What the processor remembers between spans: open spans, subtree totals, priced response ids. Bounded."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from opentelemetry.sdk.trace import Span

from .. import _attributes as a
from ..usage import operation_of

__all__ = ["Tracker"]

_MAX_DEPTH = 256


@dataclass(slots=True)
class _Open:
    span: Span
    parent_id: int | None
    cost: Decimal = Decimal(0)
    calls: int = 0
    usage_keys: set[tuple[int, int]] = field(default_factory=set[tuple[int, int]])


class Tracker:
    """Open spans by id, with the totals of the priced calls below them, and recently priced response ids.

    Both maps are bounded: past ``max_open_spans`` the oldest open span is forgotten (a span that never
    ends costs nothing forever), and past ``max_response_ids`` the oldest response id.
    """

    def __init__(self, max_open_spans: int = 10_000, max_response_ids: int = 10_000) -> None:
        self._open: OrderedDict[int, _Open] = OrderedDict()
        self._responses: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._max_open = max_open_spans
        self._max_responses = max_response_ids
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._open)

    def started(self, span: Span) -> None:
        parent = span.parent
        context = span.context
        if context is None:
            return
        with self._lock:
            self._open[context.span_id] = _Open(span, parent.span_id if parent is not None else None)
            if len(self._open) > self._max_open:
                self._open.popitem(last=False)

    def ended(self, span_id: int) -> set[tuple[int, int]]:
        """Forgets an ended span; returns the usage of the priced calls below it (for nested duplicates)."""
        with self._lock:
            found = self._open.pop(span_id, None)
        return found.usage_keys if found is not None else set()

    def priced_response(self, provider: str | None, response_id: str) -> int | None:
        """The span that already priced ``response_id``, if one did."""
        return self._responses.get((provider or "", response_id))

    def claim_response(self, provider: str | None, response_id: str, span_id: int) -> None:
        """Records that ``span_id`` priced ``response_id``."""
        with self._lock:
            self._responses[(provider or "", response_id)] = span_id
            if len(self._responses) > self._max_responses:
                self._responses.popitem(last=False)

    def roll_up(self, parent_id: int | None, amount: Decimal, usage_key: tuple[int, int]) -> None:
        """Adds a priced call to every open ancestor; ancestors that are not calls show the new totals."""
        updates: list[tuple[Span, float, int]] = []
        with self._lock:
            depth = 0
            while parent_id is not None and depth < _MAX_DEPTH:
                ancestor = self._open.get(parent_id)
                if ancestor is None:
                    break
                ancestor.cost += amount
                ancestor.calls += 1
                ancestor.usage_keys.add(usage_key)
                updates.append((ancestor.span, float(ancestor.cost), ancestor.calls))
                parent_id = ancestor.parent_id
                depth += 1
        for span, cost, calls in updates:
            # Inference spans carry their own cost only: a backend that sums costs must not count a call twice.
            if span.end_time is None and operation_of(span.attributes or {}) is None:
                span.set_attributes({a.LLMCOST_SUBTREE_COST: cost, a.LLMCOST_SUBTREE_CALLS: calls})
