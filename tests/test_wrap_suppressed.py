"""`_wrap.suppressed` reads OpenTelemetry's two private suppression keys on the context in hand: it must agree with
the public `is_instrumentation_enabled` in every suppression state, or an OpenTelemetry release has moved them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from opentelemetry import context
from opentelemetry.instrumentation.utils import is_instrumentation_enabled, suppress_instrumentation

from otel_llmcost.instrumentation._wrap import suppressed


@contextmanager
def _only(key: str) -> Iterator[None]:
    """The context with ``key`` set to True, as an older instrumentation sets the plain key alone."""
    token = context.attach(context.set_value(key, True))
    try:
        yield
    finally:
        context.detach(token)


def _agrees() -> bool:
    return suppressed(context.get_current()) is not is_instrumentation_enabled()


def test_not_suppressed_by_default() -> None:
    assert not suppressed(context.get_current())
    assert is_instrumentation_enabled()


def test_suppress_instrumentation_is_seen() -> None:
    with suppress_instrumentation():
        assert suppressed(context.get_current())
        assert _agrees()


@pytest.mark.parametrize("key", ["suppress_instrumentation", "the keyed one"])
def test_each_key_alone_is_seen_as_opentelemetry_sees_it(key: str) -> None:
    from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY  # pyright: ignore[reportPrivateUsage]

    name = _SUPPRESS_INSTRUMENTATION_KEY if key == "the keyed one" else key
    with _only(name):
        assert not is_instrumentation_enabled()  # the test's premise: OpenTelemetry itself honours this key
        assert suppressed(context.get_current())
        assert _agrees()
