"""`flask_attribution` on top of ``opentelemetry-instrumentation-flask``, with Flask's test client: 200 concurrent
requests from 20 tenants; each request's server span (the instrumentation's) and the calls inside it carry that
request's tenant and customer, none another's; a failed request leaves nothing for the next.

The instrumentation pins an OpenTelemetry core other than the test environment's: `scripts/web_otel.sh` runs this
module in an environment of its own (`.ci/run` calls it); elsewhere it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import flask
import pytest

from attribution_support import Attributed
from web_apps import (
    ask_flask,
    assert_each_server_span_carries_its_request,
    assert_the_failure_left_nothing_on_the_servers,
    fail_then_plain_flask,
    flask_app,
)

flask_instrumentation = pytest.importorskip(
    "opentelemetry.instrumentation.flask", reason="scripts/web_otel.sh runs it beside its own OpenTelemetry core"
)


@pytest.fixture
def app(attributed: Attributed) -> Iterator[flask.Flask]:
    # The instrumentation first, as an application does: its request hook makes the server span current, then ours.
    instrumentor = flask_instrumentation.FlaskInstrumentor()
    app = flask_app(
        attributed, lambda app: instrumentor.instrument_app(app, tracer_provider=attributed.tracer_provider)
    )
    yield app
    instrumentor.uninstrument_app(app)


def test_two_hundred_concurrent_requests_from_twenty_tenants_each_span_carries_its_own(
    app: flask.Flask, attributed: Attributed
) -> None:
    ask_flask(app)
    servers = assert_each_server_span_carries_its_request(attributed, "opentelemetry.instrumentation.flask")
    for server in servers:
        assert str((server.attributes or {}).get("http.route")) == "/tenants/<tenant>/chat"


def test_a_failed_request_leaves_nothing_for_the_next_one_in_the_same_thread(
    app: flask.Flask, attributed: Attributed
) -> None:
    fail_then_plain_flask(app)
    assert_the_failure_left_nothing_on_the_servers(attributed)
