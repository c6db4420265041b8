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

from opentelemetry import trace
from opentelemetry._logs import LoggerProvider, LogRecord, get_logger
from opentelemetry.context import Context
from opentelemetry.metrics import MeterProvider, get_meter
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.semconv.attributes import http_attributes, server_attributes
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider, get_tracer
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
    "events_from_env",
]

Attributes = dict[str, AttributeValue]

CAPTURE_MESSAGE_CONTENT_ENV: Final = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
EMIT_EVENT_ENV: Final = "OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT"
INFERENCE_DETAILS_EVENT: Final = "gen_ai.client.inference.operation.details"
"""The conventions' event for one inference call: the span's attributes, with the content when captured."""
# Values that put content on spans: ``true`` (the legacy switch) and the modes of opentelemetry-util-genai's
# ContentCapturingMode that include spans; the modes that ask for events, as util-genai reads them.
_CAPTURE_ON_SPANS = frozenset({"true", "span_only", "span_and_event"})
_CAPTURE_ON_EVENTS = frozenset({"event_only", "span_and_event"})
_CONTENT_KEYS: Final[tuple[str, ...]] = (
    gen_ai.GEN_AI_INPUT_MESSAGES,
    gen_ai.GEN_AI_OUTPUT_MESSAGES,
    gen_ai.GEN_AI_SYSTEM_INSTRUCTIONS,
)

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


def events_from_env() -> tuple[bool, bool]:
    """(emit the inference details event, with content on it), as opentelemetry-util-genai decides them.

    ``event_only`` and ``span_and_event`` ask for the event with the content; ``OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT``
    (``true`` / ``false``) overrides whether it is emitted.
    """
    content = os.environ.get(CAPTURE_MESSAGE_CONTENT_ENV, "").strip().lower() in _CAPTURE_ON_EVENTS
    emit = os.environ.get(EMIT_EVENT_ENV, "").strip().lower()
    return (emit == "true" if emit in ("true", "false") else content), content


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


def _totals(usage: Usage, written: Mapping[str, AttributeValue]) -> tuple[int, int]:
    """The input and output token totals of ``usage``: as `usage_attributes` ``written`` them (the same sums, already
    made), else the usage's own (a call billed by other units has no totals on its span)."""
    input_tokens = written.get(a.GEN_AI_USAGE_INPUT_TOKENS)
    output_tokens = written.get(a.GEN_AI_USAGE_OUTPUT_TOKENS)
    if type(input_tokens) is int and type(output_tokens) is int:
        return input_tokens, output_tokens
    return usage.input_tokens, usage.output_tokens


class Telemetry:
    """An instrumentor's tracer, GenAI metrics and content setting.

    Attributes:
        capture_content: whether prompts and completions are recorded (on spans, events or both).
        content_on_spans: whether the recorded content goes on spans.
        events: whether each call also emits the conventions' inference details event (a log record).
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
        logger_provider: LoggerProvider | None = None,
        events: tuple[bool, bool] = (False, False),
    ) -> None:
        """``events``: (emit the inference details event, put the content on it), see `events_from_env`."""
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
        emit, content_on_events = events
        self.capture_content = capture_content or content_on_events
        self.content_on_spans = capture_content
        self.events = emit
        self.content_on_events = content_on_events
        self.logger = get_logger(name, version, logger_provider) if emit else None
        self.error_type: Callable[[BaseException], str] = error_class
        self.active = True

    @property
    def tracer(self) -> Tracer:
        """The instrumentor's tracer, for a span that is no call (a realtime session's)."""
        return self._tracer

    def start(
        self,
        operation: str,
        provider: str,
        model: str | None,
        attributes: Attributes,
        server: tuple[str, int] | None = None,
        start_time: int | None = None,
        parent: Context | None = None,
    ) -> Invocation:
        """Start the CLIENT span of one call to ``model`` of ``provider`` at ``server`` (address, port).

        ``start_time`` (nanoseconds since the epoch): when the call began, for a span started after the fact.
        ``parent``: the context to start it in, when the caller has it in hand; the current one by default.
        """
        metric: Attributes = {a.GEN_AI_OPERATION_NAME: operation, a.GEN_AI_PROVIDER_NAME: provider}
        if model is not None:
            metric[a.GEN_AI_REQUEST_MODEL] = model
        if server is not None:
            metric[a.SERVER_ADDRESS] = server[0]
            metric[server_attributes.SERVER_PORT] = server[1]
        attributes.update(metric)
        request = dict(attributes) if self.events else None
        if self.capture_content and not self.content_on_spans:
            for key in _CONTENT_KEYS:
                attributes.pop(key, None)
        span = self._tracer.start_span(
            f"{operation} {model}" if model else operation,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=start_time,
            context=parent,
        )
        invocation = Invocation(self, span, metric)
        invocation.request = request
        return invocation


class Invocation:
    """One call in flight: its span and timing. `end` runs once; later calls do nothing.

    Attributes:
        span: the call's span.
        resend_count: how many times the SDK resent the request (retries), when it did.
        maybe_billed: attempts that failed after the request reached the provider, which may have been billed.
    """

    __slots__ = (
        "_first_chunk_at",
        "_metric",
        "_started",
        "_telemetry",
        "attempts",
        "ended",
        "maybe_billed",
        "request",
        "resend_count",
        "sending",
        "sent",
        "span",
    )

    def __init__(self, telemetry: Telemetry, span: Span, metric: Attributes) -> None:
        self._telemetry = telemetry
        self.span = span
        self._metric = metric
        self._started = default_timer()
        self._first_chunk_at: float | None = None
        self.ended = False
        self.resend_count = 0
        self.attempts = 0  # attempts an SDK hook counted (its own retries), when the SDK has one
        self.sent = 0  # attempts sent for the call, seen where they are sent (`_retry`)
        self.sending = False  # while an attempt is being sent (`_retry`)
        self.maybe_billed = 0
        self.request: Attributes | None = None  # the start attributes, kept for the event when one is emitted

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
        written: Mapping[str, AttributeValue] = {}
        try:
            values: dict[str, AttributeValue] = dict(attributes) if attributes else {}
            response_model = values.get(a.GEN_AI_RESPONSE_MODEL)
            if response_model is not None:
                metric[a.GEN_AI_RESPONSE_MODEL] = response_model
            if usage is not None:
                written = usage_attributes(usage)
                values.update(written)
                # Embeddings have no output: the conventions leave gen_ai.usage.output_tokens off their spans.
                if metric[a.GEN_AI_OPERATION_NAME] == a.GenAiOperationNameValues.EMBEDDINGS and not usage.output_tokens:
                    del values[a.GEN_AI_USAGE_OUTPUT_TOKENS]
            if usage_status != a.LlmcostUsageStatusValues.REPORTED:
                values[a.LLMCOST_USAGE_STATUS] = usage_status
            if self.resend_count:
                values[http_attributes.HTTP_REQUEST_RESEND_COUNT] = self.resend_count
            if self.maybe_billed:
                values[a.LLMCOST_RETRY_MAYBE_BILLED] = self.maybe_billed
            if error is not None:
                kind = error_type or self._telemetry.error_type(error)
                values[a.ERROR_TYPE] = kind
                span.set_status(Status(StatusCode.ERROR, str(error) or kind))
                metric[a.ERROR_TYPE] = kind
            if self.request is not None:
                self._emit(values)
            if self._telemetry.capture_content and not self._telemetry.content_on_spans:
                for key in _CONTENT_KEYS:
                    values.pop(key, None)
            if values:
                span.set_attributes(values)
        finally:
            span.end()
        telemetry = self._telemetry
        telemetry.duration.record(default_timer() - self._started, metric)
        # Counted tokens are a guess: the conventions want reported (billable) counts on this metric.
        if usage is not None and usage_status == a.LlmcostUsageStatusValues.REPORTED:
            input_tokens, output_tokens = _totals(usage, written)
            telemetry.token_usage.record(input_tokens, {**metric, gen_ai.GEN_AI_TOKEN_TYPE: _INPUT})
            if output_tokens or metric[a.GEN_AI_OPERATION_NAME] != a.GenAiOperationNameValues.EMBEDDINGS:
                telemetry.token_usage.record(output_tokens, {**metric, gen_ai.GEN_AI_TOKEN_TYPE: _OUTPUT})

    def _emit(self, values: Mapping[str, AttributeValue]) -> None:
        """The inference details event: the span's attributes (content only when events carry it)."""
        telemetry = self._telemetry
        attributes = {**(self.request or {}), **values}
        if not telemetry.content_on_events:
            for key in _CONTENT_KEYS:
                attributes.pop(key, None)
        if telemetry.logger is not None:
            telemetry.logger.emit(
                LogRecord(
                    event_name=INFERENCE_DETAILS_EVENT,
                    attributes=attributes,
                    context=trace.set_span_in_context(self.span),
                )
            )
