"""``report --html``: one self-contained page of charts, drawn here as inline SVG.

No script, no font, no image to fetch: the page's Content-Security-Policy (``default-src 'none'``) forbids
every request, so it opens offline, from a mail attachment or a CI artefact, exactly as it was written.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from .. import _attributes as a
from ._otlp import SpanRecord
from ._report import DIMENSIONS, Report, amount_of

__all__ = ["HtmlCharts", "write_html"]

_PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f")
_OTHER_COLOUR = "#bab0ac"
_TOP = 10
_MAX_STACKED_MODELS = 8
_S = a.LlmcostStatusValues
_STATUS_ORDER = (_S.PRICED, _S.ESTIMATED, _S.PARTIAL, _S.PROVIDER_REPORTED, _S.UNPRICED, _S.DUPLICATE)


def usd(value: Decimal) -> str:
    """A cost for a chart label: cents for dollars, more digits for the fractions of a cent that calls cost."""
    if not value:
        return "$0"
    if value >= 1:
        return f"${value:,.2f}"
    if value >= Decimal("0.01"):
        return f"${value:.4f}"
    return f"${value:.6f}"


class HtmlCharts:
    """What the charts show, gathered span by span beside the report."""

    def __init__(self) -> None:
        self.by_day_model: defaultdict[str, defaultdict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self.by_model: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.by_customer: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.by_section: defaultdict[str, Decimal] = defaultdict(Decimal)
        self.by_status: defaultdict[str, int] = defaultdict(int)

    def add(self, span: SpanRecord) -> None:
        status = span.attributes.get(a.LLMCOST_STATUS)
        if not isinstance(status, str):
            return
        self.by_status[status] += 1
        amount = amount_of(span.attributes)
        if amount is None or status == a.LlmcostStatusValues.DUPLICATE:
            return
        model = DIMENSIONS["model"](span) or "(none)"
        self.by_day_model[DIMENSIONS["day"](span) or "(none)"][model] += amount
        self.by_model[model] += amount
        self.by_customer[DIMENSIONS["customer"](span) or "(none)"] += amount
        self.by_section[DIMENSIONS["section"](span) or "(none)"] += amount


def _stacked_days(charts: HtmlCharts) -> str:
    """Cost per day, one bar a day, stacked by model (the costliest models; the rest as one ``other``)."""
    days = sorted(charts.by_day_model)
    if not days:
        return '<p class="empty">No priced calls.</p>'
    ranked = sorted(charts.by_model, key=lambda model: (-charts.by_model[model], model))
    shown = ranked[:_MAX_STACKED_MODELS]
    colours = {model: _PALETTE[index % len(_PALETTE)] for index, model in enumerate(shown)}
    series = [*shown, "other"] if len(ranked) > len(shown) else shown
    totals = {day: sum(charts.by_day_model[day].values(), Decimal(0)) for day in days}
    top = max(totals.values()) or Decimal(1)
    width, height, left, bottom, top_pad = 760, 300, 80, 40, 24
    slot = (width - left - 10) / len(days)
    bar = min(slot * 0.7, 80.0)
    plot = height - bottom - top_pad
    parts = [
        f'<svg id="cost-per-day-chart" viewBox="0 0 {width} {height + 20 * ((len(series) + 3) // 4)}" role="img"'
        ' aria-label="Cost per day, stacked by model">'
    ]
    for step in range(5):
        value = top * step / 4
        y = height - bottom - plot * step / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{usd(value)}</text>')
    for index, day in enumerate(days):
        x = left + slot * index + (slot - bar) / 2
        y = float(height - bottom)
        costs = charts.by_day_model[day]
        stack = [(model, costs.get(model, Decimal(0))) for model in shown]
        if len(series) > len(shown):
            stack.append(("other", sum((cost for model, cost in costs.items() if model not in colours), Decimal(0))))
        for model, cost in stack:
            if not cost:
                continue
            h = float(cost / top) * plot
            y -= h
            colour = colours.get(model, _OTHER_COLOUR)
            parts.append(
                f'<rect class="segment" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}"'
                f' data-day="{day}" data-model="{html.escape(model)}" data-usd="{cost}">'
                f"<title>{day} {html.escape(model)}: {usd(cost)}</title></rect>"
            )
        parts.append(
            f'<text class="total" x="{x + bar / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle">{usd(totals[day])}</text>'
        )
        parts.append(
            f'<text class="axis" x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">{day}</text>'
        )
    for index, model in enumerate(series):
        x = left + (index % 4) * 170
        y = height + 4 + 20 * (index // 4)
        colour = colours.get(model, _OTHER_COLOUR)
        parts.append(f'<rect class="key" x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text class="legend" x="{x + 18}" y="{y + 11}">{html.escape(model)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bars(chart_id: str, label: str, values: Mapping[str, Decimal] | Mapping[str, int], money: bool) -> str:
    """Horizontal bars of the largest ``values``, labelled with their names and numbers."""
    ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))[:_TOP]
    if not ranked:
        return '<p class="empty">Nothing to show.</p>'
    top = max(value for _, value in ranked) or 1
    width, row, left, right = 760, 26, 220, 110
    parts = [f'<svg id="{chart_id}" viewBox="0 0 {width} {row * len(ranked) + 8}" role="img" aria-label="{label}">']
    for index, (name, value) in enumerate(ranked):
        y = 4 + row * index
        length = max(float(value / top) * (width - left - right), 1.0)
        shown = usd(Decimal(value)) if money else f"{value:,}"
        name_shown = name if len(name) <= 32 else name[:31] + "…"
        parts.append(
            f'<text class="name" x="{left - 8}" y="{y + 16}" text-anchor="end">{html.escape(name_shown)}'
            f"<title>{html.escape(name)}</title></text>"
            f'<rect class="bar" x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{_PALETTE[0]}"'
            f' data-name="{html.escape(name)}" data-value="{value}"/>'
            f'<text class="value" x="{left + length + 6:.1f}" y="{y + 16}">{shown}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(report: Report) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in report.columns)
    rows: list[str] = []
    for row in report.rows():
        cells: list[str] = []
        for column in report.columns:
            value = row.get(column)
            text = "" if value is None else format(value, "f") if isinstance(value, Decimal) else str(value)
            numeric = isinstance(value, (int, Decimal))
            cells.append(f'<td class="{"num" if numeric else "text"}">{html.escape(text)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table id="calls-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


_STYLE = """
body{font:14px/1.45 "DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:820px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.summary div{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.summary b{display:block;font-size:18px}
svg{width:100%;height:auto;font-size:12px}
.grid{stroke:#e4e4e4}.axis,.legend,.name,.value,.total{fill:#333}.total{font-weight:bold}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e4e4e4;padding:4px 8px}
th{text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}.empty{color:#777}
.note{color:#666;font-size:12px}
"""


def render(report: Report, charts: HtmlCharts, sources: Sequence[str]) -> str:
    """The page: totals, the four charts and the table."""
    total = report.total
    cost = usd(total.cost_usd) if total.priced else "none priced"
    statuses = {status: charts.by_status[status] for status in _STATUS_ORDER if charts.by_status.get(status)}
    statuses.update({status: count for status, count in charts.by_status.items() if status not in statuses})
    written = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AI cost report</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>AI cost report</h1>
<p class="note">{html.escape(", ".join(sources))} · written {written} by otel-llmcost</p>
<div class="summary" id="totals">
<div>cost<b id="total-cost">{cost}</b></div>
<div>calls<b id="total-calls">{total.calls:,}</b></div>
<div>unpriced<b id="total-unpriced">{total.unpriced:,}</b></div>
<div>estimated<b id="total-estimated">{total.estimated:,}</b></div>
</div>
<h2>Cost per day, by model</h2>
{_stacked_days(charts)}
<h2>Top customers</h2>
{_bars("customers-chart", "Top customers by cost", charts.by_customer, money=True)}
<h2>Top sections</h2>
{_bars("sections-chart", "Top sections by cost", charts.by_section, money=True)}
<h2>Calls per status</h2>
{_bars("status-chart", "Calls per status", statuses, money=False)}
<h2>Cost and calls by {html.escape(", ".join(report.by))}</h2>
{_table(report)}
<p class="note">Costs in US dollars, from <code>gen_ai.usage.cost.amount</code>; unpriced calls have no amount
and are counted apart. Spans marked <code>duplicate</code> (a call already priced on another span) are left out
of costs and calls.</p>
</body>
</html>
"""


def write_html(path: Path, report: Report, charts: HtmlCharts, sources: Sequence[str]) -> None:
    """Writes the page to ``path``."""
    path.write_text(render(report, charts, sources), encoding="utf-8")
