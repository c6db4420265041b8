"""``reprice``: recompute the cost of exported GenAI spans with another table, streaming OTLP JSON lines."""

from __future__ import annotations

import gc
import gzip
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TextIO, cast

from .. import _attributes as a
from ..pricing import Cost, PriceTable
from ..usage import COST_BUCKETS, INFERENCE_OPERATIONS, operation_of, read_call
from ._otlp import InputError, any_value, export_requests, files_of
from ._output import Progress, write_rows
from ._report import amount_of

__all__ = ["Summary", "reprice", "write_summary"]

_NS_PER_DAY = 86_400 * 10**9
_EPOCH = date(1970, 1, 1)


_REPLACED = frozenset(
    {
        a.GEN_AI_USAGE_COST_AMOUNT,
        a.GEN_AI_USAGE_COST_CURRENCY,
        a.GEN_AI_USAGE_COST_SOURCE,
        a.GEN_AI_USAGE_COST,
        a.OPERATION_COST,
        a.LLMCOST_STATUS,
        a.LLMCOST_REASON,
        a.LLMCOST_REASON_DETAIL,
        a.LLMCOST_COST_INPUT,
        a.LLMCOST_COST_CACHE_READ,
        a.LLMCOST_COST_CACHE_WRITE,
        a.LLMCOST_COST_OUTPUT,
        a.LLMCOST_COST_REASONING,
        a.LLMCOST_COST_AUDIO,
        a.LLMCOST_COST_IMAGE,
        a.LLMCOST_COST_FEES,
        a.LLMCOST_PRICE_ENTRY,
        a.LLMCOST_PRICE_MODEL,
        a.LLMCOST_PRICE_TABLE_VERSION,
        a.LLMCOST_PRICE_EFFECTIVE_DATE,
        a.LLMCOST_PRICE_TIER,
        a.LLMCOST_PRICE_VARIANTS,
        a.LLMCOST_PRICE_CURRENCY,
        a.LLMCOST_PRICE_USD_PER_UNIT,
        a.LLMCOST_REPRICED_FROM,
        a.LLMCOST_REPRICED_FROM_AMOUNT,
    }
)
"""What re-pricing removes from a span before it writes the new cost."""

_KEPT = frozenset({a.LlmcostStatusValues.DUPLICATE, a.LlmcostStatusValues.PROVIDER_REPORTED})
"""Spans left as they are: a call priced on another span, or a charge the provider reported."""
_KEPT_USAGE = (a.LlmcostStatusValues.ESTIMATED, a.LlmcostStatusValues.PARTIAL)
_ALIASES = (a.GEN_AI_USAGE_COST, a.OPERATION_COST)
_S = a.LlmcostStatusValues
_OPERATION_KEYS = frozenset({a.GEN_AI_OPERATION_NAME, a.LLM_REQUEST_TYPE, a.OPENINFERENCE_SPAN_KIND})


@dataclass
class ModelChange:
    calls: int = 0
    old_usd: Decimal = field(default_factory=Decimal)
    new_usd: Decimal = field(default_factory=Decimal)
    changed: int = 0


@dataclass
class Summary:
    """What re-pricing did: spans read and re-priced, those whose cost changed, and the totals, by model."""

    files: int = 0
    spans: int = 0
    repriced: int = 0
    changed: int = 0
    unpriced: int = 0
    old_usd: Decimal = field(default_factory=Decimal)
    new_usd: Decimal = field(default_factory=Decimal)
    by_model: dict[str, ModelChange] = field(default_factory=dict[str, ModelChange])


def _cell(value: object) -> dict[str, Any]:
    """A text attribute, or a list of texts (variants), as an OTLP JSON value."""
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [{"stringValue": str(item)} for item in cast("Sequence[object]", value)]}}
    return {"stringValue": str(value)}


def _item(key: str, value: object) -> dict[str, Any]:
    return {"key": key, "value": _cell(value)}


_PRICED = _item(a.LLMCOST_STATUS, a.LlmcostStatusValues.PRICED)
_STATUSES = {status: _item(a.LLMCOST_STATUS, status) for status in _KEPT_USAGE}
"""``llmcost.status`` of a priced span, in OTLP JSON: the usage status it keeps, else ``priced``."""


def _is_inference(value: Mapping[str, Any]) -> bool:
    """Whether an operation attribute's OTLP value names a priced operation (a cheap first look)."""
    operation = value.get("stringValue")
    return isinstance(operation, str) and operation.lower() in INFERENCE_OPERATIONS


class _Repricer:
    """Re-prices the spans of one export request in place."""

    def __init__(self, table: PriceTable, at: date | None, summary: Summary) -> None:
        self._table = table
        self._at = at
        self._summary = summary
        self._provenances: dict[tuple[object, ...], list[dict[str, Any]]] = {}
        self._notes: dict[object, dict[str, Any]] = {}
        self._days: dict[int, date] = {}

    def request(self, request: dict[str, Any]) -> None:
        for resource_spans in request.get("resourceSpans") or ():
            for scope_spans in resource_spans.get("scopeSpans") or ():
                spans = scope_spans.get("spans") or ()
                self._summary.spans += len(spans)
                for span in spans:
                    self._span(span)

    def _span(self, span: dict[str, Any]) -> None:
        attributes: list[dict[str, Any]] = span.get("attributes") or []
        for item in attributes:
            if item["key"] in _OPERATION_KEYS and _is_inference(item["value"]):
                break
        else:
            return  # not a GenAI call: most spans, passed through as read
        values = {
            item["key"]: value["stringValue"]
            if "stringValue" in (value := item["value"])
            else int(value["intValue"])
            if "intValue" in value
            else any_value(value)
            for item in attributes
        }
        operation = operation_of(values)
        if operation is None or values.get(a.LLMCOST_STATUS) in _KEPT:
            return
        call = read_call(values, operation)
        old = values.get(a.GEN_AI_USAGE_COST_AMOUNT)
        old_amount = Decimal(repr(old)) if type(old) is float else amount_of(values)
        model = call.response_model or call.request_model
        day = self._at or self._day(int(span.get("startTimeUnixNano") or 0) // _NS_PER_DAY)
        cost = self._cost(call.provider, model, call, day)
        kept = [item for item in attributes if item["key"] not in _REPLACED]
        kept.extend(self._attributes(cost, call.usage_status, values))
        if old_amount is None:
            kept.append(self._note(None))
        else:
            kept.append(self._note(values.get(a.LLMCOST_PRICE_TABLE_VERSION)))
            kept.append({"key": a.LLMCOST_REPRICED_FROM_AMOUNT, "value": {"doubleValue": float(old_amount)}})
        span["attributes"] = kept
        self._count(model or "(none)", old_amount, cost.total_usd)

    def _day(self, number: int) -> date:
        """The UTC day ``number`` days after 1970-01-01 (cached: spans of a file share a few days)."""
        day = self._days.get(number)
        if day is None:
            day = self._days[number] = date.fromordinal(_EPOCH.toordinal() + number)
        return day

    def _note(self, old_version: object) -> dict[str, Any]:
        """``llmcost.repriced_from`` for a span priced by ``old_version`` before (None: it was unpriced)."""
        note = self._notes.get(old_version)
        if note is None:
            text = (
                _S.UNPRICED
                if old_version is None
                else old_version
                if isinstance(old_version, str)
                else "unknown_version"
            )
            note = self._notes[old_version] = _item(a.LLMCOST_REPRICED_FROM, text)
        return note

    def _cost(self, provider: str | None, model: str | None, call: Any, day: date) -> Cost:
        table = self._table
        if call.usage is None:
            reason = a.LlmcostReasonValues.INVALID_USAGE if call.invalid_usage else a.LlmcostReasonValues.NO_USAGE
            return Cost(
                a.LlmcostStatusValues.UNPRICED,
                table.version,
                reason=reason,
                detail=call.invalid_usage or "no usage on the span",
            )
        if provider is None:
            return Cost(
                a.LlmcostStatusValues.UNPRICED,
                table.version,
                reason=a.LlmcostReasonValues.UNKNOWN_PROVIDER,
                detail="the span names no provider",
            )
        cost = table.price(call.usage, provider=provider, model=model, at=day, context=call.context)
        if cost.reason == a.LlmcostReasonValues.UNKNOWN_MODEL and call.request_model and call.request_model != model:
            retry = table.price(call.usage, provider=provider, model=call.request_model, at=day, context=call.context)
            if retry.status == a.LlmcostStatusValues.PRICED:
                return retry
        return cost

    def _attributes(self, cost: Cost, usage_status: str, old: Mapping[str, object]) -> list[dict[str, Any]]:
        """The cost attributes the processor would write for ``cost``, in OTLP JSON."""
        total = cost.total_usd
        if total is None:
            unpriced = {
                a.LLMCOST_STATUS: a.LlmcostStatusValues.UNPRICED,
                a.LLMCOST_REASON: cost.reason or a.LlmcostReasonValues.UNKNOWN_MODEL,
                a.LLMCOST_REASON_DETAIL: cost.detail or "",
                a.LLMCOST_PRICE_TABLE_VERSION: cost.table_version,
            }
            if cost.entry is not None:
                unpriced[a.LLMCOST_PRICE_ENTRY] = cost.entry
            return [_item(key, value) for key, value in unpriced.items()]
        value = float(total)
        encoded = [
            _STATUSES.get(usage_status, _PRICED),
            {"key": a.GEN_AI_USAGE_COST_AMOUNT, "value": {"doubleValue": value}},
        ]
        for alias in _ALIASES:
            if alias in old:
                encoded.append({"key": alias, "value": {"doubleValue": value}})
        encoded.extend(self._provenance(cost))
        buckets: dict[str, Decimal] = {}
        for unit, amount in cost.breakdown_usd.items():
            key = COST_BUCKETS.get(unit) or (a.LLMCOST_COST_IMAGE if unit.startswith("image:") else a.LLMCOST_COST_FEES)
            buckets[key] = buckets[key] + amount if key in buckets else amount
        for key, amount in buckets.items():
            encoded.append({"key": key, "value": {"doubleValue": float(amount)}})
        return encoded

    def _provenance(self, cost: Cost) -> list[dict[str, Any]]:
        """Currency, source and which price applied: the same for every call priced alike, so encoded once."""
        key = cost.provenance
        found = self._provenances.get(key)
        if found is None:
            attributes: dict[str, object] = {
                a.GEN_AI_USAGE_COST_CURRENCY: a.GenAiUsageCostCurrencyValues.USD,
                a.GEN_AI_USAGE_COST_SOURCE: a.GenAiUsageCostSourceValues.LOCAL,
                **cost.price_attributes(),
            }
            found = self._provenances[key] = [_item(name, value) for name, value in attributes.items()]
        # The same dicts in every span are written alike; nothing changes them after.
        return found

    def _count(self, model: str, old: Decimal | None, new: Decimal | None) -> None:
        summary = self._summary
        summary.repriced += 1
        change = summary.by_model.get(model)
        if change is None:
            change = summary.by_model[model] = ModelChange()
        change.calls += 1
        if old is not None:
            summary.old_usd += old
            change.old_usd += old
        if new is not None:
            summary.new_usd += new
            change.new_usd += new
        else:
            summary.unpriced += 1
        # Compared as the doubles the spans carry: a cost that is the same number is not a change.
        if (None if old is None else float(old)) != (None if new is None else float(new)):
            summary.changed += 1
            change.changed += 1


def _targets(sources: Sequence[str], out: Path) -> list[tuple[Path, Path]]:
    """Each input file and the file it is written to under ``out``: a folder's files keep their relative paths."""
    pairs: list[tuple[Path, Path]] = []
    for source in sources:
        path = Path(source)
        for found in files_of([path]):
            pairs.append((found, out / (found.relative_to(path) if path.is_dir() else found.name)))
    seen: set[Path] = set()
    for source_path, target in pairs:
        if target in seen:
            raise InputError(f"{source_path}: another input is written to {target} too; re-price them separately")
        if target.resolve() == source_path.resolve():
            raise InputError(f"{source_path}: --out would overwrite the input; choose another folder")
        seen.add(target)
    return pairs


def _open_out(path: Path, compressed: bool) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if compressed:
        return io.TextIOWrapper(cast("IO[bytes]", gzip.open(path, "wb")), encoding="utf-8")
    return path.open("w", encoding="utf-8")


def reprice(sources: Sequence[str], out: Path, table: PriceTable, at: date | None) -> Summary:
    """Re-prices every GenAI span of ``sources`` with ``table`` (at ``at``'s prices, or each span's start day),
    writing one output file per input under ``out``, one export request per line.

    Raises:
        InputError: an input cannot be read, or two inputs would be written to one file.
    """
    summary = Summary()
    pairs = _targets(sources, out)
    repricer = _Repricer(table, at, summary)
    progress = Progress(sum(source.stat().st_size for source, _ in pairs))
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    # Decoded export requests are trees without cycles, freed by reference counting as each line is written:
    # the cyclic collector, which would walk each one several times, has nothing to find in them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for source, target in pairs:
            summary.files += 1
            compressed = source.name.endswith(".gz")
            with _open_out(target, compressed) as stream:
                before = summary.spans
                for request in export_requests(source, None if compressed else progress.advance):
                    repricer.request(request)
                    stream.write(dumps(request))
                    stream.write("\n")
                if compressed:
                    progress.advance(source.stat().st_size, summary.spans - before)
    finally:
        if collecting:
            gc.enable()
        progress.close()
    return summary


def write_summary(summary: Summary, output_format: str, out: TextIO) -> None:
    """What changed: spans, old total, new total, and the same by model."""
    rows: list[dict[str, object]] = [
        {
            "model": model,
            "calls": change.calls,
            "changed": change.changed,
            "old_usd": change.old_usd,
            "new_usd": change.new_usd,
            "delta_usd": change.new_usd - change.old_usd,
        }
        for model, change in sorted(summary.by_model.items(), key=lambda item: (-item[1].new_usd, item[0]))
    ]
    total = {
        "model": "total",
        "calls": summary.repriced,
        "changed": summary.changed,
        "old_usd": summary.old_usd,
        "new_usd": summary.new_usd,
        "delta_usd": summary.new_usd - summary.old_usd,
    }
    columns = ("model", "calls", "changed", "old_usd", "new_usd", "delta_usd")
    document: dict[str, object] = {
        "files": summary.files,
        "spans": summary.spans,
        "repriced": summary.repriced,
        "changed": summary.changed,
        a.LlmcostStatusValues.UNPRICED: summary.unpriced,
        "old_usd": summary.old_usd,
        "new_usd": summary.new_usd,
        "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_rows([*rows, total] if output_format != "json" else rows, columns, output_format, out, document=document)
    if output_format == "table":
        out.write(
            f"\n{summary.spans} spans in {summary.files} files; {summary.repriced} GenAI calls re-priced,"
            f" {summary.changed} changed, {summary.unpriced} unpriced\n"
        )
