"""A scope that is entered around a block or a decorated call: sync, async, generators and async generators.

A generator's scope is open from its first step to its end, but its context is active only while the
generator runs: between two items the caller's context is the caller's own.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator
from contextvars import Token
from typing import Any, ParamSpec, TypeVar, cast

from opentelemetry import context
from opentelemetry.context import Context

__all__ = ["Scope", "decorate"]

P = ParamSpec("P")
R = TypeVar("R")


class Scope:
    """What a scope does: `start` once, `activate`/`deactivate` around each run of its code, `finish` once."""

    def start(self) -> None:
        """Opens the scope (a section starts its span)."""

    def activate(self) -> Token[Context]:
        """Makes the scope's context current; returns the token that `deactivate` takes."""
        raise NotImplementedError

    def deactivate(self, token: Token[Context]) -> None:
        context.detach(token)

    def finish(self, error: BaseException | None) -> None:
        """Closes the scope, after its code returned or raised ``error``."""


def decorate(function: Callable[P, R], factory: Callable[[], Scope]) -> Callable[P, R]:
    """``function`` run in a new scope per call, whichever of the four kinds of function it is."""
    if inspect.isasyncgenfunction(function):
        return cast("Callable[P, R]", _async_generator(function, factory))
    if inspect.isgeneratorfunction(function):
        return cast("Callable[P, R]", _generator(function, factory))
    if inspect.iscoroutinefunction(function):
        return cast("Callable[P, R]", _coroutine(function, factory))

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        scope = factory()
        scope.start()
        with _Finishing(scope), _Active(scope):
            return function(*args, **kwargs)

    return call


class _Active:
    """The scope's context is current inside the block."""

    __slots__ = ("_scope", "_token")

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def __enter__(self) -> None:
        self._token = self._scope.activate()

    def __exit__(self, *exc_info: object) -> None:
        self._scope.deactivate(self._token)


class _Finishing:
    """The scope finishes when the block ends, with the error the block raised; for a generator, a consumer that
    stopped early (``GeneratorExit``) is no error of the scope's code."""

    __slots__ = ("_generator", "_scope")

    def __init__(self, scope: Scope, generator: bool = False) -> None:
        self._scope = scope
        self._generator = generator

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        self._scope.finish(None if self._generator and isinstance(error, GeneratorExit) else error)


class _Driven:
    """A generator run in a scope: the scope, the generator (made in the scope's context), and what to send or
    throw into it at its next step."""

    __slots__ = ("inner", "scope", "sent", "thrown")

    def __init__(self, function: Callable[..., Any], factory: Callable[[], Scope], args: Any, kwargs: Any) -> None:
        self.scope = factory()
        self.scope.start()
        with _Active(self.scope):
            self.inner = function(*args, **kwargs)
        self.sent: Any = None
        self.thrown: BaseException | None = None


def _coroutine(function: Callable[..., Any], factory: Callable[[], Scope]) -> Callable[..., Any]:
    @functools.wraps(function)
    async def call(*args: Any, **kwargs: Any) -> Any:
        scope = factory()
        scope.start()
        with _Finishing(scope), _Active(scope):
            return await function(*args, **kwargs)

    return call


def _generator(function: Callable[..., Generator[Any, Any, Any]], factory: Callable[[], Scope]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        run = _Driven(function, factory, args, kwargs)
        inner: Generator[Any, Any, Any] = run.inner
        with _Finishing(run.scope, generator=True):
            while True:
                try:
                    with _Active(run.scope):
                        item = inner.send(run.sent) if run.thrown is None else inner.throw(run.thrown)
                except StopIteration as stop:
                    return stop.value
                run.sent, run.thrown = None, None
                try:
                    run.sent = yield item
                except GeneratorExit:
                    with _Active(run.scope):
                        inner.close()
                    raise
                except BaseException as error:  # noqa: BLE001 - handed to the inner generator, as `yield from` does
                    run.thrown = error

    return call


def _async_generator(
    function: Callable[..., AsyncGenerator[Any, Any]], factory: Callable[[], Scope]
) -> Callable[..., Any]:
    @functools.wraps(function)
    async def call(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        run = _Driven(function, factory, args, kwargs)
        inner: AsyncGenerator[Any, Any] = run.inner
        with _Finishing(run.scope, generator=True):
            while True:
                try:
                    with _Active(run.scope):
                        item = await (inner.asend(run.sent) if run.thrown is None else inner.athrow(run.thrown))
                except StopAsyncIteration:
                    return
                run.sent, run.thrown = None, None
                try:
                    run.sent = yield item
                except GeneratorExit:
                    with _Active(run.scope):
                        await inner.aclose()
                    raise
                except BaseException as error:  # noqa: BLE001 - handed to the inner generator
                    run.thrown = error

    return call
