"""embed_content (billed by input tokens) and count_tokens (free) through google-genai's own client.

Prices: gemini-embedding-001, $0.15 per million input tokens on both the Gemini API (gcp.gemini.json) and
Vertex AI (gcp.vertex_ai.json).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
import tiktoken

from google_genai_support import (
    HAS_EMBEDDING_USAGE,
    MILLION,
    client,
    instrumented,
    only_span,
    recorded,
    usage_of,
    usd,
)

if TYPE_CHECKING:
    from conftest import Tracing

MODEL = "gemini-embedding-001"
TEXTS = ["Why was I charged twice this month?", "Where is my refund?"]


@pytest.mark.skipif(not HAS_EMBEDDING_USAGE, reason="this google-genai reads no usage_metadata from embeddings")
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_an_embedding_with_usage_metadata_is_priced_by_its_prompt_tokens(tracing: Tracing, asynchronous: bool) -> None:
    sdk, _ = client(recorded("embed_usage"))
    with instrumented(tracing):
        if asynchronous:
            asyncio.run(sdk.aio.models.embed_content(model=MODEL, contents=TEXTS, config={"output_dimensionality": 4}))
        else:
            sdk.models.embed_content(model=MODEL, contents=TEXTS, config={"output_dimensionality": 4})
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert span.name == "embeddings gemini-embedding-001"
    assert attributes["gen_ai.operation.name"] == "embeddings"
    assert attributes["gen_ai.provider.name"] == "gcp.gemini"
    assert attributes["gen_ai.embeddings.dimension.count"] == 4
    assert usage_of(span) == {"gen_ai.usage.input_tokens": 24, "gen_ai.usage.output_tokens": 0}
    assert usd(attributes["gen_ai.usage.cost.amount"]) == 24 * Decimal("0.15") / MILLION  # $0.0000036


def test_vertex_ai_reports_tokens_per_embedding(tracing: Tracing) -> None:
    sdk, _ = client(recorded("vertex_embed"), vertex=True)
    with instrumented(tracing):
        sdk.models.embed_content(model=MODEL, contents=TEXTS)
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.provider.name"] == "gcp.vertex_ai"
    assert usage_of(span)["gen_ai.usage.input_tokens"] == 8 + 11
    assert usd(attributes["gen_ai.usage.cost.amount"]) == 19 * Decimal("0.15") / MILLION


def test_an_embedding_without_usage_is_estimated_from_the_texts_sent(tracing: Tracing) -> None:
    sdk, _ = client(recorded("embed_no_usage"))
    with instrumented(tracing):
        sdk.models.embed_content(model=MODEL, contents=TEXTS[0])
    span = only_span(tracing)
    counted = len(tiktoken.get_encoding("o200k_base").encode_ordinary(TEXTS[0]))
    assert usage_of(span) == {
        "gen_ai.usage.input_tokens": counted,
        "gen_ai.usage.output_tokens": 0,
        "llmcost.usage.status": "estimated",
    }
    assert usd(dict(span.attributes or {})["gen_ai.usage.cost.amount"]) == counted * Decimal("0.15") / MILLION


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_count_tokens_gets_a_span_and_no_cost(tracing: Tracing, asynchronous: bool) -> None:
    sdk, _ = client(recorded("count_tokens"))
    with instrumented(tracing):
        if asynchronous:
            result = asyncio.run(sdk.aio.models.count_tokens(model="gemini-2.5-flash", contents=TEXTS[0]))
        else:
            result = sdk.models.count_tokens(model="gemini-2.5-flash", contents=TEXTS[0])
    assert result.total_tokens == 31
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert span.name == "count_tokens gemini-2.5-flash"
    assert attributes["gen_ai.operation.name"] == "count_tokens"
    assert usage_of(span) == {}
    assert "gen_ai.usage.cost.amount" not in attributes
    assert "llmcost.status" not in attributes
