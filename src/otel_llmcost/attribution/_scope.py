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
        token = scope.activate()
        try:
            result = function(*args, **kwargs)
        except BaseException as error:
            scope.deactivate(token)
            scope.finish(error)
            raise
        scope.deactivate(token)
        scope.finish(None)
        return result

    return call


def _coroutine(function: Callable[..., Any], factory: Callable[[], Scope]) -> Callable[..., Any]:
    @functools.wraps(function)
    async def call(*args: Any, **kwargs: Any) -> Any:
        scope = factory()
        scope.start()
        token = scope.activate()
        try:
            result = await function(*args, **kwargs)
        except BaseException as error:
            scope.deactivate(token)
            scope.finish(error)
            raise
        scope.deactivate(token)
        scope.finish(None)
        return result

    return call


def _generator(function: Callable[..., Generator[Any, Any, Any]], factory: Callable[[], Scope]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        scope = factory()
        scope.start()
        token = scope.activate()
        try:
            inner = function(*args, **kwargs)
        finally:
            scope.deactivate(token)
        sent: Any = None
        thrown: BaseException | None = None
        try:
            while True:
                token = scope.activate()
                try:
                    item = inner.send(sent) if thrown is None else inner.throw(thrown)
                except StopIteration as stop:
                    result = stop.value
                    break
                finally:
                    scope.deactivate(token)
                sent, thrown = None, None
                try:
                    sent = yield item
                except GeneratorExit:
                    token = scope.activate()
                    try:
                        inner.close()
                    finally:
                        scope.deactivate(token)
                    raise
                except BaseException as error:  # noqa: BLE001 - handed to the inner generator, as `yield from` does
                    thrown = error
        except GeneratorExit:
            scope.finish(None)  # the consumer stopped early: no error of the section's code
            raise
        except BaseException as error:
            scope.finish(error)
            raise
        scope.finish(None)
        return result

    return call


def _async_generator(
    function: Callable[..., AsyncGenerator[Any, Any]], factory: Callable[[], Scope]
) -> Callable[..., Any]:
    @functools.wraps(function)
    async def call(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        scope = factory()
        scope.start()
        token = scope.activate()
        try:
            inner = function(*args, **kwargs)
        finally:
            scope.deactivate(token)
        sent: Any = None
        thrown: BaseException | None = None
        try:
            while True:
                token = scope.activate()
                try:
                    item = await (inner.asend(sent) if thrown is None else inner.athrow(thrown))
                except StopAsyncIteration:
                    break
                finally:
                    scope.deactivate(token)
                sent, thrown = None, None
                try:
                    sent = yield item
                except GeneratorExit:
                    token = scope.activate()
                    try:
                        await inner.aclose()
                    finally:
                        scope.deactivate(token)
                    raise
                except BaseException as error:  # noqa: BLE001 - handed to the inner generator
                    thrown = error
        except GeneratorExit:
            scope.finish(None)
            raise
        except BaseException as error:
            scope.finish(error)
            raise
        scope.finish(None)

    return call
