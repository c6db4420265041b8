"""`attribute` and `set_attributes`: customer, tenant and feature on every span in scope, across threads, tasks
and services, on the cost counter, and never on the next request."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from opentelemetry import context
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from attribution_support import Attributed
from otel_llmcost import (
    AttributionSpanProcessor,
    CostSpanProcessor,
    attribute,
    in_context,
    reset_attributes,
    section,
    set_attributes,
)

ATTRIBUTION_KEYS = ("llmcost.customer.id", "llmcost.tenant.id", "llmcost.feature")


def _attribution(attributed: Attributed, name: str) -> dict[str, object]:
    attributes = attributed.spans()[name].attributes or {}
    return {key: value for key, value in attributes.items() if key.startswith(ATTRIBUTION_KEYS)}


def test_attribute_puts_customer_tenant_and_feature_on_calls_and_sections_in_scope(attributed: Attributed) -> None:
    with attribute(customer="cus_42", tenant="acme", feature="support_chat"):
        with section("research_assistant", kind="agent", tracer_provider=attributed.tracer_provider):
            attributed.call()
    attributed.call("chat after")

    expected = {"llmcost.customer.id": "cus_42", "llmcost.tenant.id": "acme", "llmcost.feature": "support_chat"}
    assert _attribution(attributed, "chat gpt-4o-mini") == expected
    assert _attribution(attributed, "invoke_agent research_assistant") == expected
    assert _attribution(attributed, "chat after") == {}


def test_inner_scopes_win_and_values_are_strings(attributed: Attributed) -> None:
    with attribute(customer=42, tenant="acme"):
        with attribute(customer="cus_7", feature="search"):
            attributed.call("chat inner")
        attributed.call("chat outer")

    assert _attribution(attributed, "chat inner") == {
        "llmcost.customer.id": "cus_7",
        "llmcost.tenant.id": "acme",
        "llmcost.feature": "search",
    }
    assert _attribution(attributed, "chat outer") == {"llmcost.customer.id": "42", "llmcost.tenant.id": "acme"}


def test_attribute_as_a_decorator_scopes_each_call(attributed: Attributed) -> None:
    @attribute(feature="summaries")
    def summarise(customer: str) -> None:
        with attribute(customer=customer):
            attributed.call(f"chat {customer}")

    summarise("a")
    summarise("b")
    attributed.call("chat none")

    assert _attribution(attributed, "chat a") == {"llmcost.customer.id": "a", "llmcost.feature": "summaries"}
    assert _attribution(attributed, "chat b") == {"llmcost.customer.id": "b", "llmcost.feature": "summaries"}
    assert _attribution(attributed, "chat none") == {}


def test_extra_keys_need_the_allowlist(attributed: Attributed, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="OTEL_LLMCOST_ATTRIBUTE_KEYS"):
        attribute(plan="pro")

    monkeypatch.setenv("OTEL_LLMCOST_ATTRIBUTE_KEYS", "plan, region")
    with attribute(customer="cus_1", plan="pro"):
        attributed.call()

    assert _attribution(attributed, "chat gpt-4o-mini") == {"llmcost.customer.id": "cus_1"}
    assert (attributed.spans()["chat gpt-4o-mini"].attributes or {})["llmcost.plan"] == "pro"


def test_set_attributes_lasts_until_its_reset_so_the_next_request_starts_clean(attributed: Attributed) -> None:
    for request, customer in enumerate(("cus_1", "cus_2")):
        token = set_attributes(customer=customer)
        try:
            attributed.call(f"chat {request}")
        finally:
            reset_attributes(token)
    attributed.call("chat between requests")

    assert _attribution(attributed, "chat 0") == {"llmcost.customer.id": "cus_1"}
    assert _attribution(attributed, "chat 1") == {"llmcost.customer.id": "cus_2"}
    assert _attribution(attributed, "chat between requests") == {}


def test_a_thread_pool_does_not_carry_the_context_and_in_context_does(attributed: Attributed) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool, attribute(customer="cus_pool"):
        # The standard library runs a submitted function in the worker thread's own context.
        pool.submit(attributed.call, "chat plain submit").result()
        pool.submit(in_context(attributed.call), "chat in_context").result()
        # A thread of its own too.
        thread = threading.Thread(target=in_context(attributed.call), args=("chat thread",))
        thread.start()
        thread.join()

    assert _attribution(attributed, "chat plain submit") == {}
    assert _attribution(attributed, "chat in_context") == {"llmcost.customer.id": "cus_pool"}
    assert _attribution(attributed, "chat thread") == {"llmcost.customer.id": "cus_pool"}


def test_tasks_and_to_thread_carry_the_context_and_a_task_keeps_its_own(attributed: Attributed) -> None:
    async def own(customer: str) -> None:
        with attribute(customer=customer):
            await asyncio.sleep(0)
            attributed.call(f"chat task {customer}")

    async def run() -> None:
        with attribute(tenant="acme"):
            await asyncio.gather(own("a"), own("b"), asyncio.to_thread(attributed.call, "chat to_thread"))
        attributed.call("chat after the tasks")

    asyncio.run(run())

    assert _attribution(attributed, "chat task a") == {"llmcost.customer.id": "a", "llmcost.tenant.id": "acme"}
    assert _attribution(attributed, "chat task b") == {"llmcost.customer.id": "b", "llmcost.tenant.id": "acme"}
    assert _attribution(attributed, "chat to_thread") == {"llmcost.tenant.id": "acme"}
    assert _attribution(attributed, "chat after the tasks") == {}


def test_allowlisted_keys_go_out_as_w3c_baggage_and_others_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_LLMCOST_BAGGAGE_KEYS", "llmcost.customer.id")
    headers: dict[str, str] = {}
    with attribute(customer="cus_42", tenant="acme"):
        W3CBaggagePropagator().inject(headers)

    assert headers == {"baggage": "llmcost.customer.id=cus_42"}


def test_no_baggage_goes_out_without_the_allowlist() -> None:
    headers: dict[str, str] = {}
    with attribute(customer="cus_42"):
        W3CBaggagePropagator().inject(headers)

    assert headers == {}


@pytest.fixture
def baggage_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    """The customer and tenant cross services as baggage; set before the pipeline is made, which reads it."""
    monkeypatch.setenv("OTEL_LLMCOST_BAGGAGE_KEYS", "llmcost.customer.id,llmcost.tenant.id")


def test_allowlisted_inbound_baggage_lands_on_spans_and_other_keys_are_ignored(
    baggage_allowlist: None, attributed: Attributed
) -> None:
    inbound = {"baggage": "llmcost.customer.id=cus_upstream,llmcost.feature=spoofed,user.email=x%40y.z"}
    token = context.attach(W3CBaggagePropagator().extract(inbound))
    try:
        attributed.call("chat from baggage")
        with attribute(customer="cus_local"):
            attributed.call("chat local wins")
    finally:
        context.detach(token)

    assert _attribution(attributed, "chat from baggage") == {"llmcost.customer.id": "cus_upstream"}
    assert _attribution(attributed, "chat local wins") == {"llmcost.customer.id": "cus_local"}
    assert "user.email" not in (attributed.spans()["chat from baggage"].attributes or {})


def test_inbound_baggage_is_ignored_without_the_allowlist(attributed: Attributed) -> None:
    token = context.attach(W3CBaggagePropagator().extract({"baggage": "llmcost.customer.id=cus_upstream"}))
    try:
        attributed.call()
    finally:
        context.detach(token)

    assert _attribution(attributed, "chat gpt-4o-mini") == {}


def test_the_cost_counter_splits_by_customer_when_allowlisted(attributed: Attributed) -> None:
    for customer, calls in (("cus_1", 1), ("cus_2", 2)):
        with attribute(customer=customer):
            for number in range(calls):
                attributed.call(f"chat {customer} {number}")

    assert attributed.cost_by("llmcost.customer.id") == {
        "cus_1": Decimal("0.00027"),  # 1000 * 0.15/1e6 + 200 * 0.60/1e6
        "cus_2": Decimal("0.00054"),  # 2 * (1000 * 0.15/1e6 + 200 * 0.60/1e6)
    }


def test_customers_past_the_cap_count_as_other_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    exporter = InMemorySpanExporter()
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    provider = TracerProvider()
    provider.add_span_processor(
        CostSpanProcessor(
            AttributionSpanProcessor(SimpleSpanProcessor(exporter)),
            meter_provider=meters,
            metric_attributes=["llmcost.customer.id"],
            max_metric_attribute_values=2,
        )
    )
    attributed = Attributed(provider, exporter, meters, reader)
    with caplog.at_level(logging.WARNING, logger="otel_llmcost"):
        for customer in ("cus_1", "cus_2", "cus_3", "cus_4"):
            with attribute(customer=customer):
                attributed.call(f"chat {customer}")

    assert attributed.cost_by("llmcost.customer.id") == {
        "cus_1": Decimal("0.00027"),  # 1000 * 0.15/1e6 + 200 * 0.60/1e6
        "cus_2": Decimal("0.00027"),
        "_OTHER": Decimal("0.00054"),  # cus_3 and cus_4
    }
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == [
        "otel-llmcost: the cost counter's attribute llmcost.customer.id has 2 distinct values; later values are "
        "counted as _OTHER"
    ]
    # Every span still carries its own customer.
    assert (attributed.spans()["chat cus_4"].attributes or {})["llmcost.customer.id"] == "cus_4"
    provider.shutdown()
    meters.shutdown()
