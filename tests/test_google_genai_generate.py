"""generate_content through google-genai's own client: one span per model call, its usage and its exact cost.

Prices come from pricing/providers/gcp.gemini.json (gemini-2.5-flash: input $0.30, cached input $0.03, audio
input $1.00, output and thinking $2.50 per million tokens; gemini-2.5-pro over 200k prompt tokens: input $2.50,
output $15.00) and gcp.vertex_ai.json (Vertex AI's Gemini 2.5 Flash inherits the Gemini API's rates).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from google.genai import models, types
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import StatusCode

from google_genai_support import (
    HAS_RESPONSE_ID,
    MILLION,
    RETRIES,
    client,
    instrumented,
    only_span,
    recorded,
    usage_of,
    usd,
)
from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

PROMPT = "Why was I charged twice this month?"
GEMINI_SERVER = {"server.address": "generativelanguage.googleapis.com", "server.port": 443}
# flash_thinking: 1,200 prompt tokens, 300 answer tokens and 500 thinking tokens, billed as output.
THINKING_COST = 1200 * Decimal("0.30") / MILLION + (300 + 500) * Decimal("2.50") / MILLION  # $0.00236


def generate(sdk: Any, asynchronous: bool, **kwargs: Any) -> Any:
    arguments = {"model": "gemini-2.5-flash", "contents": PROMPT, **kwargs}
    if asynchronous:
        return asyncio.run(sdk.aio.models.generate_content(**arguments))
    return sdk.models.generate_content(**arguments)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_a_call_gets_one_span_with_its_usage_and_cost(tracing: Tracing, asynchronous: bool) -> None:
    sdk, replay = client(recorded("flash_thinking"))
    with instrumented(tracing):
        response = generate(sdk, asynchronous, config={"temperature": 0.2, "max_output_tokens": 1024})
    assert response.usage_metadata.thoughts_token_count == 500  # the user's response, untouched
    assert len(replay.requests) == 1
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert span.name == "generate_content gemini-2.5-flash"
    assert {key: attributes[key] for key in (*GEMINI_SERVER, "gen_ai.operation.name", "gen_ai.provider.name")} == {
        **GEMINI_SERVER,
        "gen_ai.operation.name": "generate_content",
        "gen_ai.provider.name": "gcp.gemini",
    }
    assert attributes["gen_ai.request.model"] == "gemini-2.5-flash"
    assert attributes["gen_ai.request.temperature"] == 0.2
    assert attributes["gen_ai.request.max_tokens"] == 1024
    assert attributes.get("gen_ai.response.id") == ("Xb1kaPe0Ks-Kz7IPr5ah2QM" if HAS_RESPONSE_ID else None)
    assert attributes["gen_ai.response.model"] == "gemini-2.5-flash"
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    # Thinking is not inside Gemini's candidates count; the conventions' output total includes it.
    assert usage_of(span) == {
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 800,
        "gen_ai.usage.reasoning.output_tokens": 500,
    }
    assert usd(attributes["gen_ai.usage.cost.amount"]) == THINKING_COST
    assert attributes["llmcost.price.entry"] == "gcp.gemini/gemini-2.5-flash"
    assert "gen_ai.input.messages" not in attributes  # content is opt-in


def test_cached_content_is_inside_the_prompt_and_priced_at_the_cached_rate(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_cache"))
    with instrumented(tracing):
        generate(sdk, False)
    span = only_span(tracing)
    assert usage_of(span) == {
        "gen_ai.usage.input_tokens": 10000,
        "gen_ai.usage.output_tokens": 200,
        "gen_ai.usage.cache_read.input_tokens": 8000,
    }
    # 2,000 uncached + 8,000 cached prompt tokens, 200 output tokens.
    expected = 2000 * Decimal("0.30") / MILLION + 8000 * Decimal("0.03") / MILLION + 200 * Decimal("2.50") / MILLION
    assert usd(dict(span.attributes or {})["gen_ai.usage.cost.amount"]) == expected  # $0.00134


def test_audio_prompt_tokens_are_priced_at_the_audio_rate(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_audio"))
    with instrumented(tracing):
        generate(sdk, False)
    span = only_span(tracing)
    assert usage_of(span) == {
        "gen_ai.usage.input_tokens": 3000,
        "gen_ai.usage.output_tokens": 150,
        "gen_ai.usage.audio.input_tokens": 2400,
        "gen_ai.usage.text.input_tokens": 600,  # 3000 - 2400 audio
    }
    expected = 600 * Decimal("0.30") / MILLION + 2400 * Decimal("1.00") / MILLION + 150 * Decimal("2.50") / MILLION
    assert usd(dict(span.attributes or {})["gen_ai.usage.cost.amount"]) == expected  # $0.002955


def test_each_modality_of_the_prompt_and_cache_is_priced_at_its_rate(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_multimodal_cache"))
    with instrumented(tracing):
        generate(sdk, False)
    span = only_span(tracing)
    # A 5,000-token prompt: 1,000 text, 3,000 audio, 1,000 image; 2,000 of it cached (500 text, 1,500 audio).
    assert usage_of(span) == {
        "gen_ai.usage.input_tokens": 5000,
        "gen_ai.usage.output_tokens": 100,
        "gen_ai.usage.cache_read.input_tokens": 2000,
        "gen_ai.usage.audio.input_tokens": 3000,
        "gen_ai.usage.audio.cache_read.input_tokens": 1500,
        "gen_ai.usage.image.input_tokens": 1000,
        "gen_ai.usage.text.input_tokens": 1000,  # 5000 - 3000 audio - 1000 image
    }
    expected = (
        500 * Decimal("0.30")  # uncached text
        + 500 * Decimal("0.03")  # cached text
        + 1500 * Decimal("1.00")  # uncached audio
        + 1500 * Decimal("0.10")  # cached audio
        + 1000 * Decimal("0.30")  # image, at the text rate on this model
        + 100 * Decimal("2.50")
    ) / MILLION
    assert usd(dict(span.attributes or {})["gen_ai.usage.cost.amount"]) == expected  # $0.002365


def test_tool_use_prompt_tokens_are_input(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_search"))
    with instrumented(tracing):
        generate(sdk, False, config=types.GenerateContentConfig(tools=[types.Tool(google_search=types.GoogleSearch())]))
    span = only_span(tracing)
    # 80 prompt + 400 tool-use prompt tokens in; 250 answer + 120 thinking tokens out; one grounded prompt, which
    # ran one search (tests/test_google_genai_grounding.py prices the searches).
    assert usage_of(span) == {
        "gen_ai.usage.input_tokens": 480,
        "gen_ai.usage.output_tokens": 370,
        "gen_ai.usage.reasoning.output_tokens": 120,
        "llmcost.usage.grounded_prompts": 1,
        "llmcost.usage.web_search_calls": 1,
    }
    expected = 480 * Decimal("0.30") / MILLION + 370 * Decimal("2.50") / MILLION + Decimal("0.035")
    assert usd(dict(span.attributes or {})["gen_ai.usage.cost.amount"]) == expected  # $0.036069


def test_a_prompt_over_200k_tokens_moves_the_whole_call_to_the_long_context_rates(tracing: Tracing) -> None:
    sdk, _ = client(recorded("pro_long_context"))
    with instrumented(tracing):
        generate(sdk, False, model="gemini-2.5-pro")
    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["gen_ai.usage.input_tokens"] == 250000
    expected = 250000 * Decimal("2.50") / MILLION + 1000 * Decimal("15.00") / MILLION
    assert usd(attributes["gen_ai.usage.cost.amount"]) == expected  # $0.64, not $0.3225 at the base rates


@pytest.mark.parametrize(
    ("location", "host"),
    [("us-central1", "us-central1-aiplatform.googleapis.com"), ("global", "aiplatform.googleapis.com")],
)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_vertex_ai_calls_are_gcp_vertex_ai_at_their_endpoint(
    tracing: Tracing, asynchronous: bool, location: str, host: str
) -> None:
    sdk, replay = client(recorded("vertex_flash_thinking"), vertex=True, location=location)
    with instrumented(tracing):
        generate(sdk, asynchronous)
    assert replay.requests[0].url.host == host
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.provider.name"] == "gcp.vertex_ai"
    assert (attributes["server.address"], attributes["server.port"]) == (host, 443)
    assert attributes["llmcost.price.entry"] == "gcp.vertex_ai/gemini-2.5-flash"
    assert usd(attributes["gen_ai.usage.cost.amount"]) == THINKING_COST


@pytest.mark.parametrize(
    ("base_url", "providers", "provider", "server"),
    [
        ("http://gemini-proxy.internal:8080/", None, "gcp.gemini", ("gemini-proxy.internal", 8080)),
        (
            "https://europe-west4-aiplatform.googleapis.com/",
            None,
            "gcp.vertex_ai",
            ("europe-west4-aiplatform.googleapis.com", 443),
        ),
        (
            "https://llm-gateway.acme.dev/",
            {"llm-gateway.acme.dev": "acme_gateway"},
            "acme_gateway",
            ("llm-gateway.acme.dev", 443),
        ),
    ],
    ids=["proxy", "vertex-host", "named-gateway"],
)
def test_a_base_url_decides_the_server_and_a_vertex_host_the_provider(
    tracing: Tracing, base_url: str, providers: dict[str, str] | None, provider: str, server: tuple[str, int]
) -> None:
    sdk, replay = client(recorded("flash_thinking"), base_url=base_url)
    with instrumented(tracing, providers=providers):
        generate(sdk, False)
    assert replay.requests[0].url.host == server[0]
    attributes = dict(only_span(tracing).attributes or {})
    assert (attributes["gen_ai.provider.name"], attributes["server.address"], attributes["server.port"]) == (
        provider,
        *server,
    )


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_an_api_error_ends_the_span_with_its_status(tracing: Tracing, asynchronous: bool) -> None:
    sdk, _ = client(recorded("error_429"))
    with instrumented(tracing), pytest.raises(Exception, match="RESOURCE_EXHAUSTED") as raised:
        generate(sdk, asynchronous)
    assert type(raised.value).__name__ == "ClientError"
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "RESOURCE_EXHAUSTED"
    assert span.status.status_code is StatusCode.ERROR
    assert usage_of(span) == {}
    assert "gen_ai.usage.cost.amount" not in attributes


@pytest.mark.skipif(not RETRIES, reason="this google-genai does not retry")
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_a_retried_call_is_one_span_that_counts_its_resends(tracing: Tracing, asynchronous: bool) -> None:
    sdk, replay = client(recorded("error_429"), recorded("flash_thinking"), retries=1)
    with instrumented(tracing):
        generate(sdk, asynchronous)
    assert len(replay.requests) == 2
    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["http.request.resend_count"] == 1
    assert "error.type" not in attributes
    assert usd(attributes["gen_ai.usage.cost.amount"]) == THINKING_COST


def test_an_unknown_model_is_unpriced_never_zero(tracing: Tracing) -> None:
    sdk, _ = client(recorded("unknown_model"))
    with instrumented(tracing):
        generate(sdk, False, model="gemini-9-imaginary")
    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["gen_ai.usage.input_tokens"] == 4
    assert attributes["llmcost.status"] == "unpriced"
    assert "gen_ai.usage.cost.amount" not in attributes


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_each_chat_message_is_one_span(tracing: Tracing, asynchronous: bool) -> None:
    sdk, replay = client(recorded("flash_thinking"), recorded("flash_cache"))
    with instrumented(tracing):
        if asynchronous:

            async def chat() -> None:
                session = sdk.aio.chats.create(model="gemini-2.5-flash")
                await session.send_message(PROMPT)
                await session.send_message("And the refund?")

            asyncio.run(chat())
        else:
            session = sdk.chats.create(model="gemini-2.5-flash")
            session.send_message(PROMPT)
            session.send_message("And the refund?")
    assert len(replay.requests) == 2
    spans = tracing.exporter.get_finished_spans()
    assert [span.name for span in spans] == ["generate_content gemini-2.5-flash"] * 2
    costs = [usd(dict(span.attributes or {})["gen_ai.usage.cost.amount"]) for span in spans]
    assert costs == [THINKING_COST, Decimal("0.00134")]


def test_automatic_function_calling_gets_a_span_per_model_call(tracing: Tracing) -> None:
    call = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [{"functionCall": {"name": "refund_status", "args": {"id": "7"}}}],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 20, "totalTokenCount": 120},
        "modelVersion": "gemini-2.5-flash",
        "responseId": "afc-1",
    }
    import httpx

    def refund_status(id: str) -> str:
        """The status of refund ``id``."""
        return f"refund {id} issued"

    refund_status.__annotations__ = {"id": str, "return": str}  # older releases read no string annotations

    sdk, replay = client(httpx.Response(200, json=call), recorded("flash_thinking"))
    with instrumented(tracing):
        sdk.models.generate_content(
            model="gemini-2.5-flash", contents=PROMPT, config=types.GenerateContentConfig(tools=[refund_status])
        )
    assert len(replay.requests) == 2
    spans = tracing.exporter.get_finished_spans()
    if HAS_RESPONSE_ID:
        ids = [dict(span.attributes or {})["gen_ai.response.id"] for span in spans]
        assert ids == ["afc-1", "Xb1kaPe0Ks-Kz7IPr5ah2QM"]
    first = 100 * Decimal("0.30") / MILLION + 20 * Decimal("2.50") / MILLION
    assert [usd(dict(span.attributes or {})["gen_ai.usage.cost.amount"]) for span in spans] == [first, THINKING_COST]


def test_content_is_captured_when_asked(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_cache"))
    with instrumented(tracing, capture_content=True):
        generate(sdk, False)
    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["gen_ai.input.messages"] == (
        '[{"role":"user","parts":[{"type":"text","content":"Why was I charged twice this month?"}]}]'
    )
    assert attributes["gen_ai.output.messages"] == (
        '[{"role":"assistant","parts":[{"type":"text","content":"Per the billing policy in your cached context,'
        ' duplicate charges are refunded automatically."}],"finish_reason":"stop"}]'
    )


def test_suppressed_instrumentation_makes_no_span(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_thinking"))
    with instrumented(tracing), suppress_instrumentation():
        generate(sdk, False)
    assert tracing.exporter.get_finished_spans() == ()


def test_uninstrument_restores_the_sdk(tracing: Tracing) -> None:
    originals = {name: vars(models.Models)[name] for name in ("_generate_content", "embed_content", "count_tokens")}
    instrumentor = GoogleGenAIInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider)
    assert vars(models.Models)["_generate_content"] is not originals["_generate_content"]
    instrumentor.uninstrument()
    assert {name: vars(models.Models)[name] for name in originals} == originals
    sdk, _ = client(recorded("flash_thinking"))
    generate(sdk, False)
    assert tracing.exporter.get_finished_spans() == ()
