"""The wrappers around an SDK's methods: one span per call; the SDK called once, unguarded, with its result.

Each surface (chat, responses, embeddings...) says what a request and a response of its API mean (`Surface`);
the wrappers here do the rest for every provider: skip when suppressed, uninstrumented, nested in another
traced call (``parse()`` and ``stream()`` helpers that call ``create()``) or traced by another GenAI
instrumentor (`Adapter.traced_elsewhere`), start the span, call the SDK, and hand back its result, a stream
behind a `traced_stream` proxy, or a raw response whose body is read later behind a `LazyResponse`.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar, Token
from typing import Any

from opentelemetry import context, trace
from opentelemetry.context import (
    _SUPPRESS_INSTRUMENTATION_KEY,  # pyright: ignore[reportPrivateUsage]
    Context,
)
from opentelemetry.instrumentation.utils import (
    _SUPPRESS_INSTRUMENTATION_KEY_PLAIN,  # pyright: ignore[reportPrivateUsage]
)

from .. import _attributes as a
from .. import _before_call as before
from ._adapter import Kind
from ._genai import Invocation
from ._guard import guarded
from ._raw import LazyResponse
from ._stream import traced_stream
from ._surface import Request, Setup, Surface

__all__ = [
    "Wrapper",
    "async_helper_stream_close",
    "async_method",
    "call_in_flight",
    "helper_stream_close",
    "sync_method",
]

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]

# The call whose SDK method is running, in this thread or task: a traced method it calls (``parse()`` and the
# ``stream()`` helpers call ``create()``) steps aside, and each attempt of its request counts its retries. A
# variable of our own, not an OpenTelemetry context key: setting it copies no context.
_INVOCATION: ContextVar[Invocation | None] = ContextVar("otel_llmcost_invocation", default=None)

# The end of each traced stream, by the SDK stream it wraps: the SDK's ``stream()`` helpers close the HTTP
# response rather than the stream they read, so their ``close`` tells us here (see `helper_stream_close`).
_STREAM_ENDS: weakref.WeakKeyDictionary[object, Callable[[], None]] = weakref.WeakKeyDictionary()


def call_in_flight() -> Invocation | None:
    """The call whose SDK method is running in this thread or task (a retry hook counts its attempts)."""
    return _INVOCATION.get()


def suppressed(current: Context) -> bool:
    """Whether instrumentation is suppressed in ``current``: `is_instrumentation_enabled`'s test, on the context in
    hand (it looks the current context up once per key, and the wrapper needs that context next). OpenTelemetry's
    two suppression keys are private: `tests/test_wrap_suppressed.py` fails if a release moves them."""
    return bool(current.get(_SUPPRESS_INSTRUMENTATION_KEY) or current.get(_SUPPRESS_INSTRUMENTATION_KEY_PLAIN))


def _parent_context(setup: Setup, instance: Any, wrapped: Any) -> Context | None:
    """The context to start this call's span in; `None` when the call goes untraced: uninstrumented, suppressed,
    inside one of our calls, or traced elsewhere."""
    if not setup.telemetry.active or _INVOCATION.get() is not None:
        return None
    current = context.get_current()
    if suppressed(current) or setup.adapter.traced_elsewhere(instance, wrapped):
        return None
    return current


def sync_method(setup: Setup, surface: Surface) -> Wrapper:
    """The wrapper of a synchronous SDK method of ``surface``."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        parent = _parent_context(setup, instance, wrapped)
        if parent is None:
            return wrapped(*args, **kwargs)
        started = guarded(_start, setup, surface, instance, args, kwargs, parent)
        if started is None:
            return wrapped(*args, **kwargs)
        invocation, request, token, provider = started
        try:
            if before.hook is not None:
                _before_call(before.hook, provider, surface, request)
            result = wrapped(*args, **request.kwargs)
        except BaseException as error:
            _returned(token, invocation, error)
            raise
        return _handed_back(setup, surface, invocation, request, result, token)

    return wrapper


def async_method(setup: Setup, surface: Surface) -> Wrapper:
    """The wrapper of an asynchronous SDK method of ``surface``."""

    async def wrapper(
        wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        parent = _parent_context(setup, instance, wrapped)
        if parent is None:
            return await wrapped(*args, **kwargs)
        started = guarded(_start, setup, surface, instance, args, kwargs, parent)
        if started is None:
            return await wrapped(*args, **kwargs)
        invocation, request, token, provider = started
        try:
            if before.hook is not None:
                _before_call(before.hook, provider, surface, request)
            result = await wrapped(*args, **request.kwargs)
        except BaseException as error:  # CancelledError included: the call ends with it
            _returned(token, invocation, error)
            raise
        return _handed_back(setup, surface, invocation, request, result, token)

    return wrapper


def _start(
    setup: Setup,
    surface: Surface,
    instance: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    parent: Context,
) -> tuple[Invocation, Request, Token[Context], str]:
    endpoint = setup.adapter.endpoint(instance)
    request = surface.request(args, kwargs, endpoint.provider, setup)
    if endpoint.region is not None and a.LLMCOST_REQUEST_REGION not in request.attributes:
        # The request's own region (Anthropic's inference_geo) wins over its endpoint's.
        request = request._replace(attributes={**request.attributes, a.LLMCOST_REQUEST_REGION: endpoint.region})
    server = (endpoint.address, endpoint.port) if endpoint.address is not None and endpoint.port is not None else None
    operation = request.operation or surface.operation
    invocation = setup.telemetry.start(
        operation, endpoint.provider, request.model, request.attributes, server, parent=parent
    )
    token = context.attach(trace.set_span_in_context(invocation.span, parent))
    _INVOCATION.set(invocation)
    return invocation, request, token, endpoint.provider


def _before_call(hook: before.BeforeCall, provider: str, surface: Surface, request: Request) -> None:
    """Runs the before-call hook in the call's span: a `CallRefused` reaches the caller (the span ends with it, no
    request is sent); any other exception is our own failure, swallowed by the guard."""
    refused = guarded(_refusal, hook, provider, surface, request)
    if refused is not None:
        raise refused


def _refusal(hook: before.BeforeCall, provider: str, surface: Surface, request: Request) -> before.CallRefused | None:
    try:
        hook(provider, request.model, request.kwargs, surface.operation)
    except before.CallRefused as refused:
        return refused
    return None


def _returned(token: Token[Context], invocation: Invocation | None = None, error: BaseException | None = None) -> None:
    """The SDK method returned, or raised ``error``: the call ends with it; this task's context is restored."""
    if error is not None and invocation is not None:
        guarded(invocation.end, error=error)
    _INVOCATION.set(None)  # it was None before: nested calls do not get this far
    context.detach(token)


def _handed_back(
    setup: Setup, surface: Surface, invocation: Invocation, request: Request, result: Any, token: Token[Context]
) -> Any:
    """The SDK method returned ``result``: this task's context is restored (as `_returned` does), and the user gets
    ``result`` or its proxy."""
    _INVOCATION.set(None)
    context.detach(token)
    handed = guarded(_finish, setup, surface, invocation, request, result)
    if handed is None:
        guarded(invocation.end)
        return result
    return handed[0]


def _finish(setup: Setup, surface: Surface, invocation: Invocation, request: Request, result: Any) -> tuple[Any]:
    """What the user gets: ``result``, or a proxy of it; the call ends now unless its body comes later."""
    kind = setup.adapter.kind(result)
    if kind is Kind.PLAIN:
        _respond(setup, surface, invocation, request, result)
        return (result,)
    if kind is Kind.STREAM:
        return (_traced(setup, surface, invocation, request, result),)
    if kind is Kind.RAW_READ and not request.stream:
        # The body is already read and the SDK caches what parse() returns: the user's own parse() gets the
        # very object read here, and a caller who only looks at the headers still gets a usage.
        _respond(setup, surface, invocation, request, result.parse())
        return (result,)
    return (_lazy(setup, surface, invocation, request, result),)


def _lazy(setup: Setup, surface: Surface, invocation: Invocation, request: Request, response: Any) -> Any:
    def unread() -> None:
        if request.stream:
            # A stream never read ends as a stream with no chunk: its prompt was sent, and is counted.
            surface.stream(invocation, request, setup).end()
        elif request.known is not None:
            invocation.end(*request.known)
        else:
            invocation.end()

    def closed_after(parsed: object) -> None:
        """A raw response was closed after its body was parsed: a stream read from it is over too."""
        if setup.adapter.kind(parsed) is Kind.STREAM:
            _end_stream(parsed)

    return LazyResponse(
        response, unread, lambda parsed: _parsed(setup, surface, invocation, request, parsed), closed_after
    )


def _parsed(setup: Setup, surface: Surface, invocation: Invocation, request: Request, parsed: object) -> object:
    """What a raw response's ``parse()`` hands the user: the stream behind a proxy, or the parsed body."""
    if setup.adapter.kind(parsed) is Kind.STREAM:
        return _traced(setup, surface, invocation, request, parsed)
    _respond(setup, surface, invocation, request, parsed)
    return parsed


def _respond(setup: Setup, surface: Surface, invocation: Invocation, request: Request, result: object) -> None:
    invocation.end(*surface.response(result, request, setup))


def _traced(setup: Setup, surface: Surface, invocation: Invocation, request: Request, stream: Any) -> Any:
    hooks = surface.stream(invocation, request, setup)
    _STREAM_ENDS[stream] = hooks.end
    return traced_stream(stream, hooks, hide=request.hide)


def _end_stream(stream: object) -> None:
    end = _STREAM_ENDS.get(stream)
    if end is not None:
        end()


def _end_raw_stream(helper: object) -> None:
    raw = getattr(helper, "_raw_stream", None)
    if raw is not None:
        _end_stream(getattr(raw, "__wrapped__", raw))  # our proxy, when the stream was traced


def helper_stream_close(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Wraps ``close`` of an SDK's ``stream()`` helper streams (whose ``_raw_stream`` is the SDK stream they
    read): closing one ends the raw stream's call."""
    closed = wrapped(*args, **kwargs)
    guarded(_end_raw_stream, instance)
    return closed


async def async_helper_stream_close(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """`helper_stream_close` for the asynchronous helper streams."""
    closed = await wrapped(*args, **kwargs)
    guarded(_end_raw_stream, instance)
    return closed
