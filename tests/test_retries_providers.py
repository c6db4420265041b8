"""Retries the provider may have billed, through each real SDK that retries: an attempt that times out after its
request was written (a read timeout), or that gets a 500, then a success, is one span with
``http.request.resend_count``, ``llmcost.retry.maybe_billed`` and what that attempt may have cost for its input
(``llmcost.retry.maybe_billed_cost``); the answer's own cost is unchanged.

The transports raise the HTTP package's own ``ReadTimeout`` (what httpx raises when no answer comes after the
request was sent) or answer a recorded error, then answer the SDK's recording. Prices, US dollars per million
tokens (pricing/providers/*.json, from the vendors' price pages): gpt-4o-mini $0.15 input, $0.075 cache read,
$0.60 output; claude-sonnet-4-5 $3.00 input, $15.00 output; mistral-large-2512 $0.50 input, $0.05 cache read,
$1.50 output; command-a-03-2025 $2.50 input, $10.00 output; gemini-2.5-flash $0.30 input, $2.50 output;
Llama 3.3 70B on Bedrock $0.72 input and output.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import anthropic
import boto3
import botocore.exceptions
import cohere
import httpx
import httpx2
import openai
import pytest
from google.genai import types
from mistralai.client import Mistral
from mistralai.client.utils.retries import BackoffStrategy, RetryConfig
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import bedrock_support
import google_genai_support
from mistralai_support import CACHED_TOKENS_KEPT, HTTP
from mistralai_support import recording as mistral_recording
from otel_llmcost import AttributionSpanProcessor, CostSpanProcessor
from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor
from otel_llmcost.instrumentation.bedrock import BedrockInstrumentor
from otel_llmcost.instrumentation.cohere import CohereInstrumentor
from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor
from otel_llmcost.instrumentation.mistralai import MistralInstrumentor
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor
from replay import RECORDINGS, recorded

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
MILLION = Decimal(1_000_000)
# chat_gpt_4o_mini: 1,000 prompt tokens of which 400 cached, 200 completion tokens.
OPENAI_INPUT = (600 * Decimal("0.15") + 400 * Decimal("0.075")) / MILLION  # $0.00012
OPENAI_COST = OPENAI_INPUT + 200 * Decimal("0.60") / MILLION  # $0.00024
# sonnet_plain: 1,250 input tokens, 310 output tokens.
ANTHROPIC_INPUT = 1250 * Decimal("3.00") / MILLION  # $0.00375
# chat_large: 1,200 prompt tokens (200 cached, when the SDK keeps the detail), 300 completion tokens.
if CACHED_TOKENS_KEPT:
    MISTRAL_INPUT = (1000 * Decimal("0.50") + 200 * Decimal("0.05")) / MILLION  # $0.00051
else:
    MISTRAL_INPUT = 1200 * Decimal("0.50") / MILLION  # $0.0006
# chat_command_a bills 1,800 input and 250 output tokens.
COHERE_INPUT = 1800 * Decimal("2.50") / MILLION  # $0.0045
# flash_thinking: 1,200 prompt tokens.
GEMINI_INPUT = 1200 * Decimal("0.30") / MILLION  # $0.00036
# invoke_meta_llama3_3_70b: 420 input tokens.
BEDROCK_INPUT = 420 * Decimal("0.72") / MILLION  # $0.0003024


class Pipeline:
    """The pipeline `instrument()` builds: the cost processor, then the attribution processor, then the export."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(
            CostSpanProcessor(
                AttributionSpanProcessor(SimpleSpanProcessor(self.exporter)), meter_provider=self.meter_provider
            )
        )

    def span(self) -> dict[str, Any]:
        spans: list[ReadableSpan] = list(self.exporter.get_finished_spans())
        assert len(spans) == 1, [span.name for span in spans]
        return dict(spans[0].attributes or {})


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    found = Pipeline()
    yield found
    found.tracer_provider.shutdown()
    found.meter_provider.shutdown()


@pytest.fixture
def instrumented(pipeline: Pipeline) -> Iterator[Pipeline]:
    """Every instrumentor on at once, as `instrument()` does: an attempt is still counted once."""
    instrumentors = [
        OpenAIInstrumentor(),
        AnthropicInstrumentor(),
        MistralInstrumentor(),
        CohereInstrumentor(),
        GoogleGenAIInstrumentor(),
        BedrockInstrumentor(),
    ]
    for instrumentor in instrumentors:
        instrumentor.instrument(tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider)
    try:
        yield pipeline
    finally:
        for instrumentor in reversed(instrumentors):  # the last wrapped is unwrapped first
            instrumentor.uninstrument()


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDKs wait before a retry that no header paces: not here."""
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.0)  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr(anthropic._base_client, "INITIAL_RETRY_DELAY", 0.0)  # pyright: ignore[reportPrivateUsage]
    monkeypatch.setattr("cohere.core.http_client._retry_timeout", lambda response, retries: 0.0)
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0.0)


Answer = Callable[[Any], Any]


def read_timeout(http: Any) -> Answer:
    """An attempt whose request was written, then no answer came: the package's ``ReadTimeout``."""

    def answer(request: Any) -> Any:
        raise http.ReadTimeout("timed out", request=request)

    return answer


def connect_timeout(http: Any) -> Answer:
    """An attempt that never reached the provider."""

    def answer(request: Any) -> Any:
        raise http.ConnectTimeout("timed out", request=request)

    return answer


def status(http: Any, code: int, body: dict[str, Any]) -> Answer:
    return lambda request: http.Response(code, json=body)


def answers(*sequence: Any) -> Callable[[Any], Any]:
    """A transport handler answering each request with the next of ``sequence`` (a response, or a function)."""
    left = list(sequence)

    def handler(request: Any) -> Any:
        item = left.pop(0)
        return item(request) if callable(item) else item

    return handler


def usd(value: object) -> Decimal:
    assert isinstance(value, float), value
    return Decimal(repr(value))


def _openai(*sequence: Any, asynchronous: bool = False, max_retries: int = 1) -> Any:
    transport = httpx2.MockTransport(answers(*sequence))
    if asynchronous:
        return openai.AsyncOpenAI(
            api_key="test", max_retries=max_retries, http_client=httpx2.AsyncClient(transport=transport)
        )
    return openai.OpenAI(api_key="test", max_retries=max_retries, http_client=httpx2.Client(transport=transport))


def _chat(sdk: Any, asynchronous: bool = False) -> Any:
    call = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    return asyncio.run(call) if asynchronous else call


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_openai_a_read_timeout_then_a_success(instrumented: Pipeline, asynchronous: bool) -> None:
    sdk = _openai(read_timeout(httpx2), recorded("openai", "chat_gpt_4o_mini"), asynchronous=asynchronous)

    _chat(sdk, asynchronous)

    found = instrumented.span()
    assert found["http.request.resend_count"] == 1
    assert found["llmcost.retry.maybe_billed"] == 1
    assert usd(found["gen_ai.usage.cost.amount"]) == OPENAI_COST  # the answer's cost, not the lost attempt's
    assert usd(found["llmcost.retry.maybe_billed_cost"]) == 1 * OPENAI_INPUT


def test_openai_a_500_then_a_success(instrumented: Pipeline) -> None:
    sdk = _openai(recorded("openai", "chat_error_500"), recorded("openai", "chat_gpt_4o_mini"))

    _chat(sdk)

    found = instrumented.span()
    assert (found["http.request.resend_count"], found["llmcost.retry.maybe_billed"]) == (1, 1)
    assert usd(found["llmcost.retry.maybe_billed_cost"]) == OPENAI_INPUT


def test_two_lost_attempts_are_priced_twice(instrumented: Pipeline) -> None:
    sdk = _openai(
        read_timeout(httpx2),
        status(httpx2, 502, {"error": {"message": "Bad gateway"}}),
        recorded("openai", "chat_gpt_4o_mini"),
        max_retries=2,
    )

    _chat(sdk)

    found = instrumented.span()
    assert (found["http.request.resend_count"], found["llmcost.retry.maybe_billed"]) == (2, 2)
    assert usd(found["llmcost.retry.maybe_billed_cost"]) == 2 * OPENAI_INPUT  # 2 * $0.00012


@pytest.mark.parametrize(
    "first",
    [
        connect_timeout(httpx2),
        status(httpx2, 429, {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}),
        status(httpx2, 503, {"error": {"message": "The engine is currently overloaded"}}),
        status(httpx2, 408, {"error": {"message": "Request timed out"}}),
    ],
    ids=["connect timeout", "429", "503", "408"],
)
def test_a_retry_the_provider_did_not_bill_is_not_marked(instrumented: Pipeline, first: Answer) -> None:
    sdk = _openai(first, recorded("openai", "chat_gpt_4o_mini"))

    _chat(sdk)

    found = instrumented.span()
    assert found["http.request.resend_count"] == 1
    assert "llmcost.retry.maybe_billed" not in found
    assert "llmcost.retry.maybe_billed_cost" not in found


def test_a_call_that_timed_out_on_every_attempt_counts_them_all(instrumented: Pipeline) -> None:
    sdk = _openai(read_timeout(httpx2), read_timeout(httpx2))

    with pytest.raises(openai.APITimeoutError):
        _chat(sdk)

    found = instrumented.span()
    assert (found["http.request.resend_count"], found["llmcost.retry.maybe_billed"]) == (1, 2)
    assert found["error.type"] == "APITimeoutError"
    # No answer, no usage: the attempts are counted, not priced.
    assert "llmcost.retry.maybe_billed_cost" not in found
    assert "gen_ai.usage.cost.amount" not in found


def test_a_call_without_retries_is_not_marked(instrumented: Pipeline) -> None:
    sdk = _openai(recorded("openai", "chat_gpt_4o_mini"))

    _chat(sdk)

    found = instrumented.span()
    assert "http.request.resend_count" not in found
    assert "llmcost.retry.maybe_billed" not in found


def test_uninstrumented_sends_are_left_alone(pipeline: Pipeline) -> None:
    sdk = _openai(read_timeout(httpx2), recorded("openai", "chat_gpt_4o_mini"))

    assert _chat(sdk).id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    assert list(pipeline.exporter.get_finished_spans()) == []


def _anthropic_recording(name: str) -> httpx2.Response:
    found = json.loads((RECORDINGS / "anthropic" / f"{name}.json").read_text(encoding="utf-8"))
    return httpx2.Response(found.get("status", 200), headers=found.get("headers", {}), json=found["body"])


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_anthropic(instrumented: Pipeline, asynchronous: bool) -> None:
    transport = httpx2.MockTransport(answers(read_timeout(httpx2), _anthropic_recording("sonnet_plain")))
    if asynchronous:
        sdk: Any = anthropic.AsyncAnthropic(
            api_key="test", max_retries=1, http_client=httpx2.AsyncClient(transport=transport)
        )
    else:
        sdk = anthropic.Anthropic(api_key="test", max_retries=1, http_client=httpx2.Client(transport=transport))
    call = sdk.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=MESSAGES)
    if asynchronous:
        asyncio.run(call)

    found = instrumented.span()
    assert (found["http.request.resend_count"], found["llmcost.retry.maybe_billed"]) == (1, 1)
    assert usd(found["llmcost.retry.maybe_billed_cost"]) == ANTHROPIC_INPUT


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_mistral(instrumented: Pipeline, asynchronous: bool) -> None:
    transport = HTTP.MockTransport(answers(read_timeout(HTTP), mistral_recording("chat_large")))
    sdk = Mistral(
        api_key="test",
        client=HTTP.Client(transport=transport),
        async_client=HTTP.AsyncClient(transport=transport),
        retry_config=RetryConfig("backoff", BackoffStrategy(1, 1, 1.0, 1000), retry_connection_errors=True),
    )
    if asynchronous:
        asyncio.run(sdk.chat.complete_async(model="mistral-large-2512", messages=MESSAGES))
    else:
        sdk.chat.complete(model="mistral-large-2512", messages=MESSAGES)

    found = instrumented.span()
    assert (found["http.request.resend_count"], found["llmcost.retry.maybe_billed"]) == (1, 1)
    assert usd(found["llmcost.retry.maybe_billed_cost"]) == MISTRAL_INPUT


def _cohere_recording(name: str) -> httpx.Response:
    found = json.loads((RECORDINGS / "cohere" / f"{name}.json").read_text(encoding="utf-8"))
    return httpx.Response(found["status"], headers=found["headers"], json=found["body"])


def test_cohere_a_500_then_a_success(instrumented: Pipeline) -> None:
    # cohere retries statuses and refused connections, not timeouts.
    first = status(httpx, 500, {"message": "internal server error"})
    sdk = cohere.ClientV2(
        api_key="test",
        httpx_client=httpx.Client(transport=httpx.MockTransport(answers(first, _cohere_recording("chat_command_a")))),
    )

    sdk.chat(model="command-a-03-2025", messages=MESSAGES)  # pyright: ignore[reportArgumentType]

    found = instrumented.span()
    assert (found["http.request.resend_count"], found["llmcost.retry.maybe_billed"]) == (1, 1)
    assert usd(found["llmcost.retry.maybe_billed_cost"]) == COHERE_INPUT


def test_cohere_a_read_timeout_it_does_not_retry(instrumented: Pipeline) -> None:
    sdk = cohere.ClientV2(
        api_key="test", httpx_client=httpx.Client(transport=httpx.MockTransport(answers(read_timeout(httpx))))
    )

    with pytest.raises(httpx.ReadTimeout):
        sdk.chat(model="command-a-03-2025", messages=MESSAGES)  # pyright: ignore[reportArgumentType]

    found = instrumented.span()
    assert found["llmcost.retry.maybe_billed"] == 1
    assert "http.request.resend_count" not in found


@pytest.mark.skipif(not google_genai_support.RETRIES, reason="google-genai retries from 2.x")
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_google_genai(instrumented: Pipeline, asynchronous: bool) -> None:
    transport = httpx.MockTransport(answers(read_timeout(httpx), google_genai_support.recorded("flash_thinking")))
    options = types.HttpOptions(
        client_args={"transport": transport},
        async_client_args={"transport": transport},
        retry_options=types.HttpRetryOptions(attempts=2, initial_delay=0, max_delay=0, jitter=0),
    )
    from google import genai

    sdk = genai.Client(api_key="test", http_options=options)
    if asynchronous:
        asyncio.run(sdk.aio.models.generate_content(model="gemini-2.5-flash", contents="Why?"))
    else:
        sdk.models.generate_content(model="gemini-2.5-flash", contents="Why?")

    found = instrumented.span()
    assert (found["http.request.resend_count"], found["llmcost.retry.maybe_billed"]) == (1, 1)
    assert usd(found["llmcost.retry.maybe_billed_cost"]) == GEMINI_INPUT


class _TimesOutFirst(bedrock_support.Replay):
    """botocore's ``before-send``: the first attempt's answer never comes (botocore's own read timeout)."""

    def __call__(self, request: Any, **kwargs: Any) -> Any:
        if not self.requests:
            self.requests.append(request)
            raise botocore.exceptions.ReadTimeoutError(endpoint_url=request.url)
        return super().__call__(request, **kwargs)


def test_bedrock(instrumented: Pipeline) -> None:
    replay = _TimesOutFirst("invoke_meta_llama3_3_70b")
    sdk: Any = boto3.client(  # pyright: ignore[reportUnknownMemberType]
        "bedrock-runtime",
        region_name=bedrock_support.REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        config=boto3.session.Config(retries={"total_max_attempts": 2, "mode": "standard"}),  # pyright: ignore[reportAttributeAccessIssue]
    )
    sdk.meta.events.register("before-send.bedrock-runtime", replay)
    body = {"prompt": "Why was I charged twice this month?", "max_gen_len": 256}
    sdk.invoke_model(modelId="us.meta.llama3-3-70b-instruct-v1:0", body=json.dumps(body))

    assert len(replay.requests) == 2
    found = instrumented.span()
    assert (found["http.request.resend_count"], found["llmcost.retry.maybe_billed"]) == (1, 1)
    assert usd(found["llmcost.retry.maybe_billed_cost"]) == BEDROCK_INPUT


def test_instrumentors_share_one_send_hook_and_the_last_one_off_removes_it(pipeline: Pipeline) -> None:
    originals = (vars(httpx.Client)["send"], vars(httpx2.Client)["send"])
    first, second, third = OpenAIInstrumentor(), AnthropicInstrumentor(), CohereInstrumentor()
    for instrumentor in (first, second, third):
        instrumentor.instrument(tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider)
    wrapped = vars(httpx2.Client)["send"]
    assert wrapped is not originals[1]
    assert wrapped.__wrapped__ is originals[1]  # one hook, not one per instrumentor

    first.uninstrument()  # not in the reverse order of instrument(): the others still hold the hook
    assert vars(httpx2.Client)["send"] is wrapped
    second.uninstrument()
    third.uninstrument()
    assert (vars(httpx.Client)["send"], vars(httpx2.Client)["send"]) == originals
