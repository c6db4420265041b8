"""The legacy Completions API: ``completions.create`` (streamed or not), sync and async.

OpenAI still serves it for ``gpt-3.5-turbo-instruct``, ``davinci-002`` and ``babbage-002``, and most
OpenAI-compatible servers (vLLM, Together, Fireworks, OpenRouter) serve it for every model they host. The prompt
is a string, a list of strings, or token ids. A stream reports its usage in a last chunk with no choices when the
request asked for it (``stream_options.include_usage``); without it, or when the stream ends early, the tokens are
counted with tiktoken (``estimated``): the prompt's text or token ids, and the text received.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final, NamedTuple, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.semconv._incubating.attributes import openai_attributes  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...tokens import estimate_text
from ...usage import Usage
from .._genai import Attributes, Invocation, bounded_json
from .._read import field, fields, identity, text, tokens
from .._reading import StreamReading, settled
from .._surface import Reading, Request, Setup
from ._chat import with_stream_usage
from ._content import text_part
from ._read import sampling_attributes, token_usage, usage_fields

__all__ = ["COMPLETIONS"]

_MAX_TOKENS: Final = ("max_tokens",)
_TOKENS: Final = "tokens"  # the part type of a prompt given as token ids, whose text is not known


class _Prompt(NamedTuple):
    """A request's prompt, as the stream hooks need it to estimate its tokens: texts and token id counts."""

    texts: tuple[str, ...]
    token_ids: int


def _prompt(value: object) -> _Prompt | None:
    """``prompt`` as texts and a count of token ids; `None` for what it cannot be (an iterator is the SDK's)."""
    if isinstance(value, str):
        return _Prompt((value,), 0)
    if not isinstance(value, (list, tuple)):
        return None
    items = cast("Sequence[object]", value)
    if all(isinstance(item, int) for item in items):  # one prompt as token ids
        return _Prompt((), len(items))
    texts: list[str] = []
    token_ids = 0
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, (list, tuple)):
            token_ids += len(cast("Sequence[object]", item))
        else:
            return None
    return _Prompt(tuple(texts), token_ids)


def _input_messages(value: object) -> list[dict[str, Any]]:
    """The prompt (one string, or a batch of them) as one user message per prompt; token ids are not copied."""
    if isinstance(value, str):
        return [{"role": "user", "parts": [text_part(value)]}]
    if not isinstance(value, (list, tuple)):
        return []  # an iterator is the SDK's to consume
    prompts = cast("Sequence[object]", value)
    if prompts and all(isinstance(item, int) for item in prompts):
        prompts = (prompts,)
    return [
        {"role": "user", "parts": [text_part(prompt) if isinstance(prompt, str) else {"type": _TOKENS}]}
        for prompt in prompts
    ]


def _output_message(content: str, finish_reason: object) -> dict[str, Any]:
    return {"role": "assistant", "parts": [text_part(content)], "finish_reason": finish_reason}


class Completions:
    """The legacy Completions API."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.TEXT_COMPLETION

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {}
        sampling_attributes(kwargs, attributes, _MAX_TOKENS)
        prompt: object = kwargs.get("prompt")
        state = _prompt(prompt)
        if setup.telemetry.capture_content:
            messages = _input_messages(prompt)
            if messages:
                attributes[gen_ai.GEN_AI_INPUT_MESSAGES] = bounded_json(messages)
        stream = kwargs.get("stream") is True
        call_kwargs, hide = with_stream_usage(kwargs, provider, setup) if stream else (kwargs, None)
        return Request(text(kwargs.get("model")), attributes, call_kwargs, stream, hide, state)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        # field(), not attributes: a compatible server may leave out what OpenAI always sends (an id).
        attributes = _response_attributes(result)
        choices = field(result, "choices") or ()
        reasons = [
            reason for reason in (field(choice, "finish_reason") for choice in choices) if isinstance(reason, str)
        ]
        if reasons:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
        if setup.telemetry.capture_content:
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(
                [_output_message(field(choice, "text") or "", field(choice, "finish_reason")) for choice in choices]
            )
        return Reading(attributes, _usage(field(result, "usage"), attributes))

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> CompletionStream:
        prompt = request.state if isinstance(request.state, _Prompt) else None
        return CompletionStream(invocation, request.model, prompt, setup.telemetry.capture_content)


def _response_attributes(result: object) -> Attributes:
    attributes: Attributes = {}
    identity(fields(result), attributes)
    fingerprint = text(field(result, "system_fingerprint"))
    if fingerprint is not None:
        attributes[openai_attributes.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint
    return attributes


def _usage(usage: object, attributes: Attributes) -> Usage | None:
    values = usage_fields(usage, attributes)
    if values is None:
        return None
    return token_usage(
        tokens(values, "prompt_tokens"),
        tokens(values, "completion_tokens"),
        cache_read=tokens(fields(values.get("prompt_tokens_details")), "cached_tokens"),
        reasoning=tokens(fields(values.get("completion_tokens_details")), "reasoning_tokens"),
        total=tokens(values, "total_tokens"),
    )


class CompletionStream(StreamReading):
    """Reads a Completions stream, chunk by chunk, into its invocation; ends it once."""

    __slots__ = ("_capture", "_model", "_prompt", "_reasons", "_texts", "_usage")

    def __init__(self, invocation: Invocation, model: str | None, prompt: _Prompt | None, capture: bool) -> None:
        super().__init__(invocation)
        self._model = model
        self._prompt = prompt
        self._capture = capture
        self._usage: Any = None
        self._texts: dict[int, list[str]] = {}  # choice index -> the pieces of its text
        self._reasons: dict[int, str] = {}

    def _read(self, chunk: Any) -> None:
        # getattr with defaults: a compatible server may leave out fields OpenAI always sends.
        for choice in getattr(chunk, "choices", None) or ():
            index = getattr(choice, "index", 0)
            piece = getattr(choice, "text", None)
            if piece:
                self._texts.setdefault(index, []).append(piece)
            reason = getattr(choice, "finish_reason", None)
            if reason:
                self._reasons[index] = reason
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self._usage = usage

    def _reading(self) -> Reading:
        first = self._first
        attributes = _response_attributes(first) if first is not None else {}
        if self._reasons:
            reasons = self._reasons
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [reasons[index] for index in sorted(reasons)]
        if self._capture and (self._texts or self._reasons):
            indexes = sorted({*self._texts, *self._reasons})
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(
                [_output_message("".join(self._texts.get(index, ())), self._reasons.get(index)) for index in indexes]
            )
        model = field(first, "model") or self._model
        pieces = [piece for texts in self._texts.values() for piece in texts]
        # No encoding: each piece of text a chunk carried held at least one token, a lower bound of the output.
        return settled(
            attributes, _usage(self._usage, attributes), lambda: self._counted(model, pieces), len(pieces), model=model
        )

    def _counted(self, model: object, pieces: list[str]) -> tuple[int, int] | None:
        prompt = self._prompt
        if not isinstance(model, str) or prompt is None:
            return None
        input_tokens = estimate_text(model, prompt.texts)
        output_tokens = estimate_text(model, pieces)
        if input_tokens is None or output_tokens is None:
            return None
        return input_tokens + prompt.token_ids, output_tokens


COMPLETIONS: Final = Completions()
