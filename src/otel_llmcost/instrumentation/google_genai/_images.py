"""``models.generate_images`` (Imagen), sync and ``aio``: billed per image generated, whatever its size.

Wrapped at ``_generate_images``, the request itself. An image the safety filters withhold comes back without
its bytes, with a ``rai_filtered_reason``, and is not billed; the prompt's own safety attributes come back as one
more "image" without bytes too. So the images counted are those that carry an image: ``llmcost.usage.images``,
priced by the table's ``usd_per_image.image`` (the models have one price for every size).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes
from .._read import field, text
from .._surface import Reading, Request, Setup, Unstreamed

__all__ = ["GENERATE_IMAGES"]

_IMAGE: Final = "image"
"""The image key of a model priced per image whatever its size (`usd_per_image`)."""


def _delivered(image: object) -> bool:
    picture = field(image, "image")
    return picture is not None and (field(picture, "image_bytes") is not None or field(picture, "gcs_uri") is not None)


class GenerateImages(Unstreamed):
    """``models.generate_images``: one request, a list of images."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.IMAGE_GENERATION

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {gen_ai.GEN_AI_OUTPUT_TYPE: _IMAGE}
        wanted = field(kwargs.get("config"), "number_of_images")
        if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted != 1:
            attributes[gen_ai.GEN_AI_REQUEST_CHOICE_COUNT] = wanted
        return Request(text(kwargs.get("model")), attributes, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        images: Sequence[object] = field(result, "generated_images") or ()
        delivered = sum(1 for image in images if _delivered(image))
        return Reading({}, Usage.from_totals(images={_IMAGE: delivered}))


GENERATE_IMAGES: Final = GenerateImages()
