"""Moderations: ``moderations.create``, sync and async. Free of charge: the span has no usage.

Its operation, ``moderation``, is not one the cost processor prices, so the span is neither priced nor
counted as unpriced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ... import _attributes as a
from .._genai import Attributes, Invocation
from .._stream import StreamHooks
from ._read import field, text
from ._wrap import Reading, Request, Setup

__all__ = ["MODERATIONS"]


class Moderations:
    """The Moderations API."""

    operation: ClassVar[str] = "moderation"

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(text(kwargs.get("model")), {}, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        attributes: Attributes = {}
        response_id = text(field(result, "id"))
        if response_id is not None:
            attributes[a.GEN_AI_RESPONSE_ID] = response_id
        model = text(field(result, "model"))
        if model is not None:
            attributes[a.GEN_AI_RESPONSE_MODEL] = model
        return Reading(attributes)

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> StreamHooks:
        raise TypeError("moderations are never streamed")


MODERATIONS: Final = Moderations()
