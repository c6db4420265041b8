"""Mistral through the real mistralai SDK against recorded responses: chat (plain and streamed, sync and async,
every exit of a stream), FIM, agents, embeddings, an error, and the exact cost of each.

Prices (pricing/providers/mistral_ai.json, from Mistral's price page), US dollars per million tokens:
mistral-large-2512 $0.50 input, $0.05 cached input, $1.50 output; mistral-medium-2508 $0.40 / $2.00;
codestral-2508 $0.30 / $0.90; mistral-embed $0.10.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from instrumentor_support import run_fresh
from mistralai_support import (
    CACHED_TOKENS_KEPT,
    MESSAGES,
    STREAM_OBJECTS,
    SDKError,
    attributes,
    client,
    cost,
    only_span,
    priced,
    recording,
)
from otel_llmcost.instrumentation.mistralai import MistralInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

__all__ = ["priced"]  # the fixture

# chat_large: 1,200 prompt tokens of which 200 cached, 300 completion tokens, on mistral-large-2512.
if CACHED_TOKENS_KEPT:
    # 1000 * 0.50/1e6 + 200 * 0.05/1e6 + 300 * 1.50/1e6
    CHAT_COST = Decimal("0.00096")
    CHAT_USAGE = {
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 200,
    }
else:  # the SDK dropped prompt_tokens_details: 1200 * 0.50/1e6 + 300 * 1.50/1e6
    CHAT_COST = Decimal("0.00105")
    CHAT_USAGE = {"gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300}


def assert_chat(found: dict[str, Any], response_id: str) -> None:
    assert found["gen_ai.operation.name"] == "chat"
    assert found["gen_ai.provider.name"] == "mistral_ai"
    assert found["gen_ai.request.model"] == "mistral-large-2512"
    assert found["gen_ai.response.model"] == "mistral-large-2512"
    assert found["gen_ai.response.id"] == response_id
    assert found["gen_ai.response.finish_reasons"] == ("stop",)
    assert found["server.address"] == "api.mistral.ai"
    assert found["server.port"] == 443
    assert {key: value for key, value in found.items() if key.startswith("gen_ai.usage.") and "cost" not in key} == (
        CHAT_USAGE
    )
    assert found["llmcost.price.entry"] == "mistral_ai/mistral-large-2512"
    assert cost(found) == CHAT_COST


def test_chat_complete_is_priced(priced: Tracing) -> None:
    sdk, replay = client(recording("chat_large"))
    response = sdk.chat.complete(model="mistral-large-2512", messages=MESSAGES, temperature=0.2, max_tokens=512)

    assert response.choices[0].finish_reason == "stop"
    assert replay.requests[0].url.path == "/v1/chat/completions"
    found = attributes(priced)
    assert_chat(found, "2f6c1b9e4a8d4c0f9b3e7d5a1c2e8f40")
    assert found["gen_ai.request.temperature"] == 0.2
    assert found["gen_ai.request.max_tokens"] == 512
    assert only_span(priced).name == "chat mistral-large-2512"


def test_chat_complete_async_is_priced(priced: Tracing) -> None:
    sdk, _ = client(recording("chat_large"))

    async def call() -> None:
        await sdk.chat.complete_async(model="mistral-large-2512", messages=MESSAGES)

    asyncio.run(call())
    assert_chat(attributes(priced), "2f6c1b9e4a8d4c0f9b3e7d5a1c2e8f40")


STREAM_ID = "7a1d3c5e9b2f4d6a8c0e1f3b5d7a9c2e"


def test_chat_stream_read_to_the_end_is_priced(priced: Tracing) -> None:
    sdk, _ = client(recording("chat_large_stream"))
    pieces = [
        event.data.choices[0].delta.content for event in sdk.chat.stream(model="mistral-large-2512", messages=MESSAGES)
    ]

    assert "".join(piece for piece in pieces if isinstance(piece, str)) == (
        "You were charged twice because the renewal ran on both cards."
    )
    assert_chat(attributes(priced), STREAM_ID)


def test_chat_stream_in_a_with_block_is_priced(priced: Tracing) -> None:
    if not STREAM_OBJECTS:
        pytest.skip("this mistralai streams through a bare generator, which is no context manager")
    sdk, _ = client(recording("chat_large_stream"))
    with sdk.chat.stream(model="mistral-large-2512", messages=MESSAGES) as stream:
        count = sum(1 for _ in stream)

    assert count == 6
    assert_chat(attributes(priced), STREAM_ID)


def test_chat_stream_async_is_priced(priced: Tracing) -> None:
    sdk, _ = client(recording("chat_large_stream"))

    async def call() -> int:
        stream = await sdk.chat.stream_async(model="mistral-large-2512", messages=MESSAGES)
        return len([event async for event in stream])

    assert asyncio.run(call()) == 6
    assert_chat(attributes(priced), STREAM_ID)


def test_chat_stream_async_closed_early_ends_its_span_once_with_a_partial_usage(priced: Tracing) -> None:
    sdk, _ = client(recording("chat_large_stream"))

    async def first_text(stream: Any) -> None:
        async for event in stream:
            if event.data.choices[0].delta.content:
                break

    async def call() -> None:
        stream = await sdk.chat.stream_async(model="mistral-large-2512", messages=MESSAGES)
        if STREAM_OBJECTS:  # left by its async with block (some releases' streams have no close())
            async with stream:
                await first_text(stream)
        else:  # an async generator, before mistralai 1.2
            await first_text(stream)
            await stream.aclose()

    asyncio.run(call())
    found = attributes(priced)
    # The first piece of text reached the caller, the usage chunk never did: at least one output token.
    assert found["llmcost.usage.status"] == "partial"
    assert found["gen_ai.usage.output_tokens"] == 1
    assert found["gen_ai.response.id"] == STREAM_ID


def test_chat_stream_closed_early_ends_its_span_once(priced: Tracing) -> None:
    sdk, _ = client(recording("chat_large_stream"))
    stream = sdk.chat.stream(model="mistral-large-2512", messages=MESSAGES)
    next(iter(stream))
    stream.close()
    stream.close()

    found = attributes(priced)
    assert found["gen_ai.response.id"] == STREAM_ID
    assert "gen_ai.usage.cache_read.input_tokens" not in found


def test_an_error_response_ends_the_span_with_its_type_and_reaches_the_caller(priced: Tracing) -> None:
    sdk, _ = client(recording("error_rate_limited"))
    with pytest.raises(SDKError):
        sdk.chat.complete(model="mistral-large-2512", messages=MESSAGES)

    found = attributes(priced)
    assert found["error.type"] == "SDKError"
    assert "gen_ai.usage.cost.amount" not in found


def test_fim_complete_is_priced_as_a_text_completion(priced: Tracing) -> None:
    sdk, replay = client(recording("fim_codestral"))
    sdk.fim.complete(model="codestral-2508", prompt="def add(a, b):\n", suffix="\n")

    assert replay.requests[0].url.path == "/v1/fim/completions"
    found = attributes(priced)
    assert found["gen_ai.operation.name"] == "text_completion"
    assert (found["gen_ai.usage.input_tokens"], found["gen_ai.usage.output_tokens"]) == (800, 120)
    # 800 * 0.30/1e6 + 120 * 0.90/1e6
    assert cost(found) == Decimal("0.000348")


def test_agents_complete_is_priced_by_the_model_that_answered(priced: Tracing) -> None:
    sdk, replay = client(recording("agents_medium"))
    sdk.agents.complete(agent_id="ag_0193a4b5c6d7e8f9", messages=MESSAGES)

    assert replay.requests[0].url.path == "/v1/agents/completions"
    found = attributes(priced)
    assert found["gen_ai.agent.id"] == "ag_0193a4b5c6d7e8f9"
    assert found["gen_ai.response.model"] == "mistral-medium-2508"
    # 2000 * 0.40/1e6 + 500 * 2.00/1e6
    assert cost(found) == Decimal("0.0018")


def test_embeddings_are_priced_by_their_input_tokens(priced: Tracing) -> None:
    sdk, _ = client(recording("embeddings_mistral_embed"))

    async def call() -> None:
        await sdk.embeddings.create_async(model="mistral-embed", inputs=["Why was I charged twice?"])

    asyncio.run(call())
    found = attributes(priced)
    assert found["gen_ai.operation.name"] == "embeddings"
    assert found["gen_ai.usage.input_tokens"] == 2400
    # 2400 * 0.10/1e6
    assert cost(found) == Decimal("0.00024")


def test_uninstrument_restores_the_sdk(tracing: Tracing) -> None:
    from mistralai_support import Chat

    original = Chat.complete
    instrumentor = MistralInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    assert Chat.complete is not original
    instrumentor.uninstrument()
    assert Chat.complete is original

    sdk, _ = client(recording("chat_large"))
    sdk.chat.complete(model="mistral-large-2512", messages=MESSAGES)
    assert list(tracing.exporter.get_finished_spans()) == []


def test_instrumenting_does_not_import_the_sdk_and_its_import_patches_it() -> None:
    script = """
import sys
import wrapt
from opentelemetry.sdk.trace import TracerProvider
from otel_llmcost.instrumentation.mistralai import MistralInstrumentor

MistralInstrumentor().instrument(tracer_provider=TracerProvider())
imported = "mistralai" in sys.modules
try:
    from mistralai.client.chat import Chat
except ImportError:
    from mistralai.chat import Chat
print(imported, isinstance(vars(Chat)["complete"], wrapt.FunctionWrapper))
"""
    assert run_fresh(script) == "False True"


def test_a_server_url_of_its_own_is_the_span_s_server(priced: Tracing) -> None:
    from mistralai_support import HTTP, Mistral, Replay

    replay = Replay(recording("chat_large"))
    sdk = Mistral(
        api_key="test",
        server_url="https://mistral.gateway.internal:8443",
        client=HTTP.Client(transport=HTTP.MockTransport(replay)),
    )
    sdk.chat.complete(model="mistral-large-2512", messages=MESSAGES)

    found = attributes(priced)
    assert (found["server.address"], found["server.port"]) == ("mistral.gateway.internal", 8443)
    assert found["gen_ai.provider.name"] == "mistral_ai"
    assert cost(found) == CHAT_COST


def test_ocr_is_priced_per_page_processed(priced: Tracing) -> None:
    sdk, replay = client(recording("ocr_pdf"))
    if not hasattr(sdk, "ocr"):
        pytest.skip("this mistralai has no OCR")

    async def call() -> None:
        await sdk.ocr.process_async(
            model="mistral-ocr-2505", document={"type": "document_url", "document_url": "https://example.com/a.pdf"}
        )

    asyncio.run(call())
    assert replay.requests[0].url.path == "/v1/ocr"
    found = attributes(priced)
    assert found["gen_ai.operation.name"] == "ocr"
    assert found["llmcost.usage.pages"] == 12
    assert found["llmcost.price.entry"] == "mistral_ai/mistral-ocr-2505"
    # 12 pages * $1.00 / 1,000 pages
    assert cost(found) == Decimal("0.012")
