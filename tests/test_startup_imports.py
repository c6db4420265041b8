"""What `instrument()` imports at start-up, and that what it defers loads and works when first needed.

Each test runs a fresh interpreter, where nothing is imported yet, with the three exporters ``none`` (the
exporters' own imports are not ours; `benchmarks/bench_startup.py` measures the same programs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import pytest

from otel_llmcost.instrumentation import INSTRUMENTORS

ROOT = Path(__file__).resolve().parents[1]

# Loaded only when an SDK is imported, a metrics exporter is named, or an override price file is read.
DEFERRED = (
    "wrapt",  # wrapt imports asyncio and ssl
    "asyncio",
    "ssl",
    "hashlib",
    "packaging",
    "importlib.metadata",
    "multiprocessing",
    "opentelemetry.sdk.metrics",
    "opentelemetry.instrumentation.instrumentor",
    "otel_llmcost.instrumentation._instrumentor",
    "otel_llmcost.tokens",
    *(ours.instrumentor.partition(":")[0] for ours in INSTRUMENTORS.values()),
)
SDKS = ("openai", "anthropic", "google.genai", "botocore", "mistralai", "cohere", "httpx", "httpx2", "requests")


def _run(script: str, **environment: str) -> dict[str, object]:
    """``script`` in a fresh interpreter with the exporters off; the JSON it printed last."""
    variables = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        **environment,
    }
    variables.pop("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", None)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=variables, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_instrument_imports_no_sdk_and_nothing_it_can_defer() -> None:
    found = _run(
        f"""
        import json, sys
        import otel_llmcost
        otel_llmcost.instrument()
        print(json.dumps([name for name in {(*DEFERRED, *SDKS)!r} if name in sys.modules]))
        """
    )

    assert found == []


def test_an_sdk_imported_after_instrument_is_instrumented_then_and_uninstrument_puts_it_back() -> None:
    found = _run(
        """
        import json, sys
        import otel_llmcost
        otel_llmcost.instrument()
        before = "otel_llmcost.instrumentation.openai" in sys.modules
        import openai
        from otel_llmcost.instrumentation.openai import OpenAIInstrumentor
        patched = type(vars(openai.resources.chat.Completions)["create"]).__name__
        instrumented = OpenAIInstrumentor().is_instrumented_by_opentelemetry
        otel_llmcost.uninstrument()
        after = type(vars(openai.resources.chat.Completions)["create"]).__name__
        print(json.dumps([before, patched, instrumented, after]))
        """
    )

    assert found == [False, "FunctionWrapper", True, "function"]


def test_uninstrument_before_the_sdk_is_imported_leaves_it_alone() -> None:
    found = _run(
        """
        import json, sys
        import otel_llmcost
        otel_llmcost.instrument()
        otel_llmcost.uninstrument()
        import openai
        patched = type(vars(openai.resources.chat.Completions)["create"]).__name__
        print(json.dumps([patched, "otel_llmcost.instrumentation.openai" in sys.modules]))
        """
    )

    assert found == ["function", False]


def test_a_named_metrics_exporter_still_gets_a_meter_provider() -> None:
    found = _run(
        """
        import json
        import otel_llmcost
        otel_llmcost.instrument()
        from opentelemetry import metrics
        print(json.dumps(type(metrics.get_meter_provider()).__module__))
        """,
        OTEL_METRICS_EXPORTER="console",
        OTEL_METRIC_EXPORT_INTERVAL="600000",
    )

    assert found == "opentelemetry.sdk.metrics._internal"


def test_forked_workers_are_still_flushed_when_multiprocessing_comes_later() -> None:
    found = _run(
        """
        import json, multiprocessing.util
        import otel_llmcost
        from otel_llmcost.setup import _fork
        otel_llmcost.instrument()
        registered = any(key[2] is _fork._in_child for key in multiprocessing.util._afterfork_registry)
        print(json.dumps(registered))
        """
    )

    assert found is True


def test_the_instrumentor_table_says_what_the_entry_points_and_classes_say() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"][
        "opentelemetry_instrumentor"
    ]

    assert declared == {f"llmcost_{name}": ours.instrumentor for name, ours in INSTRUMENTORS.items()}
    for ours in INSTRUMENTORS.values():
        module, _, name = ours.instrumentor.partition(":")
        instrumentor = getattr(import_module(module), name)
        assert (instrumentor.sdk, *instrumentor.also) == ours.modules


@pytest.mark.parametrize("name", sorted(INSTRUMENTORS))
def test_each_instrumentor_waits_for_a_module_its_sdk_has(name: str) -> None:
    # A typo in a module name would wait forever, silently. The test environment has every extra installed.
    first = INSTRUMENTORS[name].modules[0]

    assert find_spec(first) is not None, f"{name} waits for {first!r}, which no installed package provides"
