"""The Responses API: ``responses.create`` (streamed or not), ``parse`` and ``retrieve``, sync and async.

``responses.stream()`` calls ``create(stream=True)`` (or ``retrieve(stream=True)`` to resume), so it is traced
there, once. A stream's usage arrives with its ``response.completed`` event (``response.incomplete`` and
``response.failed`` carry it too); a stream cut before that is estimated with tiktoken. ``retrieve`` reads a
response that an earlier call made and billed: its span has the response's attributes, never a usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final, NamedTuple, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.semconv._incubating.attributes import openai_attributes  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...tokens import estimate_text
from ...usage import Usage
from .._genai import Attributes, Invocation, bounded_json
from .._read import count, field, fields, identity, text, tokens
from .._reading import StreamReading, settled
from .._surface import Reading, Request, Setup
from ._content import responses_input, responses_output, text_part
from ._read import sampling_attributes, token_usage, usage_fields, zero_cache_read

__all__ = ["RESPONSES", "RESPONSES_RETRIEVE"]

_API_TYPE: Final = "responses"
_MAX_TOKENS: Final = ("max_output_tokens",)
_STOP: Final = "stop"
_COMPLETED: Final = "completed"
_INCOMPLETE: Final = "incomplete"
_WEB_SEARCH: Final = "web_search"
# Events whose ``response`` is the response so far; the last one seen is the stream's result.
_RESPONSE_EVENTS: Final = frozenset(
    {
        "response.created",
        "response.queued",
        "response.in_progress",
        "response.completed",
        "response.incomplete",
        "response.failed",
    }
)
# Events whose ``delta`` is output text (or text the model generated, such as a tool call's arguments).
_DELTA_EVENTS: Final = frozenset(
    {
        "response.output_text.delta",
        "response.refusal.delta",
        "response.function_call_arguments.delta",
        "response.custom_tool_call_input.delta",
        "response.reasoning_summary_text.delta",
    }
)


class _Input(NamedTuple):
    """What the stream hooks need of the request: its text, to estimate its tokens."""

    input: object
    instructions: object


def _input_texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    texts: list[str] = []
    for message in responses_input(value):
        for part in message["parts"]:
            for key in ("content", "arguments", "response"):
                found = part.get(key)
                if isinstance(found, str):
                    texts.append(found)
    return texts


def _finish_reason(values: Mapping[str, Any]) -> str | None:
    """``stop`` for a completed response (its `fields`), ``tool_calls`` for one that ends in a function call (as
    the conventions and the official instrumentation say), the reason an incomplete one stopped, else its status."""
    status = text(values.get("status"))
    if status == _COMPLETED:
        output = values.get("output")
        if isinstance(output, list) and any(
            field(item, "type") == "function_call" for item in cast("list[object]", output)
        ):
            return "tool_calls"
        return _STOP
    if status == _INCOMPLETE:
        return text(field(values.get("incomplete_details"), "reason")) or status
    return status if status in ("failed", "cancelled") else None


class Responses:
    """The Responses API; with ``bills`` false (``retrieve``), a response read again, whose usage is not this call's."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.CHAT

    def __init__(self, bills: bool) -> None:
        self.bills = bills

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {openai_attributes.OPENAI_API_TYPE: _API_TYPE}
        if not self.bills:
            return Request(None, attributes, kwargs, kwargs.get("stream") is True)
        sampling_attributes(kwargs, attributes, _MAX_TOKENS)
        kind = field(field(kwargs.get("text"), "format"), "type")
        if kind in ("json_schema", "json_object") or isinstance(kwargs.get("text_format"), type):
            attributes[gen_ai.GEN_AI_OUTPUT_TYPE] = "json"
        elif kind == "text":
            attributes[gen_ai.GEN_AI_OUTPUT_TYPE] = "text"
        given = kwargs.get("input")
        instructions = kwargs.get("instructions")
        if setup.telemetry.capture_content:
            messages = responses_input(given)
            if messages:
                attributes[gen_ai.GEN_AI_INPUT_MESSAGES] = bounded_json(messages)
            if isinstance(instructions, str):
                attributes[gen_ai.GEN_AI_SYSTEM_INSTRUCTIONS] = bounded_json([text_part(instructions)])
        state = _Input(given, instructions)
        return Request(text(kwargs.get("model")), attributes, kwargs, kwargs.get("stream") is True, None, state)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        values = fields(result)
        attributes = _response_attributes(values)
        if setup.telemetry.capture_content and self.bills:
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(
                responses_output(values.get("output"), _finish_reason(values))
            )
        return Reading(attributes, _usage(values, attributes) if self.bills else None)

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> ResponsesStream:
        state = request.state if isinstance(request.state, _Input) else None
        return ResponsesStream(invocation, request.model, state, self.bills, setup.telemetry.capture_content)


def _response_attributes(values: Mapping[str, Any]) -> Attributes:
    """The response attributes of a response's `fields`."""
    attributes: Attributes = {}
    identity(values, attributes)
    reason = _finish_reason(values)
    if reason is not None:
        attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [reason]
    tier = text(values.get("service_tier"))
    if tier is not None:
        attributes[a.OPENAI_RESPONSE_SERVICE_TIER] = tier
    return attributes


def _usage(response: Mapping[str, Any], attributes: Attributes) -> Usage | None:
    """The usage in a response's `fields`."""
    values = usage_fields(response.get("usage"), attributes)
    if values is None:
        return None
    details = fields(values.get("input_tokens_details"))
    zero_cache_read(attributes, details.get("cached_tokens"))
    searches = count(field(response.get("tool_usage"), _WEB_SEARCH), "num_requests")
    return token_usage(
        tokens(values, "input_tokens"),
        tokens(values, "output_tokens"),
        cache_read=tokens(details, "cached_tokens"),
        cache_write=tokens(details, "cache_write_tokens"),
        reasoning=tokens(fields(values.get("output_tokens_details")), "reasoning_tokens"),
        total=tokens(values, "total_tokens"),
        requests={_WEB_SEARCH: searches} if searches else None,
    )


class ResponsesStream(StreamReading):
    """Reads a Responses API event stream into its invocation; ends it once."""

    __slots__ = ("_bills", "_capture", "_deltas", "_input", "_model", "_response")

    def __init__(
        self, invocation: Invocation, model: str | None, state: _Input | None, bills: bool, capture: bool
    ) -> None:
        super().__init__(invocation)
        self._model = model
        self._input = state
        self._bills = bills
        self._capture = capture
        self._deltas: list[str] = []
        self._response: Any = None

    def _read(self, chunk: Any) -> None:
        kind = chunk.type
        if kind in _DELTA_EVENTS:
            delta = chunk.delta
            if isinstance(delta, str) and delta:
                self._deltas.append(delta)
        elif kind in _RESPONSE_EVENTS:
            self._response = chunk.response

    def _reading(self) -> Reading:
        response = self._response
        values = fields(response)
        attributes = _response_attributes(values)
        if not self._bills:
            return Reading(attributes)
        if self._capture and response is not None:
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(
                responses_output(values.get("output"), _finish_reason(values))
            )
        model = values.get("model") or self._model
        # No encoding: each delta held at least one token, a lower bound of the output.
        return settled(
            attributes, _usage(values, attributes), lambda: self._counted(model), len(self._deltas), model=model
        )

    def _counted(self, model: object) -> tuple[int, int] | None:
        state = self._input
        if not isinstance(model, str) or state is None:
            return None
        texts = _input_texts(state.input)
        if isinstance(state.instructions, str):
            texts.append(state.instructions)
        input_tokens = estimate_text(model, texts)
        output_tokens = estimate_text(model, self._deltas)
        if input_tokens is None or output_tokens is None:
            return None
        return input_tokens, output_tokens


RESPONSES: Final = Responses(bills=True)
RESPONSES_RETRIEVE: Final = Responses(bills=False)
