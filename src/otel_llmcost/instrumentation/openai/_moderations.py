"""Moderations: ``moderations.create``, sync and async. Free of charge: the span has no usage.

Its operation, ``moderation``, is not one the cost processor prices, so the span is neither priced nor
counted as unpriced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from .._genai import Attributes, Invocation
from .._read import fields, identity, text
from .._stream import StreamHooks
from .._surface import Reading, Request, Setup

__all__ = ["MODERATIONS"]


class Moderations:
    """The Moderations API."""

    operation: ClassVar[str] = "moderation"

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(text(kwargs.get("model")), {}, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        attributes: Attributes = {}
        identity(fields(result), attributes)
        return Reading(attributes)

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> StreamHooks:
        raise TypeError("moderations are never streamed")


MODERATIONS: Final = Moderations()
