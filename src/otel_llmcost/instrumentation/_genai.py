"""What every instrumentor shares: one call's span and GenAI metrics, ``error.type``, content capture.

An instrumentor builds one `Telemetry` when it is instrumented and asks it for an `Invocation` per SDK call.
The invocation is the call's CLIENT span (``{operation} {model}``) and its timing; `Invocation.end` writes the
response attributes and usage, records ``gen_ai.client.operation.duration`` and ``gen_ai.client.token.usage``
and ends the span, exactly once whatever calls it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from timeit import default_timer
from typing import Final, cast

from opentelemetry.metrics import MeterProvider, get_meter
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.semconv.attributes import http_attributes, server_attributes
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider, get_tracer
from opentelemetry.util.types import AttributeValue

from .. import _attributes as a
from ..usage import Usage, usage_attributes

__all__ = [
    "CAPTURE_MESSAGE_CONTENT_ENV",
    "CONTENT_LIMIT_BYTES",
    "SECONDS_BUCKETS",
    "TOKEN_BUCKETS",
    "Attributes",
    "Invocation",
    "Telemetry",
    "bounded_json",
    "content_capture_from_env",
    "error_class",
]

Attributes = dict[str, AttributeValue]

CAPTURE_MESSAGE_CONTENT_ENV: Final = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# Values that put content on spans: ``true`` (the legacy switch) and the modes of opentelemetry-util-genai's
# ContentCapturingMode that include spans. ``event_only`` asks for events, which we do not emit.
_CAPTURE_ON_SPANS = frozenset({"true", "span_only", "span_and_event"})

CONTENT_LIMIT_BYTES: Final = 32 * 1024
"""The most UTF-8 bytes of JSON that one content attribute (input or output messages) holds."""
_TRUNCATED: Final = "…[truncated]"

# The GenAI conventions' explicit bucket boundaries for their client histograms.
TOKEN_BUCKETS: Final = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
SECONDS_BUCKETS: Final = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)

_INPUT: Final = "input"
_OUTPUT: Final = "output"


def error_class(error: BaseException) -> str:
    """The ``error.type`` of an exception an SDK does not classify: its class name."""
    return type(error).__qualname__


def content_capture_from_env() -> bool:
    """Whether ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` asks for content on spans; off when unset.

    ``true``, ``span_only`` and ``span_and_event`` (any case) turn it on, as in the official GenAI
    instrumentations; ``false``, ``no_content``, ``event_only`` and anything else leave it off.
    """
    return os.environ.get(CAPTURE_MESSAGE_CONTENT_ENV, "").strip().lower() in _CAPTURE_ON_SPANS


def bounded_json(value: object, limit: int = CONTENT_LIMIT_BYTES) -> str:
    """``value`` as compact JSON of at most ``limit`` UTF-8 bytes.

    Too long, its longest strings are cut, each ending with ``…[truncated]``, so that the result stays valid
    JSON; when even that cannot fit, the text itself is cut and ends with the marker.
    """
    text = _dumps(value)
    if len(text.encode()) <= limit:
        return text
    low, high = 0, max(len(text), 1)
    best: str | None = None
    while low <= high:
        cap = (low + high) // 2
        candidate = _dumps(_capped(value, cap))
        if len(candidate.encode()) <= limit:
            best, low = candidate, cap + 1
        else:
            high = cap - 1
    if best is not None:
        return best
    cut = text.encode()[: max(limit - len(_TRUNCATED.encode()), 0)].decode(errors="ignore")
    return cut + _TRUNCATED


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _capped(value: object, cap: int) -> object:
    if isinstance(value, str):
        return value if len(value) <= cap else value[:cap] + _TRUNCATED
    if isinstance(value, Mapping):
        return {key: _capped(item, cap) for key, item in cast("Mapping[object, object]", value).items()}
    if isinstance(value, (list, tuple)):
        return [_capped(item, cap) for item in cast("Sequence[object]", value)]
    return value


class Telemetry:
    """An instrumentor's tracer, GenAI metrics and content setting.

    Attributes:
        capture_content: whether prompts and completions go on spans.
        error_type: the ``error.type`` of an exception a call ended with (the SDK's adapter says, once it is
            imported).
        active: false once the instrumentor is uninstrumented; a wrapper that outlives its patch (a bound
            method an SDK object kept) then calls straight through.
    """

    def __init__(
        self,
        name: str,
        version: str,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        capture_content: bool = False,
    ) -> None:
        self._tracer = get_tracer(name, version, tracer_provider)
        meter = get_meter(name, version, meter_provider)
        self.duration = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=list(SECONDS_BUCKETS),
        )
        self.token_usage = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
        )
        self.time_to_first_chunk = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
            unit="s",
            description="Time to receive the first chunk of a streamed response.",
            explicit_bucket_boundaries_advisory=list(SECONDS_BUCKETS),
        )
        self.capture_content = capture_content
        self.error_type: Callable[[BaseException], str] = error_class
        self.active = True

    def start(
        self,
        operation: str,
        provider: str,
        model: str | None,
        attributes: Attributes,
        server: tuple[str, int] | None = None,
    ) -> Invocation:
        """Start the CLIENT span of one call to ``model`` of ``provider`` at ``server`` (address, port)."""
        metric: Attributes = {a.GEN_AI_OPERATION_NAME: operation, a.GEN_AI_PROVIDER_NAME: provider}
        if model is not None:
            metric[a.GEN_AI_REQUEST_MODEL] = model
        if server is not None:
            metric[a.SERVER_ADDRESS] = server[0]
            metric[server_attributes.SERVER_PORT] = server[1]
        attributes.update(metric)
        span = self._tracer.start_span(
            f"{operation} {model}" if model else operation, kind=SpanKind.CLIENT, attributes=attributes
        )
        return Invocation(self, span, metric)


class Invocation:
    """One call in flight: its span and timing. `end` runs once; later calls do nothing.

    Attributes:
        span: the call's span.
        resend_count: how many times the SDK resent the request (retries), when it did.
    """

    __slots__ = ("_first_chunk_at", "_metric", "_started", "_telemetry", "attempts", "ended", "resend_count", "span")

    def __init__(self, telemetry: Telemetry, span: Span, metric: Attributes) -> None:
        self._telemetry = telemetry
        self.span = span
        self._metric = metric
        self._started = default_timer()
        self._first_chunk_at: float | None = None
        self.ended = False
        self.resend_count = 0
        self.attempts = 0  # requests built for the call, for SDKs that do not count their retries themselves

    def chunk(self) -> None:
        """A streamed chunk arrived: the first one records ``gen_ai.client.operation.time_to_first_chunk``."""
        if self._first_chunk_at is None:
            self._first_chunk_at = now = default_timer()
            self._telemetry.time_to_first_chunk.record(now - self._started, self._metric)

    def end(
        self,
        attributes: Mapping[str, AttributeValue] | None = None,
        usage: Usage | None = None,
        usage_status: str = a.LlmcostUsageStatusValues.REPORTED,
        error: BaseException | None = None,
        error_type: str | None = None,
    ) -> None:
        """Write the response ``attributes`` and ``usage``, or the ``error``, then end the span and record metrics.

        Args:
            attributes: response attributes (id, model, finish reasons...).
            usage: what the call consumed, if known.
            usage_status: ``reported``, or ``estimated`` / ``partial`` when the provider did not report it.
            error: the exception the call ended with.
            error_type: its ``error.type``; by default what the instrumentor's `Telemetry.error_type` says.
        """
        if self.ended:
            return
        self.ended = True
        span = self.span
        metric = self._metric
        try:
            values: dict[str, AttributeValue] = dict(attributes) if attributes else {}
            response_model = values.get(a.GEN_AI_RESPONSE_MODEL)
            if response_model is not None:
                metric[a.GEN_AI_RESPONSE_MODEL] = response_model
            if usage is not None:
                values.update(usage_attributes(usage))
            if usage_status != a.LlmcostUsageStatusValues.REPORTED:
                values[a.LLMCOST_USAGE_STATUS] = usage_status
            if self.resend_count:
                values[http_attributes.HTTP_REQUEST_RESEND_COUNT] = self.resend_count
            if error is not None:
                kind = error_type or self._telemetry.error_type(error)
                values[a.ERROR_TYPE] = kind
                span.set_status(Status(StatusCode.ERROR, str(error) or kind))
                metric[a.ERROR_TYPE] = kind
            if values:
                span.set_attributes(values)
        finally:
            span.end()
        telemetry = self._telemetry
        telemetry.duration.record(default_timer() - self._started, metric)
        # Counted tokens are a guess: the conventions want reported (billable) counts on this metric.
        if usage is not None and usage_status == a.LlmcostUsageStatusValues.REPORTED:
            telemetry.token_usage.record(usage.input_tokens, {**metric, gen_ai.GEN_AI_TOKEN_TYPE: _INPUT})
            output_tokens = usage.output_tokens
            if output_tokens or metric[a.GEN_AI_OPERATION_NAME] != a.GenAiOperationNameValues.EMBEDDINGS:
                telemetry.token_usage.record(output_tokens, {**metric, gen_ai.GEN_AI_TOKEN_TYPE: _OUTPUT})
