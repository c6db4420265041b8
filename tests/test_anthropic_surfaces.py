"""The Anthropic instrumentor on thinking, tools, web search, token counting, errors and the platform clients.

The SDK's own tracing is off. Prices, Claude Sonnet 4.5, US dollars per million tokens: input 3, output 15
(thinking is output); web search $10 per 1,000 searches (``pricing/providers/anthropic.json``). Bedrock's and
Vertex AI's entries inherit those prices; a Bedrock geo profile (``us.``) costs 10% more.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any

import anthropic
import pytest
from opentelemetry.trace import StatusCode

from anthropic_support import (
    MESSAGES,
    SDK_TRACES,
    SONNET,
    SONNET_SNAPSHOT,
    async_client,
    attributes_of,
    only_span,
    sync_client,
)

if TYPE_CHECKING:
    from conftest import Tracing

pytestmark = [
    pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5:DeprecationWarning"),
    pytest.mark.usefixtures("instrumented"),
]

TOOLS: list[Any] = [
    {
        "name": "get_invoice",
        "description": "Look up an invoice by id.",
        "input_schema": {"type": "object", "properties": {"invoice_id": {"type": "string"}}},
    }
]


HAS_THINKING = "thinking" in inspect.signature(anthropic.resources.messages.Messages.create).parameters
HAS_COUNT_TOKENS = hasattr(anthropic.resources.messages.Messages, "count_tokens")


@pytest.mark.skipif(not HAS_THINKING, reason="the installed anthropic SDK has no thinking parameter")
def test_thinking_tokens_are_reported_inside_the_output_and_priced_as_output(tracing: Tracing) -> None:
    with sync_client("sonnet_thinking_tool") as client:
        message = client.messages.create(
            model=SONNET,
            max_tokens=2048,
            messages=MESSAGES,
            tools=TOOLS,
            thinking={"type": "enabled", "budget_tokens": 1024},
        )

    assert [block.type for block in message.content] == ["thinking", "text", "tool_use"]
    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.response.finish_reasons"] == ("tool_use",)
    assert attributes["gen_ai.usage.input_tokens"] == 1840
    assert attributes["gen_ai.usage.output_tokens"] == 412
    assert attributes["gen_ai.usage.reasoning.output_tokens"] == 296
    # 296 thinking x $15 / 1M = $0.00444; the other 116 output tokens x $15 / 1M = $0.00174
    assert attributes["llmcost.cost.reasoning"] == pytest.approx(0.00444, abs=1e-12)
    assert attributes["llmcost.cost.output"] == pytest.approx(0.00174, abs=1e-12)
    # 1,840 x $3 / 1M + 412 x $15 / 1M = $0.00552 + $0.00618 = $0.0117
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.0117, abs=1e-12)


def test_web_searches_are_counted_and_priced_per_request(tracing: Tracing) -> None:
    with sync_client("sonnet_web_search") as client:
        client.messages.create(
            model=SONNET,
            max_tokens=1024,
            messages=MESSAGES,
            tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}],
        )

    attributes = attributes_of(only_span(tracing))
    assert attributes["llmcost.usage.web_search_calls"] == 2
    # 2 searches x $10 / 1,000 = $0.02
    assert attributes["llmcost.cost.fees"] == pytest.approx(0.02, abs=1e-12)
    # 6,520 x $3 / 1M + 720 x $15 / 1M + $0.02 = $0.01956 + $0.0108 + $0.02 = $0.05036
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.05036, abs=1e-12)


def test_batch_service_tier_in_the_response_is_priced_at_the_batch_rate(tracing: Tracing) -> None:
    with sync_client("sonnet_batch") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    attributes = attributes_of(only_span(tracing))
    assert attributes["anthropic.response.service_tier"] == "batch"
    assert attributes["llmcost.price.variants"] == ("batch",)
    # 1,830 x $1.50 / 1M + 412 x $7.50 / 1M = $0.002745 + $0.00309 = $0.005835
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.005835, abs=1e-12)


@pytest.mark.skipif(not HAS_COUNT_TOKENS, reason="messages.count_tokens is a beta of the installed SDK")
def test_count_tokens_gets_a_span_with_the_count_and_no_cost(tracing: Tracing) -> None:
    with sync_client("count_tokens") as client:
        counted = client.messages.count_tokens(model=SONNET, messages=MESSAGES)

    assert counted.input_tokens == 1250
    span = only_span(tracing)
    assert span.name == f"count_tokens {SONNET}"
    attributes = attributes_of(span)
    assert attributes["anthropic.message.count_tokens.input_tokens"] == 1250
    assert attributes["gen_ai.operation.name"] == "count_tokens"
    assert not [key for key in attributes if key.startswith(("gen_ai.usage.", "llmcost."))]


def test_rate_limit_error_gets_its_api_error_type_and_no_cost(tracing: Tracing) -> None:
    with sync_client("rate_limited") as client, pytest.raises(anthropic.RateLimitError):
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    span = only_span(tracing)
    assert span.status.status_code is StatusCode.ERROR
    attributes = attributes_of(span)
    assert attributes["error.type"] == "rate_limit_error"
    assert "gen_ai.usage.cost.amount" not in attributes


def test_error_event_mid_stream_ends_the_span_with_it_and_an_estimated_output(tracing: Tracing) -> None:
    seen: list[str] = []
    with sync_client("sonnet_stream_overloaded") as client:
        stream = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        with pytest.raises(anthropic.APIStatusError):
            seen.extend(event.type for event in stream)

    assert seen.count("content_block_delta") == 2
    span = only_span(tracing)
    assert span.status.status_code is StatusCode.ERROR
    attributes = attributes_of(span)
    assert attributes["error.type"] == "overloaded_error"
    # "Thanks for" + " reaching out!" = 5 o200k_base tokens; 2,100 x $3 / 1M + 5 x $15 / 1M = $0.006375
    assert attributes["gen_ai.usage.output_tokens"] == 5
    assert attributes["llmcost.usage.status"] == "estimated"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.006375, abs=1e-12)


def test_async_stream_cancelled_while_waiting_ends_its_span_once(tracing: Tracing) -> None:
    from anthropic_support import RECORDINGS, http

    blocks = (RECORDINGS / "sonnet_stream.sse").read_bytes().split(b"\n\n")
    stalled = asyncio.Event()

    async def body() -> Any:
        for block in blocks[:5]:  # message_start, content_block_start, ping, two text deltas
            yield block + b"\n\n"
        stalled.set()
        await asyncio.Event().wait()  # the server stalls

    def respond(request: Any) -> Any:
        return http.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    async def read(client: Any) -> None:
        stream = await client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        async for _ in stream:
            pass

    async def call() -> None:
        options: dict[str, Any] = {"open_telemetry": False} if SDK_TRACES else {}
        client = anthropic.AsyncAnthropic(
            api_key="test-no-key",
            http_client=http.AsyncClient(transport=http.MockTransport(respond)),
            max_retries=0,
            **options,
        )
        task = asyncio.ensure_future(read(client))
        await stalled.wait()
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.close()

    asyncio.run(call())
    attributes = attributes_of(only_span(tracing))
    assert attributes["error.type"] == "CancelledError"
    assert attributes["gen_ai.usage.output_tokens"] == 5
    assert attributes["llmcost.usage.status"] == "estimated"


def test_beta_messages_create_is_traced(tracing: Tracing) -> None:
    with sync_client("sonnet_plain") as client:
        client.beta.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, betas=["context-1m-2025-08-07"])

    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.response.model"] == SONNET_SNAPSHOT
    # 1,250 x $3 / 1M + 310 x $15 / 1M = $0.0084
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.0084, abs=1e-12)


@pytest.mark.skipif(not HAS_COUNT_TOKENS, reason="messages.count_tokens is a beta of the installed SDK")
def test_async_count_tokens_is_traced(tracing: Tracing) -> None:
    async def call() -> None:
        async with async_client("count_tokens") as client:
            await client.messages.count_tokens(model=SONNET, messages=MESSAGES)

    asyncio.run(call())
    assert attributes_of(only_span(tracing))["anthropic.message.count_tokens.input_tokens"] == 1250


def test_vertex_client_calls_are_gcp_vertex_ai_with_the_vertex_model_id(tracing: Tracing) -> None:
    with sync_client(
        "vertex_sonnet", cls=anthropic.AnthropicVertex, region="global", project_id="support-prod", access_token="t"
    ) as client:
        client.messages.create(model="claude-sonnet-4-5@20250929", max_tokens=1024, messages=MESSAGES)
        host = client.base_url.host  # the global endpoint's host: older SDKs spell it global-aiplatform...

    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.provider.name"] == "gcp.vertex_ai"
    assert attributes["gen_ai.request.model"] == "claude-sonnet-4-5@20250929"
    assert host.endswith("aiplatform.googleapis.com")
    assert attributes["server.address"] == host
    # The global endpoint: 1,250 x $3 / 1M + 310 x $15 / 1M = $0.0084
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.0084, abs=1e-12)


@pytest.mark.parametrize(
    ("region", "scope", "cost"),
    [
        ("global", "global", 0.0084),  # 1,250 x $3 / 1M + 310 x $15 / 1M
        ("us-east5", "regional", 0.00924),  # ($0.00375 + $0.00465) x 1.1: regional endpoints cost 10% more
        ("eu", "eu", 0.00924),  # the EU multi-region endpoint, 10% more too
    ],
)
def test_vertex_regional_endpoints_cost_ten_percent_more_than_the_global_one(
    tracing: Tracing, region: str, scope: str, cost: float
) -> None:
    with sync_client(
        "vertex_sonnet", cls=anthropic.AnthropicVertex, region=region, project_id="support-prod", access_token="t"
    ) as client:
        client.messages.create(model="claude-sonnet-4-5@20250929", max_tokens=1024, messages=MESSAGES)

    attributes = attributes_of(only_span(tracing))
    assert attributes["llmcost.request.region"] == scope
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(cost, abs=1e-12)
    assert attributes.get("llmcost.price.variants", ()) == (() if scope == "global" else ("regional-endpoint",))


@pytest.mark.skipif(not SDK_TRACES, reason="AnthropicBedrock takes an API key from anthropic 2.x on")
def test_bedrock_client_calls_are_aws_bedrock_priced_with_the_geo_profile(tracing: Tracing) -> None:
    with sync_client("bedrock_sonnet", cls=anthropic.AnthropicBedrock, aws_region="us-east-1", api_key="k") as client:
        client.messages.create(model="us.anthropic.claude-sonnet-4-5-20250929-v1:0", max_tokens=1024, messages=MESSAGES)

    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.provider.name"] == "aws.bedrock"
    assert attributes["server.address"] == "bedrock-runtime.us-east-1.amazonaws.com"
    # The us. geo profile costs 10% more: ($0.00375 + $0.00465) x 1.1 = $0.00924
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.00924, abs=1e-12)


# batch_results: two succeeded results and one errored; the batch API is half of every token price.
#   ticket-4471: 1,830 x $1.50 / 1M + 412 x $7.50 / 1M = $0.002745 + $0.00309 = $0.005835
#   ticket-4473: 950 x $1.50 / 1M + 4,096 cache reads x $0.15 / 1M + 220 x $7.50 / 1M
#                = $0.001425 + $0.0006144 + $0.00165 = $0.0036894
BATCH_COSTS = [0.005835, 0.0036894]


def _batches(client: Any) -> Any:
    """``messages.batches``, or ``beta.messages.batches`` on SDKs where the batch API was a beta."""
    return getattr(client.messages, "batches", None) or client.beta.messages.batches


def _assert_batch_spans(tracing: Tracing) -> None:
    spans = tracing.exporter.get_finished_spans()
    assert [span.name for span in spans] == ["chat claude-sonnet-4-5-20250929"] * 2
    ids = [attributes_of(span)["gen_ai.response.id"] for span in spans]
    assert ids == ["msg_01FqZ8wYk3Lm2RtNx7VcBp4D", "msg_01Tm4Kc9Wq2Yx7HvRb3LnZ8P"]
    for span, cost in zip(spans, BATCH_COSTS, strict=True):
        attributes = attributes_of(span)
        assert attributes["llmcost.request.batch"] is True
        assert attributes["llmcost.price.variants"] == ("batch",)
        assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(cost, abs=1e-12)


def test_batch_results_are_priced_at_the_batch_rate_as_they_are_read(tracing: Tracing) -> None:
    with sync_client("batch_retrieve", "batch_results") as client:
        results = _batches(client).results("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d")
        assert tracing.exporter.get_finished_spans() == ()
        kinds = [line.result.type for line in results]

    assert kinds == ["succeeded", "errored", "succeeded"]
    _assert_batch_spans(tracing)


def test_async_batch_results_are_priced_at_the_batch_rate(tracing: Tracing) -> None:
    async def call() -> None:
        async with async_client("batch_retrieve", "batch_results") as client:
            results = await _batches(client).results("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d")
            async for _ in results:
                pass

    asyncio.run(call())
    _assert_batch_spans(tracing)


def test_a_retried_call_is_one_span_with_its_resend_count(tracing: Tracing) -> None:
    with sync_client("rate_limited_briefly", "sonnet_plain", max_retries=1) as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    attributes = attributes_of(only_span(tracing))
    assert attributes["http.request.resend_count"] == 1
    assert "error.type" not in attributes
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.0084, abs=1e-12)


@pytest.mark.skipif(
    "inference_geo" not in inspect.signature(anthropic.resources.messages.Messages.create).parameters,
    reason="the installed anthropic SDK has no inference_geo parameter",
)
def test_inference_geo_is_the_request_region(tracing: Tracing) -> None:
    with sync_client("sonnet_plain") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, inference_geo="us")

    assert attributes_of(only_span(tracing))["llmcost.request.region"] == "us"
