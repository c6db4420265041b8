"""``opentelemetry-instrument python app.py``: priced GenAI spans and cost metrics with no code.

Each test runs the real command on ``apps/llm_calls.py`` in a subprocess: the real anthropic SDK (which traces
itself) or the real openai SDK (traced by this package's ``llmcost_openai`` instrumentor) answering from a
recording through a fake transport, and the real OTLP/HTTP exporters shipping to `OTLPReceiver` on loopback.

Expected costs, from the bundled table:

- anthropic ``sonnet_plain``: 1,250 input x $3 / 1M + 310 output x $15 / 1M = $0.00375 + $0.00465 = $0.0084.
- openai ``chat_gpt_4o_mini``: 1,000 prompt tokens of which 400 cached, 200 completion tokens:
  600 x $0.15 / 1M + 400 x $0.075 / 1M + 200 x $0.60 / 1M = $0.00009 + $0.00003 + $0.00012 = $0.00024.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import entry_points

import pytest

from apps.launch import OTHER_DISTRO, app_environment, configurator_installed, other_instrumentations, run_app
from otel_llmcost.setup._configurator import pre_instrument
from otel_llmcost.setup._pipeline import tracer_provider_unset
from otlp_receiver import OTLPReceiver, ReceivedSpan, otlp_receiver_fixture  # noqa: F401 - the fixture

needs_install = pytest.mark.skipif(
    not entry_points(group="opentelemetry_pre_instrument", name="llmcost"),
    reason="otel-llmcost is not installed, so its entry points are missing: pip install -e .",
)

ANTHROPIC_SPAN = "anthropic.messages.create"
OPENAI_SPAN = "chat gpt-4o-mini"
ANTHROPIC_COST = 0.0084
OPENAI_COST = 0.00024
ANTHROPIC_METRIC_ATTRIBUTES = {
    "llmcost.status": "priced",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.response.model": "claude-sonnet-4-5-20250929",
}
OPENAI_METRIC_ATTRIBUTES = {
    "llmcost.status": "priced",
    "gen_ai.provider.name": "openai",
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
}


def zero_code_environment(receiver: OTLPReceiver, disabled: tuple[str, ...] = (), **variables: str) -> dict[str, str]:
    return app_environment(
        OTEL_SERVICE_NAME="llm-calls",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join([*other_instrumentations(), *disabled]),
        **variables,
    )


def only_span(receiver: OTLPReceiver, name: str) -> ReceivedSpan:
    spans = receiver.spans_named(name)
    assert len(spans) == 1, [span.name for span in receiver.spans]
    return spans[0]


def cost_total(receiver: OTLPReceiver, attributes: dict[str, object]) -> float:
    """The cumulative ``llmcost.cost`` for ``attributes`` in the last export that had it."""
    points = [point for point in receiver.points_of("llmcost.cost") if point.attributes == attributes]
    assert points, receiver.points
    assert points[-1].unit == "USD"
    return points[-1].value


@needs_install
def test_anthropic_spans_are_priced_by_the_pipeline_built_when_no_configurator_is_installed(
    otlp_receiver: OTLPReceiver,
) -> None:
    environment = zero_code_environment(otlp_receiver)
    if configurator_installed():
        # Stand in for an environment without one: no distro, and a configurator name that matches none.
        environment |= {"OTEL_PYTHON_DISTRO": "no-such-distro", "OTEL_PYTHON_CONFIGURATOR": "no-such-configurator"}

    run = run_app("anthropic", environment=environment, zero_code=True)

    # http/protobuf is the default protocol: the receiver speaks nothing else.
    assert run.output == {
        "id": "msg_01HCDu5LRGeP2o7s2xGmxyFE",
        "processors": ["CostSpanProcessor(AttributionSpanProcessor(BatchSpanProcessor))"],
    }
    span = only_span(otlp_receiver, ANTHROPIC_SPAN)
    assert span.resource["service.name"] == "llm-calls"
    assert span.attributes["gen_ai.usage.cost.amount"] == ANTHROPIC_COST
    assert span.attributes["gen_ai.usage.cost.currency"] == "USD"
    assert span.attributes["llmcost.status"] == "priced"
    assert span.attributes["llmcost.cost.input"] == 0.00375
    assert span.attributes["llmcost.cost.output"] == 0.00465
    assert cost_total(otlp_receiver, ANTHROPIC_METRIC_ATTRIBUTES) == ANTHROPIC_COST


@needs_install
def test_the_pipeline_another_configurator_built_gets_one_cost_processor_in_front_of_its_exporter(
    otlp_receiver: OTLPReceiver,
) -> None:
    # other_distro is first on the path, so its distro and configurator are the ones loaded.
    environment = zero_code_environment(
        otlp_receiver, PYTHONPATH=str(OTHER_DISTRO), OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf"
    )

    # instrument() in the application as well finds the pipeline priced and adds nothing.
    run = run_app("anthropic", "--instrument", environment=environment, zero_code=True)

    assert run.output["processors"] == ["CostSpanProcessor(AttributionSpanProcessor(BatchSpanProcessor))"]
    span = only_span(otlp_receiver, ANTHROPIC_SPAN)
    assert span.attributes["gen_ai.usage.cost.amount"] == ANTHROPIC_COST
    assert cost_total(otlp_receiver, ANTHROPIC_METRIC_ATTRIBUTES) == ANTHROPIC_COST
    assert "Traceback" not in run.stderr


@needs_install
@pytest.mark.skipif(
    importlib.util.find_spec("opentelemetry.distro") is None, reason="opentelemetry-distro is not installed"
)
def test_opentelemetry_distro_installed_beside_still_gives_one_priced_span(otlp_receiver: OTLPReceiver) -> None:
    # opentelemetry-distro defaults to gRPC; the receiver takes OTLP over HTTP.
    environment = zero_code_environment(otlp_receiver, OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf")

    run = run_app("anthropic", environment=environment, zero_code=True)

    assert run.output["processors"] == ["CostSpanProcessor(AttributionSpanProcessor(BatchSpanProcessor))"]
    span = only_span(otlp_receiver, ANTHROPIC_SPAN)
    assert span.attributes["gen_ai.usage.cost.amount"] == ANTHROPIC_COST
    assert cost_total(otlp_receiver, ANTHROPIC_METRIC_ATTRIBUTES) == ANTHROPIC_COST
    assert run.stderr == ""


@needs_install
def test_openai_calls_are_traced_by_our_instrumentor_and_priced(otlp_receiver: OTLPReceiver) -> None:
    environment = zero_code_environment(otlp_receiver, OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf")

    run = run_app("openai", environment=environment, zero_code=True)

    assert run.output["id"] == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    span = only_span(otlp_receiver, OPENAI_SPAN)
    assert span.scope == "otel_llmcost.instrumentation.openai"
    assert span.attributes["gen_ai.usage.cost.amount"] == OPENAI_COST
    assert span.attributes["llmcost.cost.cache_read"] == 0.00003
    assert cost_total(otlp_receiver, OPENAI_METRIC_ATTRIBUTES) == OPENAI_COST
    assert otlp_receiver.points_of("gen_ai.client.token.usage")


@needs_install
def test_disabling_llmcost_openai_leaves_openai_calls_untraced(otlp_receiver: OTLPReceiver) -> None:
    # The HTTP fallback would trace the call at the HTTP client instead (see the test below): off too here.
    environment = zero_code_environment(
        otlp_receiver, disabled=("llmcost_openai", "llmcost_http"), OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf"
    )

    run = run_app("openai", environment=environment, zero_code=True)

    assert run.output["id"] == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    assert otlp_receiver.spans == []
    assert otlp_receiver.points_of("llmcost.cost") == []
    assert otlp_receiver.points_of("gen_ai.client.token.usage") == []


@needs_install
def test_with_llmcost_openai_disabled_the_http_fallback_prices_the_call(otlp_receiver: OTLPReceiver) -> None:
    environment = zero_code_environment(
        otlp_receiver, disabled=("llmcost_openai",), OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf"
    )

    run_app("openai", environment=environment, zero_code=True)

    (span,) = otlp_receiver.spans
    assert span.scope == "otel_llmcost.instrumentation.http_fallback"
    # 600 uncached input, 400 cached and 200 output tokens of gpt-4o-mini: 600*0.15/1e6 + 400*0.075/1e6 + 200*0.60/1e6
    assert span.attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.00024, abs=1e-15)


@needs_install
def test_with_the_endpoint_down_the_app_runs_and_exits_cleanly() -> None:
    # Nothing listens on port 9 of loopback; a 1 s export timeout keeps the exporters' retries short.
    environment = app_environment(
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_TIMEOUT="1",
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
    )

    run = run_app("openai", environment=environment, zero_code=True)

    assert run.returncode == 0
    assert run.output["id"] == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    assert "Traceback" not in run.stderr
    assert len([line for line in run.stderr.splitlines() if "otel-llmcost" in line or "otel_llmcost" in line]) <= 1


def test_the_hook_turns_a_bad_variable_into_one_warning_and_sets_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if not tracer_provider_unset():
        pytest.skip("an earlier test in this process set the global tracer provider")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")

    pre_instrument()

    assert tracer_provider_unset()
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert "otel-llmcost could not add costs" in record.getMessage()
    assert "'http/json'" in record.getMessage()


@needs_install
def test_beside_the_other_openai_instrumentors_ours_steps_aside_and_the_call_is_priced_once(
    otlp_receiver: OTLPReceiver,
) -> None:
    # The official instrumentation, OpenLLMetry and OpenInference are all installed here, all under the
    # entry point name "openai": enabled together with ours, each of them traces the call and ours does not.
    others = [name for name in other_instrumentations() if name != "openai"]
    environment = app_environment(
        OTEL_SERVICE_NAME="llm-calls",
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(others),
    )

    run = run_app("openai", environment=environment, zero_code=True)

    assert run.output["id"] == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    spans = sorted(
        (span.scope, span.name, span.attributes["llmcost.status"], span.attributes.get("gen_ai.usage.cost.amount"))
        for span in otlp_receiver.spans
    )
    # No span of ours. OpenInference traces the client's request(), inside the other two, so its span is the
    # innermost and is priced (it reads the cached tokens too); the two around it describe the same call.
    assert spans == [
        ("openinference.instrumentation.openai", "ChatCompletion", "priced", OPENAI_COST),
        ("opentelemetry.instrumentation.genai.openai", "chat gpt-4o-mini", "duplicate", None),
        ("opentelemetry.instrumentation.openai.v1", "openai.chat", "duplicate", None),
    ]
    (point,) = otlp_receiver.points_of("llmcost.cost")
    assert (point.value, point.attributes["llmcost.status"]) == (OPENAI_COST, "priced")
