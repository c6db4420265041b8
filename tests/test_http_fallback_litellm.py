"""LiteLLM, through the HTTP fallback alone: one priced span per call, streams included, with no LiteLLM code.

LiteLLM calls OpenAI through the openai SDK and Anthropic and Gemini through its own httpx handlers. The
recorded responses are replayed at httpx's transports (below ``Client.send``, where the fallback looks), so
LiteLLM runs its own code end to end. Its cost map is its local copy, never fetched.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from instrumentor_support import instrumenting
from otel_llmcost.instrumentation.http_fallback import HTTPFallbackInstrumentor
from test_http_fallback import GEMINI_COST, GPT_4O_MINI_COST, SONNET_STREAM_COST, pieces, recording

if TYPE_CHECKING:
    from conftest import Tracing

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
litellm: Any = pytest.importorskip("litellm")

# LiteLLM's own import-time and call-time warnings (pydantic schema notes, deprecations) are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
# sonnet_plain: 1,250 input and 310 output tokens at $3 / $15 per 1M
SONNET_PLAIN_COST = 1250 * 3 / 1e6 + 310 * 15 / 1e6  # = 0.0084

# model, the recordings (plain, stream), the span's request model, its cost (plain, stream)
CASES = {
    "openai": ("gpt-4o-mini", ("openai", "chat_gpt_4o_mini"), ("openai", "chat_gpt_4o_mini_stream"),
               "gpt-4o-mini", GPT_4O_MINI_COST, GPT_4O_MINI_COST),
    "anthropic": ("anthropic/claude-sonnet-4-5", ("anthropic", "sonnet_plain"), ("anthropic", "sonnet_stream"),
                  "claude-sonnet-4-5", SONNET_PLAIN_COST, SONNET_STREAM_COST),
    "gemini": ("gemini/gemini-2.0-flash", ("http_fallback", "gemini_flash"), ("http_fallback", "gemini_flash_stream"),
               "gemini-2.0-flash", GEMINI_COST, GEMINI_COST),
}  # fmt: skip


class Transports:
    """httpx's own transports, answering each request with the recording set for the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answer: tuple[int, dict[str, str], bytes] = (500, {}, b"")
        self.urls: list[str] = []

        def handle(transport: Any, request: httpx.Request) -> httpx.Response:
            self.urls.append(str(request.url))
            status, headers, content = self.answer
            return httpx.Response(status, headers=headers, content=pieces(content))

        async def handle_async(transport: Any, request: httpx.Request) -> httpx.Response:
            self.urls.append(str(request.url))
            status, headers, content = self.answer

            async def chunks() -> AsyncIterator[bytes]:
                for piece in pieces(content):
                    yield piece

            return httpx.Response(status, headers=headers, content=chunks())

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
        monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async)
        monkeypatch.setattr(litellm, "disable_aiohttp_transport", True)  # async calls through httpx's transport


@pytest.fixture
def transports(monkeypatch: pytest.MonkeyPatch) -> Transports:
    return Transports(monkeypatch)


@pytest.fixture
def fallback(tracing: Tracing) -> Iterator[Tracing]:
    with instrumenting(HTTPFallbackInstrumentor(), tracing):
        yield tracing


def call(model: str, stream: bool, run_async: bool) -> None:
    arguments: dict[str, Any] = {"model": model, "messages": MESSAGES, "api_key": "test-key", "stream": stream}
    if not run_async:
        result = litellm.completion(**arguments)
        if stream:
            for _ in result:
                pass
        return

    async def go() -> None:
        result = await litellm.acompletion(**arguments)
        if stream:
            async for _ in result:
                pass

    asyncio.run(go())


@pytest.mark.parametrize("run_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("provider", list(CASES))
def test_a_litellm_call_is_one_priced_span(
    fallback: Tracing, transports: Transports, provider: str, stream: bool, run_async: bool
) -> None:
    model, plain, streamed, request_model, plain_cost, stream_cost = CASES[provider]
    transports.answer = recording(*(streamed if stream else plain))

    call(model, stream, run_async)

    assert len(transports.urls) == 1
    spans = fallback.exporter.get_finished_spans()
    assert len(spans) == 1, [span.name for span in spans]
    attributes = dict(spans[0].attributes or {})
    assert attributes["gen_ai.request.model"] == request_model
    assert attributes["llmcost.status"] == "priced"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(stream_cost if stream else plain_cost, abs=1e-15)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_with_our_openai_instrumentor_and_httpx_instrumented_a_call_is_still_one_genai_span(
    fallback: Tracing, transports: Transports, stream: bool
) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    ours = OpenAIInstrumentor()
    ours.instrument(tracer_provider=fallback.tracer_provider, meter_provider=fallback.meter_provider)
    httpx_instrumentor = HTTPXClientInstrumentor()
    httpx_instrumentor.instrument(tracer_provider=fallback.tracer_provider)
    transports.answer = recording("openai", "chat_gpt_4o_mini_stream" if stream else "chat_gpt_4o_mini")
    try:
        call("gpt-4o-mini", stream, run_async=False)
    finally:
        httpx_instrumentor.uninstrument()
        ours.uninstrument()

    genai = [
        span for span in fallback.exporter.get_finished_spans() if "gen_ai.operation.name" in (span.attributes or {})
    ]
    assert len(genai) == 1
    assert genai[0].instrumentation_scope is not None
    # LiteLLM sends through the openai client's low-level ``post``, not ``chat.completions.create``: no SDK
    # instrumentor sees the call, and the fallback's span is the one.
    assert genai[0].instrumentation_scope.name == "otel_llmcost.instrumentation.http_fallback"
    assert dict(genai[0].attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(GPT_4O_MINI_COST, abs=1e-15)


def test_with_httpx_instrumented_an_anthropic_call_is_one_genai_span_over_the_http_span(
    fallback: Tracing, transports: Transports
) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    httpx_instrumentor = HTTPXClientInstrumentor()
    httpx_instrumentor.instrument(tracer_provider=fallback.tracer_provider)
    transports.answer = recording("anthropic", "sonnet_stream")
    try:
        call("anthropic/claude-sonnet-4-5", stream=True, run_async=False)
    finally:
        httpx_instrumentor.uninstrument()

    spans = fallback.exporter.get_finished_spans()
    genai = [span for span in spans if "gen_ai.operation.name" in (span.attributes or {})]
    assert len(genai) == 1
    http = [span for span in spans if span is not genai[0]]
    assert len(http) == 1
    assert http[0].parent is not None
    assert http[0].parent.span_id == genai[0].context.span_id
    assert dict(genai[0].attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(SONNET_STREAM_COST, abs=1e-15)
