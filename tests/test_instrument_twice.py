"""`instrument()` called again: what it can still apply it applies; what it cannot, it names in one warning."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_llmcost
from otel_llmcost.setup import _instrument
from test_setup_instrument import needs_entry_points

PRICES = '{"provider": "openai", "models": [{"id": "gpt-4o-mini", "prices": [{"usd_per_million_tokens": {"input": "0.1", "output": "0.4"}}]}]}'  # noqa: E501


@pytest.fixture
def application_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[TracerProvider]:
    """An application's own global SDK tracer provider, with an exporting processor for `instrument` to wrap."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    monkeypatch.setattr(_instrument.trace, "get_tracer_provider", lambda: provider)
    monkeypatch.setattr(_instrument, "tracer_provider_unset", lambda: False)
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
    monkeypatch.delenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", raising=False)
    yield provider
    otel_llmcost.uninstrument()
    provider.shutdown()


@pytest.fixture
def price_files(tmp_path: Path) -> tuple[str, str]:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(PRICES, encoding="utf-8")
    second.write_text(PRICES, encoding="utf-8")
    return str(first), str(second)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


@pytest.mark.usefixtures("application_provider")
def test_a_second_call_with_other_pricing_options_names_them_in_one_warning(
    price_files: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = price_files
    with caplog.at_level(logging.WARNING, logger="otel_llmcost"):
        otel_llmcost.instrument(providers=[], pricing_file=first, model_map={"mine": "gpt-4o-mini"})
        otel_llmcost.instrument(providers=[], pricing_file=[first])  # the same file: nothing ignored
        otel_llmcost.instrument(providers=[])  # nothing given: nothing ignored
        assert warnings_of(caplog) == []

        otel_llmcost.instrument(providers=[], pricing_file=second, model_map={"other": "gpt-4o"}, cost_aliases=None)

    assert warnings_of(caplog) == [
        "otel-llmcost: instrument() ignores pricing_file, model_map: the cost processor and instrumentors in place "
        "keep the options they were built with (uninstrument() first to rebuild what it can)"
    ]


def test_after_uninstrument_a_wrapped_pipeline_takes_new_options(
    application_provider: TracerProvider, price_files: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = price_files
    with caplog.at_level(logging.WARNING, logger="otel_llmcost"):
        otel_llmcost.instrument(providers=[], pricing_file=first)
        otel_llmcost.uninstrument()
        otel_llmcost.instrument(providers=[], pricing_file=second)

    assert warnings_of(caplog) == []
    assert _instrument._state.pricing is not None  # pyright: ignore[reportPrivateUsage]
    assert _instrument._state.pricing.pricing_file == second  # pyright: ignore[reportPrivateUsage]


@needs_entry_points
@pytest.mark.usefixtures("application_provider")
def test_a_second_call_cannot_change_content_capture_of_instrumented_sdks(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="otel_llmcost"):
        otel_llmcost.instrument(providers=["openai"], capture_content=False)
        otel_llmcost.instrument(providers=["openai"], capture_content=False)
        assert warnings_of(caplog) == []
        otel_llmcost.instrument(providers=["openai"], capture_content=True)

    assert warnings_of(caplog) == [
        "otel-llmcost: instrument() ignores capture_content: the cost processor and instrumentors in place keep "
        "the options they were built with (uninstrument() first to rebuild what it can)"
    ]
