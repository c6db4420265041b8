"""The instrumentor on whichever openai SDK is installed: 1.x and 2.x (on ``httpx``) as well as 3.x (``httpx2``).

The rest of the suite runs on the newest SDK. These tests use only what every supported version has, and the
HTTP package that version's client takes, so that ``scripts/sdk_matrix.sh`` can run them in environments with
openai 1.40 (the oldest supported), the last 1.x and the last 2.x; CI runs it after ``make test``. Each test
goes through the real SDK, a fake transport replaying a recording, the instrumentor and `CostSpanProcessor`.

Costs (gpt-4o-mini $0.15 input, $0.075 cached input, $0.60 output per million; text-embedding-3-small $0.02):
chat and its stream 600 x 0.15 + 400 x 0.075 + 200 x 0.60 = $0.00024; embeddings 8 x 0.02 = $0.00000016.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING, Any

import openai
import pytest
from opentelemetry.trace import StatusCode

from otel_llmcost.instrumentation.openai import OpenAIInstrumentor
from replay import recorded

if TYPE_CHECKING:
    from conftest import Tracing

# The HTTP package of the installed SDK: httpx2 from openai 3.0, httpx before.
http: Any = importlib.import_module("httpx2" if "httpx2" in vars(openai._base_client) else "httpx")
MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
HAS_RESPONSES = importlib.util.find_spec("openai.resources.responses") is not None
CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.cache_read.input_tokens": 400,
    "gen_ai.usage.output_tokens": 200,
    "gen_ai.usage.cost.amount": 0.00024,
    "llmcost.status": "priced",
    "server.address": "api.openai.com",
    "server.port": 443,
}


def recording(name: str) -> Any:
    """The recorded response ``name``, as the installed SDK's HTTP package's response."""
    return recorded("openai", name, http=http)


def replaying(*names: str) -> Any:
    responses = [recording(name) for name in names]
    return http.MockTransport(lambda request: responses.pop(0))


def client(*names: str, max_retries: int = 0) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="test-no-key", http_client=http.Client(transport=replaying(*names)), max_retries=max_retries
    )


def only_span(tracing: Tracing, expected: dict[str, object]) -> dict[str, object]:
    (span,) = tracing.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert {key: attributes.get(key) for key in expected} == expected
    return attributes


def test_a_chat_completion_is_one_priced_span(priced: Tracing) -> None:
    completion = client("chat_gpt_4o_mini").chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]

    assert completion.id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    only_span(priced, {**CHAT, "gen_ai.response.id": completion.id, "gen_ai.response.finish_reasons": ("stop",)})


def test_a_stream_read_to_its_end_is_priced_from_its_usage_chunk(priced: Tracing) -> None:
    stream = client("chat_gpt_4o_mini_stream").chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )

    assert len(list(stream)) == 71
    only_span(priced, {**CHAT, "gen_ai.response.id": "chatcmpl-CYr5aK7nWq2xT9vL4mZ1bR8pJd3sH"})


def test_a_stream_left_early_ends_its_span_once(priced: Tracing) -> None:
    stream = client("chat_gpt_4o_mini_stream").chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    for _ in stream:
        break
    stream.close()

    # No usage chunk arrived: the received text is counted with tiktoken (the empty first chunk: 0 tokens).
    attributes = only_span(priced, {"gen_ai.usage.output_tokens": 0, "llmcost.usage.status": "estimated"})
    assert attributes["gen_ai.usage.input_tokens"] == 15


def test_an_async_chat_completion_is_one_priced_span(priced: Tracing) -> None:
    async def call() -> str:
        async with openai.AsyncOpenAI(
            api_key="test-no-key", http_client=http.AsyncClient(transport=replaying("chat_gpt_4o_mini")), max_retries=0
        ) as sdk:
            completion = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]
            return completion.id

    assert asyncio.run(call()) == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    only_span(priced, CHAT)


def test_a_raw_response_is_priced_when_parsed(priced: Tracing) -> None:
    raw = client("chat_gpt_4o_mini").chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]

    assert raw.parse().id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    only_span(priced, CHAT)


def test_a_retried_call_is_one_span_with_its_resend_count(priced: Tracing) -> None:
    sdk = client("chat_error_429", "chat_gpt_4o_mini", max_retries=1)

    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]

    only_span(priced, {**CHAT, "http.request.resend_count": 1})


def test_an_error_is_recorded_and_reaches_the_caller_unchanged(priced: Tracing) -> None:
    with pytest.raises(openai.RateLimitError):
        client("chat_error_429").chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]

    (span,) = priced.exporter.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "rate_limit_exceeded"


def test_embeddings_are_priced(priced: Tracing) -> None:
    result = client("embeddings_text_embedding_3_small").embeddings.create(
        model="text-embedding-3-small",
        input=MESSAGES[0]["content"],
        encoding_format="base64",  # as recorded; asked for explicitly, every version returns it undecoded
    )

    assert len(result.data[0].embedding) == 8192  # 1,536 float32 values, in base64
    only_span(priced, {"gen_ai.operation.name": "embeddings", "gen_ai.usage.cost.amount": 0.00000016})


@pytest.mark.skipif(not HAS_RESPONSES, reason="this openai SDK has no Responses API (added in 1.66)")
def test_the_responses_api_is_priced(priced: Tracing) -> None:
    response = client("responses_gpt_4o_mini").responses.create(model="gpt-4o-mini", input=MESSAGES[0]["content"])  # type: ignore[attr-defined]

    assert response.output_text.startswith("Your plan changed")
    only_span(priced, {"gen_ai.usage.cost.amount": 0.00024, "llmcost.status": "priced"})


def test_uninstrument_leaves_the_sdk_as_it_was(tracing: Tracing) -> None:
    completions = importlib.import_module("openai.resources.chat.completions").Completions
    original = vars(completions)["create"]
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    assert vars(completions)["create"] is not original

    instrumentor.uninstrument()
    client("chat_gpt_4o_mini").chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]

    assert vars(completions)["create"] is original
    assert tracing.exporter.get_finished_spans() == ()
