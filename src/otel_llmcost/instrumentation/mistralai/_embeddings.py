"""Embeddings: ``embeddings.create``, sync and async. Billed by input tokens (``usage.prompt_tokens``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ... import _attributes as a
from .._genai import Attributes
from .._read import fields, identity
from .._surface import Reading, Request, Setup, Unstreamed, embeddings_request
from ._chat import mistral_usage

__all__ = ["EMBEDDINGS"]


class Embeddings(Unstreamed):
    """The Embeddings API."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.EMBEDDINGS

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return embeddings_request(kwargs, "output_dimension")

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        values = fields(result)
        attributes: Attributes = {}
        identity(values, attributes)
        return Reading(attributes, mistral_usage(values.get("usage")))


EMBEDDINGS: Final = Embeddings()
