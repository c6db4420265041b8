"""``models.generate_content`` and ``generate_content_stream``, sync and ``aio``: chats go through them too.

A streamed answer carries ``usageMetadata`` on its chunks, complete on the last one (the one with a
``finishReason``). A stream left before that chunk has the prompt's count but not the whole answer's: the
answer's text seen so far is counted with tiktoken (``estimated``, an approximation of Gemini's tokenizer), or,
with no encoding at hand, what was reported is kept as ``partial``.

Grounding with Google Search is billed beside the tokens: Gemini 2 models per grounded prompt, Gemini 3 models per
search query. A call whose answer carries ``grounding_metadata.web_search_queries`` reports both, one grounded
prompt (``llmcost.usage.grounded_prompts``) and its distinct queries (``llmcost.usage.web_search_calls``): the
price table prices the one its model bills, and the other at nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...tokens import estimate_text
from ...usage import Usage
from .._genai import Attributes, Invocation, bounded_json
from .._read import field, number, text
from .._reading import StreamReading
from .._surface import Reading, Request, Setup
from ._content import input_messages, output_messages
from ._usage import usage_of

__all__ = ["GENERATE_CONTENT", "GENERATE_CONTENT_STREAM"]

_S = a.LlmcostUsageStatusValues
_NUMBERS: Final = (
    (gen_ai.GEN_AI_REQUEST_TEMPERATURE, "temperature"),
    (gen_ai.GEN_AI_REQUEST_TOP_P, "top_p"),
    (gen_ai.GEN_AI_REQUEST_TOP_K, "top_k"),
    (gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY, "frequency_penalty"),
    (gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY, "presence_penalty"),
)
_JSON_TYPES: Final = frozenset({"application/json", "text/x.enum"})
_GROUNDED_PROMPT: Final = "grounded_prompt"
_WEB_SEARCH: Final = "web_search"


def _request_attributes(kwargs: Mapping[str, Any], capture: bool) -> Attributes:
    """The span's start attributes of a ``generate_content`` call."""
    attributes: Attributes = {}
    config = kwargs.get("config")
    if config is not None:
        for key, name in _NUMBERS:
            value = number(field(config, name))
            if value is not None:
                attributes[key] = value
        limit = field(config, "max_output_tokens")
        if isinstance(limit, int) and not isinstance(limit, bool):
            attributes[gen_ai.GEN_AI_REQUEST_MAX_TOKENS] = limit
        seed = field(config, "seed")
        if isinstance(seed, int) and not isinstance(seed, bool):
            attributes[gen_ai.GEN_AI_REQUEST_SEED] = seed
        choices = field(config, "candidate_count")
        if isinstance(choices, int) and not isinstance(choices, bool) and choices != 1:
            attributes[gen_ai.GEN_AI_REQUEST_CHOICE_COUNT] = choices
        stop = field(config, "stop_sequences")
        if isinstance(stop, (list, tuple)):
            sequences = [item for item in stop if isinstance(item, str)]  # pyright: ignore[reportUnknownVariableType]
            if sequences:
                attributes[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = sequences
        mime = text(field(config, "response_mime_type"))
        if mime is not None:
            attributes[gen_ai.GEN_AI_OUTPUT_TYPE] = "json" if mime in _JSON_TYPES else "text"
    if capture:
        attributes[gen_ai.GEN_AI_INPUT_MESSAGES] = bounded_json(input_messages(kwargs.get("contents")))
    return attributes


def _reason(candidate: object) -> str | None:
    reason: Any = field(candidate, "finish_reason")
    name = getattr(reason, "value", reason)
    return name.lower() if isinstance(name, str) and name else None


def _searches(candidates: Iterable[object], queries: set[str]) -> None:
    """Adds the Google Search queries the answer's candidates were grounded with to ``queries``."""
    for candidate in candidates:
        for query in field(field(candidate, "grounding_metadata"), "web_search_queries") or ():
            if isinstance(query, str) and query:
                queries.add(query)


def _grounded(usage: Usage | None, queries: set[str]) -> Usage | None:
    """``usage`` with the grounding fees' units: one grounded prompt and its search queries, if it searched."""
    if usage is None or not queries:
        return usage
    return usage._replace(requests=tuple(sorted({**dict(usage.requests), **_search_units(len(queries))}.items())))


def _search_units(queries: int) -> dict[str, int]:
    return {_GROUNDED_PROMPT: 1, _WEB_SEARCH: queries}


def _identity(result: object, attributes: Attributes) -> None:
    response_id = text(field(result, "response_id"))
    if response_id is not None:
        attributes[a.GEN_AI_RESPONSE_ID] = response_id
    model = text(field(result, "model_version"))
    if model is not None:
        attributes[a.GEN_AI_RESPONSE_MODEL] = model


class GenerateContent:
    """``models.generate_content``: one request, one whole answer."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.GENERATE_CONTENT
    streamed: ClassVar[bool] = False

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes = _request_attributes(kwargs, setup.telemetry.capture_content)
        return Request(text(kwargs.get("model")), attributes, kwargs, stream=self.streamed)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        attributes: Attributes = {}
        _identity(result, attributes)
        candidates: Sequence[object] = field(result, "candidates") or ()
        reasons = [reason for reason in map(_reason, candidates) if reason is not None]
        if reasons:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
        if setup.telemetry.capture_content and candidates:
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(output_messages(candidates))
        queries: set[str] = set()
        _searches(candidates, queries)
        return Reading(attributes, _grounded(usage_of(field(result, "usage_metadata")), queries))

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> GenerateStream:
        return GenerateStream(invocation, request.model, setup.telemetry.capture_content)


class GenerateContentStream(GenerateContent):
    """``models.generate_content_stream``: one request, the answer in chunks."""

    streamed: ClassVar[bool] = True


class GenerateStream(StreamReading):
    """Reads a ``generate_content_stream`` answer, chunk by chunk, into its invocation; ends it once."""

    __slots__ = ("_attributes", "_capture", "_finished", "_metadata", "_model", "_queries", "_reasons", "_texts")

    def __init__(self, invocation: Invocation, model: str | None, capture: bool) -> None:
        super().__init__(invocation)
        self._model = model
        self._capture = capture
        self._attributes: Attributes | None = None
        self._metadata: object = None
        self._reasons: dict[int, str] = {}
        self._texts: dict[int, list[str]] = {}
        self._queries: set[str] = set()
        self._finished = False

    def chunk(self, chunk: object) -> None:
        if self._attributes is None:
            self._attributes = {}
            _identity(chunk, self._attributes)
            self._invocation.chunk()
        candidates: Sequence[object] = field(chunk, "candidates") or ()
        _searches(candidates, self._queries)
        for position, candidate in enumerate(candidates):
            index = field(candidate, "index")
            index = index if isinstance(index, int) else position
            for part in field(field(candidate, "content"), "parts") or ():
                piece = field(part, "text")
                if isinstance(piece, str) and piece:
                    self._texts.setdefault(index, []).append(piece)
            reason = _reason(candidate)
            if reason is not None:
                self._reasons[index] = reason
                self._finished = True
        metadata = field(chunk, "usage_metadata")
        if metadata is not None:
            self._metadata = metadata

    def _reading(self) -> Reading:
        attributes = self._attributes if self._attributes is not None else {}
        if self._reasons:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [self._reasons[i] for i in sorted(self._reasons)]
        if self._capture and self._texts:
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(self._output())
        usage = _grounded(usage_of(self._metadata), self._queries)
        status = _S.REPORTED
        if not self._finished and self._attributes is not None:
            usage, status = self._estimate(usage, attributes.get(a.GEN_AI_RESPONSE_MODEL) or self._model)
        return Reading(attributes, usage, status)

    def _estimate(self, reported: Usage | None, model: object) -> tuple[Usage | None, str]:
        """A stream cut before its last chunk: the answer seen so far counted, the prompt as reported."""
        pieces = [piece for texts in self._texts.values() for piece in texts]
        counted = estimate_text(model, pieces) if isinstance(model, str) else None
        base = reported if reported is not None else Usage()
        seen = base.output + base.output_audio + base.output_image
        if counted is not None:
            return base._replace(output=max(counted, seen) - base.output_audio - base.output_image), _S.ESTIMATED
        # No encoding: each piece of text a chunk carried held at least one token.
        return base._replace(output=max(len(pieces), seen) - base.output_audio - base.output_image), _S.PARTIAL

    def _output(self) -> list[dict[str, Any]]:
        return [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": "".join(texts)}],
                "finish_reason": self._reasons.get(index),
            }
            for index, texts in sorted(self._texts.items())
        ]


GENERATE_CONTENT: Final = GenerateContent()
GENERATE_CONTENT_STREAM: Final = GenerateContentStream()
