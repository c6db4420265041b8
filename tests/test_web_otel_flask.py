"""`flask_attribution` on top of ``opentelemetry-instrumentation-flask``, with Flask's test client: 200 concurrent
requests from 20 tenants; each request's server span (the instrumentation's) and the calls inside it carry that
request's tenant and customer, none another's; a failed request leaves nothing for the next.

The instrumentation pins an OpenTelemetry core other than the test environment's: `scripts/web_otel.sh` runs this
module in an environment of its own (`.ci/run` calls it); elsewhere it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import flask
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from attribution_support import Attributed
from otel_llmcost.attribution import flask_attribution, header, path_param

flask_instrumentation = pytest.importorskip(
    "opentelemetry.instrumentation.flask", reason="scripts/web_otel.sh runs it beside its own OpenTelemetry core"
)

REQUESTS = 200
TENANTS = 20
_ATTRIBUTION = ("llmcost.customer", "llmcost.tenant", "llmcost.feature")


@pytest.fixture
def app(attributed: Attributed) -> Iterator[flask.Flask]:
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

    # The instrumentation first, as an application does: its request hook makes the server span current, then ours.
    instrumentor = flask_instrumentation.FlaskInstrumentor()
    instrumentor.instrument_app(app, tracer_provider=attributed.tracer_provider)
    flask_attribution(
        app,
        tenant=path_param("tenant"),
        customer=header("X-Customer-Id"),
        feature=lambda request: request.args.get("plan"),
    )
    yield app
    instrumentor.uninstrument_app(app)


def _server_spans(attributed: Attributed) -> dict[int, ReadableSpan]:
    """The instrumentation's server spans, by span id."""
    return {
        span.context.span_id: span
        for span in attributed.exporter.get_finished_spans()
        if span.kind is SpanKind.SERVER and span.context is not None
    }


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

    servers = _server_spans(attributed)
    assert len(servers) == REQUESTS
    calls = [span for span in attributed.exporter.get_finished_spans() if span.name.startswith("chat ")]
    assert len(calls) == REQUESTS
    for span in calls:
        attributes = span.attributes or {}
        number = int(str(attributes["test.request"]))
        assert attributes["llmcost.tenant.id"] == f"t{number % TENANTS}" == attributes["test.tenant"]
        assert attributes["llmcost.customer.id"] == f"cus_{number}"
        # The call ran inside its own request's server span, which carries the same tenant and customer.
        assert span.parent is not None
        server = servers[span.parent.span_id]
        assert server.instrumentation_scope is not None
        assert server.instrumentation_scope.name == "opentelemetry.instrumentation.flask"
        server_attributes = server.attributes or {}
        assert server_attributes["llmcost.tenant.id"] == f"t{number % TENANTS}"
        assert server_attributes["llmcost.customer.id"] == f"cus_{number}"
        assert str(server_attributes.get("http.route")) == "/tenants/<tenant>/chat"


def test_a_failed_request_leaves_nothing_for_the_next_one_in_the_same_thread(
    app: flask.Flask, attributed: Attributed
) -> None:
    client = app.test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.get("/fails", headers={"X-Customer-Id": "cus_1"}, query_string={"plan": "pro"})
    plain = client.get("/plain")

    assert (failed.status_code, plain.status_code) == (500, 200)
    spans = attributed.exporter.get_finished_spans()
    by_name = {span.name: span for span in spans if span.kind is not SpanKind.SERVER}
    before = by_name["chat before the failure"].attributes or {}
    assert (before["llmcost.customer.id"], before["llmcost.feature"]) == ("cus_1", "pro")
    after = by_name["chat plain"].attributes or {}
    assert not [key for key in after if key.startswith(_ATTRIBUTION)]
    servers = sorted(_server_spans(attributed).values(), key=lambda span: span.start_time or 0)
    assert [(span.attributes or {}).get("llmcost.customer.id") for span in servers] == ["cus_1", None]
    assert not [key for key in servers[1].attributes or {} if key.startswith(_ATTRIBUTION)]
