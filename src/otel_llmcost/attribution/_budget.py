"""Budgets: refuse (or report) a call before it goes out when its worst case would pass the money left.

Spend comes from the priced spans themselves (`AttributionSpanProcessor` counts each span's
``gen_ai.usage.cost.amount``), so it agrees with the cost counter. A call that passes the check reserves
its worst case until its span ends, so calls checked at the same time in other threads and tasks see it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Literal

from opentelemetry import trace

from .. import _attributes as a
from .. import _settle
from .._before_call import CallRefused, set_before_call
from ._context import current_attributes

__all__ = ["Budget", "BudgetExceeded", "budget", "budgets_active", "check_budget", "spent"]

_log = logging.getLogger("otel_llmcost")
_lock = threading.Lock()
_budgets: list[Budget] = []
_PER: dict[str | None, str | None] = {
    None: None,
    "customer": a.LLMCOST_CUSTOMER_ID,
    "tenant": a.LLMCOST_TENANT_ID,
    "feature": a.LLMCOST_FEATURE,
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_WINDOW = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_RESERVATION_SECONDS = 900.0
"""A reservation whose span never ended (it was not recorded) is dropped after this long."""

OnExceed = Literal["warn", "raise"] | Callable[["BudgetExceeded"], object]


class BudgetExceeded(CallRefused):
    """A call's worst-case cost would take the spend in a budget's window past its limit.

    Raised before the request is sent, by a budget with ``on_exceed="raise"``; handed to ``on_exceed`` when it
    is a callable. Instrumentors let it (a refusal of the call) through to the caller.

    Attributes:
        budget: the budget.
        key: the customer, tenant or feature the budget counted the call under (None for a budget per process).
        spent_usd: what the calls in the window cost so far, with the worst case of those in flight.
        worst_case_usd: the most the refused call could cost.
        limit_usd: the budget.
    """

    def __init__(self, budget: Budget, key: str | None, spent_usd: Decimal, worst_case_usd: Decimal) -> None:
        self.budget = budget
        self.key = key
        self.spent_usd = spent_usd
        self.worst_case_usd = worst_case_usd
        self.limit_usd = budget.usd
        whose = f" for {budget.per} {key!r}" if budget.per is not None else ""
        super().__init__(
            f"budget of ${budget.usd} per {budget.window_name}{whose} would be exceeded: ${spent_usd} spent in the "
            f"window and this call may cost up to ${worst_case_usd}"
        )


def _seconds(window: str | timedelta | None) -> float | None:
    if window is None:
        return None
    if isinstance(window, timedelta):
        seconds = window.total_seconds()
    else:
        match = _WINDOW.match(window)
        if match is None:
            raise ValueError(f"budget() window is {window!r}; write it as a number and a unit: '30m', '1h', '1d', '7d'")
        seconds = float(int(match.group(1)) * _UNITS[match.group(2)])
    if seconds <= 0:
        raise ValueError(f"budget() window is {window!r}; it must be longer than zero")
    return seconds


class Budget:
    """A spending limit over a sliding window, per customer, tenant or feature, or for the whole process.

    Made by `budget`; it applies until `remove` (or the end of its ``with`` block).
    """

    def __init__(self, usd: Decimal, per: str | None, window: str | timedelta | None, on_exceed: OnExceed) -> None:
        self.usd = usd
        self.per = per
        self.key = _PER[per]
        self.window_seconds = _seconds(window)
        self.window_name = str(window) if window is not None else "process"
        self.on_exceed = on_exceed
        self._spent: dict[str | None, deque[tuple[float, Decimal]]] = {}
        self._reserved: dict[int, tuple[str | None, Decimal, float]] = {}

    def _key(self, attributes: Mapping[str, object]) -> tuple[bool, str | None]:
        if self.key is None:
            return True, None
        value = attributes.get(self.key)
        return (True, str(value)) if value is not None else (False, None)

    def _window_spend(self, key: str | None, now: float) -> Decimal:
        record = self._spent.get(key)
        total = Decimal(0)
        if record is not None:
            if self.window_seconds is not None:
                while record and record[0][0] <= now - self.window_seconds:
                    record.popleft()
            total = sum((amount for _, amount in record), Decimal(0))
        for span_id, (reserved_key, amount, at) in list(self._reserved.items()):
            if at < now - _RESERVATION_SECONDS:
                del self._reserved[span_id]
            elif reserved_key == key:
                total += amount
        return total

    def spent_usd(self, key: str | None = None) -> Decimal:
        """What the calls counted under ``key`` cost in the window so far, not counting calls in flight."""
        _settle.settle()  # calls that ended and wait to be priced in a batch count
        with _lock:
            record = self._spent.get(key, ())
            now = time.time()
            return sum(
                (amount for at, amount in record if self.window_seconds is None or at > now - self.window_seconds),
                Decimal(0),
            )

    def remove(self) -> None:
        """Stops applying this budget."""
        with _lock:
            if self in _budgets:
                _budgets.remove(self)
            if not _budgets:
                set_before_call(None)  # the instrumentors' wrappers skip the check again

    def __enter__(self) -> Budget:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


def budget(
    usd: float | str | Decimal,
    *,
    per: Literal["customer", "tenant", "feature"] | None = None,
    window: str | timedelta | None = "1d",
    on_exceed: OnExceed = "warn",
) -> Budget:
    """Sets a spending limit that instrumented calls are checked against before they go out.

    Before each call, the spend in the window (from the priced spans, with the worst case of calls still in
    flight) plus this call's worst case (input counted with tiktoken, output at the request's ``max_tokens`` /
    ``max_completion_tokens`` / ``max_output_tokens`` or else the model's limit) is compared with ``usd``.
    Past it, ``on_exceed`` decides: ``"warn"`` logs a warning on the ``otel_llmcost`` logger and lets the call
    go, ``"raise"`` raises `BudgetExceeded` before any request is sent, and a callable gets the
    `BudgetExceeded` (the call goes unless it raises it; any other exception it raises is logged at debug level).

    Example::

        otel_llmcost.budget(usd="0.01", per="customer", window="1d", on_exceed="raise")

    Args:
        usd: the limit in US dollars (a string or Decimal keeps it exact).
        per: count each customer, tenant or feature (from `attribute`) on its own; None for all calls. A call
            without a value for ``per`` is not checked against the budget.
        window: the sliding window, such as ``"1h"``, ``"1d"``, ``"7d"`` or a timedelta; None for no window.
        on_exceed: ``"warn"``, ``"raise"`` or a callable.

    Returns:
        The budget, which applies until its `Budget.remove` or the end of a ``with`` block around it.

    Raises:
        ValueError: a limit, ``per``, window or ``on_exceed`` that cannot be used (the message says which).
    """
    limit = Decimal(str(usd)) if not isinstance(usd, Decimal) else usd
    if not limit.is_finite() or limit < 0:
        raise ValueError(f"budget() usd is {usd!r}; give a positive amount in US dollars, such as '0.01'")
    if per not in _PER:
        raise ValueError(f"budget() per is {per!r}; use 'customer', 'tenant', 'feature' or None")
    if on_exceed not in ("warn", "raise") and not callable(on_exceed):
        raise ValueError(f"budget() on_exceed is {on_exceed!r}; use 'warn', 'raise' or a callable")
    made = Budget(limit, per, window, on_exceed)
    with _lock:
        _budgets.append(made)
        set_before_call(check_budget)  # every instrumentor built on the framework checks its calls from now on
    return made


def budgets_active() -> bool:
    """Whether any budget applies (the processor counts spend only then)."""
    return bool(_budgets)


def check_budget(
    provider: str, model: str | None, params: Mapping[str, object], operation: str = a.GenAiOperationNameValues.CHAT
) -> None:
    """Checks a call against every budget before it goes out; `budget` sets it as the instrumentors' before-call
    hook, called with the request's arguments.

    Raises:
        BudgetExceeded: a budget with ``on_exceed="raise"`` would be exceeded (or a callable raised it).
    """
    if not _budgets or model is None:
        return
    from ._worst_case import worst_case  # the pricing of a worst case is loaded with the first budget

    _settle.settle()  # the calls that ended before this one count with their cost, priced in a batch or not
    attributes = current_attributes()
    span = trace.get_current_span()
    span_id = span.get_span_context().span_id if span.is_recording() else 0
    cost = worst_case(provider, model, operation, params)
    worst = cost.usd if cost.usd is not None else Decimal(0)
    exceeded: list[BudgetExceeded] = []
    now = time.time()
    with _lock:
        for each in _budgets:
            applies, key = each._key(attributes)  # pyright: ignore[reportPrivateUsage]
            if not applies:
                continue
            spend = each._window_spend(key, now)  # pyright: ignore[reportPrivateUsage]
            if spend + worst > each.usd:
                exceeded.append(BudgetExceeded(each, key, spend, worst))
        if not any(error.budget.on_exceed == "raise" for error in exceeded) and span_id:
            for each in _budgets:
                applies, key = each._key(attributes)  # pyright: ignore[reportPrivateUsage]
                if applies:
                    each._reserved[span_id] = (key, worst, now)  # pyright: ignore[reportPrivateUsage]
    for error in exceeded:
        action = error.budget.on_exceed
        if action == "raise":
            raise error
        if callable(action):
            action(error)
        else:
            _log.warning("otel-llmcost: %s", error)


def spent(span_id: int, attributes: Mapping[str, object], amount: Decimal | None, end_time: int | None) -> None:
    """Counts an ended span's cost towards the budgets, and frees what its call reserved."""
    at = end_time / 1e9 if end_time is not None else time.time()
    with _lock:
        for each in _budgets:
            reserved = each._reserved.pop(span_id, None)  # pyright: ignore[reportPrivateUsage]
            if amount is None:
                continue
            if reserved is not None:
                applies, key = True, reserved[0]
            else:
                applies, key = each._key(attributes)  # pyright: ignore[reportPrivateUsage]
            if applies:
                each._spent.setdefault(key, deque()).append((at, amount))  # pyright: ignore[reportPrivateUsage]
