"""`django_middleware` after ``opentelemetry-instrumentation-django``'s middleware, with Django's test client: 200
concurrent requests from 20 tenants; each request's server span (the instrumentation's) and the calls inside it
carry that request's tenant and customer, none another's; a failed request leaves nothing for the next.

The instrumentation pins an OpenTelemetry core other than the test environment's: `scripts/web_otel.sh` runs this
module in an environment (and a process) of its own (`.ci/run` calls it); elsewhere it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import django
import pytest
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.test import Client
from django.urls import path
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from attribution_support import Attributed
from otel_llmcost.attribution import django_middleware, header, path_param

django_instrumentation = pytest.importorskip(
    "opentelemetry.instrumentation.django", reason="scripts/web_otel.sh runs it beside its own OpenTelemetry core"
)

REQUESTS = 200
TENANTS = 20
_ATTRIBUTION = ("llmcost.customer", "llmcost.tenant", "llmcost.feature")
_current: list[Attributed] = []

TenantMiddleware = django_middleware(
    tenant=path_param("tenant"), customer=header("X-Customer-Id"), feature=lambda request: request.GET.get("plan")
)


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


@pytest.fixture
def client(attributed: Attributed) -> Iterator[Client]:
    if not settings.configured:
        settings.configure(
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[f"{__name__}.TenantMiddleware"],
            ALLOWED_HOSTS=["testserver"],
            DEBUG=False,
            LOGGING_CONFIG=None,
        )
        django.setup()
    # The instrumentation puts its middleware first in MIDDLEWARE: ours runs inside its server span.
    instrumentor = django_instrumentation.DjangoInstrumentor()
    instrumentor.instrument(tracer_provider=attributed.tracer_provider)
    assert settings.MIDDLEWARE[-1] == f"{__name__}.TenantMiddleware"
    assert len(settings.MIDDLEWARE) == 2
    _current.append(attributed)
    yield Client(raise_request_exception=False)
    _current.clear()
    instrumentor.uninstrument()


def _server_spans(attributed: Attributed) -> dict[int, ReadableSpan]:
    """The instrumentation's server spans, by span id."""
    return {
        span.context.span_id: span
        for span in attributed.exporter.get_finished_spans()
        if span.kind is SpanKind.SERVER and span.context is not None
    }


def test_two_hundred_concurrent_requests_from_twenty_tenants_each_span_carries_its_own(
    client: Client, attributed: Attributed
) -> None:
    def ask(number: int) -> int:
        response = Client().get(
            f"/tenants/t{number % TENANTS}/chat",
            {"request_id": str(number)},
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
        assert server.instrumentation_scope.name == "opentelemetry.instrumentation.django"
        server_attributes = server.attributes or {}
        assert server_attributes["llmcost.tenant.id"] == f"t{number % TENANTS}"
        assert server_attributes["llmcost.customer.id"] == f"cus_{number}"


def test_a_failed_request_leaves_nothing_for_the_next_one_in_the_same_thread(
    client: Client, attributed: Attributed
) -> None:
    failed = client.get("/fails", {"plan": "pro"}, headers={"X-Customer-Id": "cus_1"})
    done = client.get("/plain")

    assert (failed.status_code, done.status_code) == (500, 200)
    spans = attributed.exporter.get_finished_spans()
    by_name = {span.name: span for span in spans if span.kind is not SpanKind.SERVER}
    before = by_name["chat before the failure"].attributes or {}
    assert (before["llmcost.customer.id"], before["llmcost.feature"]) == ("cus_1", "pro")
    after = by_name["chat plain"].attributes or {}
    assert not [key for key in after if key.startswith(_ATTRIBUTION)]
    servers = sorted(_server_spans(attributed).values(), key=lambda span: span.start_time or 0)
    assert [(span.attributes or {}).get("llmcost.customer.id") for span in servers] == ["cus_1", None]
    assert not [key for key in servers[1].attributes or {} if key.startswith(_ATTRIBUTION)]
