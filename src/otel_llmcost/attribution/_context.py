"""Who and what a call is for: customer, tenant, feature and extra keys in the OpenTelemetry context.

The values live in the OpenTelemetry `Context`, a `contextvars` variable, so they follow whatever the
standard library copies a context into: asyncio tasks (`asyncio.create_task` copies the context when the task
is made), `asyncio.to_thread` and `loop.run_in_executor` via `contextvars.copy_context`... but not
`ThreadPoolExecutor.submit` nor `threading.Thread`, which run in the worker's own context: wrap the function
with `in_context` for those. Allowlisted keys also travel as W3C baggage (``OTEL_LLMCOST_BAGGAGE_KEYS``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from contextvars import Token, copy_context
from types import MappingProxyType
from typing import ParamSpec, TypeVar

from opentelemetry import baggage, context
from opentelemetry.context import Context

from .. import _attributes as a
from ._scope import Scope, decorate

__all__ = [
    "ATTRIBUTE_KEYS_ENV",
    "BAGGAGE_KEYS_ENV",
    "attribute",
    "attribute_key",
    "baggage_keys",
    "current_attributes",
    "in_context",
    "reset_attributes",
    "section_path",
    "set_attributes",
    "with_section",
]

ATTRIBUTE_KEYS_ENV = "OTEL_LLMCOST_ATTRIBUTE_KEYS"
"""Extra keyword names `attribute` accepts besides customer, tenant and feature, comma-separated (``plan,region``)."""

BAGGAGE_KEYS_ENV = "OTEL_LLMCOST_BAGGAGE_KEYS"
"""Attribute keys that cross services as W3C baggage, comma-separated (``llmcost.customer.id,llmcost.tenant.id``)."""

_ATTRIBUTES = context.create_key("otel_llmcost.attributes")
_SECTION = context.create_key("otel_llmcost.section")
_NAMED = {"customer": a.LLMCOST_CUSTOMER_ID, "tenant": a.LLMCOST_TENANT_ID, "feature": a.LLMCOST_FEATURE}
_EXTRA_PREFIX = "llmcost."
_EMPTY: Mapping[str, str] = MappingProxyType({})
_parsed: dict[str, tuple[str, ...]] = {}

P = ParamSpec("P")
R = TypeVar("R")


def _keys(variable: str) -> tuple[str, ...]:
    raw = os.environ.get(variable, "")
    found = _parsed.get(raw)
    if found is None:
        found = _parsed[raw] = tuple(dict.fromkeys(key.strip() for key in raw.split(",") if key.strip()))
    return found


def baggage_keys() -> tuple[str, ...]:
    """The attribute keys that cross services as W3C baggage (``OTEL_LLMCOST_BAGGAGE_KEYS``); none by default."""
    return _keys(BAGGAGE_KEYS_ENV)


def attribute_key(name: str) -> str:
    """The span attribute key of an `attribute` keyword: ``customer`` -> ``llmcost.customer.id``, ``plan`` ->
    ``llmcost.plan``.

    Raises:
        ValueError: ``name`` is an extra keyword that ``OTEL_LLMCOST_ATTRIBUTE_KEYS`` does not allow.
    """
    key = _NAMED.get(name)
    if key is not None:
        return key
    if name not in _keys(ATTRIBUTE_KEYS_ENV):
        raise ValueError(
            f"attribute() got the extra key {name!r}, which is not allowlisted: add it to {ATTRIBUTE_KEYS_ENV} "
            f"(comma-separated), or use customer=, tenant= or feature="
        )
    return _EXTRA_PREFIX + name


def _values(customer: object, tenant: object, feature: object, other: Mapping[str, object]) -> dict[str, str | None]:
    """Span attribute keys and values; a named keyword left None is left out, an extra one removes its key."""
    named = {"customer": customer, "tenant": tenant, "feature": feature}
    given = {**{name: value for name, value in named.items() if value is not None}, **other}
    return {attribute_key(name): None if value is None else str(value) for name, value in given.items()}


def current_attributes(ctx: Context | None = None, keys: tuple[str, ...] | None = None) -> Mapping[str, str]:
    """The attribution in ``ctx`` (the current context by default): allowlisted inbound baggage, then ours.

    ``keys`` are the baggage keys to read; ``OTEL_LLMCOST_BAGGAGE_KEYS`` when None.
    """
    ctx = context.get_current() if ctx is None else ctx
    ours: Mapping[str, str] = ctx.get(_ATTRIBUTES, _EMPTY)  # pyright: ignore[reportAssignmentType]
    if keys is None:
        keys = baggage_keys()
    if not keys:
        return ours
    merged: dict[str, str] = {}
    for key in keys:
        value = baggage.get_baggage(key, ctx)
        if isinstance(value, str) and value:
            merged[key] = value
    if not merged:
        return ours
    merged.update(ours)
    return merged


def section_path(ctx: Context | None = None) -> tuple[str, ...]:
    """The names of the sections open in ``ctx`` (the current context by default), outermost first."""
    ctx = context.get_current() if ctx is None else ctx
    path: tuple[str, ...] = ctx.get(_SECTION, ())  # pyright: ignore[reportAssignmentType]
    return path


def with_section(path: tuple[str, ...], ctx: Context) -> Context:
    """``ctx`` with ``path`` as the open sections."""
    return context.set_value(_SECTION, path, ctx)


def _with_values(values: Mapping[str, str | None], ctx: Context) -> Context:
    """``ctx`` with ``values`` over its attribution (None removes a key), and as baggage where allowlisted."""
    current: Mapping[str, str] = ctx.get(_ATTRIBUTES, _EMPTY)  # pyright: ignore[reportAssignmentType]
    merged = {**current, **values}
    ctx = context.set_value(_ATTRIBUTES, {key: value for key, value in merged.items() if value is not None}, ctx)
    for key in baggage_keys():
        if key in values:
            value = values[key]
            ctx = baggage.remove_baggage(key, ctx) if value is None else baggage.set_baggage(key, value, ctx)
    return ctx


class _AttributeScope(Scope):
    def __init__(self, values: Mapping[str, str | None]) -> None:
        self._values = values

    def activate(self) -> Token[Context]:
        return context.attach(_with_values(self._values, context.get_current()))


class attribute:
    """Says whom and what the calls in its scope are for: a context manager and a decorator.

    Every span started in its scope (GenAI calls and sections) gets ``llmcost.customer.id``,
    ``llmcost.tenant.id``, ``llmcost.feature`` and ``llmcost.<key>`` for the extra keys that
    ``OTEL_LLMCOST_ATTRIBUTE_KEYS`` allows. Scopes nest; an inner value wins (None keeps the outer one;
    an extra key given as None is removed). Values are recorded as strings. As a
    decorator it works on functions, coroutine functions, generators and async generators, each call in a
    scope of its own.

    Example::

        with otel_llmcost.attribute(customer="cus_42", feature="support_chat"):
            client.chat.completions.create(...)

    Raises:
        ValueError: an extra keyword is not allowlisted (the message names the variable to set).
    """

    def __init__(self, customer: object = None, tenant: object = None, feature: object = None, **other: object) -> None:
        self._values = _values(customer, tenant, feature, other)
        self._tokens: list[Token[Context]] = []

    def __enter__(self) -> attribute:
        self._tokens.append(_AttributeScope(self._values).activate())
        return self

    def __exit__(self, *exc_info: object) -> None:
        context.detach(self._tokens.pop())

    def __call__(self, function: Callable[P, R]) -> Callable[P, R]:
        return decorate(function, lambda: _AttributeScope(self._values))


def set_attributes(
    customer: object = None, tenant: object = None, feature: object = None, **other: object
) -> Token[Context]:
    """Sets the attribution for the rest of the current context, for frameworks with no ``with`` around a request.

    Returns the token to hand to `reset_attributes` when the request ends: a thread that serves the next
    request would carry the values on otherwise (a task's context ends with the task). Same keywords as
    `attribute`.
    """
    return context.attach(_with_values(_values(customer, tenant, feature, other), context.get_current()))


def reset_attributes(token: Token[Context]) -> None:
    """Undoes the `set_attributes` that returned ``token``."""
    context.detach(token)


def in_context(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` bound to a copy of the current context: sections, attribution and the current span.

    `ThreadPoolExecutor.submit` and `threading.Thread` run a function in the worker's context, not the
    submitter's: ``pool.submit(in_context(work), item)`` carries it over. (Tasks, `asyncio.to_thread` and
    `loop.run_in_executor` copy the context themselves.)
    """
    snapshot = copy_context()

    @functools.wraps(function)
    def bound(*args: P.args, **kwargs: P.kwargs) -> R:
        # A copy per call: a context can be entered by one thread at a time.
        return snapshot.copy().run(function, *args, **kwargs)

    return bound
