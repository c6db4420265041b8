"""``models.embed_content`` (billed by input tokens) and ``models.count_tokens`` (free: a span, no usage).

The Gemini API reports an embedding call's tokens in ``usageMetadata`` on recent releases, Vertex AI per
embedding (``statistics.token_count``). A response with neither has its input counted with tiktoken
(``estimated``), the texts being what the request sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...tokens import estimate_text
from ...usage import Usage
from .._genai import Attributes
from .._read import field, text
from .._surface import Reading, Request, Setup, Unstreamed
from ._content import listed
from ._usage import embedding_usage

__all__ = ["COUNT_TOKENS", "EMBED_CONTENT"]

COUNT_TOKENS_OPERATION: Final = "count_tokens"
"""Not a convention's operation, and not an inference one: the cost processor leaves such spans unpriced."""


def _texts(contents: object) -> Iterator[str]:
    if isinstance(contents, str):
        yield contents
        return
    items = listed(contents)
    if items or isinstance(contents, (list, tuple)):
        for item in items:
            yield from _texts(item)
        return
    parts = field(contents, "parts")
    if parts is not None:
        yield from _texts(parts)
        return
    piece = field(contents, "text")
    if isinstance(piece, str):
        yield piece


class EmbedContent(Unstreamed):
    """``models.embed_content``."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.EMBEDDINGS

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {}
        dimensions = field(kwargs.get("config"), "output_dimensionality")
        if isinstance(dimensions, int) and not isinstance(dimensions, bool):
            attributes[gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions
        return Request(text(kwargs.get("model")), attributes, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        usage = embedding_usage(result)
        if usage is not None:
            return Reading({}, usage)
        model = request.model
        texts = list(_texts(request.kwargs.get("contents")))
        counted = estimate_text(model, texts) if model is not None else None
        if counted is None:
            return Reading({}, None, a.LlmcostUsageStatusValues.PARTIAL)
        return Reading({}, Usage(input=counted), a.LlmcostUsageStatusValues.ESTIMATED)


class CountTokens(Unstreamed):
    """``models.count_tokens``: a request the API does not bill."""

    operation: ClassVar[str] = COUNT_TOKENS_OPERATION

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(text(kwargs.get("model")), {}, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        return Reading(None)


EMBED_CONTENT: Final = EmbedContent()
COUNT_TOKENS: Final = CountTokens()
