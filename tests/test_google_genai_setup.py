"""otel_llmcost.instrument() finds the Google Gen AI instrumentor by its entry point, and the standard variable
turns it off by its name, ``llmcost_google_genai``."""

from __future__ import annotations

import textwrap
from importlib.metadata import entry_points

import pytest

import otel_llmcost
from instrumentor_support import run_fresh
from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor

needs_entry_points = pytest.mark.skipif(
    not [ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == "llmcost_google_genai"],
    reason="the package's entry points are not installed (pip install -e .)",
)


@needs_entry_points
def test_instrument_instruments_google_genai_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    import google.genai  # noqa: F401 - the SDK's import is what instruments it (now, as it is imported already)

    monkeypatch.delenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", raising=False)
    try:
        otel_llmcost.instrument(setup_sdk=False)
        assert GoogleGenAIInstrumentor().is_instrumented_by_opentelemetry
    finally:
        otel_llmcost.uninstrument()
    assert not GoogleGenAIInstrumentor().is_instrumented_by_opentelemetry


@needs_entry_points
def test_instrument_honours_otel_python_disabled_instrumentations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "google-genai,llmcost_google_genai")
    try:
        otel_llmcost.instrument(providers=["google_genai"], setup_sdk=False)
        assert not GoogleGenAIInstrumentor().is_instrumented_by_opentelemetry
    finally:
        otel_llmcost.uninstrument()


def test_the_instrumentor_names_its_sdk_and_oldest_release() -> None:
    assert GoogleGenAIInstrumentor().instrumentation_dependencies() == ("google-genai >= 1.11",)


def _run(script: str) -> str:
    """``script`` in a fresh interpreter (where ``google.genai`` is not imported yet); what it printed."""
    prelude = textwrap.dedent(
        """
        import sys
        import wrapt
        from opentelemetry.sdk.trace import TracerProvider
        from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor

        def wrapped():
            import google.genai.models as models
            return isinstance(vars(models.Models)["_generate_content"], wrapt.FunctionWrapper)
        """
    )
    return run_fresh(script, prelude=prelude)


def test_instrumenting_does_not_import_google_genai_and_its_import_patches_it() -> None:
    printed = _run(
        """
        GoogleGenAIInstrumentor().instrument(tracer_provider=TracerProvider())
        print("google.genai" in sys.modules, wrapped())
        """
    )
    assert printed == "False True"


def test_uninstrumenting_before_the_import_leaves_google_genai_unpatched() -> None:
    printed = _run(
        """
        GoogleGenAIInstrumentor().instrument(tracer_provider=TracerProvider())
        GoogleGenAIInstrumentor().uninstrument()
        print(wrapped())
        """
    )
    assert printed == "False"
