"""Embeddings through the real openai SDK, sync and async, raw responses, and their cost."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

from opentelemetry.trace import SpanKind, StatusCode

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

TEXT = "Why was I charged twice this month?"
# embeddings_text_embedding_3_small: 8 prompt tokens.
EMBEDDINGS = {
    "gen_ai.operation.name": "embeddings",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "text-embedding-3-small",
    **OPENAI_SERVER,
    "gen_ai.response.model": "text-embedding-3-small",
    "gen_ai.usage.input_tokens": 8,  # and no output tokens: embeddings have none
}


def test_create_records_the_input_tokens(traced: Traced) -> None:
    sdk, _ = client(openai_recording("embeddings_text_embedding_3_small"))

    result = sdk.embeddings.create(model="text-embedding-3-small", input=TEXT)

    assert len(result.data) == 1
    span = traced.span()
    assert span.name == "embeddings text-embedding-3-small"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert_attributes(span, EMBEDDINGS)


def test_create_records_the_requested_format_and_dimensions(traced: Traced) -> None:
    sdk, _ = client(openai_recording("embeddings_text_embedding_3_small"))

    sdk.embeddings.create(model="text-embedding-3-small", input=TEXT, encoding_format="base64", dimensions=1536)

    assert_attributes(
        traced.span(),
        {**EMBEDDINGS, "gen_ai.request.encoding_formats": ("base64",), "gen_ai.embeddings.dimension.count": 1536},
    )


def test_async_create(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("embeddings_text_embedding_3_small"))

    asyncio.run(sdk.embeddings.create(model="text-embedding-3-small", input=TEXT))

    assert_attributes(traced.span(), EMBEDDINGS)


def test_with_raw_response(traced: Traced) -> None:
    sdk, _ = client(openai_recording("embeddings_text_embedding_3_small"))

    raw = sdk.embeddings.with_raw_response.create(model="text-embedding-3-small", input=TEXT)

    assert raw.parse().usage.prompt_tokens == 8
    assert_attributes(traced.span(), EMBEDDINGS)


def test_async_with_streaming_response(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("embeddings_text_embedding_3_small"))

    async def call() -> int:
        async with sdk.embeddings.with_streaming_response.create(model="text-embedding-3-small", input=TEXT) as raw:
            return len((await raw.parse()).data)

    assert asyncio.run(call()) == 1
    assert_attributes(traced.span(), EMBEDDINGS)


def test_the_cost_processor_prices_embeddings(priced: Tracing) -> None:
    sdk, _ = client(openai_recording("embeddings_text_embedding_3_small"))
    sdk.embeddings.create(model="text-embedding-3-small", input=TEXT)

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    # 8 x $0.02 / 1M = $0.00000016
    assert attributes["llmcost.price.entry"] == "openai/text-embedding-3-small"
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == Decimal("0.00000016")
