"""The Anthropic SDK's answers to the framework: a client's endpoint, an error's type, a result's kind, other tracers.

Imported when the application imports ``anthropic`` (the instrumentor's post-import hook), never before.

One span per call: ours steps aside when something else traces the call already,

- the SDK itself: a recent SDK (1.17, 2.x) gives every call of a client whose ``open_telemetry`` option (or
  ``ANTHROPIC_OPEN_TELEMETRY``) leaves tracing on a span of its own, which `CostSpanProcessor` prices; ours
  traces the calls of clients whose tracing is off (``open_telemetry=False``) and every call on 0.x/1.x;
- another GenAI instrumentor that wraps the method (OpenLLMetry, the official OpenTelemetry one, OpenInference,
  OpenLIT).
"""

from __future__ import annotations

import importlib
from typing import Any, Final

import anthropic
from anthropic._response import BaseAPIResponse
from opentelemetry.trace import NoOpTracer, ProxyTracer

from ... import _attributes as a
from .._adapter import response_kind
from .._endpoints import Endpoint, Endpoints
from .._others import traced_elsewhere
from .._read import field

__all__ = ["GENAI_TRACERS", "AnthropicAdapter", "native_tracing"]

GENAI_TRACERS: Final = (
    # Package names, not "package." prefixes: OpenLLMetry defines its wrappers in the package's __init__.
    "opentelemetry.instrumentation.anthropic",  # OpenLLMetry (Traceloop)
    "opentelemetry.instrumentation.genai.anthropic",  # the official OpenTelemetry instrumentation
    "openinference.instrumentation.anthropic",  # OpenInference (Arize)
    "openlit.instrumentation.anthropic",  # OpenLIT
)
"""The modules whose wrappers emit GenAI spans for Anthropic calls (a module name prefix each)."""

_P = a.GenAiProviderNameValues
_STREAMS: Final = (anthropic.Stream, anthropic.AsyncStream)


def _read_raw_responses() -> tuple[type, ...]:
    """Raw responses whose body the SDK read first: anthropic before 2.x's with_raw_response; none on 2.x."""
    try:
        module = importlib.import_module("anthropic._legacy_response")
    except ImportError:
        return ()
    legacy: object = getattr(module, "LegacyAPIResponse", None)
    return (legacy,) if isinstance(legacy, type) else ()


_READ: Final = _read_raw_responses()
# Platform clients by class name, for SDKs before 2.x that do not say their provider.
_PLATFORMS: Final = (("Bedrock", _P.AWS_BEDROCK), ("Vertex", _P.GCP_VERTEX_AI))
_VERTEX_SCOPES: Final = frozenset({"global", "us", "eu"})
"""The regions of an ``AnthropicVertex`` client that name a scope (the global and multi-region endpoints)."""
_REGIONAL: Final = "regional"


def native_tracing(client: object) -> bool:
    """Whether ``client`` (of a recent SDK) traces its own calls to a tracer that records.

    Its ``_tracer`` is None when its tracing is off; a tracer from OpenTelemetry's no-op provider (no SDK set
    up globally) records nothing, so its calls are ours.
    """
    try:
        tracer: object = getattr(client, "_tracer", None)
    except Exception:  # noqa: BLE001 - a client that cannot say: ours traces
        return False
    if isinstance(tracer, ProxyTracer):
        tracer = tracer._tracer  # pyright: ignore[reportPrivateUsage] - the delegate: real once a provider is set
    return tracer is not None and not isinstance(tracer, NoOpTracer)


def provider_of(client: object) -> str:
    """``gen_ai.provider.name`` of a client: ``anthropic``, or the platform that resells Claude."""
    named = getattr(type(client), "_gen_ai_provider_name", None)
    if isinstance(named, str) and named:
        return named
    for klass in type(client).__mro__:
        for marker, provider in _PLATFORMS:
            if marker in klass.__name__:
                return provider
    return _P.ANTHROPIC


class AnthropicAdapter:
    """The `Adapter` of the ``anthropic`` SDK (0.40 to 2.x)."""

    __slots__ = ("_endpoints",)

    def __init__(self, overrides: Any = None) -> None:
        self._endpoints: dict[str, Endpoints] = {
            provider: Endpoints(overrides, default=provider)
            for provider in (_P.ANTHROPIC, _P.AWS_BEDROCK, _P.GCP_VERTEX_AI)
        }

    def endpoint(self, instance: Any) -> Endpoint:
        client = instance._client
        provider = provider_of(client)
        endpoints = self._endpoints.get(provider)
        if endpoints is None:
            endpoints = self._endpoints[provider] = Endpoints(None, default=provider)
        found = endpoints.of(client.base_url)
        if provider == _P.GCP_VERTEX_AI:
            # Claude on Vertex AI costs more on regional and multi-region endpoints than on the global one.
            region = getattr(client, "region", None)
            if isinstance(region, str) and region:
                return found._replace(region=region if region in _VERTEX_SCOPES else _REGIONAL)
        return found

    def error_type(self, error: BaseException) -> str:
        """The API's error type (``rate_limit_error``, ``overloaded_error``), else the exception's class name."""
        if isinstance(error, anthropic.APIStatusError):
            kind = field(field(error.body, "error"), "type")
            if isinstance(kind, str) and kind:
                return kind
        return type(error).__qualname__

    # with_raw_response's responses are read; with_streaming_response's, and 2.x's raw responses, are read later.
    kind = response_kind(_STREAMS, _READ, BaseAPIResponse)

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        return native_tracing(getattr(instance, "_client", None)) or traced_elsewhere(instance, wrapped, GENAI_TRACERS)
