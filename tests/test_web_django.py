"""`django_middleware` with Django's test client: 200 concurrent requests from 20 tenants; nothing outlives one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from attribution_support import Attributed
from web_apps import (
    ask_django,
    assert_each_call_carries_its_request,
    assert_the_failure_left_nothing,
    configure_django,
    django_client,
    fail_then_plain_django,
)


@pytest.fixture
def client(attributed: Attributed) -> Iterator[Client]:
    configure_django()
    with django_client(attributed) as client:
        yield client


def test_two_hundred_concurrent_requests_from_twenty_tenants_each_span_carries_its_own(
    client: Client, attributed: Attributed
) -> None:
    ask_django()
    assert_each_call_carries_its_request(attributed)


def test_a_failed_request_leaves_nothing_for_the_next_one_in_the_same_thread(
    client: Client, attributed: Attributed
) -> None:
    fail_then_plain_django(client)
    assert_the_failure_left_nothing(attributed.spans())
