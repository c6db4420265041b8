"""One LiteLLM call, one priced span, whichever tracers are on: the HTTP fallback (ours, ``llmcost_http``),
OpenLLMetry's ``opentelemetry-instrumentation-litellm`` and OpenInference's ``openinference-instrumentation-litellm``.

``litellm.completion`` / ``acompletion`` to OpenAI, Anthropic and Gemini, plain and streamed, answered at httpx's
transports from the recordings of ``test_http_fallback_litellm`` (the costs are worked out by hand there and in
``test_http_fallback``).

Theirs wrap ``litellm.completion``: OpenLLMetry's span is not made current (it sets OpenLLMetry's "suppress language
model instrumentation" context key instead), OpenInference's is. Neither gets a usage for a streamed Anthropic or
Gemini call: LiteLLM's stream wrapper hands on no usage unless asked (``stream_options``), so alone they leave
such a call unpriced, and beside the fallback its span is the priced one.
"""

from __future__ import annotations

import itertools
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING

import pytest

from instrumentor_support import instrumenting
from otel_llmcost.instrumentation.http_fallback import HTTPFallbackInstrumentor
from test_http_fallback import recording
from test_http_fallback_litellm import CASES, Transports, call

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

    from conftest import Tracing

pytest.importorskip("opentelemetry.instrumentation.litellm")
pytest.importorskip("openinference.instrumentation.litellm")

# LiteLLM's own import-time and call-time warnings (pydantic schema notes, deprecations) are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

FALLBACK_SCOPE = "otel_llmcost.instrumentation.http_fallback"
OPENLLMETRY_SCOPE = "opentelemetry.instrumentation.litellm"
OPENINFERENCE_SCOPE = "openinference.instrumentation.litellm"


def fallback(tracing: Tracing) -> AbstractContextManager[object]:
    return instrumenting(HTTPFallbackInstrumentor(), tracing)


def openllmetry(tracing: Tracing) -> AbstractContextManager[object]:
    from opentelemetry.instrumentation.litellm import LiteLLMInstrumentor

    return instrumenting(LiteLLMInstrumentor(), tracing, metrics=False)


def openinference(tracing: Tracing) -> AbstractContextManager[object]:
    from openinference.instrumentation.litellm import LiteLLMInstrumentor

    return instrumenting(LiteLLMInstrumentor(), tracing, metrics=False)


TRACERS = {"fallback": fallback, "openllmetry": openllmetry, "openinference": openinference}
COMBINATIONS = [
    combination for size in range(1, len(TRACERS) + 1) for combination in itertools.combinations(TRACERS, size)
]


def _status(span: ReadableSpan) -> object:
    return dict(span.attributes or {}).get("llmcost.status")


def _scope(span: ReadableSpan) -> str:
    assert span.instrumentation_scope is not None
    return span.instrumentation_scope.name


@pytest.fixture
def transports(monkeypatch: pytest.MonkeyPatch) -> Transports:
    return Transports(monkeypatch)


@pytest.mark.parametrize("tracers", COMBINATIONS, ids=["+".join(combination) for combination in COMBINATIONS])
@pytest.mark.parametrize("run_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("provider", list(CASES))
def test_one_call_is_one_priced_span(
    tracing: Tracing, transports: Transports, provider: str, stream: bool, run_async: bool, tracers: tuple[str, ...]
) -> None:
    model, plain, streamed, _, plain_cost, stream_cost = CASES[provider]
    transports.answer = recording(*(streamed if stream else plain))
    with ExitStack() as stack:
        for tracer in tracers:
            stack.enter_context(TRACERS[tracer](tracing))
        call(model, stream, run_async)

    assert len(transports.urls) == 1
    spans = tracing.exporter.get_finished_spans()
    priced = [span for span in spans if _status(span) == "priced"]
    if stream and provider != "openai" and "fallback" not in tracers:
        # LiteLLM's Anthropic and Gemini streams hand their usage on to neither of theirs (the OpenAI recording
        # ends with a usage chunk, which LiteLLM passes through): the call is unpriced, and says why.
        assert priced == []
        assert len(spans) == len(tracers)  # one span of each of theirs
        assert {dict(span.attributes or {}).get("llmcost.reason") for span in spans} == {"no_usage"}
        return
    assert len(priced) == 1, [(span.name, _scope(span), _status(span)) for span in spans]
    attributes = dict(priced[0].attributes or {})
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(stream_cost if stream else plain_cost, abs=1e-15)
    # Every other span of the call says why it is not priced: a duplicate of the priced one, or no usage.
    for span in spans:
        if span is not priced[0]:
            assert _status(span) in {"duplicate", "unpriced"}, (span.name, _scope(span), dict(span.attributes or {}))


@pytest.mark.parametrize("provider", list(CASES))
def test_beside_openllmetry_the_fallback_steps_aside_for_a_json_call(
    tracing: Tracing, transports: Transports, provider: str
) -> None:
    """OpenLLMetry's ``litellm.chat`` is not current while LiteLLM sends, and LiteLLM renames Anthropic's
    response id (``chatcmpl-...`` for ``msg_...``): without stepping aside, the fallback's span and theirs were
    both priced for an Anthropic call."""
    model, plain, _, _, plain_cost, _ = CASES[provider]
    transports.answer = recording(*plain)
    with fallback(tracing), openllmetry(tracing):
        call(model, stream=False, run_async=False)

    (span,) = tracing.exporter.get_finished_spans()
    assert _scope(span) == OPENLLMETRY_SCOPE
    assert dict(span.attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(plain_cost, abs=1e-15)


# Their span has no usage; LiteLLM keeps Gemini's response id (theirs is then the priced one's duplicate) and
# renames Anthropic's.
@pytest.mark.parametrize(("provider", "reason"), [("anthropic", "no_usage"), ("gemini", "duplicate_response_id")])
def test_beside_openllmetry_a_stream_keeps_the_fallbacks_priced_span(
    tracing: Tracing, transports: Transports, provider: str, reason: str
) -> None:
    model, _, streamed, _, _, stream_cost = CASES[provider]
    transports.answer = recording(*streamed)
    with fallback(tracing), openllmetry(tracing):
        call(model, stream=True, run_async=False)

    by_scope = {_scope(span): span for span in tracing.exporter.get_finished_spans()}
    assert set(by_scope) == {FALLBACK_SCOPE, OPENLLMETRY_SCOPE}
    assert dict(by_scope[FALLBACK_SCOPE].attributes or {})["gen_ai.usage.cost.amount"] == pytest.approx(
        stream_cost, abs=1e-15
    )
    theirs = dict(by_scope[OPENLLMETRY_SCOPE].attributes or {})
    assert "gen_ai.usage.input_tokens" not in theirs
    assert theirs["llmcost.reason"] == reason
