"""A sampler that keeps every paid call counted: the GenAI calls a trace sampler drops are recorded, not exported.

A trace sampler (``parentbased_traceidratio`` at 10%, say) decides at a span's start whether the span records.
A dropped span never reaches the span processors, so without this the cost processor would neither price nor
count the calls of unsampled traces, and the cost counter would show a tenth of the bill.

`CostRecordingSampler` wraps the sampler the application chose. Its decisions stand, except that a span that
says at its start that it is a paid GenAI call (``gen_ai.operation.name`` an inference or embeddings operation,
or OpenLLMetry's and OpenInference's equivalents) and that the inner sampler drops is ``RECORD_ONLY`` instead:
it records and reaches the processors, so the cost processor prices it and counts it in the cost metrics, but it
is not sampled. The exporting processors skip it, and its trace context tells downstream services it was not
sampled. What the inner sampler samples and every other span it drops are untouched.

`instrument()` and the ``opentelemetry-instrument`` hook use it on the provider they build from
``OTEL_TRACES_SAMPLER``; with a tracer provider of your own, pass it yourself:
``TracerProvider(sampler=CostRecordingSampler(ParentBased(TraceIdRatioBased(0.1))))``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes

from ..usage import operation_of

__all__ = ["CostRecordingSampler", "record_dropped_calls"]

_SAMPLER = "_sampler"  # where an SDK with a read-only ``sampler`` property keeps it
_log = logging.getLogger("otel_llmcost")


class CostRecordingSampler(Sampler):
    """``sampler``'s decisions, except that the paid GenAI calls it drops are recorded (not exported)."""

    def __init__(self, sampler: Sampler) -> None:
        self._sampler = sampler

    @property
    def sampler(self) -> Sampler:
        """The sampler whose decisions this one keeps."""
        return self._sampler

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        result = self._sampler.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)
        if result.decision is not Decision.DROP or not attributes or operation_of(attributes) is None:
            return result
        # The span gets the attributes of the result: those it was started with (a dropping result has none).
        return SamplingResult(Decision.RECORD_ONLY, attributes, result.trace_state)

    def get_description(self) -> str:
        return f"CostRecordingSampler{{{self._sampler.get_description()}}}"


def record_dropped_calls(provider: TracerProvider) -> None:
    """Wraps ``provider``'s sampler in a `CostRecordingSampler`, for the tracers it makes from now on.

    For a provider just built (by `configure`, or by the configurator ``opentelemetry-instrument`` ran, before
    any instrumentor asked it for a tracer): a tracer keeps the sampler it was made with.
    """
    current = provider.sampler
    if isinstance(current, CostRecordingSampler):
        return
    wrapped = CostRecordingSampler(current)
    try:
        provider.sampler = wrapped  # a plain attribute in the SDK 1.45
    except AttributeError:
        setattr(provider, _SAMPLER, wrapped)  # where it is a read-only property over ``_sampler``
    if provider.sampler is not wrapped:
        _log.debug("otel-llmcost could not wrap the sampler of %r; dropped calls are not counted", provider)
