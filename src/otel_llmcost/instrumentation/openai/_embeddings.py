"""Embeddings: ``embeddings.create``, sync and async. Billed by input tokens; there is no output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes, Invocation
from .._read import field, fields, identity, text, tokens
from .._stream import StreamHooks
from .._surface import Reading, Request, Setup
from ._read import usage_fields

__all__ = ["EMBEDDINGS"]


class Embeddings:
    """The Embeddings API."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.EMBEDDINGS

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {}
        encoding = text(kwargs.get("encoding_format"))
        if encoding is not None:
            attributes[gen_ai.GEN_AI_REQUEST_ENCODING_FORMATS] = [encoding]
        dimensions = kwargs.get("dimensions")
        if isinstance(dimensions, int) and not isinstance(dimensions, bool):
            attributes[gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions
        return Request(text(kwargs.get("model")), attributes, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        attributes: Attributes = {}
        identity(fields(result), attributes)
        values = usage_fields(field(result, "usage"), attributes)
        if values is None:
            return Reading(attributes)
        return Reading(attributes, Usage(input=tokens(values, "prompt_tokens")))

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> StreamHooks:
        raise TypeError("embeddings are never streamed")


EMBEDDINGS: Final = Embeddings()
