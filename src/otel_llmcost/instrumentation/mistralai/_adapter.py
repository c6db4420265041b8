"""The Mistral SDK's answers to the framework: a client's endpoint, an error's type, a result's kind, other tracers.

Imported when the application imports ``mistralai``, never before. mistralai 3.x keeps its client in
``mistralai.client``; 1.x in ``mistralai`` itself: both layouts are read.

Other tracers of a call, for which ours steps aside (one span per call):

- OpenLLMetry's ``opentelemetry-instrumentation-mistralai``, OpenInference's and OpenLIT's wrappers (`_others`);
- the SDK's own tracing (mistralai 3.x), when it is on for the client: its ``TracingHook`` was given a tracer
  provider (``configure_telemetry(client, provider=...)``), or the ``telemetry`` setting or
  ``MISTRAL_SDK_TELEMETRY`` says ``global`` (with an application tracer provider) or ``dedicated``. Its spans
  carry ``gen_ai.provider.name`` and usage: the cost processor prices them. This package never turns that
  tracing on, and never its ``dedicated`` mode, which exports to Mistral.
"""

from __future__ import annotations

import inspect
import os
from typing import Any, Final

from opentelemetry import trace

from .._adapter import Kind
from .._endpoints import Endpoint, Endpoints
from .._others import traced_elsewhere

try:  # mistralai 3.x
    from mistralai.client.utils.eventstreaming import EventStream, EventStreamAsync

    _STREAMS: tuple[type, ...] = (EventStream, EventStreamAsync)
except ImportError:  # mistralai 1.x: its stream classes, or (before 1.2) generators
    try:
        from mistralai.utils.eventstreaming import (  # pyright: ignore[reportMissingImports]
            EventStream,  # pyright: ignore[reportUnknownVariableType]
            EventStreamAsync,  # pyright: ignore[reportUnknownVariableType]
        )

        _STREAMS = (EventStream, EventStreamAsync)  # pyright: ignore[reportConstantRedefinition, reportUnknownVariableType]
    except ImportError:
        _STREAMS = ()  # pyright: ignore[reportConstantRedefinition]

__all__ = ["GENAI_TRACERS", "MistralAdapter"]

GENAI_TRACERS: Final = (
    "opentelemetry.instrumentation.mistralai",  # OpenLLMetry (Traceloop): its wrappers are in the package itself
    "openinference.instrumentation.mistralai.",  # OpenInference (Arize)
    "openlit.instrumentation.mistral.",  # OpenLIT
)
"""The modules whose wrappers emit GenAI spans for Mistral calls (a module name prefix each)."""

_MAX_KNOWN: Final = 64
_TELEMETRY_ENV: Final = "MISTRAL_SDK_TELEMETRY"
_GLOBAL: Final = "global"


def native_tracing(instance: Any) -> bool:
    """Whether the SDK's own tracing (mistralai 3.x's ``TracingHook``) sends the spans of ``instance``'s calls to
    the application: to a tracer provider given to ``configure_telemetry``, or to the global one (``global``).

    Its ``dedicated`` mode exports to Mistral, not to the application: then ours traces the call.
    """
    config = getattr(instance, "sdk_configuration", None)
    hooks = getattr(config, "_hooks", None)
    for hook in getattr(hooks, "before_request_hooks", None) or ():
        if not hasattr(hook, "_telemetry_use_global_provider"):
            continue
        if getattr(hook, "tracer_provider", None) is not None:
            return getattr(hook, "_auto_telemetry_provider", None) is None  # the application's own provider
        if getattr(hook, "_telemetry_use_global_provider", False):
            return _real_provider()
        if getattr(hook, "_telemetry_auto_disabled", False):
            return False
        setting = getattr(config, "telemetry", None)
        if not isinstance(setting, str):
            setting = os.environ.get(_TELEMETRY_ENV, "")
        return setting.strip().lower() == _GLOBAL and _real_provider()
    return False


def _real_provider() -> bool:
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


class MistralAdapter:
    """The `Adapter` of the ``mistralai`` SDK (1.x to 3.x)."""

    __slots__ = ("_endpoints", "_known")

    def __init__(self, endpoints: Endpoints) -> None:
        self._endpoints = endpoints
        self._known: dict[str, Endpoint] = {}  # by server URL: the SDK builds a new string on every call

    def endpoint(self, instance: Any) -> Endpoint:
        url: str = instance.sdk_configuration.get_server_details()[0]
        found = self._known.get(url)
        if found is None:
            if len(self._known) >= _MAX_KNOWN:
                self._known.clear()
            found = self._known[url] = self._endpoints.of(url)
        return found

    def error_type(self, error: BaseException) -> str:
        """The exception's class name (``SDKError``, ``HTTPValidationError``): the API sends no error code."""
        return type(error).__qualname__

    def kind(self, result: object) -> Kind:
        if isinstance(result, _STREAMS) or inspect.isgenerator(result) or inspect.isasyncgen(result):
            return Kind.STREAM
        return Kind.PLAIN

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        return traced_elsewhere(instance, wrapped, GENAI_TRACERS) or native_tracing(instance)
