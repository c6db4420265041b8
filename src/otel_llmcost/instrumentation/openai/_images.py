"""Images: ``images.generate``, ``images.edit`` and ``images.create_variation``, sync and async, streamed or not.

DALL·E is billed per image, by size and quality: ``llmcost.usage.images`` with ``llmcost.request.image.size`` and
``llmcost.request.image.quality``. The GPT Image models are billed by the token, which their responses report
(image and text tokens in, image tokens out); they get that usage instead of an image count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final, NamedTuple

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes, Invocation
from .._read import count, field, text
from .._surface import Reading, Request, Setup
from ._audio import UsageEvents
from ._read import token_usage

__all__ = ["IMAGE_EDITS", "IMAGE_GENERATIONS", "IMAGE_VARIATIONS"]

_IMAGE: Final = "image"
# The API's documented default size for DALL·E, whose price depends on it.
_DALL_E: Final = "dall-e-"
_DALL_E_SIZE: Final = "1024x1024"


def _token_usage(usage: object) -> Usage | None:
    output = count(usage, "output_tokens")
    output_details = field(usage, "output_tokens_details")
    return token_usage(
        count(usage, "input_tokens"),
        output,
        input_image=count(field(usage, "input_tokens_details"), "image_tokens"),
        # Without details, every output token of an image model is an image token.
        output_image=count(output_details, "image_tokens") if output_details is not None else output,
        total=count(usage, "total_tokens"),
    )


def _event_usage(event: object) -> Usage | None:
    usage = field(event, "usage")
    return None if usage is None else _token_usage(usage)


class _Asked(NamedTuple):
    size: str | None
    quality: str | None


class _Images:
    operation: ClassVar[str]

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {gen_ai.GEN_AI_OUTPUT_TYPE: _IMAGE}
        model = text(kwargs.get("model"))
        size = text(kwargs.get("size"))
        if size is None and model is not None and model.startswith(_DALL_E):
            size = _DALL_E_SIZE
        if size is not None:
            attributes[a.LLMCOST_REQUEST_IMAGE_SIZE] = size
        quality = text(kwargs.get("quality"))
        if quality is not None:
            attributes[a.LLMCOST_REQUEST_IMAGE_QUALITY] = quality
        return Request(model, attributes, kwargs, kwargs.get("stream") is True, state=_Asked(size, quality))

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        usage = field(result, "usage")
        if usage is not None:
            return Reading({}, _token_usage(usage))
        images = field(result, "data")
        if not isinstance(images, list) or not images:
            return Reading({})
        asked = request.state if isinstance(request.state, _Asked) else _Asked(None, None)
        size = text(field(result, "size")) or asked.size
        if size is None:
            return Reading({})
        key = size if asked.quality is None else f"{size}/{asked.quality}"
        return Reading({}, Usage.from_totals(images={key: len(images)}))  # pyright: ignore[reportUnknownArgumentType]

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> UsageEvents:
        return UsageEvents(invocation, _event_usage)


class ImageGenerations(_Images):
    """``images.generate``."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.IMAGE_GENERATION


class ImageEdits(_Images):
    """``images.edit`` and ``images.create_variation``."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.IMAGE_EDIT


IMAGE_GENERATIONS: Final = ImageGenerations()
IMAGE_EDITS: Final = ImageEdits()
IMAGE_VARIATIONS: Final = IMAGE_EDITS
