"""One Gemini call, one priced span, whichever GenAI instrumentors of google-genai are on together.

The instrumentors: ours (``llmcost``); the official OpenTelemetry one, ``opentelemetry-instrumentation-google-genai``
(``official``: it declares ``google-genai < 3``, so the test forces it onto the installed 3.x with
``skip_dep_check``); OpenLLMetry's ``opentelemetry-instrumentation-google-generativeai`` (``openllmetry``) and
``-vertexai`` (``openllmetry_vertexai``, which traces the ``vertexai`` SDK, not google-genai); OpenInference's
``openinference-instrumentation-google-genai`` (``openinference``). Ours steps aside where another traces the
call; where two others trace it, the cost processor marks the second span a duplicate.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

import pytest
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # pyright: ignore[reportMissingTypeStubs]

from google_genai_support import MILLION, client, recorded
from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

OURS = "llmcost"
OFFICIAL = "official"
OPENLLMETRY = "openllmetry"
OPENLLMETRY_VERTEXAI = "openllmetry_vertexai"
OPENINFERENCE = "openinference"
# OpenLLMetry's vertexai instrumentor imports the vertexai SDK (google-cloud-aiplatform), which google-genai
# users need not have: without it, it is not part of the matrix.
OTHERS = (OFFICIAL, OPENLLMETRY, OPENINFERENCE) + ((OPENLLMETRY_VERTEXAI,) if find_spec("vertexai") else ())
# Every combination of ours (on or off) and the others, with at least one of them on.
COMBINATIONS = [
    combination
    for size in range(1, len(OTHERS) + 2)
    for combination in itertools.combinations((OURS, *OTHERS), size)
    if combination != (OPENLLMETRY_VERTEXAI,)  # alone, nothing traces google-genai
]
# The instrumentors spell the provider apart (``gemini``, ``gcp.gen_ai``, OpenInference ``google``): the
# processor claims a response id under the price table's name for the provider (``gcp.gemini`` for all three), so
# two spans of one response are one call. OpenInference's span carries no response id, and its usage differs from
# OpenLLMetry's (which leaves the thinking tokens out): nothing ties those two spans to one call, so both are priced
# (with the official one on as well, OpenInference's span is inside its span, with the same usage: a duplicate).


def _case(names: tuple[str, ...]) -> Any:
    if OPENLLMETRY in names and OPENINFERENCE in names and OFFICIAL not in names:
        reason = "OpenInference's span has no response id and OpenLLMetry's other usage: two calls to the processor"
        return pytest.param(names, marks=pytest.mark.xfail(reason=reason, strict=True), id="+".join(names))
    return pytest.param(names, id="+".join(names))


THINKING_COST = 1200 * Decimal("0.30") / MILLION + (300 + 500) * Decimal("2.50") / MILLION  # $0.00236


def _instrumentor(name: str) -> BaseInstrumentor:
    if name == OURS:
        return GoogleGenAIInstrumentor()
    if name == OFFICIAL:
        from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor

        return GoogleGenAiSdkInstrumentor()
    if name == OPENLLMETRY:
        from opentelemetry.instrumentation.google_generativeai import GoogleGenerativeAiInstrumentor

        return GoogleGenerativeAiInstrumentor()
    if name == OPENLLMETRY_VERTEXAI:
        from opentelemetry.instrumentation.vertexai import VertexAIInstrumentor

        return VertexAIInstrumentor()
    from openinference.instrumentation.google_genai import GoogleGenAIInstrumentor as OpenInference

    return OpenInference()


@contextmanager
def all_on(tracing: Tracing, names: tuple[str, ...]) -> Iterator[None]:
    with ExitStack() as stack:
        for name in names:
            instrumentor = _instrumentor(name)
            instrumentor.instrument(
                tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider, skip_dep_check=True
            )
            stack.callback(instrumentor.uninstrument)
        yield


def _priced(tracing: Tracing) -> list[dict[str, Any]]:
    spans = [dict(span.attributes or {}) for span in tracing.exporter.get_finished_spans()]
    return [attributes for attributes in spans if "gen_ai.usage.cost.amount" in attributes]


@pytest.mark.parametrize("names", [_case(names) for names in COMBINATIONS])
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_one_call_is_one_priced_span(tracing: Tracing, names: tuple[str, ...], asynchronous: bool) -> None:
    sdk, _ = client(recorded("flash_thinking"))
    with all_on(tracing, names):
        if asynchronous:
            asyncio.run(sdk.aio.models.generate_content(model="gemini-2.5-flash", contents="Why was I charged twice?"))
        else:
            sdk.models.generate_content(model="gemini-2.5-flash", contents="Why was I charged twice?")
    priced = _priced(tracing)
    assert len(priced) == 1, [(span.get("llmcost.status"), span.get("gen_ai.operation.name")) for span in priced]
    if names == (OURS,) or names == (OURS, OPENLLMETRY_VERTEXAI):
        assert Decimal(repr(priced[0]["gen_ai.usage.cost.amount"])) == THINKING_COST


@pytest.mark.parametrize(
    "names",
    [(OURS,), (OFFICIAL,), (OURS, OFFICIAL)],
    ids=["+".join(n) for n in [(OURS,), (OFFICIAL,), (OURS, OFFICIAL)]],
)
def test_one_streamed_call_is_one_priced_span(tracing: Tracing, names: tuple[str, ...]) -> None:
    sdk, _ = client(recorded("flash_stream"))
    with all_on(tracing, names):
        for _ in sdk.models.generate_content_stream(model="gemini-2.5-flash", contents="Why was I charged twice?"):
            pass
    assert len(_priced(tracing)) == 1


def test_spans_that_spell_the_provider_apart_are_one_call(tracing: Tracing) -> None:
    # OpenLLMetry's span and the official one's, one around the other, spell the provider apart (``gcp.gen_ai``,
    # ``gemini``) and report different usage, but one response id: one call, priced once.
    sdk, _ = client(recorded("flash_thinking"))
    with all_on(tracing, (OPENLLMETRY, OFFICIAL)):
        sdk.models.generate_content(model="gemini-2.5-flash", contents="Why was I charged twice?")
    calls = [dict(span.attributes or {}) for span in tracing.exporter.get_finished_spans()]
    calls = [attributes for attributes in calls if "llmcost.status" in attributes]
    assert [(call["gen_ai.provider.name"], call["llmcost.status"]) for call in calls] == [
        ("gcp.gen_ai", "priced"),
        ("gemini", "duplicate"),
    ]
    priced, duplicate = calls
    # The first span to end is priced: OpenLLMetry's, which leaves the 500 thinking tokens out of its usage.
    assert (priced["gen_ai.usage.input_tokens"], priced["gen_ai.usage.output_tokens"]) == (1200, 300)
    assert (
        Decimal(repr(priced["gen_ai.usage.cost.amount"]))
        == 1200 * Decimal("0.30") / MILLION + 300 * Decimal("2.50") / MILLION
    )  # $0.00111
    assert duplicate["llmcost.reason"] == "duplicate_response_id"
    assert "gen_ai.usage.cost.amount" not in duplicate
