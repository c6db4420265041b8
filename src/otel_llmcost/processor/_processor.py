"""`CostSpanProcessor`: prices GenAI spans on their way to the exporting processor."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import cast

from opentelemetry.context import Context
from opentelemetry.metrics import MeterProvider
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanContext

from .. import _attributes as a
from .._spans import plain_attributes
from ..pricing import Cost, PriceTable, default_table, environment_files
from ..usage import (
    INPUT_TOKEN_UNITS,
    TOKEN_UNITS,
    GenAICall,
    TokenCall,
    operation_of,
    read_call,
    read_tokens,
    token_call,
)
from ._deferred import Deferred
from ._metrics import CostMetrics, CostTotal, MetricValue, UnpricedTotal, metric_attribute_keys
from ._pricer import Pricer
from ._tracking import Tracker

__all__ = ["CostSpanProcessor"]

_log = logging.getLogger("otel_llmcost")
_SUBTREE = (a.LLMCOST_SUBTREE_COST, a.LLMCOST_SUBTREE_CALLS)
_NO_KEYS: frozenset[tuple[int, int]] = frozenset()
_PRICED = a.LlmcostStatusValues.PRICED
_CACHE_READ, _CACHE_WRITE, _CACHE_WRITE_1H = (
    TOKEN_UNITS.index(unit) for unit in ("cache_read", "cache_write", "cache_write_1h")
)
_INPUTS = slice(len(INPUT_TOKEN_UNITS))
_OUTPUTS = slice(len(INPUT_TOKEN_UNITS), len(TOKEN_UNITS))
_OPERATION_KEYS = (a.GEN_AI_OPERATION_NAME, a.LLM_REQUEST_TYPE, a.OPENINFERENCE_SPAN_KIND)
"""The keys `operation_of` reads: a span with none of them is passed through without a call."""
_ENDS_BEFORE_ITS_TWIN = frozenset({a.GenAiProviderNameValues.AWS_BEDROCK})
"""Providers whose call can be traced by two spans, one inside the other, where the outer one ends first: a
Bedrock stream under the official botocore and genai-bedrock instrumentations (the outer one ends at the stream's
metadata event). Only their priced calls are remembered after their spans end, and only their calls look for
such a twin above them: the bookkeeping is not paid on every priced span."""


class _PricedSpan(ReadableSpan):
    """A copy of an ended span with cost attributes merged in; reports the original's dropped count."""

    _dropped: int

    @property
    def dropped_attributes(self) -> int:
        return self._dropped


_SPAN_ID: int = 1 if SpanContext(1, 2, False)[1] == 2 else cast("int", "span_id")
"""Where a `SpanContext` (a tuple) holds the span id: indexing it saves the property's call. Should its layout
ever change, the index is a string, which a tuple refuses (TypeError), and every span takes the property."""


def _span_id(span: ReadableSpan) -> int:
    """The id of a span that is not the SDK's own, or has no context (0)."""
    context = span.context
    return context.span_id if context is not None else 0


def priced_copy(
    span: ReadableSpan, extra: Mapping[str, object], attributes: Mapping[str, object] | None = None
) -> ReadableSpan:
    """``span`` with ``extra`` attributes (an ended span cannot be changed, so this is a copy).

    ``attributes`` are the span's own, for a caller that has them already (`plain_attributes`). The copy has
    no stale subtree totals, and cache writes under both names.
    """
    merged = _own_attributes(plain_attributes(span) if attributes is None else attributes)
    merged.update(extra)
    return _with_attributes(span, merged)


def _own_attributes(attributes: Mapping[str, object]) -> dict[str, object]:
    """A copy of a span's ``attributes`` for its priced copy: with no stale subtree totals, and with cache writes
    under both names."""
    if _SUBTREE[0] in attributes:
        copied = {key: value for key, value in attributes.items() if key not in _SUBTREE}
    else:
        copied = dict(attributes)
    written = attributes.get(a.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS)
    if written is not None and a.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS not in attributes:
        # The Anthropic SDK's own name for cache writes: backends that price spans themselves (Phoenix) read
        # the conventions' name, so the copy carries both.
        copied[a.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = written
    return copied


def _with_attributes(span: ReadableSpan, attributes: dict[str, object]) -> ReadableSpan:
    """A copy of ``span`` with ``attributes`` for its own."""
    copy = object.__new__(_PricedSpan)
    state = span.__dict__.copy()  # a dict's own copy: twice as fast as updating the new object's
    state["_attributes"] = attributes
    state["_dropped"] = span.dropped_attributes
    copy.__dict__ = state
    return copy


def exports_later(processor: SpanProcessor | None, depth: int = 0) -> bool:
    """Whether ``processor`` hands spans to a `BatchSpanProcessor`, itself or through processors that name the
    one they hand spans to (``next_processor``), or the several (``next_processors``: then all of them, and at
    least one): their export waits for a batch in any case."""
    while processor is not None and depth < 16:
        if isinstance(processor, BatchSpanProcessor):
            return True
        several: Sequence[SpanProcessor] | None = getattr(processor, "next_processors", None)
        if several is not None:
            return bool(several) and all(exports_later(each, depth + 1) for each in several)
        processor = getattr(processor, "next_processor", None)
        depth += 1
    return False


def _metric_value(value: object) -> MetricValue | None:
    return value if isinstance(value, (str, bool, int, float)) else None


class CostSpanProcessor(SpanProcessor):
    """Prices GenAI inference and embeddings spans and hands a copy with the cost to ``next_processor``.

    Put it in front of the processor that exports::

        provider.add_span_processor(CostSpanProcessor(BatchSpanProcessor(OTLPSpanExporter())))

    Spans from any source that follows the GenAI conventions are priced: this library's instrumentors, the
    Anthropic SDK's own tracing, the official OpenTelemetry instrumentations, OpenLLMetry, OpenInference.
    Other spans pass through untouched. A call described by two spans (the same response id, or an
    instrumentor's span around an SDK's own span with the same usage) is priced once, on the innermost.
    Open ancestors of a priced call get ``llmcost.subtree.cost`` and ``llmcost.subtree.calls``.

    It never raises into the application and does no I/O: its own failures are logged at debug level and the
    span goes on unpriced. In front of a `BatchSpanProcessor` it prices in batches (``batched``).

    Args:
        next_processor: the processor that receives every span, priced ones as copies with the cost.
        table: the price table; by default the bundled one plus ``OTEL_LLMCOST_PRICING_FILE``, loaded on
            the first priced span.
        pricing_file: override price files, loaded now after those ``OTEL_LLMCOST_PRICING_FILE`` names. A bad
            file does not raise: it is logged once as an error and every span is ``unpriced`` with reason
            ``price_file_error`` until it is fixed, as with the variable (`PriceTable.load` raises, to check one).
        model_map: model names to price as others, such as Azure deployment names (``{"my-gpt4o": "gpt-4o"}``).
        cost_aliases: extra attributes that repeat the amount: ``gen_ai.usage.cost`` (the default, read by
            Langfuse and OpenLIT) and ``operation.cost`` (Logfire).
        meter_provider: where the cost metrics go; the global one by default.
        max_open_spans: how many open spans to remember for roll-ups and nested duplicates.
        metric_attributes: span attribute keys to add to the cost counter, such as ``("tenant.id",)``: a
            call's value is its span's, else its nearest open ancestor's. Off by default; None reads
            ``OTEL_LLMCOST_METRIC_ATTRIBUTES`` (comma-separated).
        max_metric_attribute_values: distinct values kept per metric attribute; later ones count as ``_OTHER``.
        batched: price spans in batches: a span's end only queues it, every 64th span's end prices the
            queue in a row (its code and data still in the CPU's caches: about half the time of pricing each
            span alone inside an SDK call), hands the spans on in the order they ended and adds their costs
            to the cost metrics, and a timer thread does so for spans that wait a second. By default, when
            ``next_processor`` exports through a `BatchSpanProcessor` (whose export waits for a batch anyway);
            with a `SimpleSpanProcessor`, each span is priced and exported as it ends. `force_flush`,
            `shutdown`, `totals`, the cost metrics and the budgets' checks price what is queued first, so none of
            them misses a call that ended.

    Raises:
        ValueError: ``metric_attributes`` names an attribute the cost counter has already.
    """

    def __init__(
        self,
        next_processor: SpanProcessor,
        *,
        table: PriceTable | None = None,
        pricing_file: str | Collection[str] | None = None,
        model_map: Mapping[str, str] | None = None,
        cost_aliases: Collection[str] = (a.GEN_AI_USAGE_COST,),
        meter_provider: MeterProvider | None = None,
        max_open_spans: int = 10_000,
        metric_attributes: Collection[str] | None = None,
        max_metric_attribute_values: int = 100,
        batched: bool | None = None,
    ) -> None:
        self._next = next_processor
        source: PriceTable | Callable[[], PriceTable] = table if table is not None else default_table
        explicit = table is None and bool(pricing_file or model_map)
        if explicit:
            files = [pricing_file] if isinstance(pricing_file, str) else list(pricing_file or ())
            source = functools.partial(PriceTable.load, [*environment_files(), *files], model_map=model_map)
        self._pricer = Pricer(source, cost_aliases=cost_aliases)
        if explicit:
            self._pricer.table()  # loaded now: a broken file is logged at setup, as the variable's is at first use
        self._metrics = CostMetrics(
            meter_provider,
            metric_attributes=metric_attribute_keys(metric_attributes),
            max_attribute_values=max_metric_attribute_values,
        )
        self._tracker = tracker = Tracker(max_open_spans)
        # The tracker's maps, held here for the two methods that run on every span (a forked child empties them
        # in place, so these stay the ones it uses).
        self._open_spans = tracker.open_spans
        self._below = tracker.below
        self._max_open = tracker.max_open
        self._deferred: Deferred | None = None
        if exports_later(next_processor) if batched is None else batched:
            self._deferred = Deferred(self._end, after=self._metrics.sum_pending)
            self._metrics.before_read = self._deferred.settle

    @property
    def next_processor(self) -> SpanProcessor:
        """The processor this one hands every span to."""
        return self._next

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            # Inline rather than a call to the tracker: this runs for every span the application starts.
            try:
                span_id: int = span._context[_SPAN_ID]  # pyright: ignore[reportPrivateUsage, reportOptionalSubscript, reportAssignmentType, reportUnknownVariableType]
            except (AttributeError, TypeError, IndexError):
                span_id = _span_id(span)
            spans = self._open_spans
            spans[span_id] = span
            if len(spans) > self._max_open:
                self._tracker.evict()
        except Exception:  # noqa: BLE001 - the one guarded place for our own failures in on_start
            _log.debug("otel-llmcost could not track a started span", exc_info=True)
        self._next.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        deferred = self._deferred
        if deferred is not None:
            deferred.put(span)
        else:
            self._end(span)

    def _end(self, span: ReadableSpan) -> None:
        """Prices ``span`` if it is a GenAI call, and hands it (or its priced copy) on."""
        forward = span
        try:
            # The spans the processor passes through (most spans) take this path alone: forget the span, and
            # see that it is no GenAI call. It is inline for the same reason as on_start's.
            try:
                span_id: int = span._context[_SPAN_ID]  # pyright: ignore[reportPrivateUsage, reportOptionalSubscript, reportAssignmentType, reportUnknownVariableType]
            except (AttributeError, TypeError, IndexError):
                span_id = _span_id(span)
            self._open_spans.pop(span_id, None)
            below = self._below.pop(span_id, None) if self._below else None
            try:
                attributes = span._attributes._dict  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue, reportOptionalMemberAccess, reportUnknownMemberType, reportUnknownVariableType]
            except AttributeError:
                attributes = plain_attributes(span)
            # Any of the keys that name an operation: those of the conventions, OpenLLMetry and OpenInference.
            if _OPERATION_KEYS[0] in attributes or _OPERATION_KEYS[1] in attributes or _OPERATION_KEYS[2] in attributes:
                operation = operation_of(attributes)  # pyright: ignore[reportUnknownArgumentType]
                if operation is not None:
                    forward = self._process(
                        span,
                        span_id,
                        attributes,  # pyright: ignore[reportUnknownArgumentType]
                        operation,
                        below.usage_keys if below else _NO_KEYS,
                    )
            if below is not None and forward is span and attributes.get(_SUBTREE[1]) != below.calls:  # pyright: ignore[reportUnknownMemberType]
                # Calls below it were priced after it ended (in a batch): their totals go on its copy.
                extra = {_SUBTREE[0]: float(below.cost), _SUBTREE[1]: below.calls}
                forward = priced_copy(span, extra, attributes)  # pyright: ignore[reportUnknownArgumentType]
        except Exception:  # noqa: BLE001 - the one guarded place for our own failures in on_end
            _log.debug("otel-llmcost could not price a span; it goes on unpriced", exc_info=True)
        self._next.on_end(forward)

    def _process(
        self,
        span: ReadableSpan,
        span_id: int,
        attributes: Mapping[str, object],
        operation: str,
        below: frozenset[tuple[int, int]] | set[tuple[int, int]],
    ) -> ReadableSpan:
        """The priced copy of a GenAI call's ``span``; ``below``: the usage of the priced calls under it.

        The usual call (tokens reported, a plan's quote prices them, no priced call under it, its response not
        priced before) is priced from what `read_tokens` reads, straight into the copy of its attributes (`_write`).
        Any other goes through its `GenAICall` and `Pricer.price` (`_price`), which explains what it cannot price;
        the call is built from what `read_tokens` read when it read the span (`token_call`), so no span is read
        twice.
        """
        read = read_tokens(attributes)
        if read is None:
            return self._price(span, span_id, attributes, read_call(attributes, operation), below)
        if not below and read[0] not in _ENDS_BEFORE_ITS_TWIN:
            priced = self._write(span, span_id, attributes, operation, read)
            if priced is not None:
                return priced
        return self._price(span, span_id, attributes, token_call(read, operation), below)

    def _price(
        self,
        span: ReadableSpan,
        span_id: int,
        attributes: Mapping[str, object],
        call: GenAICall,
        below: frozenset[tuple[int, int]] | set[tuple[int, int]],
        unpriced: Cost | None = None,
    ) -> ReadableSpan:
        """The priced copy of ``span``, the span of ``call``, priced by `Pricer.price` (``unpriced``: the `Cost`
        that `Pricer.write` found for its plan, so it is not looked up twice)."""
        tracker = self._tracker
        usage, response_id = call.usage, call.response_id
        parent = span.parent
        twin = call.provider in _ENDS_BEFORE_ITS_TWIN
        # What two spans of one call agree on: needed only to compare with other spans of the same call.
        usage_key = None
        if usage is not None and (below or parent is not None or twin):
            usage_key = _call_key(usage)  # pyright: ignore[reportArgumentType] - a `Usage` starts with its tokens
        if below and usage_key is not None and usage_key in below:
            priced = self._pricer.duplicate(
                call,
                a.LlmcostReasonValues.DUPLICATE_NESTED,
                "a span inside this one already priced a call with the same usage",
            )
        elif twin and usage_key is not None and parent is not None and tracker.priced_call(parent.span_id) == usage_key:
            # Two tracers of one stream, the outer one done first (botocore's around genai-bedrock's).
            priced = self._pricer.duplicate(
                call,
                a.LlmcostReasonValues.DUPLICATE_NESTED,
                "the span around this one ended first and priced a call with the same usage",
            )
        else:
            # Priced first, then checked: a priced call checks and claims its response id in one step, and a
            # duplicate, which is rare, is priced for nothing.
            priced = self._pricer.price(call, span.start_time, unpriced=unpriced)
            if response_id is not None:
                # Keyed on the table's name for the provider: instrumentors spell it apart (gemini, gcp.gen_ai).
                provider = self._pricer.canonical_provider(call.provider)
                if priced.amount_usd is not None:
                    earlier = tracker.claim_response(provider, response_id, span_id)
                else:
                    earlier = tracker.priced_response(provider, response_id)
                if earlier is not None:
                    priced = self._pricer.duplicate(
                        call,
                        a.LlmcostReasonValues.DUPLICATE_RESPONSE_ID,
                        f"span {earlier:016x} already priced response {response_id}",
                    )
        amount = priced.amount_usd
        if amount is not None and self._metrics.attribute_keys:
            self._metrics.record(call, priced, self._metric_values(span, attributes))
        else:
            self._metrics.record(call, priced)
        if amount is not None:
            if twin and usage_key is not None:
                tracker.claim_call(span_id, usage_key)
            if parent is not None:
                tracker.roll_up(parent.span_id, amount, usage_key if usage_key is not None else (-1, -1))
        return priced_copy(span, priced.attributes, attributes)

    def _write(
        self, span: ReadableSpan, span_id: int, attributes: Mapping[str, object], operation: str, read: TokenCall
    ) -> ReadableSpan | None:
        """The priced copy of the usual call's ``span``, from what `read_tokens` read. For a model the table cannot
        price, the copy `_price` makes, handed the unpriced `Cost` that `Pricer.write` found (no second look-up,
        and no check on the priced path for it); None when `Pricer.price` must price it afresh, or its response
        was priced before."""
        provider, request_model, response_model, response_id, _, context, tokens = read
        pricer, tracker = self._pricer, self._tracker
        written = pricer.write(
            provider,
            request_model,
            response_model,
            context,
            tokens,
            span.start_time,
            _own_attributes,
            attributes,
        )
        if written[0] is None:
            # For `Pricer.price`, which explains what it cannot price: with the `Cost` found for a model the table
            # cannot price, which is not looked up again.
            unpriced = written[1]
            if unpriced is None:
                return None
            return self._price(span, span_id, attributes, token_call(read, operation), _NO_KEYS, unpriced)
        copied, amount = written
        if (
            response_id is not None
            and tracker.claim_response(pricer.canonical_provider(provider), response_id, span_id) is not None
        ):
            return None  # a duplicate: `Pricer.duplicate` says of which span
        values = self._metric_values(span, attributes) if self._metrics.attribute_keys else ()
        self._metrics.record_amount(provider, operation, request_model, response_model, _PRICED, amount, None, values)
        parent = span.parent
        if parent is not None:
            tracker.roll_up(parent.span_id, amount, _call_key(tokens))
        return _with_attributes(span, copied)

    def _metric_values(self, span: ReadableSpan, attributes: Mapping[str, object]) -> list[MetricValue | None]:
        """The opt-in metric attributes of a call: its span's, else those of its nearest open ancestor."""
        keys = self._metrics.attribute_keys
        values: list[MetricValue | None] = [_metric_value(attributes.get(key)) for key in keys]
        if None in values and span.parent is not None:
            for _, ancestor in self._tracker.ancestors(span.parent.span_id):
                above = plain_attributes(ancestor)
                values = [
                    _metric_value(above.get(key)) if value is None else value
                    for key, value in zip(keys, values, strict=True)
                ]
                if None not in values:
                    break
        return values

    def totals(self) -> tuple[list[CostTotal], list[UnpricedTotal]]:
        """What the calls this processor priced cost so far, by model and status, and those it could not price."""
        return self._metrics.totals()

    def shutdown(self) -> None:
        if self._deferred is not None:
            self._deferred.stop()
        self._next.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        if self._deferred is not None:
            self._deferred.settle()
        return self._next.force_flush(timeout_millis)


def _call_key(tokens: Sequence[int]) -> tuple[int, int]:
    """What two spans of one call agree on: the output tokens, and the cached input when there is some (whether the
    input counts the cache, instrumentations disagree: Bedrock's official ones do not), else the whole input.
    A cached count is kept negative, apart from input counts. ``tokens``: the token buckets (`TOKEN_UNITS`, in order),
    which a `Usage` starts with."""
    cached = tokens[_CACHE_READ] + tokens[_CACHE_WRITE] + tokens[_CACHE_WRITE_1H]
    return (-cached if cached else sum(tokens[_INPUTS]), sum(tokens[_OUTPUTS]))
