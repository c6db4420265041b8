"""`otel_llmcost.instrument()` picks the Anthropic instrumentor up under its entry point, ``llmcost_anthropic``."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

import otel_llmcost
from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor

pytestmark = pytest.mark.skipif(
    not [ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == "llmcost_anthropic"],
    reason="the package's entry points are not installed (pip install -e .)",
)


def test_the_entry_point_names_the_instrumentor() -> None:
    (entry_point,) = [ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == "llmcost_anthropic"]
    assert entry_point.load() is AnthropicInstrumentor


def test_instrument_instruments_anthropic_and_uninstrument_undoes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import anthropic  # noqa: F401 - the SDK's import is what instruments it (now, as it is imported already)

    monkeypatch.delenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", raising=False)
    try:
        otel_llmcost.instrument(setup_sdk=False)
        assert AnthropicInstrumentor().is_instrumented_by_opentelemetry
    finally:
        otel_llmcost.uninstrument()
    assert not AnthropicInstrumentor().is_instrumented_by_opentelemetry


def test_otel_python_disabled_instrumentations_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "requests, llmcost_anthropic")
    try:
        otel_llmcost.instrument(providers=["anthropic"], setup_sdk=False)
        assert not AnthropicInstrumentor().is_instrumented_by_opentelemetry
    finally:
        otel_llmcost.uninstrument()
