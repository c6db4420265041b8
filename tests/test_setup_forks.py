"""Forked workers: spans and cost metrics keep flowing from every child, and nothing is lost at its exit.

Each test runs ``apps/forked.py`` in a subprocess: the parent calls ``otel_llmcost.instrument()`` and makes an
anthropic call ($0.0084) before it forks; each child makes an openai call ($0.00024) and exits the way its kind
of worker does. All of it ships over OTLP to `OTLPReceiver`. The OpenTelemetry SDK gives a forked child its own
``service.instance.id``, which tells the processes' telemetry apart.
"""

from __future__ import annotations

import importlib.util

import pytest

from apps.launch import app_environment, other_instrumentations
from apps.scripts import run_script
from otlp_receiver import OTLPReceiver, otlp_receiver_fixture  # noqa: F401 - the fixture

INSTANCE = "service.instance.id"


def cost_by_instance(receiver: OTLPReceiver) -> dict[str, dict[str, float]]:
    """The last ``llmcost.cost`` value each process exported, by instance id, then by provider."""
    found: dict[str, dict[str, float]] = {}
    for point in receiver.points_of("llmcost.cost"):
        provider = str(point.attributes["gen_ai.provider.name"])
        found.setdefault(str(point.resource[INSTANCE]), {})[provider] = point.value
    return found


@pytest.mark.parametrize(
    ("mode", "children"),
    [
        pytest.param("os.fork", 1, id="os.fork-then-sys.exit"),
        pytest.param("process", 1, id="multiprocessing.Process-os._exit"),
        pytest.param("pool", 2, id="multiprocessing.Pool-maxtasksperchild"),
        pytest.param(
            "billiard",
            2,
            id="billiard.Pool-maxtasksperchild",
            marks=pytest.mark.skipif(importlib.util.find_spec("billiard") is None, reason="billiard is not installed"),
        ),
    ],
)
def test_every_process_ships_its_own_spans_and_costs(otlp_receiver: OTLPReceiver, mode: str, children: int) -> None:
    environment = app_environment(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint,
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
    )

    run = run_script("forked.py", mode, environment=environment)

    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    (parent_span,) = otlp_receiver.spans_named("anthropic.messages.create")
    child_spans = otlp_receiver.spans_named("chat gpt-4o-mini")
    assert len(child_spans) == children
    assert parent_span.attributes["gen_ai.usage.cost.amount"] == 0.0084
    assert [span.attributes["gen_ai.usage.cost.amount"] for span in child_spans] == [0.00024] * children
    parent = str(parent_span.resource[INSTANCE])
    child_instances = {str(span.resource[INSTANCE]) for span in child_spans}
    assert len(child_instances) == children
    assert parent not in child_instances
    # Each process counts its own calls: a child does not report again the parent's call made before the fork.
    assert cost_by_instance(otlp_receiver) == {
        parent: {"anthropic": 0.0084},
        **{instance: {"openai": 0.00024} for instance in child_instances},
    }
