"""One call, one priced span, whichever tracers of the anthropic SDK are on together.

The matrix turns on every combination of: our instrumentor, the SDK's own tracing (anthropic 2.x), OpenLLMetry's
``opentelemetry-instrumentation-anthropic`` and the official ``opentelemetry-instrumentation-genai-anthropic``
(each where installed). For each, a plain call and a ``messages.stream()`` read to the end must leave exactly one
span with a cost; any other GenAI span of the same call is marked a duplicate by the cost processor.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from anthropic_support import MESSAGES, SDK_TRACES, SONNET, attributes_of, sync_client
from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

pytestmark = pytest.mark.filterwarnings(
    "ignore:The model 'claude-sonnet-4-5:DeprecationWarning",
    "ignore::DeprecationWarning:opentelemetry",
)

FOREIGN = {
    "openllmetry": "opentelemetry.instrumentation.anthropic",
    "official": "opentelemetry.instrumentation.genai.anthropic",
}


def _foreign(name: str) -> Any:
    try:
        return importlib.import_module(FOREIGN[name]).AnthropicInstrumentor
    except ImportError:
        return None


INSTALLED = [name for name in FOREIGN if _foreign(name) is not None]
TRACERS = ["ours", *(["sdk"] if SDK_TRACES else []), *INSTALLED]
COMBINATIONS = [
    combination for size in range(1, len(TRACERS) + 1) for combination in itertools.combinations(TRACERS, size)
]

# sonnet_plain: 1,250 x $3 / 1M + 310 x $15 / 1M = $0.0084
PLAIN_COST = 0.0084
# sonnet_stream: 2,100 x $3 / 1M + 287 x $15 / 1M = $0.010605
STREAM_COST = 0.010605
OPENLLMETRY_STREAM_COST = 0.01062


@contextmanager
def tracers_on(tracing: Tracing, names: tuple[str, ...]) -> Iterator[None]:
    with ExitStack() as stack:
        for name in names:
            if name == "ours":
                instrumentor: Any = AnthropicInstrumentor()
            elif name in FOREIGN:
                instrumentor = _foreign(name)()
            else:
                continue
            instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
            stack.callback(instrumentor.uninstrument)
        yield


def _ours_steps_aside(tracing: Tracing, names: tuple[str, ...]) -> None:
    """Ours adds a span only when no other tracer is on."""
    ours = [
        span
        for span in tracing.exporter.get_finished_spans()
        if span.instrumentation_scope is not None and span.instrumentation_scope.name.startswith("otel_llmcost")
    ]
    assert len(ours) == (1 if names == ("ours",) else 0)


def _costs(tracing: Tracing) -> list[float]:
    return [
        attributes["gen_ai.usage.cost.amount"]
        for attributes in map(attributes_of, tracing.exporter.get_finished_spans())
        if "gen_ai.usage.cost.amount" in attributes
    ]


def _client(tracing: Tracing, names: tuple[str, ...], *recordings: str) -> Any:
    sdk = {"tracer_provider": tracing.tracer_provider} if "sdk" in names else False
    return sync_client(*recordings, sdk_tracing=sdk)  # type: ignore[arg-type]


@pytest.mark.parametrize("names", COMBINATIONS, ids="+".join)
def test_a_plain_call_has_exactly_one_priced_span(tracing: Tracing, names: tuple[str, ...]) -> None:
    with tracers_on(tracing, names), _client(tracing, names, "sonnet_plain") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    _ours_steps_aside(tracing, names)
    assert _costs(tracing) == [pytest.approx(PLAIN_COST, abs=1e-12)]


@pytest.mark.parametrize("names", COMBINATIONS, ids="+".join)
def test_a_stream_helper_call_has_exactly_one_priced_span(tracing: Tracing, names: tuple[str, ...]) -> None:
    with (
        tracers_on(tracing, names),
        _client(tracing, names, "sonnet_stream") as client,
        client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream,
    ):
        stream.until_done()

    _ours_steps_aside(tracing, names)
    # OpenLLMetry's own stream span counts 288 output tokens: it adds message_start's placeholder output token
    # to message_delta's count. Where its span is the first to end, that is the one priced:
    #   2,100 x $3 / 1M + 288 x $15 / 1M = $0.0063 + $0.00432 = $0.01062
    # Without the SDK's span around them, OpenLLMetry's and the official instrumentation's spans are siblings
    # that share the response id; wrapped in that order (OpenLLMetry first, so innermost), OpenLLMetry's ends
    # first and the official one is the duplicate.
    openllmetry_first = "openllmetry" in names and "sdk" not in names
    assert _costs(tracing) == [pytest.approx(OPENLLMETRY_STREAM_COST if openllmetry_first else STREAM_COST, abs=1e-12)]
