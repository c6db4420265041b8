"""Imagen (``models.generate_images``) through google-genai's own client, on Vertex AI: priced per image.

Prices (gcp.vertex_ai.json, cloud.google.com/vertex-ai/generative-ai/pricing, checked 2026-12-07): Imagen 4
$0.04 per image, Imagen 4 Ultra $0.06, Imagen 4 Fast $0.02, whatever the size. Images the safety filters
withhold are not billed.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from google.genai import errors

from google_genai_support import client, instrumented, only_span, recorded, usage_of, usd

if TYPE_CHECKING:
    from conftest import Tracing

# google-genai 3.x warns that Imagen's method will go in its next major release (the API still serves it).
pytestmark = pytest.mark.filterwarnings("ignore:The generate_images method is deprecated")


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_imagen_is_priced_per_image_delivered(tracing: Tracing, asynchronous: bool) -> None:
    sdk, replay = client(recorded("imagen4_generate"), vertex=True)
    config = {"number_of_images": 3, "include_rai_reason": True, "include_safety_attributes": True}
    with instrumented(tracing):
        if asynchronous:
            response = asyncio.run(
                sdk.aio.models.generate_images(model="imagen-4.0-generate-001", prompt="A receipt", config=config)
            )
        else:
            response = sdk.models.generate_images(model="imagen-4.0-generate-001", prompt="A receipt", config=config)
    # Three asked for: two delivered, one withheld by the safety filters (not billed), and the prompt's own
    # safety attributes, which the SDK takes out of the list.
    assert [image.image.image_bytes is not None for image in response.generated_images] == [True, True, False]
    assert replay.requests[0].url.path.endswith("/publishers/google/models/imagen-4.0-generate-001:predict")
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert span.name == "image_generation imagen-4.0-generate-001"
    assert attributes["gen_ai.operation.name"] == "image_generation"
    assert attributes["gen_ai.provider.name"] == "gcp.vertex_ai"
    assert attributes["gen_ai.output.type"] == "image"
    assert attributes["gen_ai.request.choice.count"] == 3
    assert usage_of(span) == {"llmcost.usage.images": 2}
    assert "llmcost.request.image.size" not in attributes
    assert usd(attributes["gen_ai.usage.cost.amount"]) == 2 * Decimal("0.04")  # $0.08
    assert usd(attributes["llmcost.cost.image"]) == 2 * Decimal("0.04")
    assert attributes["llmcost.price.entry"] == "gcp.vertex_ai/imagen-4.0-generate-001"


def test_each_imagen_model_has_its_price(tracing: Tracing) -> None:
    sdk, _ = client(recorded("imagen4_ultra"), recorded("imagen4_ultra"), vertex=True)
    with instrumented(tracing):
        sdk.models.generate_images(model="imagen-4.0-ultra-generate-001", prompt="A receipt")
        sdk.models.generate_images(model="imagen-4.0-fast-generate-001", prompt="A receipt")
    ultra, fast = (dict(span.attributes or {}) for span in tracing.exporter.get_finished_spans())
    assert "gen_ai.request.choice.count" not in ultra
    assert usd(ultra["gen_ai.usage.cost.amount"]) == 1 * Decimal("0.06")
    assert usd(fast["gen_ai.usage.cost.amount"]) == 1 * Decimal("0.02")


def test_a_refused_imagen_prompt_is_an_error_and_costs_nothing(tracing: Tracing) -> None:
    sdk, _ = client(recorded("imagen_error_400"), vertex=True)
    with instrumented(tracing), pytest.raises(errors.ClientError):
        sdk.models.generate_images(model="imagen-4.0-generate-001", prompt="A receipt")
    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["error.type"] == "INVALID_ARGUMENT"
    assert attributes["llmcost.status"] == "unpriced"
    assert attributes["llmcost.reason"] == "failed_call"
    assert "gen_ai.usage.cost.amount" not in attributes
