"""`AttributionSpanProcessor`: puts the section path and the attribution on spans as they start."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal

from opentelemetry import context
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace.propagation import _SPAN_KEY  # pyright: ignore[reportPrivateUsage]

from .. import _attributes as a
from .._spans import plain_attributes
from ._budget import budgets_active, spent
from ._context import baggage_keys as allowlisted_baggage_keys
from ._context import current_attributes, section_path

__all__ = ["AttributionSpanProcessor"]

_log = logging.getLogger("otel_llmcost")
_SEPARATOR = "/"
_V = a.GenAiOperationNameValues
_PATH = a.LLMCOST_SECTION_PATH
_OPERATION = a.GEN_AI_OPERATION_NAME
_MAYBE_BILLED = a.LLMCOST_RETRY_MAYBE_BILLED
# The parts of a priced call's cost that each attempt paid again when billed: the input sent (each attempt sent it).
_INPUT_SIDE = (a.LLMCOST_COST_INPUT, a.LLMCOST_COST_CACHE_READ, a.LLMCOST_COST_CACHE_WRITE)
# The agent span conventions' operations, and the attribute that names each (else the span name, less the
# operation): another instrumentation's agent, tool or workflow span is a section as ours are.
_SECTION_NAMES = {
    _V.INVOKE_AGENT: a.GEN_AI_AGENT_NAME,
    _V.EXECUTE_TOOL: a.GEN_AI_TOOL_NAME,
    _V.INVOKE_WORKFLOW: None,
}


def _section_name(span: Span, attributes: Mapping[str, object], operation: str) -> str:
    key = _SECTION_NAMES[operation]
    named = attributes.get(key) if key is not None else None
    if isinstance(named, str) and named:
        return named
    return span.name.removeprefix(operation).strip() or operation


def _with_maybe_billed_cost(span: ReadableSpan) -> ReadableSpan:
    """``span``, a priced call with attempts the provider may have billed, with what they may have cost (each sent
    the same input as the priced answer): a copy, as an ended span cannot change. Unpriced, ``span`` itself."""
    attributes = plain_attributes(span)
    count = attributes.get(_MAYBE_BILLED)
    if not isinstance(count, int) or a.GEN_AI_USAGE_COST_AMOUNT not in attributes:
        return span
    input_side = Decimal(0)
    for key in _INPUT_SIDE:
        value = attributes.get(key)
        if isinstance(value, (int, float)):
            input_side += Decimal(repr(value))
    priced = dict(span.attributes or {})
    priced[a.LLMCOST_RETRY_MAYBE_BILLED_COST] = float(count * input_side)
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=priced,
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class AttributionSpanProcessor(SpanProcessor):
    """Sets ``llmcost.section.*``, ``llmcost.customer.id``, ``.tenant.id``, ``.feature`` and the allowlisted extra
    keys on every span started in their scope, counts priced spans' costs towards the budgets, and prices the
    attempts a priced call's provider may have billed (``llmcost.retry.maybe_billed_cost``).

    `instrument()` and ``opentelemetry-instrument`` put it behind the cost processor. With a tracer provider of
    your own, put it there yourself, so that it sees the priced copies (for budgets) and sets the attributes
    before the cost processor reads them at the span's end (for the cost counter's dimensions)::

        provider.add_span_processor(CostSpanProcessor(AttributionSpanProcessor(BatchSpanProcessor(exporter))))

    Args:
        next_processor: the processor it hands every span on to; none when it is added on its own.
        baggage_keys: the inbound W3C baggage keys to put on spans; ``OTEL_LLMCOST_BAGGAGE_KEYS`` (read now)
            when None.
    """

    def __init__(
        self, next_processor: SpanProcessor | None = None, *, baggage_keys: Sequence[str] | None = None
    ) -> None:
        self._next = next_processor
        self._baggage_keys = tuple(baggage_keys) if baggage_keys is not None else allowlisted_baggage_keys()

    @property
    def next_processor(self) -> SpanProcessor | None:
        """The processor this one hands every span to."""
        return self._next

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            # Runs for every span the application starts: plain dictionary look-ups only, until there is work.
            ctx = context.get_current() if parent_context is None else parent_context
            values = current_attributes(ctx, self._baggage_keys)
            existing = plain_attributes(span)
            path: str | None = None
            if _PATH not in existing:
                parent = ctx.get(_SPAN_KEY)
                parent_path = plain_attributes(parent).get(_PATH) if parent is not None else None
                if isinstance(parent_path, str):
                    path = parent_path  # the span it starts under has a path: a section's, or a foreign agent's
                else:
                    open_sections = section_path(ctx)
                    path = _SEPARATOR.join(open_sections) if open_sections else None
                operation = existing.get(_OPERATION)
                if isinstance(operation, str) and operation in _SECTION_NAMES:
                    # Another instrumentation's agent, tool or workflow span: a section of its own.
                    name = _section_name(span, existing, operation)
                    path = f"{path}{_SEPARATOR}{name}" if path else name
            if values or path is not None:
                found: dict[str, str] = {key: value for key, value in values.items() if key not in existing}
                if path is not None:
                    found[_PATH] = path
                    found[a.LLMCOST_SECTION_NAME] = path.rsplit(_SEPARATOR, 1)[-1]
                if found:
                    span.set_attributes(found)
        except Exception:  # noqa: BLE001 - the one guarded place for our own failures in on_start
            _log.debug("otel-llmcost could not attribute a started span", exc_info=True)
        if self._next is not None:
            self._next.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        try:
            if _MAYBE_BILLED in plain_attributes(span):
                span = _with_maybe_billed_cost(span)
        except Exception:  # noqa: BLE001 - the span goes on as it came
            _log.debug("otel-llmcost could not price a span's maybe-billed attempts", exc_info=True)
        try:
            if budgets_active():
                attributes = span.attributes or {}
                amount = attributes.get(a.GEN_AI_USAGE_COST_AMOUNT)
                context_span = span.context
                span_id = context_span.span_id if context_span is not None else 0
                cost = Decimal(repr(amount)) if isinstance(amount, (int, float)) else None
                spent(span_id, attributes, cost, span.end_time)
        except Exception:  # noqa: BLE001 - the one guarded place for our own failures in on_end
            _log.debug("otel-llmcost could not count a span towards the budgets", exc_info=True)
        if self._next is not None:
            self._next.on_end(span)

    def shutdown(self) -> None:
        if self._next is not None:
            self._next.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._next.force_flush(timeout_millis) if self._next is not None else True
