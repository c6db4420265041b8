"""One Mistral call, one priced span, whichever tracers are on: ours, the SDK's own tracing (mistralai 3.x,
given the application's tracer provider), OpenLLMetry's ``opentelemetry-instrumentation-mistralai`` (which
instruments mistralai 1.x only: its modules moved in 3.x).

The SDK's ``dedicated`` mode, which exports to Mistral, is never turned on here, nor by the instrumentor.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import pytest

from mistralai_support import CACHED_TOKENS_KEPT, MESSAGES, client, cost, only_span, recording
from otel_llmcost.instrumentation.mistralai import MistralInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

# chat_large and chat_large_stream: 1,200 prompt tokens (200 cached), 300 completion tokens, mistral-large-2512.
# 1000 * 0.50/1e6 + 200 * 0.05/1e6 + 300 * 1.50/1e6;
# mistralai 1.0 drops the cached part: 1200 * 0.50/1e6 + 300 * 1.50/1e6
CHAT_COST = Decimal("0.00096") if CACHED_TOKENS_KEPT else Decimal("0.00105")
# mistralai 2.x's own spans leave the cached part out: 1200 * 0.50/1e6 + 300 * 1.50/1e6
NATIVE_COST = CHAT_COST if int(version("mistralai").split(".")[0]) >= 3 else Decimal("0.00105")
NATIVE_SCOPE = "mistralai_sdk_tracer"


def _native_available() -> bool:
    try:
        import mistralai.extra.observability.telemetry  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError:
        return False
    return True


@contextmanager
def ours(tracing: Tracing) -> Iterator[None]:
    instrumentor = MistralInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    try:
        yield
    finally:
        instrumentor.uninstrument()


def _openllmetry_reads_streams() -> bool:
    """OpenLLMetry 0.62 starts each streamed choice with ``finish_reason=None``, which mistralai 1.0 rejects."""
    from mistralai_support import SDK_PACKAGE

    models: Any = importlib.import_module(f"{SDK_PACKAGE}.models")
    try:
        models.ChatCompletionChoice(index=0, message=models.AssistantMessage(content=""), finish_reason=None)
    except ValueError:
        return False
    return True


@contextmanager
def openllmetry(tracing: Tracing, *, streamed: bool = False) -> Iterator[None]:
    if streamed and not _openllmetry_reads_streams():
        pytest.skip("OpenLLMetry's Mistral instrumentor fails on this mistralai's streams")
    try:
        from opentelemetry.instrumentation.mistralai import MistralAiInstrumentor

        instrumentor = MistralAiInstrumentor()
        instrumentor.instrument(tracer_provider=tracing.tracer_provider)
    except ImportError as error:  # mistralai 3.x: ``mistralai.chat`` and ``mistralai.models`` are gone
        pytest.skip(f"OpenLLMetry's Mistral instrumentor does not instrument this mistralai: {error}")
    try:
        yield
    finally:
        instrumentor.uninstrument()


def native(sdk: Any, tracing: Tracing) -> None:
    """The SDK's own tracing for ``sdk``, to the application's tracer provider (never ``dedicated``)."""
    if not _native_available():
        pytest.skip("this mistralai has no tracing of its own")
    from mistralai.extra.observability.telemetry import configure_telemetry

    configure_telemetry(sdk, provider=tracing.tracer_provider, redaction=False)


TRACERS = ("ours", "native", "openllmetry")
COMBINATIONS = [
    combination for size in range(1, len(TRACERS) + 1) for combination in itertools.combinations(TRACERS, size)
]


@pytest.mark.parametrize("tracers", COMBINATIONS, ids=["+".join(combination) for combination in COMBINATIONS])
@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_one_call_is_one_priced_span(tracing: Tracing, tracers: tuple[str, ...], streamed: bool) -> None:
    with ExitStack() as stack:
        if "ours" in tracers:
            stack.enter_context(ours(tracing))
        if "openllmetry" in tracers:
            stack.enter_context(openllmetry(tracing, streamed=streamed))
        if streamed:
            sdk, _ = client(recording("chat_large_stream", live=True))
            if "native" in tracers:
                native(sdk, tracing)
            assert len(list(sdk.chat.stream(model="mistral-large-2512", messages=MESSAGES))) == 6
        else:
            sdk, _ = client(recording("chat_large"))
            if "native" in tracers:
                native(sdk, tracing)
            sdk.chat.complete(model="mistral-large-2512", messages=MESSAGES)

    span = only_span(tracing)
    found = dict(span.attributes or {})
    assert found["llmcost.price.entry"] == "mistral_ai/mistral-large-2512"
    assert cost(found) == (NATIVE_COST if "native" in tracers else CHAT_COST)
    if "native" in tracers:
        assert span.instrumentation_scope is not None
        assert span.instrumentation_scope.name == NATIVE_SCOPE


def test_the_instrumentor_never_turns_the_sdk_tracing_on(tracing: Tracing) -> None:
    if not _native_available():
        pytest.skip("this mistralai has no tracing of its own")
    from mistralai.client._hooks.tracing import TracingHook

    with ours(tracing):
        sdk, _ = client(recording("chat_large"))
        sdk.chat.complete(model="mistral-large-2512", messages=MESSAGES)

    (hook,) = [hook for hook in sdk.sdk_configuration._hooks.before_request_hooks if isinstance(hook, TracingHook)]
    assert hook.tracer_provider is None
    assert hook._auto_telemetry_provider is None  # no dedicated provider: nothing exported to Mistral
    assert only_span(tracing).instrumentation_scope.name.startswith("otel_llmcost")


def test_global_mode_without_an_application_provider_leaves_the_call_to_ours(tracing: Tracing) -> None:
    """``global`` sends the SDK's spans to the global tracer provider: with none set, they go nowhere."""
    if not _native_available():
        pytest.skip("this mistralai has no tracing of its own")
    from mistralai.extra.observability.telemetry import configure_telemetry
    from opentelemetry import trace

    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        pytest.skip("a global tracer provider was set by an earlier test")
    with ours(tracing):
        sdk, _ = client(recording("chat_large"))
        configure_telemetry(sdk, provider="global", redaction=False)
        sdk.chat.complete(model="mistral-large-2512", messages=MESSAGES)

    span = only_span(tracing)
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name != NATIVE_SCOPE
    assert cost(dict(span.attributes or {})) == CHAT_COST
