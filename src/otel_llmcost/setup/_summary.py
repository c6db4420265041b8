"""The cost summary at exit: what the process's GenAI calls cost, per model, on stderr, with no backend at all.

It reads the totals the cost processors of the global tracer provider keep for the cost counter, so it
counts exactly what the ``llmcost.cost`` metric counts (each call once, duplicates and failed calls left out).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from decimal import Decimal
from typing import TextIO

from opentelemetry import trace

from .. import _attributes as a
from ..processor import CostSpanProcessor, CostTotal, UnpricedTotal
from ._once import once
from ._pipeline import cost_processors

__all__ = ["SUMMARY_ENV", "format_summary", "print_summary_at_exit", "summary_wanted"]

_log = logging.getLogger("otel_llmcost")

SUMMARY_ENV = "OTEL_LLMCOST_SUMMARY"


def summary_wanted(option: bool | None) -> bool:
    """``option``, or ``OTEL_LLMCOST_SUMMARY`` (``true``/``1``) when None."""
    if option is not None:
        return option
    return os.environ.get(SUMMARY_ENV, "").strip().lower() in ("true", "1", "yes", "on")


def _usd(amount: Decimal) -> str:
    # The exact sum, without an exponent: 0.00024, not 2.4E-4.
    text = format(amount.normalize(), "f")
    return text if text != "-0" else "0"


def _calls(count: int) -> str:
    return f"{count} call" if count == 1 else f"{count} calls"


def format_summary(priced: list[CostTotal], unpriced: list[UnpricedTotal]) -> str:
    """The summary's text: one line per provider and model, most expensive first, the total, then the unpriced."""
    if not priced and not unpriced:
        return "otel-llmcost: no GenAI call was priced in this process.\n"
    rows: dict[tuple[str, str], tuple[Decimal, int, set[str]]] = {}
    for total in priced:
        key = (total.provider or "?", total.response_model or total.request_model or "?")
        cost, calls, statuses = rows.get(key, (Decimal(0), 0, set[str]()))
        if total.status != a.LlmcostStatusValues.PRICED:
            statuses.add(total.status)
        rows[key] = (cost + total.cost_usd, calls + total.calls, statuses)
    ordered = sorted(rows.items(), key=lambda item: (-item[1][0], item[0]))
    table = [("provider", "model", "calls", "cost (USD)")]
    for (provider, model), (cost, calls, statuses) in ordered:
        note = f" ({', '.join(sorted(statuses))})" if statuses else ""
        table.append((provider, model, str(calls), _usd(cost) + note))
    total_cost = sum((cost for cost, _, _ in rows.values()), Decimal(0))
    table.append(("total", "", str(sum(calls for _, calls, _ in rows.values())), _usd(total_cost)))
    widths = [max(len(row[column]) for row in table) for column in range(3)]
    lines = ["otel-llmcost: cost of the GenAI calls of this process"]
    for provider, model, calls, cost in table:
        lines.append(f"  {provider:<{widths[0]}}  {model:<{widths[1]}}  {calls:>{widths[2]}}  {cost}".rstrip())
    by_model: dict[tuple[str, str, str], int] = {}
    for total in unpriced:
        key = (total.provider or "?", total.response_model or total.request_model or "?", total.reason)
        by_model[key] = by_model.get(key, 0) + total.calls
    for (provider, model, reason), calls in sorted(by_model.items()):
        lines.append(f"  not priced: {_calls(calls)} to {provider} {model} ({reason})")
    return "\n".join(lines) + "\n"


def _totals(processors: list[CostSpanProcessor]) -> tuple[list[CostTotal], list[UnpricedTotal]]:
    priced: list[CostTotal] = []
    unpriced: list[UnpricedTotal] = []
    for processor in processors:
        found, missing = processor.totals()
        priced.extend(found)
        unpriced.extend(missing)
    return priced, unpriced


def print_summary(stream: TextIO | None = None) -> None:
    """Prints the summary of the global tracer provider's cost processors; never raises."""
    try:
        text = format_summary(*_totals(cost_processors(trace.get_tracer_provider())))
        (stream or sys.stderr).write(text)
        (stream or sys.stderr).flush()
    except Exception:  # noqa: BLE001 - the summary must not turn a clean exit into a traceback
        _log.debug("otel-llmcost could not print the cost summary", exc_info=True)


@once
def print_summary_at_exit() -> None:
    """Prints the summary when the process exits (once, however often it is asked for)."""
    atexit.register(print_summary)
