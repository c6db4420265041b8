"""The Flask and Django apps of the attribution helpers' tests, and what those tests assert of their spans.

No tests here. tests/test_web_flask.py and tests/test_web_django.py run the apps as they are;
tests/test_web_otel_flask.py and tests/test_web_otel_django.py (run by `scripts/web_otel.sh`) put the frameworks'
OpenTelemetry instrumentations under them. Each app has three views, each making a call's span: ``chat`` (its
tenant from the path, the request's number as ``request_id``), ``fails`` (raises after its call) and ``plain``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import django
import flask
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.test import Client
from django.urls import path
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from attribution_support import Attributed
from otel_llmcost.attribution import django_middleware, flask_attribution, header, path_param

REQUESTS = 200
TENANTS = 20
ATTRIBUTION = ("llmcost.customer", "llmcost.tenant", "llmcost.feature")


def flask_app(attributed: Attributed, instrument: Callable[[flask.Flask], object] | None = None) -> flask.Flask:
    """The Flask app, ``instrument`` applied to it before `flask_attribution` (as an application does)."""
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

    if instrument is not None:
        instrument(app)
    flask_attribution(
        app,
        tenant=path_param("tenant"),
        customer=header("X-Customer-Id"),
        feature=lambda request: request.args.get("plan"),
    )
    return app


# The Django app: this module is its ROOT_URLCONF, its views call through the test's pipeline (_current).
_current: list[Attributed] = []

TenantMiddleware = django_middleware(
    tenant=path_param("tenant"), customer=header("X-Customer-Id"), feature=lambda request: request.GET.get("plan")
)
TENANT_MIDDLEWARE = f"{__name__}.TenantMiddleware"


def chat(request: HttpRequest, tenant: str) -> JsonResponse:
    request_id = request.GET["request_id"]
    _current[0].call(f"chat {request_id}", **{"test.request": request_id, "test.tenant": tenant})
    return JsonResponse({"tenant": tenant})


def fails(request: HttpRequest) -> JsonResponse:
    _current[0].call("chat before the failure")
    raise RuntimeError("the view failed")


def plain(request: HttpRequest) -> JsonResponse:
    _current[0].call("chat plain")
    return JsonResponse({})


urlpatterns = [
    path("tenants/<str:tenant>/chat", chat),
    path("fails", fails),
    path("plain", plain),
]


def configure_django() -> None:
    """Django's settings for the app, once per process (Django's settings are set once)."""
    if not settings.configured:
        settings.configure(
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[TENANT_MIDDLEWARE],
            ALLOWED_HOSTS=["testserver"],
            DEBUG=False,
            LOGGING_CONFIG=None,
        )
        django.setup()


@contextmanager
def django_client(attributed: Attributed) -> Iterator[Client]:
    """A test client of the Django app (configured already), whose views call through ``attributed``."""
    _current.append(attributed)
    try:
        yield Client(raise_request_exception=False)
    finally:
        _current.clear()


def ask_concurrently(ask: Callable[[int], int]) -> None:
    """``ask(number)`` for each of the `REQUESTS` requests, `TENANTS` at a time: each answers 200."""
    with ThreadPoolExecutor(max_workers=TENANTS) as pool:
        assert list(pool.map(ask, range(REQUESTS))) == [200] * REQUESTS


def ask_flask(app: flask.Flask) -> None:
    """The `REQUESTS` chat requests to the Flask app, concurrently: request ``number`` of tenant
    ``t{number % TENANTS}`` and customer ``cus_{number}``."""

    def ask(number: int) -> int:
        response = app.test_client().get(
            f"/tenants/t{number % TENANTS}/chat",
            query_string={"request_id": str(number)},
            headers={"X-Customer-Id": f"cus_{number}"},
        )
        return response.status_code

    ask_concurrently(ask)


def ask_django() -> None:
    """The same requests to the Django app, each with a test client of its own."""

    def ask(number: int) -> int:
        response = Client().get(
            f"/tenants/t{number % TENANTS}/chat",
            {"request_id": str(number)},
            headers={"X-Customer-Id": f"cus_{number}"},
        )
        return response.status_code

    ask_concurrently(ask)


def fail_then_plain_flask(app: flask.Flask) -> None:
    """In one thread (one test client): a request whose view fails (500), with a customer and a plan, then one
    with neither (200)."""
    client = app.test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.get("/fails", headers={"X-Customer-Id": "cus_1"}, query_string={"plan": "pro"})
    plain = client.get("/plain")

    assert (failed.status_code, plain.status_code) == (500, 200)


def fail_then_plain_django(client: Client) -> None:
    """The same requests to the Django app through ``client``."""
    failed = client.get("/fails", {"plan": "pro"}, headers={"X-Customer-Id": "cus_1"})
    done = client.get("/plain")

    assert (failed.status_code, done.status_code) == (500, 200)


def assert_each_call_carries_its_request(
    attributed: Attributed, per_request: int = 1
) -> list[tuple[int, ReadableSpan]]:
    """The ``chat {request_id}`` calls, ``per_request`` of each request, carry its tenant (``t{number % TENANTS}``)
    and customer (``cus_{number}``), none another's; returned with their request's number."""
    calls = [span for span in attributed.exporter.get_finished_spans() if span.name.startswith("chat ")]
    assert len(calls) == per_request * REQUESTS
    found: list[tuple[int, ReadableSpan]] = []
    for span in calls:
        attributes = span.attributes or {}
        number = int(str(attributes["test.request"]))
        assert attributes["llmcost.tenant.id"] == f"t{number % TENANTS}" == attributes["test.tenant"]
        assert attributes["llmcost.customer.id"] == f"cus_{number}"
        found.append((number, span))
    return found


def assert_the_failure_left_nothing(calls: dict[str, ReadableSpan]) -> None:
    """The failed request's call (by name) carries its customer and feature; the next request's call, nothing."""
    before = calls["chat before the failure"].attributes or {}
    assert (before["llmcost.customer.id"], before["llmcost.feature"]) == ("cus_1", "pro")
    after = calls["chat plain"].attributes or {}
    assert not [key for key in after if key.startswith(ATTRIBUTION)]


def server_spans(attributed: Attributed) -> dict[int, ReadableSpan]:
    """The instrumentation's server spans, by span id."""
    return {
        span.context.span_id: span
        for span in attributed.exporter.get_finished_spans()
        if span.kind is SpanKind.SERVER and span.context is not None
    }


def assert_each_server_span_carries_its_request(attributed: Attributed, scope: str) -> list[ReadableSpan]:
    """One server span of the instrumentation (``scope``) per request; each call ran inside its own request's,
    which carries the same tenant and customer. Returns the server spans, in the calls' order."""
    servers = server_spans(attributed)
    assert len(servers) == REQUESTS
    found: list[ReadableSpan] = []
    for number, span in assert_each_call_carries_its_request(attributed):
        assert span.parent is not None
        server = servers[span.parent.span_id]
        assert server.instrumentation_scope is not None
        assert server.instrumentation_scope.name == scope
        server_attributes = server.attributes or {}
        assert server_attributes["llmcost.tenant.id"] == f"t{number % TENANTS}"
        assert server_attributes["llmcost.customer.id"] == f"cus_{number}"
        found.append(server)
    return found


def assert_the_failure_left_nothing_on_the_servers(attributed: Attributed) -> None:
    """Beside the instrumentation's server spans: the calls as `assert_the_failure_left_nothing`; the failed
    request's server span carries its customer, the next request's nothing."""
    spans = attributed.exporter.get_finished_spans()
    assert_the_failure_left_nothing({span.name: span for span in spans if span.kind is not SpanKind.SERVER})
    servers = sorted(server_spans(attributed).values(), key=lambda span: span.start_time or 0)
    assert [(span.attributes or {}).get("llmcost.customer.id") for span in servers] == ["cus_1", None]
    assert not [key for key in servers[1].attributes or {} if key.startswith(ATTRIBUTION)]
