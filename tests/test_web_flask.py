"""`flask_attribution` with Flask's test client: 200 concurrent requests from 20 tenants; nothing outlives a request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import flask
import pytest

from attribution_support import Attributed
from otel_llmcost.attribution import flask_attribution, header, path_param

REQUESTS = 200
TENANTS = 20


@pytest.fixture
def app(attributed: Attributed) -> flask.Flask:
    app = flask.Flask(__name__)

    @app.get("/tenants/<tenant>/chat")
    def chat(tenant: str) -> dict[str, str]:
        request_id = flask.request.args["request_id"]
        attributed.call(f"chat {request_id}", **{"test.request": request_id, "test.tenant": tenant})
        return {"tenant": tenant}

    @app.get("/fails")
    def fails() -> None:
        attributed.call("chat before the failure")
        raise RuntimeError("the view failed")

    @app.get("/plain")
    def plain() -> dict[str, str]:
        attributed.call("chat plain")
        return {}

    flask_attribution(
        app,
        tenant=path_param("tenant"),
        customer=header("X-Customer-Id"),
        feature=lambda request: request.args.get("plan"),
    )
    return app


def test_two_hundred_concurrent_requests_from_twenty_tenants_each_span_carries_its_own(
    app: flask.Flask, attributed: Attributed
) -> None:
    def ask(number: int) -> int:
        response = app.test_client().get(
            f"/tenants/t{number % TENANTS}/chat",
            query_string={"request_id": str(number)},
            headers={"X-Customer-Id": f"cus_{number}"},
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=TENANTS) as pool:
        assert list(pool.map(ask, range(REQUESTS))) == [200] * REQUESTS

    calls = [span for span in attributed.exporter.get_finished_spans() if span.name.startswith("chat ")]
    assert len(calls) == REQUESTS
    for span in calls:
        attributes = span.attributes or {}
        number = int(str(attributes["test.request"]))
        assert attributes["llmcost.tenant.id"] == f"t{number % TENANTS}" == attributes["test.tenant"]
        assert attributes["llmcost.customer.id"] == f"cus_{number}"


def test_a_failed_request_leaves_nothing_for_the_next_one_in_the_same_thread(
    app: flask.Flask, attributed: Attributed
) -> None:
    client = app.test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.get("/fails", headers={"X-Customer-Id": "cus_1"}, query_string={"plan": "pro"})
    plain = client.get("/plain")

    assert (failed.status_code, plain.status_code) == (500, 200)
    spans = attributed.spans()
    before = spans["chat before the failure"].attributes or {}
    assert (before["llmcost.customer.id"], before["llmcost.feature"]) == ("cus_1", "pro")
    after = spans["chat plain"].attributes or {}
    assert not [key for key in after if key.startswith(("llmcost.customer", "llmcost.tenant", "llmcost.feature"))]
