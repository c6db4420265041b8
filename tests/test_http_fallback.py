"""The HTTP fallback: calls to known LLM APIs made with plain httpx, httpx2 or requests get one priced span.

Each test replays a recorded response at the client's transport and reads the body as a caller would; the span
carries the usage the body reports and the cost, computed here by hand from the vendor's price.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import httpx2
import pytest
import requests
import urllib3
from opentelemetry import context, trace
from opentelemetry.trace import SpanKind

from instrumentor_support import instrumenting, only_span
from otel_llmcost.instrumentation.http_fallback import HTTPFallbackInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

RECORDINGS = Path(__file__).parent / "recordings"
MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
OPENAI_CHAT = "https://api.openai.com/v1/chat/completions"
ANTHROPIC_MESSAGES = "https://api.anthropic.com/v1/messages"
GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash"
# chat_gpt_4o_mini: 1,000 prompt tokens of which 400 cached, 200 completion tokens, at $0.15 / $0.075 / $0.60 per 1M
GPT_4O_MINI_COST = 600 * 0.15 / 1e6 + 400 * 0.075 / 1e6 + 200 * 0.60 / 1e6  # = 0.00024
# sonnet_stream: 2,100 input and 287 output tokens at $3 / $15 per 1M
SONNET_STREAM_COST = 2100 * 3 / 1e6 + 287 * 15 / 1e6  # = 0.010605
# gemini_flash(_stream): 1,800 prompt and 240 candidates tokens at $0.10 / $0.40 per 1M
GEMINI_COST = 1800 * 0.10 / 1e6 + 240 * 0.40 / 1e6  # = 0.000276


def pieces(content: bytes, size: int = 97) -> Iterator[bytes]:
    """``content`` as a network would hand it over: in pieces that cut events in two."""
    for start in range(0, len(content), size):
        yield content[start : start + size]


def recording(provider: str, name: str) -> tuple[int, dict[str, str], bytes]:
    directory = RECORDINGS / provider
    recorded = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    streams = [directory / f"{name}.sse", directory / f"{name}.eventstream"]  # SSE, or AWS's event stream
    stream = next((path for path in streams if path.exists()), None)
    content = stream.read_bytes() if stream is not None else json.dumps(recorded["body"]).encode()
    return recorded["status"], recorded["headers"], content


def httpx_client(module: Any, provider: str, name: str, seen: list[Any] | None = None) -> Any:
    status, headers, content = recording(provider, name)

    def handler(request: Any) -> Any:
        if seen is not None:
            seen.append(request)
        return module.Response(status, headers=headers, content=pieces(content))

    return module.Client(transport=module.MockTransport(handler))


def async_httpx_client(module: Any, provider: str, name: str) -> Any:
    status, headers, content = recording(provider, name)

    async def chunks() -> AsyncIterator[bytes]:
        for piece in pieces(content):
            yield piece

    async def handler(request: Any) -> Any:
        return module.Response(status, headers=headers, content=chunks())

    return module.AsyncClient(transport=module.MockTransport(handler))


@pytest.fixture
def fallback(tracing: Tracing) -> Iterator[Tracing]:
    with instrumenting(HTTPFallbackInstrumentor(), tracing):
        yield tracing


def test_an_httpx_chat_completion_is_one_priced_span(fallback: Tracing) -> None:
    with httpx_client(httpx, "openai", "chat_gpt_4o_mini") as client:
        response = client.post(OPENAI_CHAT, json={"model": "gpt-4o-mini", "messages": MESSAGES})
    assert response.json()["usage"]["prompt_tokens"] == 1000

    span = only_span(fallback)
    attributes = dict(span.attributes or {})
    assert span.name == "chat gpt-4o-mini"
    assert span.kind is SpanKind.CLIENT
    assert {key: attributes[key] for key in attributes if not key.startswith("llmcost.")} == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "server.address": "api.openai.com",
        "server.port": 443,
        "gen_ai.response.id": "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 200,
        "gen_ai.usage.cache_read.input_tokens": 400,
        "gen_ai.usage.cost": pytest.approx(GPT_4O_MINI_COST, abs=1e-15),
        "gen_ai.usage.cost.amount": pytest.approx(GPT_4O_MINI_COST, abs=1e-15),
        "gen_ai.usage.cost.currency": "USD",
        "gen_ai.usage.cost.source": "local",
    }
    assert attributes["llmcost.status"] == "priced"


def test_an_httpx_stream_is_read_by_the_caller_unchanged_and_priced_at_its_end(fallback: Tracing) -> None:
    _, _, recorded = recording("openai", "chat_gpt_4o_mini_stream")
    body = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    with httpx_client(httpx, "openai", "chat_gpt_4o_mini_stream") as client:
        with client.stream("POST", OPENAI_CHAT, json=body) as response:
            assert fallback.exporter.get_finished_spans() == ()  # the call lasts as long as its stream
            read = b"".join(response.iter_bytes(chunk_size=97))  # pieces that cut events in two
    assert read == recorded

    attributes = dict(only_span(fallback).attributes or {})
    assert attributes["gen_ai.usage.input_tokens"] == 1000
    assert attributes["gen_ai.usage.output_tokens"] == 200
    assert attributes["gen_ai.response.id"] == "chatcmpl-CYr5aK7nWq2xT9vL4mZ1bR8pJd3sH"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(GPT_4O_MINI_COST, abs=1e-15)


def test_a_stream_closed_early_ends_its_span_once_without_usage(fallback: Tracing) -> None:
    with httpx_client(httpx, "openai", "chat_gpt_4o_mini_stream") as client:
        with client.stream("POST", OPENAI_CHAT, json={"model": "gpt-4o-mini", "stream": True}) as response:
            next(response.iter_lines())

    attributes = dict(only_span(fallback).attributes or {})
    assert "gen_ai.usage.input_tokens" not in attributes
    assert attributes["gen_ai.request.model"] == "gpt-4o-mini"


def test_an_async_anthropic_stream_through_httpx2(fallback: Tracing) -> None:
    async def call() -> bytes:
        async with async_httpx_client(httpx2, "anthropic", "sonnet_stream") as client:
            body = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": MESSAGES, "stream": True}
            async with client.stream("POST", ANTHROPIC_MESSAGES, json=body) as response:
                return b"".join([piece async for piece in response.aiter_bytes()])

    assert asyncio.run(call()) == recording("anthropic", "sonnet_stream")[2]
    span = only_span(fallback)
    attributes = dict(span.attributes or {})
    assert span.name == "chat claude-sonnet-4-5"
    assert attributes["gen_ai.provider.name"] == "anthropic"
    assert attributes["gen_ai.response.model"] == "claude-sonnet-4-5-20250929"
    assert attributes["gen_ai.usage.input_tokens"] == 2100
    assert attributes["gen_ai.usage.output_tokens"] == 287
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(SONNET_STREAM_COST, abs=1e-15)


def test_a_gemini_call_takes_its_model_from_the_path(fallback: Tracing) -> None:
    with httpx_client(httpx2, "http_fallback", "gemini_flash") as client:
        client.post(f"{GEMINI}:generateContent", json={"contents": [{"parts": [{"text": "Why?"}]}]})

    span = only_span(fallback)
    attributes = dict(span.attributes or {})
    assert span.name == "generate_content gemini-2.0-flash"
    assert attributes["gen_ai.provider.name"] == "gcp.gemini"
    assert attributes["gen_ai.response.id"] == "rTKpaK2dHoqz1MkP2c-b8AQ"
    assert attributes["gen_ai.usage.input_tokens"] == 1800
    assert attributes["gen_ai.usage.output_tokens"] == 240
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(GEMINI_COST, abs=1e-15)


def test_a_gemini_stream_read_whole_without_stream_mode(fallback: Tracing) -> None:
    with httpx_client(httpx, "http_fallback", "gemini_flash_stream") as client:
        client.post(f"{GEMINI}:streamGenerateContent?alt=sse", json={"contents": []})

    attributes = dict(only_span(fallback).attributes or {})
    assert attributes["gen_ai.usage.input_tokens"] == 1800
    assert attributes["gen_ai.usage.output_tokens"] == 240
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(GEMINI_COST, abs=1e-15)


def test_an_error_status_ends_the_span_with_it(fallback: Tracing) -> None:
    with httpx_client(httpx, "openai", "chat_error_429") as client:
        assert client.post(OPENAI_CHAT, json={"model": "gpt-4o-mini"}).status_code == 429

    attributes = dict(only_span(fallback).attributes or {})
    assert attributes["error.type"] == "429"


def test_other_requests_pass_untouched(fallback: Tracing) -> None:
    with httpx_client(httpx, "openai", "chat_gpt_4o_mini") as client:
        client.post("https://example.com/v1/chat/completions", json={"model": "gpt-4o-mini"})
        client.get("https://api.openai.com/v1/models")

    assert fallback.exporter.get_finished_spans() == ()


def test_a_host_named_in_providers_is_looked_at(tracing: Tracing) -> None:
    instrumentor = HTTPFallbackInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, providers={"gateway.internal:8443": "openai"})
    try:
        with httpx_client(httpx, "openai", "chat_gpt_4o_mini") as client:
            client.post("https://gateway.internal:8443/v1/chat/completions", json={"model": "gpt-4o-mini"})
    finally:
        instrumentor.uninstrument()

    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["server.address"] == "gateway.internal"
    assert attributes["server.port"] == 8443
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(GPT_4O_MINI_COST, abs=1e-15)


def test_a_call_inside_a_genai_span_adds_nothing(fallback: Tracing) -> None:
    tracer = fallback.tracer_provider.get_tracer("an.sdk.instrumentor")
    with tracer.start_as_current_span("chat gpt-4o-mini", attributes={"gen_ai.operation.name": "chat"}):
        with httpx_client(httpx, "openai", "chat_gpt_4o_mini") as client:
            client.post(OPENAI_CHAT, json={"model": "gpt-4o-mini"})

    assert [span.name for span in fallback.exporter.get_finished_spans()] == ["chat gpt-4o-mini"]


def test_a_call_after_a_model_span_that_ended_but_stayed_current_is_traced(fallback: Tracing) -> None:
    """An instrumentor that keeps its span current until its stream ends leaves it current when the stream is
    never finished (openai-v2's under OpenLLMetry's: tests/test_interop.py): later calls are not its."""
    tracer = fallback.tracer_provider.get_tracer("an.sdk.instrumentor")
    earlier = tracer.start_span("chat gpt-4o-mini", attributes={"gen_ai.operation.name": "chat"})
    token = context.attach(trace.set_span_in_context(earlier))
    try:
        earlier.end()
        with httpx_client(httpx, "openai", "chat_gpt_4o_mini") as client:
            client.post(OPENAI_CHAT, json={"model": "gpt-4o-mini"})
    finally:
        context.detach(token)

    spans = fallback.exporter.get_finished_spans()
    assert [span.name for span in spans] == ["chat gpt-4o-mini", "chat gpt-4o-mini"]
    assert dict(spans[1].attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(GPT_4O_MINI_COST, abs=1e-15)


def test_the_openai_sdk_under_our_instrumentor_gets_one_span(fallback: Tracing) -> None:
    import openai

    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    ours = OpenAIInstrumentor()
    ours.instrument(tracer_provider=fallback.tracer_provider, meter_provider=fallback.meter_provider)
    try:
        for module in (httpx, httpx2):
            sdk: Any = openai.OpenAI(api_key="sk-test", http_client=httpx_client(module, "openai", "chat_gpt_4o_mini"))
            sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    except TypeError:
        pytest.skip("this openai release takes no client of that module")
    finally:
        ours.uninstrument()

    spans = fallback.exporter.get_finished_spans()
    assert {span.instrumentation_scope.name for span in spans if span.instrumentation_scope} == {
        "otel_llmcost.instrumentation.openai"
    }
    assert len(spans) == 2  # one call through each HTTP client, one span each
    assert dict(spans[0].attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(GPT_4O_MINI_COST, abs=1e-15)


class _Adapter(requests.adapters.BaseAdapter):
    def __init__(self, provider: str, name: str) -> None:
        super().__init__()
        self._recording = recording(provider, name)

    def send(self, request: Any, stream: bool = False, **kwargs: Any) -> requests.Response:
        status, headers, content = self._recording
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(content), headers=headers, status=status, preload_content=False, decode_content=True
        )
        return requests.adapters.HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        pass


def requests_session(provider: str, name: str) -> requests.Session:
    session = requests.Session()
    session.mount("https://", _Adapter(provider, name))
    return session


def test_a_requests_call_and_a_requests_stream(fallback: Tracing) -> None:
    with requests_session("openai", "chat_gpt_4o_mini") as session:
        session.post(OPENAI_CHAT, json={"model": "gpt-4o-mini", "messages": MESSAGES})
    with requests_session("anthropic", "sonnet_stream") as session:
        body = {"model": "claude-sonnet-4-5", "messages": MESSAGES, "stream": True}
        with session.post(ANTHROPIC_MESSAGES, json=body, stream=True) as response:
            read = b"".join(response.iter_content(chunk_size=64))
    assert read == recording("anthropic", "sonnet_stream")[2]

    chat, messages = fallback.exporter.get_finished_spans()
    assert dict(chat.attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(GPT_4O_MINI_COST, abs=1e-15)
    assert dict(messages.attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(SONNET_STREAM_COST, abs=1e-15)


def test_uninstrument_leaves_the_clients_as_they_were(tracing: Tracing) -> None:
    send = httpx.Client.send
    instrumentor = HTTPFallbackInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider)
    assert httpx.Client.send is not send
    instrumentor.uninstrument()
    assert httpx.Client.send is send


@pytest.mark.parametrize(
    "attributes",
    [
        {"gen_ai.system": "openai", "llm.request.type": "chat"},
        {"openinference.span.kind": "LLM"},
        {"gen_ai.operation.name": "embeddings"},
    ],
    ids=["openllmetry", "openinference", "embeddings"],
)
def test_a_call_inside_another_instrumentors_model_span_adds_nothing(
    fallback: Tracing, attributes: dict[str, str]
) -> None:
    with fallback.tracer_provider.get_tracer("another").start_as_current_span("a call", attributes=attributes):
        with httpx_client(httpx, "openai", "chat_gpt_4o_mini") as client:
            client.post(OPENAI_CHAT, json={"model": "gpt-4o-mini"})

    assert [span.name for span in fallback.exporter.get_finished_spans()] == ["a call"]


@pytest.mark.parametrize(
    "attributes",
    [{"gen_ai.operation.name": "invoke_agent"}, {"openinference.span.kind": "CHAIN"}],
    ids=["agent", "chain"],
)
def test_a_call_inside_an_agent_or_chain_span_is_traced(fallback: Tracing, attributes: dict[str, str]) -> None:
    with fallback.tracer_provider.get_tracer("a.framework").start_as_current_span("agent", attributes=attributes):
        with httpx_client(httpx, "openai", "chat_gpt_4o_mini") as client:
            client.post(OPENAI_CHAT, json={"model": "gpt-4o-mini"})

    call, agent = fallback.exporter.get_finished_spans()
    assert agent.name == "agent"
    assert call.parent is not None
    assert call.parent.span_id == agent.context.span_id
    assert dict(call.attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(GPT_4O_MINI_COST, abs=1e-15)


# responses_gpt_4o_mini(_stream): the same counts as chat_gpt_4o_mini
# embeddings_text_embedding_3_small: 8 input tokens at $0.02 per 1M
EMBEDDINGS_COST = 8 * 0.02 / 1e6
# cohere_command_a(_stream): billed 1,250 input and 310 output tokens (1,432 counted: not billed) at $2.50 / $10
COHERE_COST = 1250 * 2.50 / 1e6 + 310 * 10 / 1e6  # = 0.006225
# converse_claude_3_haiku: 1,250 input and 310 output tokens at $0.25 / $1.25 per 1M
CONVERSE_COST = 1250 * 0.25 / 1e6 + 310 * 1.25 / 1e6  # = 0.0007
BEDROCK = "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"


@pytest.mark.parametrize(
    ("provider", "name", "url", "body", "operation", "model", "cost"),
    [
        ("openai", "responses_gpt_4o_mini", "https://api.openai.com/v1/responses", {"model": "gpt-4o-mini"},
         "chat", "gpt-4o-mini", GPT_4O_MINI_COST),
        ("openai", "responses_gpt_4o_mini_stream", "https://api.openai.com/v1/responses",
         {"model": "gpt-4o-mini", "stream": True}, "chat", "gpt-4o-mini", GPT_4O_MINI_COST),
        ("openai", "embeddings_text_embedding_3_small", "https://api.openai.com/v1/embeddings",
         {"model": "text-embedding-3-small", "input": "refund"}, "embeddings", "text-embedding-3-small",
         EMBEDDINGS_COST),
        ("http_fallback", "cohere_command_a", "https://api.cohere.com/v2/chat", {"model": "command-a-03-2025"},
         "chat", "command-a-03-2025", COHERE_COST),
        ("http_fallback", "cohere_command_a_stream", "https://api.cohere.com/v2/chat",
         {"model": "command-a-03-2025", "stream": True}, "chat", "command-a-03-2025", COHERE_COST),
        ("http_fallback", "converse_claude_3_haiku", BEDROCK, {"messages": []}, "chat",
         "anthropic.claude-3-haiku-20240307-v1:0", CONVERSE_COST),
    ],
    ids=["responses", "responses-stream", "embeddings", "cohere", "cohere-stream", "bedrock-converse"],
)  # fmt: skip
def test_each_api_streamed_by_the_caller(
    fallback: Tracing, provider: str, name: str, url: str, body: dict[str, Any], operation: str, model: str, cost: float
) -> None:
    with httpx_client(httpx, provider, name) as client:
        with client.stream("POST", url, json=body) as response:
            read = b"".join(response.iter_bytes())
    assert read == recording(provider, name)[2]

    span = only_span(fallback)
    attributes = dict(span.attributes or {})
    assert span.name == f"{operation} {model}"
    assert attributes["gen_ai.request.model"] == model
    assert attributes["llmcost.status"] == "priced"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(cost, abs=1e-15)


def test_a_host_the_price_files_list_is_looked_at(fallback: Tracing) -> None:
    with httpx_client(httpx, "openai", "chat_gpt_4o_mini") as client:
        client.post("https://openrouter.ai/api/v1/chat/completions", json={"model": "openai/gpt-4o-mini"})

    attributes = dict(only_span(fallback).attributes or {})
    assert attributes["gen_ai.provider.name"] == "openrouter"
    assert attributes["gen_ai.request.model"] == "openai/gpt-4o-mini"


BEDROCK_RUNTIME = "https://bedrock-runtime.us-east-1.amazonaws.com/model"
# converse_stream_claude_haiku_4_5: metadata 850 input (full price), 640 cache reads, 120 output, at
# $1.00 / $0.10 / $5.00 per 1M, x 1.1 for the us. cross-Region profile of a Claude 4.5 model
HAIKU_STREAM_COST = (850 * 1.00 + 640 * 0.10 + 120 * 5.00) / 1e6 * 1.1  # = 0.0016654
# invoke_stream_claude_sonnet_4_5: invocation metrics 2,100 input and 410 output at $3 / $15 per 1M, x 1.1
SONNET_INVOKE_STREAM_COST = (2100 * 3.00 + 410 * 15.00) / 1e6 * 1.1  # = 0.013695
BEDROCK_STREAMS = {
    "converse-stream": (
        "converse_stream_claude_haiku_4_5",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        HAIKU_STREAM_COST,
        (850 + 640, 120),
    ),
    "invoke-with-response-stream": (
        "invoke_stream_claude_sonnet_4_5",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        SONNET_INVOKE_STREAM_COST,
        (2100, 410),
    ),
}


@pytest.mark.parametrize("operation", BEDROCK_STREAMS)
@pytest.mark.parametrize("http", ["httpx", "requests"])
def test_a_bedrock_event_stream_called_with_plain_http(fallback: Tracing, operation: str, http: str) -> None:
    """A signed (or API-key) call to Bedrock Runtime without botocore: AWS's binary event stream, read as it
    passes in pieces that cut messages in two, gives the call its usage."""
    name, model, cost, (input_tokens, output_tokens) = BEDROCK_STREAMS[operation]
    url = f"{BEDROCK_RUNTIME}/{model.replace(':', '%3A')}/{operation}"
    body = {"messages": [{"role": "user", "content": [{"text": "Why was I charged twice?"}]}]}
    if http == "httpx":
        with httpx_client(httpx, "bedrock", name) as client, client.stream("POST", url, json=body) as response:
            assert fallback.exporter.get_finished_spans() == ()  # the call lasts as long as its stream
            read = b"".join(response.iter_bytes(chunk_size=97))
    else:
        with requests_session("bedrock", name) as session, session.post(url, json=body, stream=True) as response:
            read = b"".join(response.iter_content(chunk_size=97))
    assert read == recording("bedrock", name)[2]

    span = only_span(fallback)
    attributes = dict(span.attributes or {})
    assert span.name == f"chat {model}"
    assert attributes["gen_ai.provider.name"] == "aws.bedrock"
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (
        input_tokens,
        output_tokens,
    )
    assert attributes["llmcost.status"] == "priced"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(cost, abs=1e-15)


def test_a_bedrock_event_stream_read_whole(fallback: Tracing) -> None:
    name, model, cost, _ = BEDROCK_STREAMS["converse-stream"]
    with httpx_client(httpx, "bedrock", name) as client:
        client.post(f"{BEDROCK_RUNTIME}/{model}/converse-stream", json={"messages": []})

    attributes = dict(only_span(fallback).attributes or {})
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 640
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(cost, abs=1e-15)


def test_bytes_that_are_no_event_stream_end_the_call_without_usage(fallback: Tracing) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/vnd.amazon.eventstream"}
        return httpx.Response(200, headers=headers, content=pieces(b"\x00\x00\x00\x20" + b"not an event stream" * 9))

    url = f"{BEDROCK_RUNTIME}/amazon.nova-lite-v1%3A0/converse-stream"
    with httpx.Client(transport=httpx.MockTransport(handler)) as client, client.stream("POST", url) as response:
        read = b"".join(response.iter_bytes())
    assert read.startswith(b"\x00\x00\x00\x20not an event stream")

    attributes = dict(only_span(fallback).attributes or {})
    assert "gen_ai.usage.input_tokens" not in attributes
    assert attributes["llmcost.status"] != "priced"
