"""`django_middleware` after ``opentelemetry-instrumentation-django``'s middleware, with Django's test client: 200
concurrent requests from 20 tenants; each request's server span (the instrumentation's) and the calls inside it
carry that request's tenant and customer, none another's; a failed request leaves nothing for the next.

The instrumentation pins an OpenTelemetry core other than the test environment's: `scripts/web_otel.sh` runs this
module in an environment (and a process) of its own (`.ci/run` calls it); elsewhere it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from attribution_support import Attributed
from web_apps import (
    TENANT_MIDDLEWARE,
    ask_django,
    assert_each_server_span_carries_its_request,
    assert_the_failure_left_nothing_on_the_servers,
    configure_django,
    django_client,
    fail_then_plain_django,
)

django_instrumentation = pytest.importorskip(
    "opentelemetry.instrumentation.django", reason="scripts/web_otel.sh runs it beside its own OpenTelemetry core"
)


@pytest.fixture
def client(attributed: Attributed) -> Iterator[Client]:
    configure_django()
    # The instrumentation puts its middleware first in MIDDLEWARE: ours runs inside its server span.
    instrumentor = django_instrumentation.DjangoInstrumentor()
    instrumentor.instrument(tracer_provider=attributed.tracer_provider)
    assert settings.MIDDLEWARE[-1] == TENANT_MIDDLEWARE
    assert len(settings.MIDDLEWARE) == 2
    with django_client(attributed) as client:
        yield client
    instrumentor.uninstrument()


def test_two_hundred_concurrent_requests_from_twenty_tenants_each_span_carries_its_own(
    client: Client, attributed: Attributed
) -> None:
    ask_django()
    assert_each_server_span_carries_its_request(attributed, "opentelemetry.instrumentation.django")


def test_a_failed_request_leaves_nothing_for_the_next_one_in_the_same_thread(
    client: Client, attributed: Attributed
) -> None:
    fail_then_plain_django(client)
    assert_the_failure_left_nothing_on_the_servers(attributed)
