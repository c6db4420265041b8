"""Chat, FIM and agents completions: ``chat.complete``/``stream``, ``fim.complete``/``stream`` and
``agents.complete``/``stream``, sync (``complete``) and async (``complete_async``).

All three answer with the same completion (``ChatCompletionResponse``, ``FIMCompletionResponse``) and stream the
same chunks (``CompletionEvent``, whose ``data`` is a ``CompletionChunk``). Mistral's usage:
``prompt_tokens`` (every input token, cached ones included), ``completion_tokens`` (every output token),
``total_tokens``; the cached part as ``prompt_tokens_details.cached_tokens`` (or ``num_cached_tokens`` on
older responses). A stream reports its usage in its last chunk; one left early ends with the pieces received
as a ``partial`` output (there is no public tokenizer for Mistral's models to estimate with).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes, Invocation
from .._read import Sampling, field, fields, identity, sampled, text, tokens
from .._reading import PiecesReading
from .._surface import Reading, Request, Setup

__all__ = ["AGENTS", "AGENTS_STREAM", "CHAT", "CHAT_STREAM", "FIM", "FIM_STREAM", "mistral_usage"]

_log = logging.getLogger("otel_llmcost")

_NAMES: Final = Sampling(
    (
        (gen_ai.GEN_AI_REQUEST_TEMPERATURE, "temperature"),
        (gen_ai.GEN_AI_REQUEST_TOP_P, "top_p"),
        (gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY, "frequency_penalty"),
        (gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY, "presence_penalty"),
    ),
    seed="random_seed",
)


def mistral_usage(usage: object) -> Usage | None:
    """The `Usage` of a Mistral ``UsageInfo`` (or its dict); `None` when there is none, or it cannot be billed."""
    if usage is None:
        return None
    values = fields(usage)
    cached = tokens(fields(values.get("prompt_tokens_details")), "cached_tokens") or tokens(values, "num_cached_tokens")
    try:
        return Usage.from_reported(
            input_tokens=tokens(values, "prompt_tokens"),
            output_tokens=tokens(values, "completion_tokens"),
            cache_read_tokens=cached,
            total_tokens=tokens(values, "total_tokens"),
        )
    except ValueError:
        _log.debug("otel-llmcost: a Mistral usage that cannot be billed as reported", exc_info=True)
        return None


def _finish_reasons(choices: Any) -> list[str]:
    reasons: list[str] = []
    found: list[object] = list(choices or ())
    for choice in found:
        reason = field(choice, "finish_reason")
        if isinstance(reason, str) and reason:
            reasons.append(reason)
    return reasons


class Completions:
    """A completion endpoint of the Mistral API: chat, FIM or agents, streamed or not."""

    __slots__ = ("_agent", "_stream")

    operation: ClassVar[str] = a.GenAiOperationNameValues.CHAT

    def __init__(self, *, stream: bool, agent: bool = False) -> None:
        self._stream = stream
        self._agent = agent

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes = sampled(kwargs, _NAMES)
        if self._agent:
            agent = text(kwargs.get("agent_id"))
            if agent is not None:
                attributes[gen_ai.GEN_AI_AGENT_ID] = agent
        return Request(text(kwargs.get("model")), attributes, kwargs, self._stream)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        values = fields(result)
        attributes: Attributes = {}
        identity(values, attributes)
        reasons = _finish_reasons(values.get("choices"))
        if reasons:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
        return Reading(attributes, mistral_usage(values.get("usage")))

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> CompletionStream:
        return CompletionStream(invocation, request.model)


class CompletionStream(PiecesReading):
    """Reads a stream of ``CompletionEvent`` into its invocation: the usage of its last chunk."""

    __slots__ = ("_reasons", "_usage")

    def __init__(self, invocation: Invocation, model: str | None) -> None:
        super().__init__(invocation, model)
        self._usage: Any = None
        self._reasons: dict[int, str] = {}

    def _read(self, chunk: Any) -> None:
        data = getattr(chunk, "data", chunk)
        for choice in getattr(data, "choices", None) or ():
            delta = getattr(choice, "delta", None)
            if getattr(delta, "content", None):
                self._pieces += 1
            reason = getattr(choice, "finish_reason", None)
            if isinstance(reason, str) and reason:
                self._reasons[getattr(choice, "index", 0)] = reason
        usage = getattr(data, "usage", None)
        if usage is not None:
            self._usage = usage

    def _reading(self) -> Reading:
        attributes: Attributes = {}
        identity(fields(getattr(self._first, "data", self._first)), attributes)  # the id and model of the first
        if self._reasons:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = list(self._reasons.values())
        return self._settled(attributes, mistral_usage(self._usage))


class FimCompletions(Completions):
    """Fill-in-the-middle completions: a text completion."""

    __slots__ = ()

    operation: ClassVar[str] = a.GenAiOperationNameValues.TEXT_COMPLETION


CHAT: Final = Completions(stream=False)
CHAT_STREAM: Final = Completions(stream=True)
FIM: Final = FimCompletions(stream=False)
FIM_STREAM: Final = FimCompletions(stream=True)
AGENTS: Final = Completions(stream=False, agent=True)
AGENTS_STREAM: Final = Completions(stream=True, agent=True)
