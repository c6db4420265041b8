"""`flask_attribution` with Flask's test client: 200 concurrent requests from 20 tenants; nothing outlives a request."""

from __future__ import annotations

import flask
import pytest

from attribution_support import Attributed
from web_apps import (
    ask_flask,
    assert_each_call_carries_its_request,
    assert_the_failure_left_nothing,
    fail_then_plain_flask,
    flask_app,
)


@pytest.fixture
def app(attributed: Attributed) -> flask.Flask:
    return flask_app(attributed)


def test_two_hundred_concurrent_requests_from_twenty_tenants_each_span_carries_its_own(
    app: flask.Flask, attributed: Attributed
) -> None:
    ask_flask(app)
    assert_each_call_carries_its_request(attributed)


def test_a_failed_request_leaves_nothing_for_the_next_one_in_the_same_thread(
    app: flask.Flask, attributed: Attributed
) -> None:
    fail_then_plain_flask(app)
    assert_the_failure_left_nothing(attributed.spans())
