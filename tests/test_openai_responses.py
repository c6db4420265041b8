"""The Responses API through the real openai SDK: create (sync, async, streamed), parse, stream(), retrieve."""

from __future__ import annotations

import asyncio
import gc
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import openai
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from openai_support import (
    OPENAI_SERVER,
    Billing,
    Traced,
    assert_attributes,
    async_client,
    client,
    openai_recording,
)

if TYPE_CHECKING:
    from conftest import Tracing

QUESTION = "Why was I charged twice this month?"
INSTRUCTIONS = "You are the billing assistant of Acme Cloud. Answer in two sentences."


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


REQUEST = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    **OPENAI_SERVER,
    "openai.api.type": "responses",
}
USAGE = {
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
    "gen_ai.usage.cache_read.input_tokens": 400,
}
RESPONSE = {
    **REQUEST,
    "gen_ai.response.id": "resp_0c4f8e2a6b1d39e70068c9b2a4f1e081a3b7c5d9e2f4a6b8",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ("stop",),
    "openai.response.service_tier": "default",
    **USAGE,
}
STREAMED = {
    **RESPONSE,
    "gen_ai.response.id": "resp_0a7d3c9e5f1b28d40068c9b3c2e5f7a193d1b5f7a9c2e4f6",
}
STREAM_EVENTS = 32  # created, in_progress, item and part added, 24 text deltas, 3 done events, completed
# responses_stream_cut: created, in_progress, item and part added, then "Your", " plan", " changed", and the end.
# tiktoken (o200k_base): input 8 (the question) + 15 (the instructions) = 23; output 3.
CUT = {
    **REQUEST,
    "gen_ai.response.id": "resp_0a7d3c9e5f1b28d40068c9b3c2e5f7a193d1b5f7a9c2e4f6",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "openai.response.service_tier": "default",
    "gen_ai.usage.input_tokens": 23,
    "gen_ai.usage.output_tokens": 3,
    "llmcost.usage.status": "estimated",
}


def check(span: ReadableSpan, expected: dict[str, object], name: str = "chat gpt-4o-mini") -> None:
    assert span.name == name
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert_attributes(span, expected)


def test_create_records_the_response_and_its_usage(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini"))

    response = sdk.responses.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS)

    assert response.output_text.startswith("Your plan changed")
    check(traced.span(), RESPONSE)


def test_create_records_the_request_parameters(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini"))

    sdk.responses.create(
        model="gpt-4o-mini",
        input=QUESTION,
        temperature=0.3,
        top_p=1,
        max_output_tokens=400,
        service_tier="priority",
        text={"format": {"type": "text"}},
    )

    check(
        traced.span(),
        {
            **RESPONSE,
            "gen_ai.request.temperature": 0.3,
            "gen_ai.request.top_p": 1.0,
            "gen_ai.request.max_tokens": 400,
            "openai.request.service_tier": "priority",
            "gen_ai.output.type": "text",
        },
    )


def test_async_create(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("responses_gpt_4o_mini"))

    response = run(sdk.responses.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS))

    assert response.id == RESPONSE["gen_ai.response.id"]
    check(traced.span(), RESPONSE)


def test_reasoning_and_web_searches_are_usage(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_web_search"))

    sdk.responses.create(model="o4-mini", input=QUESTION, tools=[{"type": "web_search"}])

    check(
        traced.span(),
        {
            **REQUEST,
            "gen_ai.request.model": "o4-mini",
            "gen_ai.response.id": "resp_0b5e9d3a7c1f46e20068c9b5e0b2d4f6a8c0e2a4c6e8a0b2",
            "gen_ai.response.model": "o4-mini-2025-04-16",
            "gen_ai.response.finish_reasons": ("stop",),
            "openai.response.service_tier": "default",
            "gen_ai.usage.input_tokens": 9250,
            "gen_ai.usage.output_tokens": 610,
            "gen_ai.usage.cache_read.input_tokens": 0,  # reported as 0
            "gen_ai.usage.reasoning.output_tokens": 448,
            "llmcost.usage.web_search_calls": 2,
        },
        name="chat o4-mini",
    )


def test_an_incomplete_response_says_why_it_stopped(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_incomplete"))

    sdk.responses.create(model="gpt-4o-mini", input=QUESTION, max_output_tokens=16)

    check(
        traced.span(),
        {
            **REQUEST,
            "gen_ai.request.max_tokens": 16,
            "gen_ai.response.id": "resp_0d1f5b9e3a7c42f60068c9b6f2a4c6e8b0d2f4a6c8e0b2d4",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.response.finish_reasons": ("max_output_tokens",),
            "openai.response.service_tier": "default",
            "gen_ai.usage.input_tokens": 1000,
            "gen_ai.usage.output_tokens": 16,
            "gen_ai.usage.cache_read.input_tokens": 0,  # reported as 0
        },
    )


def test_stream_usage_comes_with_the_completed_event(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini_stream"))

    events = list(sdk.responses.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS, stream=True))

    assert len(events) == STREAM_EVENTS
    assert events[-1].type == "response.completed"
    check(traced.span(), STREAMED)
    (point,) = traced.histograms()["gen_ai.client.operation.time_to_first_chunk"]
    assert point.count == 1


def test_async_stream(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("responses_gpt_4o_mini_stream"))

    async def read() -> int:
        stream = await sdk.responses.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS, stream=True)
        assert isinstance(stream, openai.AsyncStream)
        return len([event async for event in stream])

    assert run(read()) == STREAM_EVENTS
    check(traced.span(), STREAMED)


def test_stream_cut_before_completion_is_estimated(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_stream_cut"))

    events = list(sdk.responses.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS, stream=True))

    assert [event.type for event in events][-1] == "response.output_text.delta"
    check(traced.span(), CUT)


def test_stream_left_early_ends_when_dropped(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini_stream"))

    stream = sdk.responses.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS, stream=True)
    for event in stream:
        if event.type == "response.output_text.delta" and event.delta == " changed":
            break
    del stream
    gc.collect()

    check(traced.span(), CUT)


def test_stream_closed_early(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini_stream"))

    with sdk.responses.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS, stream=True) as stream:
        for event in stream:
            if event.type == "response.output_text.delta" and event.delta == " changed":
                break

    check(traced.span(), CUT)


def test_stream_helper_is_one_span(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini_stream"))

    with sdk.responses.stream(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS) as stream:
        final = stream.get_final_response()

    assert final.id == STREAMED["gen_ai.response.id"]
    check(traced.span(), STREAMED)


def test_stream_helper_left_early_ends_with_its_with_block(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini_stream"))

    with sdk.responses.stream(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS) as stream:
        for event in stream:
            if event.type == "response.output_text.delta" and event.delta == " changed":
                break
        assert traced.spans() == []
    check(traced.span(), CUT)


def test_async_stream_helper(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("responses_gpt_4o_mini_stream"))

    async def read() -> Any:
        async with sdk.responses.stream(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS) as stream:
            return await stream.get_final_response()

    assert run(read()).id == STREAMED["gen_ai.response.id"]
    check(traced.span(), STREAMED)


PARSED = {
    **REQUEST,
    "gen_ai.output.type": "json",
    "gen_ai.response.id": "resp_0e2a6c0f4b8d37a10068c9b4d7a9c1e3f5b7d9f1a3c5e7b9",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ("stop",),
    "openai.response.service_tier": "default",
    "gen_ai.usage.input_tokens": 142,
    "gen_ai.usage.output_tokens": 38,
    "gen_ai.usage.cache_read.input_tokens": 0,  # the API reported cached_tokens 0
}


def test_parse_is_one_span(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_parse_billing"))

    response = sdk.responses.parse(model="gpt-4o-mini", input=QUESTION, text_format=Billing)

    parsed = response.output_parsed
    assert parsed is not None
    assert parsed.charged_twice is False
    check(traced.span(), PARSED)


def test_async_parse_is_one_span(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("responses_parse_billing"))

    response = run(sdk.responses.parse(model="gpt-4o-mini", input=QUESTION, text_format=Billing))

    assert response.output_parsed is not None
    check(traced.span(), PARSED)


RETRIEVED = {key: value for key, value in RESPONSE.items() if key not in USAGE and key != "gen_ai.request.model"}


def test_retrieve_reads_the_response_but_bills_nothing(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_retrieve"))

    response = sdk.responses.retrieve("resp_0c4f8e2a6b1d39e70068c9b2a4f1e081a3b7c5d9e2f4a6b8")

    assert response.usage is not None
    check(traced.span(), RETRIEVED, name="chat")


def test_async_retrieve(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("responses_retrieve"))

    run(sdk.responses.retrieve("resp_0c4f8e2a6b1d39e70068c9b2a4f1e081a3b7c5d9e2f4a6b8"))

    check(traced.span(), RETRIEVED, name="chat")


def test_with_raw_response(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini"))

    raw = sdk.responses.with_raw_response.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS)

    assert raw.parse().id == RESPONSE["gen_ai.response.id"]
    check(traced.span(), RESPONSE)


def test_with_streaming_response_of_a_stream(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini_stream"))

    with sdk.responses.with_streaming_response.create(
        model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS, stream=True
    ) as response:
        assert len(list(response.parse())) == STREAM_EVENTS

    check(traced.span(), STREAMED)


# responses_gpt_4o_mini: 1,000 input tokens of which 400 cached, 200 output tokens, gpt-4o-mini:
#   600 x $0.15 / 1M + 400 x $0.075 / 1M + 200 x $0.60 / 1M = $0.00009 + $0.00003 + $0.00012 = $0.00024
def test_the_cost_processor_prices_a_response(priced: Tracing) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini"))
    sdk.responses.create(model="gpt-4o-mini", input=QUESTION, instructions=INSTRUCTIONS)

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["llmcost.status"] == "priced"
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == Decimal("0.00024")
