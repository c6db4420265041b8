"""Cohere through the real cohere SDK (v2 client) against recorded responses: chat and chat_stream (sync and
async, every exit of a stream), embed, rerank, an error, and the exact cost of each, from ``billed_units``.

Prices (pricing/providers/cohere.json, from Cohere's price page), US dollars: command-a-03-2025 $2.50 input and
$10.00 output per million tokens; embed-v4.0 $0.12 per million text tokens; rerank-v3.5 $2.00 per 1,000 searches.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import cohere
import httpx
import pytest

from instrumentor_support import attributes, cost, instrumenting, only_span, run_fresh
from otel_llmcost.instrumentation.cohere import CohereInstrumentor
from replay import Replay, recorded

if TYPE_CHECKING:
    from conftest import Tracing

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
MODEL = "command-a-03-2025"
# The recordings bill 1,800 input and 250 output tokens (the model consumed 2,296 and 252: never priced).
# 1800 * 2.50/1e6 + 250 * 10.00/1e6
CHAT_COST = Decimal("0.007")


def recording(name: str) -> httpx.Response:
    """The recorded response ``name``, as the API sent it (cohere's client is on httpx)."""
    return recorded("cohere", name, http=httpx)


def client(*responses: httpx.Response) -> tuple[cohere.ClientV2, Replay]:
    replay = Replay(*responses)
    return cohere.ClientV2(api_key="test", httpx_client=httpx.Client(transport=httpx.MockTransport(replay))), replay


def async_client(*responses: httpx.Response) -> cohere.AsyncClientV2:
    transport = httpx.MockTransport(Replay(*responses))
    return cohere.AsyncClientV2(api_key="test", httpx_client=httpx.AsyncClient(transport=transport))


@pytest.fixture
def priced(tracing: Tracing) -> Iterator[Tracing]:
    with instrumenting(CohereInstrumentor(), tracing):
        yield tracing


def assert_chat(found: dict[str, Any], response_id: str) -> None:
    assert found["gen_ai.operation.name"] == "chat"
    assert found["gen_ai.provider.name"] == "cohere"
    assert found["gen_ai.request.model"] == MODEL
    assert found["gen_ai.response.id"] == response_id
    assert found["gen_ai.response.finish_reasons"] == ("COMPLETE",)
    assert found["server.address"] == "api.cohere.com"
    assert found["server.port"] == 443
    assert (found["gen_ai.usage.input_tokens"], found["gen_ai.usage.output_tokens"]) == (1800, 250)
    assert found["llmcost.price.entry"] == "cohere/command-a-03-2025"
    assert cost(found) == CHAT_COST


CHAT_ID = "c14c80c3-18eb-4519-9460-6c92edd8cfb4"
STREAM_ID = "29f14a5a-11de-4cae-9800-25e4747408ea"


def test_chat_is_priced_by_its_billed_units(priced: Tracing) -> None:
    sdk, replay = client(recording("chat_command_a"))
    response = sdk.chat(model=MODEL, messages=MESSAGES, temperature=0.3, max_tokens=400)  # pyright: ignore[reportArgumentType]

    assert response.finish_reason == "COMPLETE"
    assert replay.requests[0].url.path == "/v2/chat"
    found = attributes(priced)
    assert_chat(found, CHAT_ID)
    assert found["gen_ai.request.temperature"] == 0.3
    assert found["gen_ai.request.max_tokens"] == 400
    assert only_span(priced).name == f"chat {MODEL}"


def test_chat_through_client_v2_property_is_priced(priced: Tracing) -> None:
    sdk, _ = client(recording("chat_command_a"))
    sdk.v2.chat(model=MODEL, messages=MESSAGES)  # pyright: ignore[reportArgumentType]
    assert_chat(attributes(priced), CHAT_ID)


def test_chat_async_is_priced(priced: Tracing) -> None:
    sdk = async_client(recording("chat_command_a"))

    async def call() -> None:
        await sdk.chat(model=MODEL, messages=MESSAGES)  # pyright: ignore[reportArgumentType]

    asyncio.run(call())
    assert_chat(attributes(priced), CHAT_ID)


def test_chat_stream_read_to_the_end_is_priced(priced: Tracing) -> None:
    sdk, _ = client(recording("chat_command_a_stream"))
    pieces = [
        event.delta.message.content.text  # pyright: ignore[reportAttributeAccessIssue, reportOptionalMemberAccess]
        for event in sdk.chat_stream(model=MODEL, messages=MESSAGES)  # pyright: ignore[reportArgumentType]
        if event.type == "content-delta"
    ]

    assert "".join(pieces) == "You were charged twice because the renewal ran on both cards."
    assert_chat(attributes(priced), STREAM_ID)


def test_chat_stream_async_is_priced(priced: Tracing) -> None:
    sdk = async_client(recording("chat_command_a_stream"))

    async def call() -> int:
        return len([event async for event in sdk.chat_stream(model=MODEL, messages=MESSAGES)])  # pyright: ignore[reportArgumentType]

    assert asyncio.run(call()) == 8  # message-start, content-start, 4 content-delta, content-end, message-end
    assert_chat(attributes(priced), STREAM_ID)


def test_chat_stream_left_early_ends_once_with_a_partial_usage(priced: Tracing) -> None:
    sdk, _ = client(recording("chat_command_a_stream"))
    stream = sdk.chat_stream(model=MODEL, messages=MESSAGES)  # pyright: ignore[reportArgumentType]
    for event in stream:
        if event.type == "content-delta":
            break
    stream.close()  # pyright: ignore[reportAttributeAccessIssue]

    found = attributes(priced)
    assert found["gen_ai.response.id"] == STREAM_ID
    assert found["llmcost.usage.status"] == "partial"
    assert found["gen_ai.usage.output_tokens"] == 1


def test_chat_stream_async_closed_early_ends_once(priced: Tracing) -> None:
    sdk = async_client(recording("chat_command_a_stream"))

    async def call() -> None:
        stream = sdk.chat_stream(model=MODEL, messages=MESSAGES)  # pyright: ignore[reportArgumentType]
        async for event in stream:
            if event.type == "message-start":
                break
        await stream.aclose()  # pyright: ignore[reportAttributeAccessIssue]

    asyncio.run(call())
    found = attributes(priced)
    assert found["gen_ai.response.id"] == STREAM_ID
    assert "gen_ai.usage.cost.amount" not in found


def test_an_error_response_ends_the_span_with_its_type_and_reaches_the_caller(priced: Tracing) -> None:
    sdk, _ = client(recording("error_too_many_requests"))
    with pytest.raises(cohere.TooManyRequestsError):
        sdk.chat(model=MODEL, messages=MESSAGES, request_options={"max_retries": 0})  # pyright: ignore[reportArgumentType]

    found = attributes(priced)
    assert found["error.type"] == "TooManyRequestsError"
    assert "gen_ai.usage.cost.amount" not in found


def test_embed_is_priced_by_its_billed_input_tokens(priced: Tracing) -> None:
    sdk, replay = client(recording("embed_v4"))
    sdk.embed(
        model="embed-v4.0",
        texts=["Why was I charged twice this month?"],
        input_type="search_query",
        embedding_types=["float"],
    )

    assert replay.requests[0].url.path == "/v2/embed"
    found = attributes(priced)
    assert found["gen_ai.operation.name"] == "embeddings"
    assert found["gen_ai.usage.input_tokens"] == 3000
    # 3000 * 0.12/1e6
    assert cost(found) == Decimal("0.00036")


def test_rerank_is_priced_per_search_unit(priced: Tracing) -> None:
    sdk, replay = client(recording("rerank_v35"))
    sdk.rerank(model="rerank-v3.5", query="double charge", documents=["Refund policy", "Billing FAQ"], top_n=2)

    assert replay.requests[0].url.path == "/v2/rerank"
    found = attributes(priced)
    assert found["gen_ai.operation.name"] == "rerank"
    assert found["llmcost.price.entry"] == "cohere/rerank-v3.5"
    # 1 search unit * $2.00 / 1,000
    assert cost(found) == Decimal("0.002")


def test_uninstrument_restores_the_sdk(tracing: Tracing) -> None:
    from cohere.v2.client import V2Client

    original = V2Client.chat
    instrumentor = CohereInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    assert V2Client.chat is not original
    instrumentor.uninstrument()
    assert V2Client.chat is original


def test_instrumenting_does_not_import_the_sdk_and_its_import_patches_it() -> None:
    script = """
import sys
import wrapt
from opentelemetry.sdk.trace import TracerProvider
from otel_llmcost.instrumentation.cohere import CohereInstrumentor

CohereInstrumentor().instrument(tracer_provider=TracerProvider())
imported = "cohere" in sys.modules
from cohere.v2.client import V2Client
print(imported, isinstance(vars(V2Client)["chat"], wrapt.FunctionWrapper))
"""
    assert run_fresh(script) == "False True"


def test_rerank_of_many_documents_is_priced_for_each_search_unit(priced: Tracing) -> None:
    sdk, _ = client(recording("rerank_v35_three_units"))
    documents = [f"Billing article {number}" for number in range(250)]  # 250 documents: 3 searches of up to 100
    sdk.rerank(model="rerank-v3.5", query="double charge", documents=documents, top_n=2)

    found = attributes(priced)
    assert found["llmcost.usage.search_units"] == 3
    assert found["gen_ai.request.top_k"] == 2.0
    # 3 search units * $2.00 / 1,000
    assert cost(found) == Decimal("0.006")
