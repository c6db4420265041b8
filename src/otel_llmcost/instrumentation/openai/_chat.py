"""Chat Completions: ``chat.completions.create`` (streamed or not) and ``parse``, sync and async.

``chat.completions.stream()`` calls ``create(stream=True)``, so it is traced there, once. A stream reports
its usage in a last chunk with no choices, when the request asked for it (``stream_options.include_usage``);
without it, or when the stream ends early, the tokens are counted with tiktoken (``estimated``), or what is
known is recorded (``partial``) when no encoding is available.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final, NamedTuple, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.semconv._incubating.attributes import openai_attributes  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...tokens import estimate_chat
from ...usage import Usage
from .._genai import Attributes, Invocation, bounded_json
from .._read import field, fields, identity, text, tokens
from .._reading import StreamReading, settled
from .._surface import Reading, Request, Setup
from ._content import chat_input, chat_output, text_part, tool_call_part
from ._read import sampling_attributes, token_usage, usage_fields, zero_cache_read

__all__ = ["CHAT_COMPLETIONS", "with_stream_usage"]

_P = a.GenAiProviderNameValues

STREAM_USAGE_PROVIDERS: Final = frozenset(
    {_P.OPENAI, _P.AZURE_AI_OPENAI, _P.DEEPSEEK, _P.X_AI, _P.TOGETHER_AI, _P.FIREWORKS_AI, _P.OPENROUTER, _P.VLLM}
)
"""Providers known to accept ``stream_options.include_usage``: the ``request_stream_usage`` option asks only them."""

_MAX_TOKENS: Final = ("max_completion_tokens", "max_tokens")
_API_TYPE: Final = "chat_completions"
_JSON_FORMATS: Final = frozenset({"json_object", "json_schema"})
_JSON: Final = "json"
_TEXT: Final = "text"
_RESPONSE_TEXTS: Final = (
    (a.OPENAI_RESPONSE_SERVICE_TIER, "service_tier"),
    (openai_attributes.OPENAI_RESPONSE_SYSTEM_FINGERPRINT, "system_fingerprint"),
)
"""A completion's text fields, besides its id and model, and the attributes they go to (each a non-empty string)."""


def _output_type(response_format: object) -> str | None:
    if isinstance(response_format, type):  # parse(response_format=SomeModel)
        return _JSON
    kind = field(response_format, "type")
    if kind in _JSON_FORMATS:
        return _JSON
    return _TEXT if kind == _TEXT else None


def _usage_only(chunk: object) -> bool:
    """The last chunk of a stream whose usage the instrumentor asked for: no choices, only the usage."""
    return not field(chunk, "choices") and field(chunk, "usage") is not None


def with_stream_usage(
    kwargs: Mapping[str, Any], provider: str, setup: Setup
) -> tuple[Mapping[str, Any], Callable[[object], bool] | None]:
    """The arguments of a stream request, with ``stream_options.include_usage`` when the ``request_stream_usage``
    option asks for it and the provider accepts it; and, then, which chunk to hide from the caller."""
    if not setup.request_stream_usage or provider not in STREAM_USAGE_PROVIDERS:
        return kwargs, None
    given = kwargs.get("stream_options")
    options = dict(cast("Mapping[str, object]", given)) if isinstance(given, Mapping) else {}
    if "include_usage" in options:
        return kwargs, None
    options["include_usage"] = True
    return {**kwargs, "stream_options": options}, _usage_only


class ChatCompletions:
    """The Chat Completions API."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.CHAT

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {openai_attributes.OPENAI_API_TYPE: _API_TYPE}
        sampling_attributes(kwargs, attributes, _MAX_TOKENS)
        response_format = kwargs.get("response_format")
        if response_format is not None:
            output_type = _output_type(response_format)
            if output_type is not None:
                attributes[gen_ai.GEN_AI_OUTPUT_TYPE] = output_type
        messages = kwargs.get("messages")
        # Any other iterable is the SDK's to consume: reading it here would leave nothing to send.
        listed = cast("Sequence[object]", messages) if isinstance(messages, (list, tuple)) else None
        if listed is not None and setup.telemetry.capture_content:
            attributes[gen_ai.GEN_AI_INPUT_MESSAGES] = bounded_json(chat_input(listed))
        stream = kwargs.get("stream") is True
        call_kwargs, hide = with_stream_usage(kwargs, provider, setup) if stream else (kwargs, None)
        # What a stream's reading needs (the messages to estimate its tokens from); a parsed response needs none.
        state = _ChatState(provider, listed) if stream else None
        return Request(text(kwargs.get("model")), attributes, call_kwargs, stream, hide, state)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        values = fields(result)
        attributes = _response_attributes(values)
        # Each part read on its own: an odd field (choices that are not a list) never drops the usage.
        usage = _usage(values.get("usage"), attributes)
        choices = _listed(values.get("choices"))
        reasons: list[str] = []
        for choice in choices:
            reason = field(choice, "finish_reason")
            if isinstance(reason, str):
                reasons.append(reason)
        if reasons:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
        if setup.telemetry.capture_content:
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(chat_output(choices))
        return Reading(attributes, usage)

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> ChatStream:
        state = request.state if isinstance(request.state, _ChatState) else _ChatState("", None)
        return ChatStream(invocation, request.model, state, setup.telemetry.capture_content)


class _ChatState(NamedTuple):
    provider: str
    messages: Sequence[object] | None


def _listed(value: object) -> Sequence[Any]:
    """``value`` if it is a list (or tuple), else nothing: what a compatible server sends is not always one."""
    return cast("Sequence[Any]", value) if isinstance(value, (list, tuple)) else ()


def _response_attributes(values: Mapping[str, Any]) -> Attributes:
    """The response attributes of a completion's (or its first chunk's) `fields`."""
    attributes: Attributes = {}
    identity(values, attributes)
    for key, name in _RESPONSE_TEXTS:
        found = values.get(name)
        if isinstance(found, str) and found:
            attributes[key] = found
    return attributes


def _usage(usage: object, attributes: Attributes) -> Usage | None:
    values = usage_fields(usage, attributes)
    if values is None:
        return None
    prompt = fields(values.get("prompt_tokens_details"))
    completion = fields(values.get("completion_tokens_details"))
    prompt_tokens, completion_tokens = tokens(values, "prompt_tokens"), tokens(values, "completion_tokens")
    # DeepSeek reports its cache hits beside the prompt details.
    cache_read = tokens(prompt, "cached_tokens") or tokens(values, "prompt_cache_hit_tokens")
    if not cache_read:
        zero_cache_read(attributes, prompt.get("cached_tokens"), values.get("prompt_cache_hit_tokens"))
    reasoning, total = tokens(completion, "reasoning_tokens"), tokens(values, "total_tokens")
    if (
        not reasoning
        and total > prompt_tokens + completion_tokens
        and total != prompt_tokens + cache_read + completion_tokens
    ):
        # Gemini's OpenAI-compatible endpoints count thinking tokens in the total only: they are billed as output.
        reasoning = total - prompt_tokens - completion_tokens
    return token_usage(
        prompt_tokens,
        completion_tokens,
        cache_read=cache_read,
        input_audio=tokens(prompt, "audio_tokens"),
        reasoning=reasoning,
        output_audio=tokens(completion, "audio_tokens"),
        total=total,
    )


class _Choice:
    """What a stream said about one choice: its text, tool calls and finish reason."""

    __slots__ = ("finish_reason", "texts", "tool_calls")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.tool_calls: dict[int, list[Any]] = {}  # index -> [id, name, arguments...]
        self.finish_reason: str | None = None


class ChatStream(StreamReading):
    """Reads a Chat Completions stream, chunk by chunk, into its invocation; ends it once."""

    __slots__ = (
        "_capture",
        "_choices",
        "_groq",
        "_messages",
        "_model",
        "_usage",
    )

    def __init__(self, invocation: Invocation, model: str | None, state: _ChatState, capture: bool) -> None:
        super().__init__(invocation)
        self._model = model
        self._messages = state.messages
        self._groq = state.provider == _P.GROQ
        self._capture = capture
        self._choices: dict[int, _Choice] = {}
        self._usage: Any = None

    def _read(self, chunk: Any) -> None:
        # The usage first, and each part read on its own with its type checked: an odd field from a compatible
        # server never drops the others. getattr with defaults: such a server may leave out what OpenAI sends.
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self._usage = usage
        elif self._groq:
            # Groq reports a stream's usage in its own field of the last chunk.
            groq_usage = field(field(chunk, "x_groq"), "usage")
            if groq_usage is not None:
                self._usage = groq_usage
        choices: Any = getattr(chunk, "choices", None)
        if type(choices) is not list:
            return
        listed: list[Any] = choices  # pyright: ignore[reportUnknownVariableType] - not cast(): a call per chunk
        for choice in listed:
            index = getattr(choice, "index", 0)
            if type(index) is not int:
                index = 0
            state = self._choices.get(index)
            if state is None:
                state = self._choices[index] = _Choice()
            delta = getattr(choice, "delta", None)
            if delta is not None:
                content = getattr(delta, "content", None)
                if content and type(content) is str:
                    state.texts.append(content)
                calls: Any = getattr(delta, "tool_calls", None)
                if calls and type(calls) is list:
                    listed_calls: list[Any] = calls  # pyright: ignore[reportUnknownVariableType]
                    self._tool_calls(state, listed_calls)
            reason = getattr(choice, "finish_reason", None)
            if reason and type(reason) is str:
                state.finish_reason = reason

    def _tool_calls(self, state: _Choice, calls: Sequence[Any]) -> None:
        for call in calls:
            index = getattr(call, "index", None)
            key = index if type(index) is int else 0
            found = state.tool_calls.get(key)
            if found is None:
                found = state.tool_calls[key] = [getattr(call, "id", None), None]
            function = getattr(call, "function", None)
            if function is not None:
                name, arguments = getattr(function, "name", None), getattr(function, "arguments", None)
                if name and type(name) is str:
                    found[1] = name
                if arguments and type(arguments) is str:
                    found.append(arguments)

    def _reading(self) -> Reading:
        first = self._first
        attributes = _response_attributes(fields(first))
        reasons = [state.finish_reason for state in self._choices.values() if state.finish_reason]
        if reasons:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
        if self._capture and self._choices:
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(self._output())
        model = field(first, "model") or self._model
        # No encoding: each piece of text (or of a tool call's arguments) a chunk carried held at least one token.
        pieces = sum(
            len(state.texts) + sum(len(call) - 2 for call in state.tool_calls.values())
            for state in self._choices.values()
        )
        return settled(attributes, _usage(self._usage, attributes), lambda: self._counted(model), pieces, model=model)

    def _counted(self, model: object) -> tuple[int, int] | None:
        messages = self._messages
        if not isinstance(model, str) or messages is None:
            return None
        completion = "".join(text for state in self._choices.values() for text in state.texts)
        calls = "".join(
            "".join(part for part in call[1:] if isinstance(part, str))
            for state in self._choices.values()
            for call in state.tool_calls.values()
        )
        return estimate_chat(model, messages, completion, tool_calls_text=calls)

    def _output(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        for state in self._choices.values():
            parts: list[dict[str, Any]] = []
            if state.texts:
                parts.append(text_part("".join(state.texts)))
            for call in state.tool_calls.values():
                parts.append(tool_call_part(call[0], call[1], "".join(call[2:])))
            messages.append({"role": "assistant", "parts": parts, "finish_reason": state.finish_reason})
        return messages


CHAT_COMPLETIONS: Final = ChatCompletions()
