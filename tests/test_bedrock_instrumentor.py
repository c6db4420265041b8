"""The Bedrock instrumentor's life cycle: botocore patched when the application imports it, never before."""

from __future__ import annotations

from instrumentor_support import run_fresh

_PRELUDE = """
import sys
import wrapt
from opentelemetry.sdk.trace import TracerProvider
from otel_llmcost.instrumentation.bedrock import BedrockInstrumentor

def wrapped():
    import botocore.client
    return isinstance(vars(botocore.client.BaseClient)["_make_api_call"], wrapt.FunctionWrapper)
"""


def _run(script: str) -> str:
    """``script`` in a fresh interpreter (where ``botocore`` is not imported yet); what it printed."""
    return run_fresh(
        script, prelude=_PRELUDE, environment={"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"}
    )


def test_instrumenting_does_not_import_botocore_and_its_import_patches_it() -> None:
    printed = _run(
        """
        BedrockInstrumentor().instrument(tracer_provider=TracerProvider())
        print("botocore" in sys.modules, wrapped())
        """
    )
    assert printed == "False True"


def test_instrumenting_after_boto3_was_imported_patches_at_once_and_uninstrument_restores() -> None:
    printed = _run(
        """
        import boto3
        before = wrapped()
        BedrockInstrumentor().instrument(tracer_provider=TracerProvider())
        during = wrapped()
        BedrockInstrumentor().uninstrument()
        print(before, during, wrapped())
        """
    )
    assert printed == "False True False"


def test_the_setup_instrument_finds_the_entry_point_and_imports_no_botocore() -> None:
    printed = _run(
        """
        import otel_llmcost
        otel_llmcost.instrument(setup_sdk=False)
        print("botocore" in sys.modules, wrapped())
        """
    )
    assert printed == "False True"
