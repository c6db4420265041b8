"""Embeddings: ``embeddings.create``, sync and async. Billed by input tokens (``usage.prompt_tokens``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from .._genai import Attributes, Invocation
from .._read import fields, identity, text
from .._stream import StreamHooks
from .._surface import Reading, Request, Setup
from ._chat import mistral_usage

__all__ = ["EMBEDDINGS"]


class Embeddings:
    """The Embeddings API."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.EMBEDDINGS

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {}
        dimension = kwargs.get("output_dimension")
        if isinstance(dimension, int) and not isinstance(dimension, bool):
            attributes[gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimension
        return Request(text(kwargs.get("model")), attributes, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        values = fields(result)
        attributes: Attributes = {}
        identity(values, attributes)
        return Reading(attributes, mistral_usage(values.get("usage")))

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> StreamHooks:
        raise TypeError("embeddings are never streamed")


EMBEDDINGS: Final = Embeddings()
