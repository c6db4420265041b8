"""Delivering costs: with the collector down, with no backend at all, and with opt-in tenant dimensions.

What sets OpenTelemetry's globals runs in a subprocess (the apps of ``apps/``), as a user runs it; the rest
runs here on providers of each test's own. Costs are from the bundled table:

- anthropic ``sonnet_plain``: 1,250 input x $3 / 1M + 310 output x $15 / 1M = $0.0084;
- anthropic ``sonnet_cache``: 412 input x $3 + 10,240 cache reads x $0.30 + 2,048 5-minute cache writes x $3.75
  + 1,152 1-hour cache writes x $6 + 523 output x $15, per 1M = $0.001236 + $0.003072 + $0.00768 + $0.006912
  + $0.007845 = $0.026745;
- openai ``chat_gpt_4o_mini``: 600 x $0.15 + 400 cached x $0.075 + 200 output x $0.60, per 1M = $0.00024.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from apps.launch import app_environment, configurator_installed, other_instrumentations
from apps.scripts import run_script
from metrics_support import cost_points
from otel_llmcost import CostSpanProcessor
from otel_llmcost.processor._metrics import CostTotal, UnpricedTotal
from otel_llmcost.setup._delivery import EXPORT_TIMEOUT_S, ExportErrors, exporter_options
from otel_llmcost.setup._summary import format_summary
from otlp_receiver import OTLPReceiver, otlp_receiver_fixture  # noqa: F401 - the fixture

# Nothing listens on port 9 (discard) of loopback: connections are refused at once.
DOWN = "http://127.0.0.1:9"
CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.response.model": "claude-sonnet-4-5-20250929",
    "gen_ai.usage.input_tokens": 1250,
    "gen_ai.usage.output_tokens": 310,
}
SONNET = {
    "llmcost.status": "priced",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.response.model": "claude-sonnet-4-5-20250929",
}


def down_environment(**variables: str) -> dict[str, str]:
    environment = app_environment(
        OTEL_EXPORTER_OTLP_ENDPOINT=DOWN,
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
        **variables,
    )
    if configurator_installed():
        # Under opentelemetry-instrument, this package's hook builds the pipeline only when no configurator
        # does (opentelemetry-distro's keeps its exporters' 10 s timeout): stand in for an environment without.
        environment |= {"OTEL_PYTHON_DISTRO": "no-such-distro", "OTEL_PYTHON_CONFIGURATOR": "no-such-configurator"}
    return environment


# --- the collector is down ---------------------------------------------------------------------------------


@pytest.mark.parametrize("zero_code", [False, True], ids=["instrument", "opentelemetry-instrument"])
def test_with_the_endpoint_down_every_call_succeeds_with_one_warning_and_a_prompt_exit(zero_code: bool) -> None:
    started = time.time()
    run = run_script("endpoint_down.py", "calls", "300", environment=down_environment(), zero_code=zero_code)
    took = time.time() - started

    assert run.returncode == 0, run.stderr
    assert run.output["answered"] == 300
    assert run.output["errors"] == []
    assert "Traceback" not in run.stderr
    # One line on stderr in all: ours, which quotes the exporter's first error (and, under
    # opentelemetry-instrument, the line that says the stand-in configurator was not found). Measured: the app
    # exits about 2 s after its last call (the last spans and the last metrics, one retry each), 5 s from start.
    (line,) = [line for line in run.stderr.splitlines() if not line.startswith("Configuration of configurator")]
    assert line.startswith("otel-llmcost: telemetry export is failing, and what cannot be sent is dropped")
    assert "Connection refused" in line
    assert run.ended_at - float(str(run.output["finished_at"])) < 15
    assert took < 30


def test_with_the_endpoint_down_the_batch_queue_never_outgrows_its_bound() -> None:
    # 20,000 priced spans as fast as the app can make them, while each export waits for its retry.
    run = run_script("endpoint_down.py", "flood", "20000", environment=down_environment())

    assert run.returncode == 0, run.stderr
    # Measured after every span: the queue fills up to the batch span processor's bound and no further
    # (the spans past it are dropped). Exit takes about 6 s here: each queued batch gets one retry.
    assert run.output["max_queue_size"] == 2048
    assert run.output["longest_queue"] == 2048
    # One line: ours, quoting the first failure, which is the exporter's or the queue's "Queue full, dropping
    # Span." (whichever comes first); the lines after it are not printed.
    (line,) = run.stderr.splitlines()
    assert line.startswith("otel-llmcost: telemetry export is failing")


def test_our_otlp_exporters_get_a_short_timeout_unless_a_variable_sets_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for signal in ("", "TRACES_", "METRICS_"):
        monkeypatch.delenv(f"OTEL_EXPORTER_OTLP_{signal}TIMEOUT", raising=False)
    assert exporter_options("traces", "otlp_proto_http") == {"timeout": EXPORT_TIMEOUT_S}
    assert exporter_options("metrics", "otlp_proto_grpc") == {"timeout": EXPORT_TIMEOUT_S}
    assert exporter_options("traces", "console") == {}

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "7")
    assert exporter_options("traces", "otlp_proto_http") == {}
    assert exporter_options("metrics", "otlp_proto_http") == {"timeout": EXPORT_TIMEOUT_S}

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "5")
    assert exporter_options("metrics", "otlp_proto_http") == {}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def exporter_logger() -> Iterator[tuple[logging.Logger, Clock]]:
    clock = Clock()
    logger = logging.getLogger("test.otlp.exporter")
    errors = ExportErrors(clock)
    logger.addFilter(errors)
    yield logger, clock
    logger.removeFilter(errors)


def test_export_failures_become_one_warning_then_debug_lines_then_an_hourly_reminder(
    exporter_logger: tuple[logging.Logger, Clock], caplog: pytest.LogCaptureFixture
) -> None:
    logger, clock = exporter_logger
    caplog.set_level(logging.DEBUG)

    logger.warning("Transient error %s encountered while exporting %s batch, retrying in %.2fs.", "refused", "spans", 1)
    logger.error("Failed to export %s batch due to timeout, max retries or shutdown.", "spans")
    logger.warning("Queue full, dropping %s.", "span")
    clock.now += 3599
    logger.error("Failed to export %s batch code: %s, reason: %s", "metrics", 503, "Service Unavailable")
    clock.now += 1
    logger.error("Failed to export %s batch code: %s, reason: %s", "spans", 401, "Unauthorized")
    logger.warning("Exporter already shutdown, ignoring batch")

    assert [(record.name, record.levelname, record.getMessage()) for record in caplog.records] == [
        (
            "otel_llmcost",
            "WARNING",
            "otel-llmcost: telemetry export is failing, and what cannot be sent is dropped; the application is not "
            "affected, and later export errors are logged at debug level (logger otel_llmcost). Transient error "
            "refused encountered while exporting spans batch, retrying in 1.00s.",
        ),
        (
            "otel_llmcost",
            "DEBUG",
            "otel-llmcost: export failed again: Failed to export spans batch due to timeout, max retries or shutdown.",
        ),
        ("otel_llmcost", "DEBUG", "otel-llmcost: export failed again: Queue full, dropping span."),
        (
            "otel_llmcost",
            "DEBUG",
            "otel-llmcost: export failed again: Failed to export metrics batch code: 503, reason: Service Unavailable",
        ),
        (
            "otel_llmcost",
            "WARNING",
            "otel-llmcost: telemetry export is still failing (3 more errors): Failed to export spans batch code: 401, "
            "reason: Unauthorized",
        ),
        ("test.otlp.exporter", "WARNING", "Exporter already shutdown, ignoring batch"),
    ]


# --- costs without a backend: the summary at exit ----------------------------------------------------------

SUMMARY = """\
otel-llmcost: cost of the GenAI calls of this process
  provider   model                       calls  cost (USD)
  anthropic  claude-sonnet-4-5-20250929      2  0.035145
  openai     gpt-4o-mini-2024-07-18          1  0.00024
  total                                      3  0.035385
  not priced: 1 call to anthropic claude-experimental-preview-20261120 (unknown_model)
"""


@pytest.mark.parametrize("zero_code", [False, True], ids=["instrument", "opentelemetry-instrument"])
def test_the_summary_at_exit_prints_the_cost_per_model_with_no_backend(zero_code: bool) -> None:
    environment = app_environment(
        OTEL_LLMCOST_SUMMARY="true",
        OTEL_TRACES_EXPORTER="none",
        OTEL_METRICS_EXPORTER="none",
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
    )

    arguments = () if zero_code else ("--instrument",)
    run = run_script("cost_summary.py", *arguments, environment=environment, zero_code=zero_code)

    assert run.returncode == 0, run.stderr
    assert run.stdout == "done\n"
    assert run.stderr == SUMMARY


def test_the_summary_marks_estimated_costs_and_says_when_nothing_was_priced() -> None:
    estimated = CostTotal("openai", "chat", "gpt-4o", "gpt-4o-2024-08-06", "estimated", Decimal("0.0125"), 1)
    exact = CostTotal("openai", "chat", "gpt-4o", "gpt-4o-2024-08-06", "priced", Decimal("0.0375"), 3)
    unpriced = [UnpricedTotal("acme", "chat", "acme-1", None, "unknown_model", 2)]

    assert format_summary([estimated, exact], unpriced) == (
        "otel-llmcost: cost of the GenAI calls of this process\n"
        "  provider  model              calls  cost (USD)\n"
        "  openai    gpt-4o-2024-08-06      4  0.05 (estimated)\n"
        "  total                            4  0.05\n"
        "  not priced: 2 calls to acme acme-1 (unknown_model)\n"
    )
    assert format_summary([], []) == "otel-llmcost: no GenAI call was priced in this process.\n"


# --- tenant dimensions: off by default, allowlisted, capped ------------------------------------------------


class Pipeline:
    """A tracer provider with a cost processor of the given options, and the cost counter's data points."""

    def __init__(self, **options: Any) -> None:
        self.reader = InMemoryMetricReader()
        self.meters = MeterProvider(metric_readers=[self.reader])
        self.provider = TracerProvider()
        self.processor = CostSpanProcessor(
            SimpleSpanProcessor(InMemorySpanExporter()), meter_provider=self.meters, **options
        )
        self.provider.add_span_processor(self.processor)
        self.tracer = self.provider.get_tracer("test")

    def call(self, **attributes: object) -> None:
        with self.tracer.start_as_current_span("chat claude-sonnet-4-5", attributes={**CHAT, **attributes}):
            pass

    def cost_points(self) -> list[tuple[dict[str, Any], float]]:
        points = [(dict(point.attributes or {}), round(point.value, 6)) for point in cost_points(self.reader)]
        return sorted(points, key=repr)

    def close(self) -> None:
        self.provider.shutdown()
        self.meters.shutdown()


@pytest.fixture
def pipelines() -> Iterator[list[Pipeline]]:
    made: list[Pipeline] = []
    yield made
    for pipeline in made:
        pipeline.close()


def test_the_cost_counter_has_no_tenant_dimension_by_default(
    pipelines: list[Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OTEL_LLMCOST_METRIC_ATTRIBUTES", raising=False)
    pipeline = Pipeline()
    pipelines.append(pipeline)

    pipeline.call(**{"tenant.id": "acme", "enduser.id": "u-17"})

    assert pipeline.cost_points() == [(SONNET, 0.0084)]


def test_allowlisted_attributes_come_from_the_call_or_its_nearest_open_ancestor(pipelines: list[Pipeline]) -> None:
    pipeline = Pipeline(metric_attributes=("tenant.id", "app.feature"))
    pipelines.append(pipeline)

    with pipeline.tracer.start_as_current_span("request", attributes={"tenant.id": "acme", "app.feature": "chat"}):
        with pipeline.tracer.start_as_current_span("step", attributes={"tenant.id": "globex"}):
            pipeline.call()
        pipeline.call(**{"tenant.id": "initech", "enduser.id": "u-17"})
    pipeline.call()

    assert pipeline.cost_points() == [
        ({**SONNET, "tenant.id": "globex", "app.feature": "chat"}, 0.0084),
        ({**SONNET, "tenant.id": "initech", "app.feature": "chat"}, 0.0084),
        (SONNET, 0.0084),
    ]


def test_past_the_cap_new_values_are_counted_as_other(pipelines: list[Pipeline]) -> None:
    pipeline = Pipeline(metric_attributes="tenant.id", max_metric_attribute_values=2)
    pipelines.append(pipeline)

    for tenant in ("acme", "globex", "initech", "acme", "umbrella"):
        pipeline.call(**{"tenant.id": tenant})

    assert pipeline.cost_points() == [
        ({**SONNET, "tenant.id": "_OTHER"}, 0.0168),
        ({**SONNET, "tenant.id": "acme"}, 0.0168),
        ({**SONNET, "tenant.id": "globex"}, 0.0084),
    ]
    # The totals behind the summary add the tenants up.
    (total,), unpriced = pipeline.processor.totals()
    assert (total.response_model, total.status, total.cost_usd, total.calls) == (
        "claude-sonnet-4-5-20250929",
        "priced",
        Decimal("0.0420"),
        5,
    )
    assert unpriced == []


def test_the_allowlist_can_come_from_the_environment_and_cannot_name_the_counters_own_attributes(
    pipelines: list[Pipeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_LLMCOST_METRIC_ATTRIBUTES", " tenant.id , ")
    pipeline = Pipeline()
    pipelines.append(pipeline)
    pipeline.call(**{"tenant.id": 42})

    assert pipeline.cost_points() == [({**SONNET, "tenant.id": 42}, 0.0084)]
    with pytest.raises(ValueError, match=r"'gen_ai.request.model' is an attribute of the cost counter already"):
        CostSpanProcessor(SimpleSpanProcessor(InMemorySpanExporter()), metric_attributes=["gen_ai.request.model"])


def test_instrument_adds_the_tenant_dimension_to_the_exported_cost_counter(otlp_receiver: OTLPReceiver) -> None:
    environment = app_environment(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint,
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
    )

    run = run_script("tenants.py", environment=environment)

    assert run.returncode == 0, run.stderr
    points = {
        (point.attributes["tenant.id"], point.attributes["gen_ai.provider.name"]): point.value
        for point in otlp_receiver.points_of("llmcost.cost")
    }
    assert points == {("acme", "anthropic"): 0.0084, ("acme", "openai"): 0.00024, ("globex", "anthropic"): 0.026745}
    assert {span.attributes.get("tenant.id") for span in otlp_receiver.spans if span.name == "handle request"} == {
        "acme",
        "globex",
    }
