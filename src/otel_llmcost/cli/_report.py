"""``report``: cost and calls of exported spans, grouped by model, provider, customer, day..."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from .. import _attributes as a
from ._otlp import SpanRecord

__all__ = ["DIMENSIONS", "Group", "Report", "amount_of", "build_report"]

_NS = 1_000_000_000
_ESTIMATED = frozenset({a.LlmcostStatusValues.ESTIMATED, a.LlmcostStatusValues.PARTIAL})


def _text(attributes: Mapping[str, object], *keys: str) -> str | None:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _day(span: SpanRecord) -> str:
    return datetime.fromtimestamp(span.start_ns / _NS, timezone.utc).date().isoformat()


DIMENSIONS: Mapping[str, Callable[[SpanRecord], str | None]] = {
    "model": lambda span: _text(span.attributes, a.GEN_AI_RESPONSE_MODEL, a.GEN_AI_REQUEST_MODEL),
    "provider": lambda span: _text(span.attributes, a.GEN_AI_PROVIDER_NAME, a.GEN_AI_SYSTEM),
    "customer": lambda span: _text(span.attributes, a.LLMCOST_CUSTOMER_ID),
    "tenant": lambda span: _text(span.attributes, a.LLMCOST_TENANT_ID),
    "feature": lambda span: _text(span.attributes, a.LLMCOST_FEATURE),
    "section": lambda span: _text(span.attributes, a.LLMCOST_SECTION_PATH),
    "service": lambda span: span.service,
    "day": _day,
    "status": lambda span: _text(span.attributes, a.LLMCOST_STATUS),
}
"""What ``--by`` can group by, and how each reads a span."""


def amount_of(attributes: Mapping[str, object]) -> Decimal | None:
    """The span's cost in USD, exact to the double it was written as (its shortest repr); None if it has none."""
    value = attributes.get(a.GEN_AI_USAGE_COST_AMOUNT)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


@dataclass
class Group:
    """The calls of one group: how many, what they cost, how many are unpriced or estimated."""

    calls: int = 0
    priced: int = 0
    cost_usd: Decimal = field(default_factory=Decimal)
    unpriced: int = 0
    estimated: int = 0
    errors: int = 0

    def add(self, span: SpanRecord, status: str, amount: Decimal | None) -> None:
        self.calls += 1
        if amount is not None:
            self.priced += 1
            self.cost_usd += amount
        if status == a.LlmcostStatusValues.UNPRICED:
            self.unpriced += 1
        elif status in _ESTIMATED:
            self.estimated += 1
        if span.status_code == "error" or span.attributes.get(a.ERROR_TYPE) is not None:
            self.errors += 1


@dataclass
class Report:
    """Priced calls (spans with an ``llmcost.status``, duplicates left out) grouped by ``by``, and the totals."""

    by: tuple[str, ...]
    groups: dict[tuple[str, ...], Group] = field(default_factory=dict[tuple[str, ...], Group])
    total: Group = field(default_factory=Group)
    duplicates: int = 0
    spans: int = 0
    first_ns: int | None = None
    last_ns: int | None = None

    def add(self, span: SpanRecord) -> None:
        self.spans += 1
        status = span.attributes.get(a.LLMCOST_STATUS)
        if not isinstance(status, str):
            return
        if status == a.LlmcostStatusValues.DUPLICATE:
            self.duplicates += 1
            return
        amount = amount_of(span.attributes)
        key = tuple(DIMENSIONS[name](span) or "(none)" for name in self.by)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group()
        group.add(span, status, amount)
        self.total.add(span, status, amount)
        self.first_ns = span.start_ns if self.first_ns is None else min(self.first_ns, span.start_ns)
        self.last_ns = span.start_ns if self.last_ns is None else max(self.last_ns, span.start_ns)

    def rows(self) -> list[dict[str, object]]:
        """One row per group, the costliest first, then a ``total`` row."""
        ordered = sorted(self.groups.items(), key=lambda item: (-item[1].cost_usd, item[0]))
        rows = [_row(dict(zip(self.by, key, strict=True)), group) for key, group in ordered]
        rows.append(_row(dict.fromkeys(self.by[:1], "total"), self.total))
        return rows

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            *self.by,
            "calls",
            "cost_usd",
            a.LlmcostStatusValues.UNPRICED,
            a.LlmcostStatusValues.ESTIMATED,
            "errors",
        )


def _row(key: dict[str, object], group: Group) -> dict[str, object]:
    return {
        **key,
        "calls": group.calls,
        "cost_usd": group.cost_usd if group.priced else None,  # no priced call: no amount, never a zero
        a.LlmcostStatusValues.UNPRICED: group.unpriced,
        a.LlmcostStatusValues.ESTIMATED: group.estimated,
        "errors": group.errors,
    }


def build_report(
    spans: Iterable[SpanRecord],
    by: Sequence[str],
    since_ns: int | None,
    until_ns: int | None,
    also: Callable[[SpanRecord], None] | None = None,
) -> Report:
    """The report of ``spans`` that started in ``[since, until)``, grouped by ``by``; ``also`` sees each of them."""
    report = Report(tuple(by))
    for span in spans:
        if since_ns is not None and span.start_ns < since_ns:
            continue
        if until_ns is not None and span.start_ns >= until_ns:
            continue
        report.add(span)
        if also is not None:
            also(span)
    return report
