"""The legacy Completions API through the real openai SDK: create (sync, async, streamed), raw responses, costs.

Recorded responses (``recordings/openai/completions_*``) replay through the SDK's own HTTP client: OpenAI's
gpt-3.5-turbo-instruct (which answers as ``gpt-3.5-turbo-instruct:20230824-v2``) and davinci-002, Together and
vLLM. The prompt, "Customer: Why was I charged twice this month?\\nSupport agent:", is 13 cl100k_base tokens; the
answer is 34, streamed two tokens a chunk.
"""

from __future__ import annotations

import asyncio
import gc
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import openai
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from openai_support import OPENAI_SERVER, Traced, assert_attributes, async_client, body, client, instrumented
from replay import recorded

if TYPE_CHECKING:
    from conftest import Tracing

PROMPT = "Customer: Why was I charged twice this month?\nSupport agent:"
PROMPT_TOKEN_IDS = [13084, 25, 8595, 574, 358, 11684, 11157, 420, 2305, 5380, 8075, 8479, 25]
ANSWER = (
    " Your plan changed on November 14, so this month's invoice has two prorated lines: the Pro plan up to the"
    " change and the Team plan after it."
)
INSTRUCT = "gpt-3.5-turbo-instruct"
REQUEST = {
    "gen_ai.operation.name": "text_completion",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": INSTRUCT,
    **OPENAI_SERVER,
}
USAGE = {"gen_ai.usage.input_tokens": 13, "gen_ai.usage.output_tokens": 34}
COMPLETION = {
    **REQUEST,
    "gen_ai.response.id": "cmpl-CZ1f4kQ8vN2xR7mT3pL9wB6sJd0aH",
    "gen_ai.response.model": "gpt-3.5-turbo-instruct:20230824-v2",
    "gen_ai.response.finish_reasons": ("stop",),
    **USAGE,
}
# completions_gpt_3_5_turbo_instruct_stream: 17 chunks of text, then one with no choices and the usage.
STREAM = {
    **REQUEST,
    "gen_ai.response.id": "cmpl-CZ1g7Rw2nT5xK9mV4pB8qL3sHf6aJ",
    "gen_ai.response.model": "gpt-3.5-turbo-instruct:20230824-v2",
    "gen_ai.response.finish_reasons": ("stop",),
    **USAGE,
}
STREAM_CHUNKS = 18
INCLUDE_USAGE = {"include_usage": True}
DAVINCI_REQUEST = {**REQUEST, "gen_ai.request.model": "davinci-002"}
# completions_davinci_002_stream_no_usage: the same 17 chunks, no usage; tiktoken (cl100k_base) counts them.
DAVINCI_ESTIMATED = {
    **DAVINCI_REQUEST,
    "gen_ai.response.id": "cmpl-CZ1h2Lk9pV3xN6mQ1wT8bR4sJc7dE",
    "gen_ai.response.model": "davinci-002",
    "gen_ai.response.finish_reasons": ("stop",),
    **USAGE,
    "llmcost.usage.status": "estimated",
}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def completions(name: str) -> Any:
    return recorded("openai", name)


def check_call(span: ReadableSpan, expected: dict[str, object]) -> None:
    assert span.name == f"text_completion {expected['gen_ai.request.model']}"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert_attributes(span, expected)


def test_create_records_the_call_its_response_and_usage(traced: Traced) -> None:
    sdk, replay = client(completions("completions_gpt_3_5_turbo_instruct"))

    completion = sdk.completions.create(model=INSTRUCT, prompt=PROMPT, max_tokens=64, temperature=0.2, stop=["\n"])

    assert completion.choices[0].text == ANSWER
    assert body(replay.requests[0]) == {
        "model": INSTRUCT,
        "prompt": PROMPT,
        "max_tokens": 64,
        "temperature": 0.2,
        "stop": ["\n"],
    }
    check_call(
        traced.span(),
        {
            **COMPLETION,
            "gen_ai.request.max_tokens": 64,
            "gen_ai.request.temperature": 0.2,
            "gen_ai.request.stop_sequences": ("\n",),
        },
    )


def test_async_create_records_the_call(traced: Traced) -> None:
    sdk, _ = async_client(completions("completions_gpt_3_5_turbo_instruct"))

    completion = run(sdk.completions.create(model=INSTRUCT, prompt=PROMPT))

    assert completion.id == "cmpl-CZ1f4kQ8vN2xR7mT3pL9wB6sJd0aH"
    check_call(traced.span(), COMPLETION)


def test_stream_with_its_usage_chunk(traced: Traced) -> None:
    sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct_stream"))

    chunks = list(sdk.completions.create(model=INSTRUCT, prompt=PROMPT, stream=True, stream_options=INCLUDE_USAGE))

    assert len(chunks) == STREAM_CHUNKS
    assert "".join(choice.text for chunk in chunks for choice in chunk.choices) == ANSWER
    check_call(traced.span(), STREAM)


def test_async_stream_with_its_usage_chunk(traced: Traced) -> None:
    sdk, _ = async_client(completions("completions_gpt_3_5_turbo_instruct_stream"))

    async def read() -> int:
        stream = await sdk.completions.create(model=INSTRUCT, prompt=PROMPT, stream=True, stream_options=INCLUDE_USAGE)
        return len([chunk async for chunk in stream])

    assert run(read()) == STREAM_CHUNKS
    check_call(traced.span(), STREAM)


def test_stream_without_usage_is_estimated_with_tiktoken(traced: Traced) -> None:
    sdk, _ = client(completions("completions_davinci_002_stream_no_usage"))

    assert len(list(sdk.completions.create(model="davinci-002", prompt=PROMPT, stream=True))) == 17

    check_call(traced.span(), DAVINCI_ESTIMATED)


def test_async_stream_without_usage_is_estimated(traced: Traced) -> None:
    sdk, _ = async_client(completions("completions_davinci_002_stream_no_usage"))

    async def read() -> None:
        async for _chunk in await sdk.completions.create(model="davinci-002", prompt=PROMPT, stream=True):
            pass

    run(read())
    check_call(traced.span(), DAVINCI_ESTIMATED)


def test_a_prompt_of_token_ids_is_counted_as_given(traced: Traced) -> None:
    sdk, replay = client(completions("completions_davinci_002_stream_no_usage"))

    list(sdk.completions.create(model="davinci-002", prompt=PROMPT_TOKEN_IDS, stream=True))

    assert body(replay.requests[0])["prompt"] == PROMPT_TOKEN_IDS
    check_call(traced.span(), DAVINCI_ESTIMATED)


def test_stream_left_with_break_ends_when_dropped(traced: Traced) -> None:
    sdk, _ = client(completions("completions_davinci_002_stream_no_usage"))

    stream = sdk.completions.create(model="davinci-002", prompt=PROMPT, stream=True)
    for index, _chunk in enumerate(stream):
        if index == 2:
            break
    assert traced.spans() == []
    del stream, _chunk
    gc.collect()

    # " Your plan", " changed on", " November ": 6 tokens; no finish reason arrived.
    expected = {key: value for key, value in DAVINCI_ESTIMATED.items() if key != "gen_ai.response.finish_reasons"}
    check_call(traced.span(), {**expected, "gen_ai.usage.output_tokens": 6})


def test_stream_closed_early_ends_at_close(traced: Traced) -> None:
    sdk, _ = client(completions("completions_davinci_002_stream_no_usage"))

    stream = sdk.completions.create(model="davinci-002", prompt=PROMPT, stream=True)
    next(iter(stream))
    stream.close()

    attributes = dict(traced.span().attributes or {})
    assert (attributes["gen_ai.usage.output_tokens"], attributes["llmcost.usage.status"]) == (2, "estimated")


def test_stream_in_a_with_block_ends_on_exit(traced: Traced) -> None:
    sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct_stream"))

    with sdk.completions.create(model=INSTRUCT, prompt=PROMPT, stream=True, stream_options=INCLUDE_USAGE) as stream:
        assert next(iter(stream)).choices[0].text == " Your plan"
        assert traced.spans() == []

    attributes = dict(traced.span().attributes or {})
    assert (attributes["gen_ai.usage.output_tokens"], attributes["llmcost.usage.status"]) == (2, "estimated")


def test_request_stream_usage_asks_for_it_and_hides_the_extra_chunk() -> None:
    with instrumented(request_stream_usage=True) as traced:
        sdk, replay = client(completions("completions_gpt_3_5_turbo_instruct_stream"))

        chunks = list(sdk.completions.create(model=INSTRUCT, prompt=PROMPT, stream=True))

        assert len(chunks) == STREAM_CHUNKS - 1
        assert all(chunk.choices for chunk in chunks)
        assert body(replay.requests[0])["stream_options"] == INCLUDE_USAGE
        check_call(traced.span(), STREAM)


def test_with_raw_response_records_the_call_once(traced: Traced) -> None:
    sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct"))

    raw = sdk.completions.with_raw_response.create(model=INSTRUCT, prompt=PROMPT)

    assert raw.headers["x-request-id"] == "req_7d2e9a41c3b84f06a5e1d0c9b8f7a612"
    assert raw.parse().usage is not None
    check_call(traced.span(), COMPLETION)


def test_with_streaming_response_of_a_stream(traced: Traced) -> None:
    sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct_stream"))

    with sdk.completions.with_streaming_response.create(
        model=INSTRUCT, prompt=PROMPT, stream=True, stream_options=INCLUDE_USAGE
    ) as response:
        assert len(list(response.parse())) == STREAM_CHUNKS

    check_call(traced.span(), STREAM)


def _content(attributes: Any) -> dict[str, Any]:
    keys = ("gen_ai.input.messages", "gen_ai.output.messages")
    return {key: json.loads(attributes[key]) for key in keys if key in attributes}


PROMPT_MESSAGE = {"role": "user", "parts": [{"type": "text", "content": PROMPT}]}
ANSWER_MESSAGE = {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "stop"}


@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
def test_content_is_captured_when_asked(stream: bool) -> None:
    with instrumented(capture_content=True) as traced:
        if stream:
            sdk, _ = client(completions("completions_davinci_002_stream_no_usage"))
            list(sdk.completions.create(model="davinci-002", prompt=PROMPT, stream=True))
        else:
            sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct"))
            sdk.completions.create(model=INSTRUCT, prompt=PROMPT)

        assert _content(traced.span().attributes) == {
            "gen_ai.input.messages": [PROMPT_MESSAGE],
            "gen_ai.output.messages": [ANSWER_MESSAGE],
        }


def test_a_batch_of_prompts_is_one_input_message_each() -> None:
    with instrumented(capture_content=True) as traced:
        sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct"))
        sdk.completions.create(model=INSTRUCT, prompt=[PROMPT, PROMPT_TOKEN_IDS])

        assert _content(traced.span().attributes)["gen_ai.input.messages"] == [
            PROMPT_MESSAGE,
            {"role": "user", "parts": [{"type": "tokens"}]},
        ]


def test_content_is_not_captured_unless_asked(traced: Traced) -> None:
    sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct"))

    sdk.completions.create(model=INSTRUCT, prompt=PROMPT)

    assert _content(traced.span().attributes) == {}


def _priced(priced: Tracing) -> dict[str, object]:
    (span,) = priced.exporter.get_finished_spans()
    return dict(span.attributes or {})


def _cost(attributes: dict[str, object]) -> Decimal:
    return Decimal(repr(attributes["gen_ai.usage.cost.amount"]))


# 13 x $1.50 / 1M + 34 x $2.00 / 1M = $0.0000195 + $0.000068 = $0.0000875. The answering model's name,
# gpt-3.5-turbo-instruct:20230824-v2, is not in the table: the processor prices the model asked for.
@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
def test_the_cost_processor_prices_the_call(priced: Tracing, stream: bool) -> None:
    if stream:
        sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct_stream"))
        list(sdk.completions.create(model=INSTRUCT, prompt=PROMPT, stream=True, stream_options=INCLUDE_USAGE))
    else:
        sdk, _ = client(completions("completions_gpt_3_5_turbo_instruct"))
        sdk.completions.create(model=INSTRUCT, prompt=PROMPT)

    attributes = _priced(priced)
    assert attributes["llmcost.status"] == "priced"
    assert attributes["llmcost.price.entry"] == "openai/gpt-3.5-turbo-instruct"
    assert _cost(attributes) == Decimal("0.0000875")
    assert attributes["llmcost.cost.input"] == 0.0000195
    assert attributes["llmcost.cost.output"] == 0.000068


# (13 + 34) x $2.00 / 1M = $0.000094, from tiktoken's counts.
def test_the_cost_processor_prices_an_estimated_stream(priced: Tracing) -> None:
    sdk, _ = client(completions("completions_davinci_002_stream_no_usage"))
    list(sdk.completions.create(model="davinci-002", prompt=PROMPT, stream=True))

    attributes = _priced(priced)
    assert attributes["llmcost.status"] == "estimated"
    assert attributes["llmcost.price.entry"] == "openai/davinci-002"
    assert _cost(attributes) == Decimal("0.000094")


# Together's completions (object "text.completion", finish reason "eos"): 45 x $0.18 / 1M = $0.0000081
def test_a_together_completion_is_priced_as_together(priced: Tracing) -> None:
    sdk, _ = client(completions("completions_together_llama"), base_url="https://api.together.xyz/v1")
    sdk.completions.create(model="meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", prompt=PROMPT)

    attributes = _priced(priced)
    assert attributes["gen_ai.provider.name"] == "together_ai"
    assert attributes["gen_ai.response.finish_reasons"] == ("eos",)
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (14, 31)
    assert attributes["llmcost.price.entry"] == "together_ai/meta-llama/meta-llama-3.1-8b-instruct-turbo"
    assert _cost(attributes) == Decimal("0.0000081")


def test_a_vllm_completion_is_not_priced_on_purpose(priced: Tracing) -> None:
    sdk, _ = client(completions("completions_vllm_qwen"), base_url="http://localhost:8000/v1")
    sdk.completions.create(model="Qwen/Qwen2.5-7B-Instruct", prompt=PROMPT, max_tokens=32)

    attributes = _priced(priced)
    assert attributes["gen_ai.provider.name"] == "vllm"
    assert attributes["gen_ai.response.finish_reasons"] == ("length",)
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (13, 32)
    assert (attributes["llmcost.status"], attributes["llmcost.reason"]) == ("unpriced", "not_priced")


def test_an_error_ends_the_call_with_its_type(traced: Traced) -> None:
    sdk, _ = client(recorded("openai", "chat_error_404"))

    with pytest.raises(openai.NotFoundError):
        sdk.completions.create(model="gpt-3.5-turbo-instruct-0914", prompt=PROMPT)

    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "model_not_found"
