"""Images and moderations through the real openai SDK: per-image billing, token billing, and free calls."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from opentelemetry.trace import SpanKind

from openai_support import (
    OPENAI_SERVER,
    Traced,
    assert_attributes,
    async_client,
    client,
    openai_recording,
)

if TYPE_CHECKING:
    from conftest import Tracing

PROMPT = "Two invoices side by side, Starter and Team, with November 14 circled on a calendar"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def _request(operation: str, model: str) -> dict[str, object]:
    return {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
        **OPENAI_SERVER,
        "gen_ai.output.type": "image",
    }


DALL_E_3 = {
    **_request("image_generation", "dall-e-3"),
    "llmcost.request.image.size": "1024x1024",
    "llmcost.request.image.quality": "hd",
    "llmcost.usage.images": 1,
}
GPT_IMAGE = {
    **_request("image_generation", "gpt-image-1"),
    "llmcost.request.image.quality": "medium",
    "gen_ai.usage.input_tokens": 50,
    "gen_ai.usage.output_tokens": 1056,
    "gen_ai.usage.image.output_tokens": 1056,
}


def test_dall_e_is_billed_per_image_by_size_and_quality(traced: Traced) -> None:
    sdk, _ = client(openai_recording("images_dall_e_3"))

    result = sdk.images.generate(model="dall-e-3", prompt=PROMPT, quality="hd")

    assert result.data is not None
    span = traced.span()
    assert span.name == "image_generation dall-e-3"
    assert span.kind is SpanKind.CLIENT
    assert_attributes(span, DALL_E_3)


def test_gpt_image_is_billed_by_the_token(traced: Traced) -> None:
    sdk, _ = client(openai_recording("images_gpt_image_1"))

    sdk.images.generate(model="gpt-image-1", prompt=PROMPT, quality="medium")

    assert_attributes(traced.span(), GPT_IMAGE)


def test_async_generate(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("images_gpt_image_1"))

    asyncio.run(sdk.images.generate(model="gpt-image-1", prompt=PROMPT, quality="medium"))

    assert_attributes(traced.span(), GPT_IMAGE)


def test_an_edit_counts_its_input_image_tokens(traced: Traced) -> None:
    sdk, _ = client(openai_recording("images_edit_gpt_image_1"))

    sdk.images.edit(
        model="gpt-image-1", image=("invoice.png", io.BytesIO(PNG), "image/png"), prompt=PROMPT, size="1024x1536"
    )

    assert_attributes(
        traced.span(),
        {
            **_request("image_edit", "gpt-image-1"),
            "llmcost.request.image.size": "1024x1536",
            "gen_ai.usage.input_tokens": 373,
            "gen_ai.usage.output_tokens": 272,
            "gen_ai.usage.image.input_tokens": 323,
            "gen_ai.usage.image.output_tokens": 272,
            "gen_ai.usage.text.input_tokens": 50,  # 373 - 323 image; the output is all image
        },
    )


def test_variations_count_their_images(traced: Traced) -> None:
    sdk, _ = client(openai_recording("images_dall_e_2_variation"))

    with pytest.deprecated_call():  # openai 3.x deprecates variations
        sdk.images.create_variation(
            model="dall-e-2", image=("invoice.png", io.BytesIO(PNG), "image/png"), n=2, size="512x512"
        )

    assert_attributes(
        traced.span(),
        {
            **_request("image_edit", "dall-e-2"),
            "llmcost.request.image.size": "512x512",
            "llmcost.usage.images": 2,
        },
    )


def test_with_raw_response(traced: Traced) -> None:
    sdk, _ = client(openai_recording("images_dall_e_3"))

    raw = sdk.images.with_raw_response.generate(model="dall-e-3", prompt=PROMPT, quality="hd")

    assert raw.parse().data is not None
    assert_attributes(traced.span(), DALL_E_3)


@pytest.mark.parametrize(
    ("recording", "model", "quality", "expected"),
    [
        ("images_dall_e_3", "dall-e-3", "hd", Decimal("0.08")),  # one 1024x1024 HD image
        # 50 text tokens x $5 / 1M + 1,056 image tokens x $40 / 1M = $0.00025 + $0.04224 = $0.04249
        ("images_gpt_image_1", "gpt-image-1", "medium", Decimal("0.04249")),
    ],
)
def test_the_cost_processor_prices_images(
    priced: Tracing, recording: str, model: str, quality: str, expected: Decimal
) -> None:
    sdk, _ = client(openai_recording(recording))
    sdk.images.generate(model=model, prompt=PROMPT, quality=quality)  # type: ignore[arg-type]

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["llmcost.status"] == "priced"
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == expected


MODERATION = {
    "gen_ai.operation.name": "moderation",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "omni-moderation-latest",
    **OPENAI_SERVER,
    "gen_ai.response.id": "modr-9f3d7b1e5a2c48f6b0d4a8e2c6f1b5d9",
    "gen_ai.response.model": "omni-moderation-2024-09-26",
}


def test_moderations_are_traced_without_usage(traced: Traced) -> None:
    sdk, _ = client(openai_recording("moderations_omni"))

    result = sdk.moderations.create(model="omni-moderation-latest", input="Why was I charged twice this month?")

    assert result.results[0].flagged is False
    span = traced.span()
    assert span.name == "moderation omni-moderation-latest"
    assert_attributes(span, MODERATION)


def test_async_moderations(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("moderations_omni"))

    asyncio.run(sdk.moderations.create(model="omni-moderation-latest", input="Why was I charged twice this month?"))

    assert_attributes(traced.span(), MODERATION)


def test_the_cost_processor_leaves_free_moderations_alone(priced: Tracing) -> None:
    sdk, _ = client(openai_recording("moderations_omni"))
    sdk.moderations.create(model="omni-moderation-latest", input="Why was I charged twice this month?")

    (span,) = priced.exporter.get_finished_spans()
    assert not any(key.startswith("llmcost.") for key in span.attributes or {})
