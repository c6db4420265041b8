"""OCR: ``ocr.process``, sync and async. Billed per page processed (``usage_info.pages_processed``), not by token.

The operation is ``ocr`` (the GenAI conventions name none for it yet); the usage is that many ``page`` units,
which the price table prices per page (``usd_per_request.page``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes
from .._read import count, field, fields, identity, text
from .._surface import Reading, Request, Setup, Unstreamed

__all__ = ["OCR"]

_PAGE: Final = "page"


class Ocr(Unstreamed):
    """The OCR API."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.OCR

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(text(kwargs.get("model")), {}, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        attributes: Attributes = {}
        identity(fields(result), attributes)
        pages = count(field(result, "usage_info"), "pages_processed")
        return Reading(attributes, Usage(requests=((_PAGE, pages),)) if pages else None)


OCR: Final = Ocr()
