"""The fallback's patch table: ``send`` of the HTTP clients, and the adapter the framework asks."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from .._adapter import Kind
from .._endpoints import Endpoint
from .._genai import error_class
from .._patches import Patch
from .._surface import Setup
from ._hosts import Hosts
from ._send import Fallback, HTTPStatusError, async_httpx_send, httpx_send, requests_send

__all__ = ["FallbackAdapter", "patches"]


class FallbackAdapter:
    """The framework's questions, of which only ``error_type`` is asked here; and the hosts the fallback knows."""

    def __init__(self, providers: Mapping[str, str] | None) -> None:
        self.hosts = Hosts(providers)

    def endpoint(self, instance: Any) -> Endpoint:
        return Endpoint("", None, None)

    def error_type(self, error: BaseException) -> str:
        return str(error.args[0]).removeprefix("HTTP ") if isinstance(error, HTTPStatusError) else error_class(error)

    def kind(self, result: object) -> Kind:
        return Kind.PLAIN

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        return False


def _fallback(setup: Setup, adapter: FallbackAdapter) -> Fallback:
    return Fallback(setup.telemetry, adapter.hosts)


Make = Callable[[Setup], Callable[..., Any]]


def _httpx(module: str, make: Callable[[Fallback, Any], Callable[..., Any]], adapter: FallbackAdapter) -> Make:
    def made(setup: Setup) -> Callable[..., Any]:
        return make(_fallback(setup, adapter), importlib.import_module(module))

    return made


def _requests(adapter: FallbackAdapter) -> Make:
    def made(setup: Setup) -> Callable[..., Any]:
        return requests_send(_fallback(setup, adapter))

    return made


def patches(adapter: FallbackAdapter) -> tuple[Patch, ...]:
    """The table: each client's ``send``, on the clients installed."""
    rows: list[Patch] = []
    for module in ("httpx", "httpx2"):
        rows.append(Patch(module, "Client.send", _httpx(module, httpx_send, adapter)))
        rows.append(Patch(module, "AsyncClient.send", _httpx(module, async_httpx_send, adapter)))
    rows.append(Patch("requests", "Session.send", _requests(adapter)))
    return tuple(rows)
