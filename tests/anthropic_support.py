"""What the Anthropic instrumentor's tests share: an instrumented pipeline and SDK clients that replay recordings.

No tests here. Clients are the real ``anthropic`` SDK with its own tracing off (``open_telemetry=False`` where
the SDK has the option: 2.x), talking to a mock transport of the HTTP package the installed SDK uses (``httpx2``
from 2.x, ``httpx`` before), which answers each request with the next recording of ``recordings/anthropic``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anthropic
import pytest
from opentelemetry.sdk.trace import ReadableSpan

from instrumentor_support import instrumenting
from instrumentor_support import only_span as only_span
from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

try:
    import httpx2 as http
except ImportError:  # pragma: no cover - anthropic before 2.x runs on httpx
    import httpx as http  # type: ignore[no-redef]

if "httpx2" not in inspect.getsource(anthropic._base_client):  # pragma: no cover - anthropic before 2.x
    import httpx as http  # type: ignore[no-redef]

RECORDINGS = Path(__file__).parent / "recordings" / "anthropic"
SDK_TRACES = "open_telemetry" in inspect.signature(anthropic.Anthropic.__init__).parameters
"""Whether the installed SDK traces its own calls (anthropic 2.x)."""

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
SONNET = "claude-sonnet-4-5"
SONNET_SNAPSHOT = "claude-sonnet-4-5-20250929"


def response(name: str) -> Any:
    """The recorded response ``name``, as the API sent it."""
    recording = json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))
    streams = [path for path in (RECORDINGS / f"{name}.sse", RECORDINGS / f"{name}.jsonl") if path.exists()]
    content = streams[0].read_bytes() if streams else json.dumps(recording["body"]).encode()
    return http.Response(recording["status"], headers=recording["headers"], content=content)


class Replay:
    """A transport handler that answers each request with the next recording, and keeps the requests."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)
        self.requests: list[Any] = []

    def __call__(self, request: Any) -> Any:
        self.requests.append(request)
        return response(self.names.pop(0))


def _options(cls: type[Any], tracing: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"open_telemetry": tracing} if SDK_TRACES else {}
    if cls in (anthropic.Anthropic, anthropic.AsyncAnthropic):
        options["api_key"] = "test-no-key"
    return options


def sync_client(*names: str, cls: type[Any] = anthropic.Anthropic, sdk_tracing: bool = False, **options: Any) -> Any:
    """A client of ``cls`` whose requests get the recordings ``names``, its own tracing off unless asked."""
    transport = http.MockTransport(Replay(*names))
    options.setdefault("max_retries", 0)
    return cls(http_client=http.Client(transport=transport), **_options(cls, sdk_tracing), **options)


def async_client(
    *names: str, cls: type[Any] = anthropic.AsyncAnthropic, sdk_tracing: bool = False, **options: Any
) -> Any:
    """`sync_client` for the async clients."""
    transport = http.MockTransport(Replay(*names))
    return cls(
        http_client=http.AsyncClient(transport=transport), max_retries=0, **_options(cls, sdk_tracing), **options
    )


def attributes_of(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


# sonnet_stream left after "Thanks for" + " reaching out!": 5 o200k_base tokens (tiktoken approximates Claude's).
#   2,100 x $3 / 1M + 5 x $15 / 1M = $0.0063 + $0.000075 = $0.006375
EARLY_OUTPUT = 5
EARLY_COST = 0.006375


def two_deltas(events: Any) -> None:
    """Reads a stream's ``events`` up to its second text delta, then leaves."""
    deltas = 0
    for event in events:
        if event.type == "content_block_delta":
            deltas += 1
            if deltas == 2:
                break


async def two_deltas_async(events: Any) -> None:
    """`two_deltas`, on an asynchronous stream."""
    deltas = 0
    async for event in events:
        if event.type == "content_block_delta":
            deltas += 1
            if deltas == 2:
                break


def assert_estimated(attributes: dict[str, Any], output: int, cost: float) -> None:
    """A sonnet_stream call left early: its 2,100 input tokens, ``output`` estimated output tokens, and ``cost``."""
    assert attributes["gen_ai.usage.input_tokens"] == 2100
    assert attributes["gen_ai.usage.output_tokens"] == output
    assert attributes["llmcost.usage.status"] == "estimated"
    assert attributes["llmcost.status"] == "estimated"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(cost, abs=1e-12)


@pytest.fixture
def instrumented(tracing: Tracing) -> Iterator[AnthropicInstrumentor]:
    """The Anthropic instrumentor, sending to the test's pipeline (with the cost processor)."""
    instrumentor = AnthropicInstrumentor()
    with instrumenting(instrumentor, tracing):
        yield instrumentor
