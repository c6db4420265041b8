"""Grounding with Google Search: a fee beside the tokens, per grounded prompt (Gemini 2) or per search (Gemini 3).

Prices (ai.google.dev/gemini-api/docs/pricing and cloud.google.com/vertex-ai/generative-ai/pricing, checked
2026-12-07): Gemini 2 models $35 per 1,000 grounded prompts, however many searches a prompt runs; Gemini 3 models
$14 per 1,000 search queries. The free allowances are not modelled. Tokens: gemini-2.5-flash $0.30 in, $2.50 out;
gemini-3-flash-preview $0.50 in, $3.00 out, per million.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from google.genai import types

from google_genai_support import MILLION, client, instrumented, only_span, recorded, usage_of, usd

if TYPE_CHECKING:
    from conftest import Tracing

SEARCH = types.GenerateContentConfig(tools=[types.Tool(google_search=types.GoogleSearch())])
# gemini-3-flash-preview, 90 prompt + 600 tool-use tokens in, 200 answer + 200 thinking out, three searches.
GEMINI_3_COST = 690 * Decimal("0.50") / MILLION + 400 * Decimal("3.00") / MILLION + 3 * Decimal("0.014")  # $0.043545


@pytest.mark.parametrize("vertex", [False, True], ids=["gemini-api", "vertex"])
def test_a_gemini_2_grounded_prompt_costs_one_fee_however_many_searches(tracing: Tracing, vertex: bool) -> None:
    sdk, _ = client(recorded("flash_search"), vertex=vertex)
    with instrumented(tracing):
        sdk.models.generate_content(model="gemini-2.5-flash", contents="When did 2.5 Flash ship?", config=SEARCH)
    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["llmcost.usage.grounded_prompts"] == 1
    assert attributes["llmcost.usage.web_search_calls"] == 1
    assert usd(attributes["llmcost.cost.fees"]) == Decimal("0.035")  # $35 / 1,000 grounded prompts
    assert usd(attributes["gen_ai.usage.cost.amount"]) == (
        480 * Decimal("0.30") / MILLION + 370 * Decimal("2.50") / MILLION + Decimal("0.035")
    )  # $0.036069


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_a_gemini_3_grounded_prompt_costs_a_fee_per_search(tracing: Tracing, asynchronous: bool) -> None:
    sdk, _ = client(recorded("flash3_search"))
    arguments = {"model": "gemini-3-flash-preview", "contents": "Why was I charged twice?", "config": SEARCH}
    with instrumented(tracing):
        if asynchronous:
            asyncio.run(sdk.aio.models.generate_content(**arguments))
        else:
            sdk.models.generate_content(**arguments)
    span = only_span(tracing)
    assert usage_of(span) == {
        "gen_ai.usage.input_tokens": 690,
        "gen_ai.usage.output_tokens": 400,
        "gen_ai.usage.reasoning.output_tokens": 200,
        "llmcost.usage.grounded_prompts": 1,
        "llmcost.usage.web_search_calls": 3,
    }
    attributes = dict(span.attributes or {})
    assert usd(attributes["llmcost.cost.fees"]) == 3 * Decimal("0.014")  # $14 / 1,000 searches
    assert usd(attributes["gen_ai.usage.cost.amount"]) == GEMINI_3_COST


def test_a_streamed_grounded_answer_counts_the_searches_of_its_last_chunk(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash3_search_stream"))
    with instrumented(tracing):
        for _ in sdk.models.generate_content_stream(
            model="gemini-3-flash-preview", contents="Why was I charged twice?", config=SEARCH
        ):
            pass
    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["llmcost.usage.web_search_calls"] == 3
    assert usd(attributes["gen_ai.usage.cost.amount"]) == GEMINI_3_COST


def test_an_answer_without_searches_pays_no_fee(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_thinking"))
    with instrumented(tracing):
        sdk.models.generate_content(model="gemini-2.5-flash", contents="Why was I charged twice?", config=SEARCH)
    attributes = dict(only_span(tracing).attributes or {})
    assert "llmcost.usage.grounded_prompts" not in attributes
    assert "llmcost.cost.fees" not in attributes
    assert (
        usd(attributes["gen_ai.usage.cost.amount"])
        == 1200 * Decimal("0.30") / MILLION + 800 * Decimal("2.50") / MILLION
    )  # $0.00236
