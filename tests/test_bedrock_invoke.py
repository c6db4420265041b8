"""Bedrock InvokeModel and InvokeModelWithResponseStream, one recorded body per model family, through a real
boto3 client answered at botocore's HTTP layer.

Prices per 1M tokens (``pricing/providers/aws.bedrock.json``; Claude inherits ``anthropic.json``): Claude
Haiku 4.5 $1 / $5, cache read $0.10, cache write $1.25, and Sonnet 4.5 $3 / $15, both 1.1x through ``us.``;
Llama 3.3 70B $0.72 / $0.72; Nova Pro $0.80 / $3.20; Cohere Command (text v14) $1 / $2; Mistral Large (2402)
$4 / $12; DeepSeek R1 $1.35 / $5.40; gpt-oss-120b $0.15 / $0.60, flex 0.5x.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest
from opentelemetry.sdk.trace import ReadableSpan

from bedrock_support import SERVER, Traced, client, instrumented, needs_service_tiers, recording

if TYPE_CHECKING:
    from conftest import Tracing


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


class Family(NamedTuple):
    recording: str
    model: str
    request: Mapping[str, Any]
    attributes: Mapping[str, object]  # the span's attributes beyond the operation, provider, model and server
    cost: Decimal


FAMILIES = {
    "anthropic": Family(
        "invoke_anthropic_claude_haiku_4_5",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 400,
            "temperature": 0.5,
            "messages": [{"role": "user", "content": "Why was I charged twice this month?"}],
        },
        {
            "gen_ai.request.max_tokens": 400,
            "gen_ai.request.temperature": 0.5,
            "gen_ai.response.id": "msg_bdrk_01HkT6q1bGv2YwXz7rN4pQ8s",
            "gen_ai.response.model": "claude-haiku-4-5-20251001",
            "gen_ai.response.finish_reasons": ("end_turn",),
            "gen_ai.usage.input_tokens": 2800,  # input_tokens 1500 + cache reads 1000 + cache writes 300
            "gen_ai.usage.output_tokens": 250,
            "gen_ai.usage.cache_read.input_tokens": 1000,
            "gen_ai.usage.cache_creation.input_tokens": 300,
        },
        # (1500 * 1.00 + 1000 * 0.10 + 300 * 1.25 + 250 * 5.00) / 1e6 = 0.003225, x 1.1 for us.
        Decimal("0.0035475"),
    ),
    "meta": Family(
        "invoke_meta_llama3_3_70b",
        "us.meta.llama3-3-70b-instruct-v1:0",
        {"prompt": "Why was I charged twice this month?", "max_gen_len": 256, "temperature": 0.3, "top_p": 0.9},
        {
            "gen_ai.request.max_tokens": 256,
            "gen_ai.request.temperature": 0.3,
            "gen_ai.request.top_p": 0.9,
            "gen_ai.response.finish_reasons": ("stop",),
            "gen_ai.usage.input_tokens": 420,
            "gen_ai.usage.output_tokens": 96,
        },
        Decimal("0.00037152"),  # (420 * 0.72 + 96 * 0.72) / 1e6
    ),
    "nova": Family(
        "invoke_amazon_nova_pro",
        "amazon.nova-pro-v1:0",
        {
            "schemaVersion": "messages-v1",
            "messages": [{"role": "user", "content": [{"text": "Why was I charged twice this month?"}]}],
            "inferenceConfig": {"max_new_tokens": 300, "temperature": 0.7, "topP": 0.9},
        },
        {
            "llmcost.request.region": "regional",
            "gen_ai.request.max_tokens": 300,
            "gen_ai.request.temperature": 0.7,
            "gen_ai.request.top_p": 0.9,
            "gen_ai.response.finish_reasons": ("end_turn",),
            "gen_ai.usage.input_tokens": 900,
            "gen_ai.usage.output_tokens": 150,
        },
        Decimal("0.0012"),  # (900 * 0.80 + 150 * 3.20) / 1e6
    ),
    "cohere": Family(
        "invoke_cohere_command_text",
        "cohere.command-text-v14",
        {"prompt": "Why was I charged twice this month?", "max_tokens": 200, "p": 0.75, "stop_sequences": ["--"]},
        {
            "llmcost.request.region": "regional",
            "gen_ai.request.max_tokens": 200,
            "gen_ai.request.top_p": 0.75,
            "gen_ai.request.stop_sequences": ("--",),
            "gen_ai.response.id": "b9c8d7e6-f5a4-4b3c-8d2e-1f0a9b8c7d6e",
            "gen_ai.response.finish_reasons": ("COMPLETE",),
            # No usage in the body: X-Amzn-Bedrock-Input-Token-Count / -Output-Token-Count
            "gen_ai.usage.input_tokens": 310,
            "gen_ai.usage.output_tokens": 64,
        },
        Decimal("0.000438"),  # (310 * 1.00 + 64 * 2.00) / 1e6
    ),
    "mistral": Family(
        "invoke_mistral_large_2402",
        "mistral.mistral-large-2402-v1:0",
        {"prompt": "<s>[INST] Why was I charged twice this month? [/INST]", "max_tokens": 200, "top_p": 0.9},
        {
            "llmcost.request.region": "regional",
            "gen_ai.request.max_tokens": 200,
            "gen_ai.request.top_p": 0.9,
            "gen_ai.response.finish_reasons": ("stop",),
            "gen_ai.usage.input_tokens": 275,  # from the headers
            "gen_ai.usage.output_tokens": 58,
        },
        Decimal("0.001796"),  # (275 * 4.00 + 58 * 12.00) / 1e6
    ),
    "deepseek": Family(
        "invoke_deepseek_r1",
        "us.deepseek.r1-v1:0",
        {"prompt": "Why was I charged twice this month?", "max_tokens": 1024, "stop": ["</answer>"]},
        {
            "gen_ai.request.max_tokens": 1024,
            "gen_ai.request.stop_sequences": ("</answer>",),
            "gen_ai.response.finish_reasons": ("stop",),
            "gen_ai.usage.input_tokens": 530,  # from the headers
            "gen_ai.usage.output_tokens": 812,
        },
        Decimal("0.0051003"),  # (530 * 1.35 + 812 * 5.40) / 1e6
    ),
    "openai": Family(
        "invoke_openai_gpt_oss_120b_flex",
        "openai.gpt-oss-120b-1:0",
        {
            "messages": [{"role": "user", "content": "Why was I charged twice this month?"}],
            "max_completion_tokens": 500,
            "temperature": 1.0,
        },
        {
            "llmcost.request.region": "regional",
            "gen_ai.request.max_tokens": 500,
            "gen_ai.request.temperature": 1.0,
            "gen_ai.response.id": "chatcmpl-3c4d5e6f7a8b9c0d",
            "gen_ai.response.model": "openai.gpt-oss-120b-1:0",
            "gen_ai.response.finish_reasons": ("stop",),
            "llmcost.request.service_tier": "flex",  # X-Amzn-Bedrock-Service-Tier
            "gen_ai.usage.input_tokens": 640,
            "gen_ai.usage.output_tokens": 380,
        },
        Decimal("0.000162"),  # (640 * 0.15 + 380 * 0.60) / 1e6 = 0.000324, x 0.5 on the flex tier
    ),
}


# gpt-oss's recording is on the flex tier, which botocore reads from a header only since it knows the tiers.
PARAMETERS = [
    pytest.param(family, id=name, marks=[needs_service_tiers] if name == "openai" else [])
    for name, family in FAMILIES.items()
]


@pytest.mark.parametrize("family", PARAMETERS)
def test_invoke_model_reads_each_family_body_and_the_caller_still_reads_it(traced: Traced, family: Family) -> None:
    sdk, replay = client(family.recording)
    response = sdk.invoke_model(modelId=family.model, body=json.dumps(family.request))

    assert json.loads(response["body"].read()) == recording(family.recording)["body"]
    assert replay.body() == family.request
    span = traced.span()
    assert span.name == f"chat {family.model}"
    assert dict(span.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "aws.bedrock",
        "gen_ai.request.model": family.model,
        **SERVER,
        **family.attributes,
    }


@pytest.mark.parametrize("family", PARAMETERS)
def test_invoke_model_is_priced_per_family(priced: Tracing, family: Family) -> None:
    sdk, _ = client(family.recording)
    sdk.invoke_model(modelId=family.model, body=json.dumps(family.request).encode())

    (span,) = priced.exporter.get_finished_spans()
    assert cost(span) == family.cost


def test_invoke_model_body_given_as_a_file_is_sent_unread(traced: Traced) -> None:
    import io

    family = FAMILIES["meta"]
    sdk, replay = client(family.recording)
    sdk.invoke_model(modelId=family.model, body=io.BytesIO(json.dumps(family.request).encode()))

    sent = replay.requests[0].body
    assert json.loads(sent.read() if hasattr(sent, "read") else sent) == family.request
    attributes = dict(traced.span().attributes or {})
    assert "gen_ai.request.max_tokens" not in attributes  # the file was not read for its parameters
    assert attributes["gen_ai.usage.input_tokens"] == 420


ANTHROPIC_STREAM = {
    "anthropic_version": "bedrock-2023-05-31",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Why was I charged twice this month?"}],
}
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def _chunks(stream: Any) -> list[Mapping[str, Any]]:
    return [json.loads(event["chunk"]["bytes"]) for event in stream]


def test_invoke_stream_reads_bedrock_invocation_metrics_and_the_caller_gets_every_chunk(traced: Traced) -> None:
    sdk, _ = client("invoke_stream_claude_sonnet_4_5")
    response = sdk.invoke_model_with_response_stream(modelId=SONNET, body=json.dumps(ANTHROPIC_STREAM))

    assert traced.spans() == []
    chunks = _chunks(response["body"])
    assert [chunk["type"] for chunk in chunks] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert dict(traced.span().attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "aws.bedrock",
        "gen_ai.request.model": SONNET,
        **SERVER,
        "gen_ai.request.max_tokens": 1024,
        "gen_ai.response.id": "msg_bdrk_01Qw8eR5tY2uI9oP3aS6dF1g",
        "gen_ai.response.model": "claude-sonnet-4-5-20250929",
        "gen_ai.response.finish_reasons": ("end_turn",),
        "gen_ai.usage.input_tokens": 2100,
        "gen_ai.usage.output_tokens": 410,
    }


def test_invoke_stream_is_priced(priced: Tracing) -> None:
    sdk, _ = client("invoke_stream_claude_sonnet_4_5")
    for _ in sdk.invoke_model_with_response_stream(modelId=SONNET, body=json.dumps(ANTHROPIC_STREAM))["body"]:
        pass

    (span,) = priced.exporter.get_finished_spans()
    # (2100 * 3.00 + 410 * 15.00) / 1e6 = 0.01245, x 1.1 for us.
    assert cost(span) == Decimal("0.013695")


def test_invoke_stream_closed_before_the_metrics_keeps_anthropic_message_start_usage(traced: Traced) -> None:
    sdk, _ = client("invoke_stream_claude_sonnet_4_5")
    stream = sdk.invoke_model_with_response_stream(modelId=SONNET, body=json.dumps(ANTHROPIC_STREAM))["body"]
    for event in stream:
        if json.loads(event["chunk"]["bytes"])["type"] == "content_block_delta":
            break
    stream.close()

    attributes = dict(traced.span().attributes or {})
    # message_start reported the input (2100) and one output token so far.
    assert attributes["llmcost.usage.status"] == "partial"
    assert attributes["gen_ai.usage.input_tokens"] == 2100
    assert attributes["gen_ai.usage.output_tokens"] == 1
    assert "gen_ai.response.finish_reasons" not in attributes


def test_invoke_stream_of_meta_is_priced(priced: Tracing) -> None:
    sdk, _ = client("invoke_stream_meta_llama3_3_70b")
    body = {"prompt": "Why was I charged twice this month?", "max_gen_len": 64}
    chunks = _chunks(
        sdk.invoke_model_with_response_stream(modelId="meta.llama3-3-70b-instruct-v1:0", body=json.dumps(body))["body"]
    )

    assert "".join(chunk["generation"] for chunk in chunks) == " You were billed twice."
    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.usage.input_tokens"] == 380
    assert attributes["gen_ai.usage.output_tokens"] == 6
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert cost(span) == Decimal("0.00027792")  # (380 * 0.72 + 6 * 0.72) / 1e6


@pytest.mark.parametrize(
    ("name", "model", "request_body", "tokens", "expected"),
    [
        (
            "invoke_titan_embed_text_v2",
            "amazon.titan-embed-text-v2:0",
            {"inputText": "Why was I charged twice this month?", "dimensions": 256},
            1250,  # inputTextTokenCount
            Decimal("0.000025"),  # 1250 * 0.02 / 1e6
        ),
        (
            "invoke_cohere_embed_english_v3",
            "cohere.embed-english-v3",
            {"texts": ["why was i charged twice this month?"], "input_type": "search_query"},
            640,  # X-Amzn-Bedrock-Input-Token-Count
            Decimal("0.000064"),  # 640 * 0.10 / 1e6
        ),
    ],
)
def test_invoke_model_of_an_embedding_model_is_an_embeddings_call(
    priced: Tracing, name: str, model: str, request_body: Mapping[str, Any], tokens: int, expected: Decimal
) -> None:
    sdk, _ = client(name)
    response = sdk.invoke_model(modelId=model, body=json.dumps(request_body))

    assert json.loads(response["body"].read()) == recording(name)["body"]
    (span,) = priced.exporter.get_finished_spans()
    assert span.name == f"embeddings {model}"
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "embeddings"
    assert attributes["gen_ai.usage.input_tokens"] == tokens
    assert "gen_ai.usage.output_tokens" not in attributes  # embeddings have no output (the conventions)
    assert cost(span) == expected
