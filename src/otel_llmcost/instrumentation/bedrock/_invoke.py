"""InvokeModel and InvokeModelWithResponseStream: each model family's own body, read into one `Usage`.

The request body is read only when it is bytes or a string (a file the caller passed is botocore's to send).
The response body's family is told apart by its shape, so that an inference profile or provisioned ARN,
which names no family, reads the same. By family:

- Anthropic: ``usage``: ``input_tokens`` (full price), ``cache_read_input_tokens`` and
  ``cache_creation_input_tokens`` beside it, ``output_tokens``.
- Amazon Nova: ``usage``: ``inputTokens``, ``cacheReadInputTokenCount`` and ``cacheWriteInputTokenCount``
  beside it, ``outputTokens``.
- OpenAI open-weight (gpt-oss), Mistral and DeepSeek chat formats: ``usage``: ``prompt_tokens`` (cached
  tokens inside), ``completion_tokens`` (reasoning inside).
- Meta Llama: ``prompt_token_count``, ``generation_token_count``.
- Amazon Titan Text: ``inputTextTokenCount``, ``results[].tokenCount``.
- Cohere, Mistral and DeepSeek text formats: none in the body; the response headers
  ``X-Amzn-Bedrock-Input-Token-Count`` / ``-Output-Token-Count`` (and the cache read and write ones), which
  every family gets, are read.

A stream's last chunk carries ``amazon-bedrock-invocationMetrics`` (``inputTokenCount``, ``outputTokenCount``,
``cacheReadInputTokenCount``, ``cacheWriteInputTokenCount``) whatever the family; Anthropic's
``message_start`` / ``message_delta`` usage and Nova's ``metadata`` usage are read when it is missing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._bedrock import INVOCATION_METRICS, invocation_metrics_usage, token_usage
from .._genai import Attributes, Invocation
from .._read import identity, text, tokens
from .._reading import StreamReading, settled
from .._surface import Reading
from ._call import ReadBody
from ._read import sampling, tier_attribute

__all__ = ["InvokeStream", "invoke_request", "invoke_response"]

_HEADERS: Final = (
    "x-amzn-bedrock-input-token-count",
    "x-amzn-bedrock-output-token-count",
    "x-amzn-bedrock-cache-read-input-token-count",
    "x-amzn-bedrock-cache-write-input-token-count",
)
_MAX_TOKENS: Final = ("max_tokens", "max_completion_tokens", "max_gen_len", "max_new_tokens", "maxTokenCount")
_EMPTY: Final[Mapping[str, Any]] = {}


def _json(data: object) -> Mapping[str, Any]:
    """A JSON object from bytes or a string; empty for anything else, or for a body that is not JSON."""
    if not isinstance(data, (bytes, bytearray, str)):
        return _EMPTY
    try:
        found = json.loads(data)
    except ValueError:
        return _EMPTY
    return cast("dict[str, Any]", found) if isinstance(found, dict) else _EMPTY


def _mapping(value: object) -> Mapping[str, Any]:
    return cast("Mapping[str, Any]", value) if isinstance(value, Mapping) else _EMPTY


def invoke_request(api_params: Mapping[str, Any], attributes: Attributes) -> None:
    tier_attribute(api_params.get("serviceTier"), attributes)
    body = _json(api_params.get("body"))
    if not body:
        return
    # Nova nests its parameters in inferenceConfig, Titan in textGenerationConfig; the others keep them at the top.
    config = _mapping(body.get("inferenceConfig")) or _mapping(body.get("textGenerationConfig")) or body
    limit = next((name for name in _MAX_TOKENS if name in config), _MAX_TOKENS[0])
    top_p = "topP" if "topP" in config else "p" if "p" in config else "top_p"
    stop = next((name for name in ("stop_sequences", "stopSequences", "stop") if name in config), "stop")
    sampling(config, attributes, limit, "temperature", top_p, stop)


def invoke_response(response: Mapping[str, Any]) -> Reading:
    found = response.get("body")
    body = _json(found.data) if isinstance(found, ReadBody) else _EMPTY
    attributes: Attributes = {}
    identity(body, attributes)
    reason = _finish_reason(body)
    if reason is not None:
        attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [reason]
    tier_attribute(response.get("serviceTier"), attributes)
    usage = body_usage(body)
    if usage is None:
        usage = _header_usage(_mapping(_mapping(response.get("ResponseMetadata")).get("HTTPHeaders")))
    return Reading(attributes, usage)


def body_usage(body: Mapping[str, Any]) -> Usage | None:
    """The usage of a family's response body (or stream chunk), or `None` when it reports none."""
    usage = _mapping(body.get("usage"))
    if "input_tokens" in usage or "output_tokens" in usage:  # Anthropic
        read = tokens(usage, "cache_read_input_tokens")
        write = tokens(usage, "cache_creation_input_tokens")
        return Usage.from_reported(
            input_tokens=tokens(usage, "input_tokens") + read + write,
            output_tokens=tokens(usage, "output_tokens"),
            cache_read_tokens=read,
            cache_write_tokens=write,
            cache_write_1h_tokens=tokens(_mapping(usage.get("cache_creation")), "ephemeral_1h_input_tokens"),
        )
    if "inputTokens" in usage or "outputTokens" in usage:  # Nova
        return token_usage(usage, "cacheReadInputTokenCount", "cacheWriteInputTokenCount")
    if "prompt_tokens" in usage or "completion_tokens" in usage:  # OpenAI's chat format
        return Usage.from_reported(
            input_tokens=tokens(usage, "prompt_tokens"),
            output_tokens=tokens(usage, "completion_tokens"),
            cache_read_tokens=tokens(_mapping(usage.get("prompt_tokens_details")), "cached_tokens"),
            reasoning_tokens=tokens(_mapping(usage.get("completion_tokens_details")), "reasoning_tokens"),
            total_tokens=tokens(usage, "total_tokens"),
        )
    if "prompt_token_count" in body or "generation_token_count" in body:  # Meta
        return Usage.from_reported(
            input_tokens=tokens(body, "prompt_token_count"), output_tokens=tokens(body, "generation_token_count")
        )
    if "inputTextTokenCount" in body:  # Titan Text
        results = body.get("results")
        listed = cast("list[object]", results) if isinstance(results, list) else []
        output = sum(tokens(_mapping(item), "tokenCount") for item in listed)
        return Usage.from_reported(input_tokens=tokens(body, "inputTextTokenCount"), output_tokens=output)
    return None


def _header_usage(headers: Mapping[str, Any]) -> Usage | None:
    counts = [_header_count(headers.get(name)) for name in _HEADERS]
    if counts[0] is None and counts[1] is None:
        return None
    read = counts[2] or 0
    write = counts[3] or 0
    return Usage.from_reported(
        input_tokens=(counts[0] or 0) + read + write,
        output_tokens=counts[1] or 0,
        cache_read_tokens=read,
        cache_write_tokens=write,
    )


def _header_count(value: object) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _first(value: object) -> Mapping[str, Any]:
    if isinstance(value, Sequence) and not isinstance(value, str) and value:
        return _mapping(cast("Sequence[object]", value)[0])
    return _EMPTY


def _finish_reason(body: Mapping[str, Any]) -> str | None:
    """The stop reason, wherever the family puts it."""
    for found in (
        body.get("stop_reason"),  # Anthropic, Meta
        body.get("stopReason"),  # Nova
        body.get("finish_reason"),  # Cohere
        _mapping(body.get("delta")).get("stop_reason"),  # Anthropic's message_delta event
        _mapping(body.get("messageStop")).get("stopReason"),  # Nova's stream
        _first(body.get("choices")).get("finish_reason"),  # OpenAI's chat format
        _first(body.get("choices")).get("stop_reason"),  # DeepSeek
        _first(body.get("outputs")).get("stop_reason"),  # Mistral's text format
        _first(body.get("generations")).get("finish_reason"),  # Cohere Command's text format
        _first(body.get("results")).get("completionReason"),  # Titan Text
    ):
        reason = text(found)
        if reason is not None:
            return reason
    return None


class InvokeStream(StreamReading):
    """Reads InvokeModelWithResponseStream's chunks (each a JSON body of the model's family)."""

    __slots__ = ("_attributes", "_input", "_metrics", "_pieces", "_reason", "_usage")

    def __init__(self, invocation: Invocation) -> None:
        super().__init__(invocation)
        self._attributes: Attributes = {}
        self._pieces = 0
        self._reason: str | None = None
        self._usage: Usage | None = None
        self._input: Usage | None = None  # Anthropic's message_start usage, before message_delta's output
        self._metrics: Usage | None = None  # Bedrock's own count, on the last chunk: it wins

    def _read(self, chunk: Any) -> None:
        if not isinstance(chunk, dict):
            return
        body = _json(_mapping(cast("dict[str, Any]", chunk).get("chunk")).get("bytes"))
        if not body:
            return
        self._pieces += 1
        reason = _finish_reason(body)
        if reason is not None:
            self._reason = reason
        metrics = body.get(INVOCATION_METRICS)
        if isinstance(metrics, Mapping):
            self._metrics = invocation_metrics_usage(cast("Mapping[str, Any]", metrics))
            return
        message = _mapping(body.get("message"))
        if message:  # Anthropic's message_start
            identity(message, self._attributes)
            self._input = body_usage(message)
            return
        usage = body_usage(body) or body_usage(_mapping(body.get("metadata")))
        if usage is None:
            return
        if self._input is not None and usage.input == 0:
            # Anthropic's message_delta: the output, beside message_start's input.
            start = self._input
            usage = Usage.from_reported(
                input_tokens=start.input,
                output_tokens=usage.output,
                cache_read_tokens=start.cache_read,
                cache_write_tokens=start.cache_write,
            )
        self._usage = usage

    def _reading(self) -> Reading:
        attributes = self._attributes
        if self._reason is not None:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [self._reason]
        usage = self._metrics or self._usage
        if usage is None and self._input is not None:
            # Cut short after Anthropic's message_start: its input is known, the output only so far.
            return Reading(attributes, self._input, a.LlmcostUsageStatusValues.PARTIAL)
        return settled(attributes, usage, lambda: None, self._pieces)
