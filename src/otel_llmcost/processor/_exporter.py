"""`CostSpanExporter`: the same pricing for pipelines where a user controls only the exporter."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from decimal import Decimal

from opentelemetry.metrics import MeterProvider
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from .. import _attributes as a
from .._spans import plain_attributes
from ..pricing import PriceTable, default_table
from ..usage import operation_of, read_call
from ._metrics import CostMetrics
from ._pricer import Pricer
from ._processor import priced_copy

__all__ = ["CostSpanExporter"]

_log = logging.getLogger("otel_llmcost")


class CostSpanExporter(SpanExporter):
    """Wraps a span exporter and prices the GenAI spans of each batch before it exports them.

    Use it where only the exporter is yours (a framework builds the processors)::

        BatchSpanProcessor(CostSpanExporter(OTLPSpanExporter()))

    It sees spans only once they end, in batches, so it does less than `CostSpanProcessor`: duplicates
    are found by response id, and by nesting only within one batch; ``llmcost.subtree.*`` roll-ups are set
    on ancestors in the same batch. Prefer the processor where you can.
    """

    def __init__(
        self,
        exporter: SpanExporter,
        *,
        table: PriceTable | None = None,
        cost_aliases: Collection[str] = (a.GEN_AI_USAGE_COST,),
        meter_provider: MeterProvider | None = None,
        max_response_ids: int = 10_000,
    ) -> None:
        self._exporter = exporter
        self._pricer = Pricer(table if table is not None else default_table, cost_aliases=cost_aliases)
        self._metrics = CostMetrics(meter_provider)
        self._responses: dict[tuple[str, str], None] = {}
        self._max_responses = max_response_ids

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            spans = self._price_batch(spans)
        except Exception:  # noqa: BLE001 - the one guarded place for our own failures in export
            _log.debug("otel-llmcost could not price a batch; it goes on unpriced", exc_info=True)
        return self._exporter.export(spans)

    def _price_batch(self, spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
        by_id = {span.context.span_id: span for span in spans if span.context is not None}
        parents = {span_id: span.parent.span_id for span_id, span in by_id.items() if span.parent is not None}
        extra: dict[int, dict[str, object]] = {}
        below: dict[int, set[tuple[int, int]]] = {}
        totals: dict[int, tuple[Decimal, int]] = {}
        # Children end before their parents; pricing in end order meets the innermost call first.
        for span in sorted(by_id.values(), key=lambda item: item.end_time or 0):
            operation = operation_of(plain_attributes(span))
            if operation is None:
                continue
            span_id = span.context.span_id  # pyright: ignore[reportOptionalMemberAccess]
            call = read_call(plain_attributes(span), operation)
            key = (call.usage.input_tokens, call.usage.output_tokens) if call.usage is not None else (-1, -1)
            response = (call.provider or "", call.response_id) if call.response_id is not None else None
            if key in below.get(span_id, set()):
                priced = self._pricer.duplicate(
                    call, a.LlmcostReasonValues.DUPLICATE_NESTED, "a span inside this one priced this call"
                )
            elif response is not None and response in self._responses:
                priced = self._pricer.duplicate(
                    call,
                    a.LlmcostReasonValues.DUPLICATE_RESPONSE_ID,
                    f"another span already priced response {call.response_id}",
                )
            else:
                priced = self._pricer.price(call, span.start_time)
            self._metrics.record(call, priced)
            extra[span_id] = priced.attributes
            if priced.amount_usd is None:
                continue
            if response is not None:
                self._responses[response] = None
                if len(self._responses) > self._max_responses:
                    del self._responses[next(iter(self._responses))]
            ancestor = parents.get(span_id)
            while ancestor is not None and ancestor in by_id:
                below.setdefault(ancestor, set()).add(key)
                cost, calls = totals.get(ancestor, (Decimal(0), 0))
                totals[ancestor] = (cost + priced.amount_usd, calls + 1)
                ancestor = parents.get(ancestor)
        for span_id, (cost, calls) in totals.items():
            if span_id not in extra:
                extra[span_id] = {a.LLMCOST_SUBTREE_COST: float(cost), a.LLMCOST_SUBTREE_CALLS: calls}
        return [
            priced_copy(span, extra[span.context.span_id])
            if span.context is not None and span.context.span_id in extra
            else span
            for span in spans
        ]

    def shutdown(self) -> None:
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._exporter.force_flush(timeout_millis)
