"""`AttributionMiddleware` on FastAPI, beside the official FastAPI instrumentation, with FastAPI's TestClient."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import SpanKind

from attribution_support import Attributed
from otel_llmcost.attribution import AttributionMiddleware, header, path_param
from web_apps import (
    REQUESTS,
    TENANTS,
    ask_concurrently,
    assert_each_call_carries_its_request,
    assert_the_failure_left_nothing,
)


@pytest.fixture
def app(attributed: Attributed) -> Iterator[FastAPI]:
    app = FastAPI()

    @app.get("/tenants/{tenant}/chat")
    async def chat(tenant: str, request_id: str) -> dict[str, str]:
        for step in ("plan", "answer"):
            await asyncio.sleep(0)  # other requests run in between
            attributed.call(f"chat {request_id} {step}", **{"test.request": request_id, "test.tenant": tenant})
        return {"tenant": tenant}

    @app.get("/fails")
    async def fails() -> None:
        attributed.call("chat before the failure")
        raise RuntimeError("the view failed")

    @app.get("/plain")
    async def plain() -> dict[str, str]:
        attributed.call("chat plain")
        return {}

    def plan_of(scope: object) -> str | None:
        return Request(scope).query_params.get("plan")  # type: ignore[arg-type]

    app.add_middleware(
        AttributionMiddleware, tenant=path_param("tenant"), customer=header("X-Customer-Id"), feature=plan_of
    )
    FastAPIInstrumentor.instrument_app(app, tracer_provider=attributed.tracer_provider)
    yield app
    FastAPIInstrumentor.uninstrument_app(app)


def test_two_hundred_concurrent_requests_from_twenty_tenants_each_span_carries_its_own(
    app: FastAPI, attributed: Attributed
) -> None:
    def ask(number: int) -> int:
        with TestClient(app) as client:
            response = client.get(
                f"/tenants/t{number % TENANTS}/chat",
                params={"request_id": str(number)},
                headers={"X-Customer-Id": f"cus_{number}"},
            )
        return response.status_code

    ask_concurrently(ask)
    for _, span in assert_each_call_carries_its_request(attributed, per_request=2):
        assert "llmcost.feature" not in (span.attributes or {})
    # The official instrumentation's server spans are there too, each with its own request's tenant.
    servers = [span for span in attributed.exporter.get_finished_spans() if span.kind is SpanKind.SERVER]
    assert len(servers) == REQUESTS
    for span in servers:
        attributes = span.attributes or {}
        # The instrumentation's (older) HTTP conventions: http.target is the path, /tenants/t7/chat.
        assert attributes["llmcost.tenant.id"] == str(attributes["http.target"]).split("/")[2]
        assert attributes["llmcost.subtree.calls"] == 2


def test_a_callable_reads_the_request_and_a_failed_request_leaves_nothing_behind(
    app: FastAPI, attributed: Attributed
) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        failed = client.get("/fails", headers={"X-Customer-Id": "cus_1"}, params={"plan": "pro"})
        plain = client.get("/plain")

    assert (failed.status_code, plain.status_code) == (500, 200)
    spans = {span.name: span for span in attributed.exporter.get_finished_spans() if span.name.startswith("chat")}
    assert_the_failure_left_nothing(spans)
