"""Embed and rerank of the v2 client, sync and async: billed by ``meta.billed_units``.

Embed bills ``input_tokens`` for text and ``image_tokens`` for images (embed-v4.0 prices them apart); rerank
bills ``search_units`` (one per query of up to 100 documents), priced per search unit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes
from .._read import fields, text
from .._surface import Reading, Request, Setup, Unstreamed, embeddings_request
from ._read import billed, units

__all__ = ["EMBED", "RERANK"]

_log = logging.getLogger("otel_llmcost")
_SEARCH_UNIT: Final = "request"  # the price table's per-request unit: Cohere's price is per search unit


def _response_id(values: Mapping[str, Any]) -> Attributes:
    attributes: Attributes = {}
    found = text(values.get("id"))
    if found is not None:
        attributes[a.GEN_AI_RESPONSE_ID] = found
    return attributes


class Embed(Unstreamed):
    """The v2 Embed API."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.EMBEDDINGS

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return embeddings_request(kwargs, "output_dimension")

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        values = fields(result)
        found = billed(values.get("meta"))
        if found is None:
            return Reading(_response_id(values))
        images = units(found, "image_tokens")
        # With images, ``input_tokens`` may count them too; ``text_tokens`` is then the text alone.
        plain = units(found, "text_tokens") if images and "text_tokens" in found else units(found, "input_tokens")
        try:
            usage = Usage.from_reported(input_tokens=plain + images, input_image_tokens=images)
        except ValueError:
            _log.debug("otel-llmcost: a Cohere embed usage that cannot be billed as reported", exc_info=True)
            usage = None
        return Reading(_response_id(values), usage)


class Rerank(Unstreamed):
    """The v2 Rerank API."""

    operation: ClassVar[str] = a.LlmRequestTypeValues.RERANK

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {}
        top = kwargs.get("top_n")
        if isinstance(top, int) and not isinstance(top, bool):
            attributes[gen_ai.GEN_AI_REQUEST_TOP_K] = float(top)
        return Request(text(kwargs.get("model")), attributes, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        values = fields(result)
        found = billed(values.get("meta"))
        searches = units(found, "search_units") if found is not None else 0
        usage = Usage(requests=((_SEARCH_UNIT, searches),)) if searches else None
        return Reading(_response_id(values), usage)


EMBED: Final = Embed()
RERANK: Final = Rerank()
