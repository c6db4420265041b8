"""Converse and ConverseStream: one request and response format for every model family.

``usage`` (``TokenUsage``) has ``inputTokens`` (read at the full price), ``outputTokens``,
``cacheReadInputTokens`` and ``cacheWriteInputTokens`` (both beside the input) and ``totalTokens`` (the sum of
the four). A stream reports it in its last event, ``metadata``, with ``serviceTier``; ``messageStop`` carries
the stop reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ...usage import Usage
from .._bedrock import token_usage
from .._genai import Attributes, Invocation, bounded_json
from .._read import text
from .._reading import StreamReading, settled
from .._surface import Reading
from ._content import converse_input, converse_output, system_parts
from ._read import mapping, sampling, tier_attribute

__all__ = ["ConverseStream", "converse_request", "converse_response"]

_READ: Final = "cacheReadInputTokens"
_WRITE: Final = "cacheWriteInputTokens"


def converse_request(api_params: Mapping[str, Any], attributes: Attributes, capture: bool) -> None:
    config = mapping(api_params.get("inferenceConfig"))
    if config:
        sampling(config, attributes, "maxTokens", "temperature", "topP", "stopSequences")
    tier_attribute(api_params.get("serviceTier"), attributes)
    if capture:
        messages = converse_input(api_params.get("messages"))
        if messages:
            attributes[gen_ai.GEN_AI_INPUT_MESSAGES] = bounded_json(messages)
        system = system_parts(api_params.get("system"))
        if system:
            attributes[gen_ai.GEN_AI_SYSTEM_INSTRUCTIONS] = bounded_json(system)


def converse_response(response: Mapping[str, Any], capture: bool) -> Reading:
    attributes: Attributes = {}
    reason = text(response.get("stopReason"))
    if reason is not None:
        attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [reason]
    tier_attribute(response.get("serviceTier"), attributes)
    if capture:
        message = mapping(response.get("output")).get("message")
        attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(converse_output(message, reason))
    usage = mapping(response.get("usage"))
    return Reading(attributes, token_usage(usage, _READ, _WRITE) if usage else None)


class ConverseStream(StreamReading):
    """Reads ConverseStream's events: text deltas, the stop reason, the usage of ``metadata``."""

    __slots__ = ("_pieces", "_reason", "_text", "_tier", "_usage")

    def __init__(self, invocation: Invocation, capture: bool) -> None:
        super().__init__(invocation)
        self._text: list[str] | None = [] if capture else None
        self._pieces = 0
        self._reason: str | None = None
        self._tier: object = None
        self._usage: Usage | None = None

    def _read(self, chunk: Any) -> None:
        event = mapping(chunk)
        if "contentBlockDelta" in event:
            self._pieces += 1
            if self._text is not None:
                words = mapping(mapping(event["contentBlockDelta"]).get("delta")).get("text")
                if isinstance(words, str):
                    self._text.append(words)
        elif "messageStop" in event:
            self._reason = text(mapping(event["messageStop"]).get("stopReason"))
        elif "metadata" in event:
            metadata = mapping(event["metadata"])
            usage = mapping(metadata.get("usage"))
            if usage:
                self._usage = token_usage(usage, _READ, _WRITE)
            self._tier = metadata.get("serviceTier")

    def _reading(self) -> Reading:
        attributes: Attributes = {}
        if self._reason is not None:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [self._reason]
        tier_attribute(self._tier, attributes)
        if self._text is not None:
            message = {"role": "assistant", "content": [{"text": "".join(self._text)}] if self._text else []}
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(converse_output(message, self._reason))
        return settled(attributes, self._usage, lambda: None, self._pieces)
