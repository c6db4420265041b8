"""Bedrock Converse and ConverseStream through a real boto3 client, answered at botocore's HTTP layer.

Prices: ``pricing/providers/aws.bedrock.json`` (Claude entries inherit ``anthropic.json``). Claude Sonnet 4.5:
$3 input, $15 output, $0.30 cache read, $3.75 cache write per 1M tokens; Haiku 4.5: $1, $5, $0.10, $1.25;
both 1.1x through a geographic profile (``us.``) or in-Region (a bare id), 1x through ``global.``. Nova Pro
(us-east-1): $0.80 input, $3.20 output; flex 0.5x.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import botocore.client
import pytest
from botocore.exceptions import ClientError, EventStreamError
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from bedrock_support import (
    RECORDINGS,
    SERVER,
    Traced,
    client,
    event_stream,
    instrumented,
    needs_prompt_cache,
    needs_service_tiers,
    recording,
)

if TYPE_CHECKING:
    from conftest import Tracing

PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
FOUNDATION_ARN = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
MESSAGES = [{"role": "user", "content": [{"text": "Why was I charged twice this month?"}]}]


@pytest.fixture
def traced() -> Iterator[Traced]:
    with instrumented() as found:
        yield found


@pytest.fixture
def priced(tracing: Tracing) -> Iterator[Tracing]:
    with instrumented(tracing.tracer_provider):
        yield tracing


def cost(span: ReadableSpan) -> Decimal:
    attributes = dict(span.attributes or {})
    assert attributes["llmcost.status"] == "priced", attributes
    return Decimal(repr(attributes["gen_ai.usage.cost.amount"]))


@needs_prompt_cache
def test_converse_span_has_the_request_and_the_usage_with_cache_reads_and_writes_beside_the_input(
    traced: Traced,
) -> None:
    sdk, replay = client("converse_claude_sonnet_4_5_cache")
    response = sdk.converse(
        modelId=SONNET,
        messages=MESSAGES,
        inferenceConfig={"maxTokens": 512, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"]},
    )

    # The caller gets botocore's parsed response, untouched.
    assert response["usage"] == recording("converse_claude_sonnet_4_5_cache")["body"]["usage"]
    assert replay.body()["inferenceConfig"]["maxTokens"] == 512
    span = traced.span()
    assert span.name == f"chat {SONNET}"
    assert dict(span.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "aws.bedrock",
        "gen_ai.request.model": SONNET,
        **SERVER,
        "gen_ai.request.max_tokens": 512,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.stop_sequences": ("END",),
        "gen_ai.response.finish_reasons": ("end_turn",),
        # inputTokens 1200 + cacheReadInputTokens 2048 + cacheWriteInputTokens 512
        "gen_ai.usage.input_tokens": 3760,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 2048,
        "gen_ai.usage.cache_creation.input_tokens": 512,
    }


@needs_prompt_cache
def test_converse_is_priced_with_cache_and_the_geographic_profile(priced: Tracing) -> None:
    sdk, _ = client("converse_claude_sonnet_4_5_cache")
    sdk.converse(modelId=SONNET, messages=MESSAGES)

    (span,) = priced.exporter.get_finished_spans()
    assert dict(span.attributes or {})["llmcost.price.entry"] == "aws.bedrock/anthropic.claude-sonnet-4-5"
    # (1200 * 3.00 + 2048 * 0.30 + 512 * 3.75 + 300 * 15.00) / 1e6 = 0.0106344, x 1.1 for the us. profile
    assert cost(span) == Decimal("0.01169784")


@needs_prompt_cache
@pytest.mark.parametrize(
    ("model", "region", "expected"),
    [
        # (1200 * 3.00 + 2048 * 0.30 + 512 * 3.75 + 300 * 15.00) / 1e6 = 0.0106344 at the global rate
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", None, Decimal("0.0106344")),
        # in-Region (a bare id) and a geographic profile: x 1.1
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "regional", Decimal("0.01169784")),
        ("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", None, Decimal("0.01169784")),
        (PROFILE_ARN, None, Decimal("0.01169784")),
        (FOUNDATION_ARN, "regional", Decimal("0.01169784")),
    ],
)
def test_model_ids_go_to_pricing_as_given_and_the_table_reads_their_region(
    priced: Tracing, model: str, region: str | None, expected: Decimal
) -> None:
    sdk, replay = client("converse_claude_sonnet_4_5_cache")
    sdk.converse(modelId=model, messages=MESSAGES)

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.request.model"] == model
    assert attributes.get("llmcost.request.region") == region
    assert cost(span) == expected
    assert replay.requests[0].url.endswith("/converse")


@needs_service_tiers
def test_converse_service_tier_is_read_from_the_response_and_priced(priced: Tracing) -> None:
    sdk, replay = client("converse_nova_pro_flex")
    sdk.converse(modelId="amazon.nova-pro-v1:0", messages=MESSAGES, serviceTier={"type": "flex"})

    assert replay.body()["serviceTier"] == {"type": "flex"}
    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["llmcost.request.service_tier"] == "flex"
    assert attributes["gen_ai.usage.input_tokens"] == 1800
    assert attributes["gen_ai.usage.output_tokens"] == 240
    # (1800 * 0.80 + 240 * 3.20) / 1e6 = 0.002208, x 0.5 on the flex tier
    assert cost(span) == Decimal("0.001104")


def test_converse_error_ends_the_span_with_the_aws_error_code(traced: Traced) -> None:
    sdk, _ = client("converse_error_throttling")
    with pytest.raises(ClientError) as raised:
        sdk.converse(modelId=SONNET, messages=MESSAGES)

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "ThrottlingException"
    assert "gen_ai.usage.input_tokens" not in attributes


def _stream_text(stream: Any) -> list[str]:
    return [event["contentBlockDelta"]["delta"]["text"] for event in stream if "contentBlockDelta" in event]


@needs_prompt_cache
def test_converse_stream_reads_the_usage_of_its_metadata_event_and_the_caller_gets_every_event(
    traced: Traced,
) -> None:
    sdk, _ = client("converse_stream_claude_haiku_4_5")
    response = sdk.converse_stream(modelId=HAIKU, messages=MESSAGES, inferenceConfig={"maxTokens": 300})

    assert traced.spans() == []  # open until the stream is read
    events = list(response["stream"])
    assert [next(iter(event)) for event in events] == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert "".join(_stream_text(events)) == "Your invoice shows two charges: the renewal and the upgrade."
    span = traced.span()
    assert dict(span.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "aws.bedrock",
        "gen_ai.request.model": HAIKU,
        **SERVER,
        "gen_ai.request.max_tokens": 300,
        "gen_ai.response.finish_reasons": ("end_turn",),
        "gen_ai.usage.input_tokens": 1490,  # inputTokens 850 + cacheReadInputTokens 640
        "gen_ai.usage.output_tokens": 120,
        "gen_ai.usage.cache_read.input_tokens": 640,
    }


@needs_prompt_cache
def test_converse_stream_is_priced(priced: Tracing) -> None:
    sdk, _ = client("converse_stream_claude_haiku_4_5")
    for _ in sdk.converse_stream(modelId=HAIKU, messages=MESSAGES)["stream"]:
        pass

    (span,) = priced.exporter.get_finished_spans()
    # (850 * 1.00 + 640 * 0.10 + 120 * 5.00) / 1e6 = 0.001514, x 1.1 for the us. profile
    assert cost(span) == Decimal("0.0016654")


def test_converse_stream_left_early_and_closed_ends_with_a_partial_usage(traced: Traced) -> None:
    sdk, _ = client("converse_stream_claude_haiku_4_5")
    stream = sdk.converse_stream(modelId=HAIKU, messages=MESSAGES)["stream"]
    for event in stream:
        if "contentBlockDelta" in event:
            break
    assert traced.spans() == []
    stream.close()

    attributes = dict(traced.span().attributes or {})
    # One text delta received, no metadata event: a lower bound of one output token.
    assert attributes["llmcost.usage.status"] == "partial"
    assert attributes["gen_ai.usage.output_tokens"] == 1
    assert attributes["gen_ai.usage.input_tokens"] == 0  # unknown: the status says these are lower bounds


def test_converse_stream_abandoned_ends_when_collected(traced: Traced) -> None:
    sdk, _ = client("converse_stream_claude_haiku_4_5")
    response = sdk.converse_stream(modelId=HAIKU, messages=MESSAGES)
    next(iter(response["stream"]))
    del response
    gc.collect()

    assert traced.span().end_time is not None


def test_converse_stream_exception_event_ends_the_span_with_its_type(traced: Traced) -> None:
    sdk, _ = client("converse_stream_throttled")
    stream = sdk.converse_stream(modelId=HAIKU, messages=MESSAGES)["stream"]
    received: list[str] = []

    def read() -> None:
        for event in stream:
            received.append(next(iter(event)))

    with pytest.raises(EventStreamError):
        read()

    assert received == ["messageStart", "contentBlockDelta", "contentBlockDelta"]
    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "throttlingException"
    assert attributes["llmcost.usage.status"] == "partial"
    assert attributes["gen_ai.usage.output_tokens"] == 2  # the two deltas received


def test_other_operations_and_services_are_not_traced(traced: Traced) -> None:
    sdk, _ = client("converse_error_throttling")
    with suppress_instrumentation(), pytest.raises(ClientError):
        sdk.converse(modelId=SONNET, messages=MESSAGES)
    # Another AWS service: botocore's own call, untouched.
    sts, _ = client("sts_get_caller_identity", service="sts")
    assert sts.get_caller_identity()["Account"] == "123456789012"

    assert traced.spans() == []


def test_uninstrument_restores_make_api_call() -> None:
    original = botocore.client.BaseClient.__dict__["_make_api_call"]
    with instrumented() as traced:
        assert botocore.client.BaseClient.__dict__["_make_api_call"] is not original
        sdk, _ = client("converse_claude_sonnet_4_5_cache")
    assert botocore.client.BaseClient.__dict__["_make_api_call"] is original
    sdk.converse(modelId=SONNET, messages=MESSAGES)
    assert traced.spans() == []


@pytest.mark.parametrize("path", sorted(RECORDINGS.glob("*.eventstream")), ids=lambda path: path.stem)
def test_event_stream_recordings_are_the_encoding_of_their_events(path: Any) -> None:
    events = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["events"]
    assert path.read_bytes() == event_stream(events)


def test_converse_content_is_captured_when_asked_in_the_conventions_message_format() -> None:
    messages = [
        {"role": "user", "content": [{"text": "Why was I charged twice?"}]},
        {
            "role": "assistant",
            "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "invoices", "input": {"month": "2026-11"}}}],
        },
        {
            "role": "user",
            "content": [
                {"toolResult": {"toolUseId": "tooluse_1", "content": [{"json": {"charges": 2}}]}},
                {"image": {"format": "png", "source": {"bytes": b"\x89PNG"}}},
            ],
        },
    ]
    with instrumented(capture_content=True) as traced:
        sdk, _ = client("converse_claude_sonnet_4_5_cache")
        sdk.converse(modelId=SONNET, messages=messages, system=[{"text": "You are a billing assistant."}])

    attributes = dict(traced.span().attributes or {})
    assert json.loads(str(attributes["gen_ai.input.messages"])) == [
        {"role": "user", "parts": [{"type": "text", "content": "Why was I charged twice?"}]},
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "tooluse_1", "name": "invoices", "arguments": {"month": "2026-11"}}],
        },
        {
            "role": "user",
            "parts": [
                {"type": "tool_call_response", "id": "tooluse_1", "response": [{"json": {"charges": 2}}]},
                {"type": "image"},
            ],
        },
    ]
    assert json.loads(str(attributes["gen_ai.system_instructions"])) == [
        {"type": "text", "content": "You are a billing assistant."}
    ]
    text = recording("converse_claude_sonnet_4_5_cache")["body"]["output"]["message"]["content"][0]["text"]
    assert json.loads(str(attributes["gen_ai.output.messages"])) == [
        {"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": "end_turn"}
    ]


def test_converse_stream_content_is_captured_when_asked() -> None:
    with instrumented(capture_content=True) as traced:
        sdk, _ = client("converse_stream_claude_haiku_4_5")
        for _ in sdk.converse_stream(modelId=HAIKU, messages=MESSAGES)["stream"]:
            pass

    attributes = dict(traced.span().attributes or {})
    assert json.loads(str(attributes["gen_ai.input.messages"])) == [
        {"role": "user", "parts": [{"type": "text", "content": "Why was I charged twice this month?"}]}
    ]
    assert json.loads(str(attributes["gen_ai.output.messages"])) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "Your invoice shows two charges: the renewal and the upgrade."}],
            "finish_reason": "end_turn",
        }
    ]
