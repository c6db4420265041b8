"""google-genai's answers to the framework: a client's endpoint, an error's type, a result's kind, other tracers.

Imported when the application imports ``google.genai`` (the instrumentor's post-import hook), never before.

- **Endpoint**: ``gcp.vertex_ai`` for a client made with ``vertexai=True`` or whose base URL is a Vertex AI
  host (``{location}-aiplatform.googleapis.com``, ``aiplatform.googleapis.com`` for ``global``), else
  ``gcp.gemini`` (the Gemini Developer API, ``generativelanguage.googleapis.com``); ``server.address`` and
  ``server.port`` from the client's base URL, a proxy's included. The ``providers`` option names other hosts.
- **Error type**: the API's status (``RESOURCE_EXHAUSTED``, ``INVALID_ARGUMENT``), else the class name.
- **Kind**: ``_generate_content_stream`` returns a generator (sync) or an async generator (``aio``, once
  awaited): a stream; everything else is a parsed result.
- **Other tracers**: they wrap the public methods (``generate_content``, ``generate_content_stream``); ours
  wraps the private ones those call, once per model call. When one of theirs wraps the public method of a call
  of ours, ours steps aside and the processor prices their span. ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS``
  names theirs ``google-genai`` (official) and ``google_generativeai`` (OpenLLMetry); ours is
  ``llmcost_google_genai``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Final

from ... import _attributes as a
from .._adapter import Kind
from .._endpoints import Endpoint, Endpoints
from .._genai import error_class
from .._others import traced_elsewhere
from .._read import field, text

__all__ = ["GENAI_TRACERS", "GoogleGenAIAdapter"]

GENAI_TRACERS: Final = (
    "opentelemetry.instrumentation.google_genai.",  # the official OpenTelemetry instrumentation
    "opentelemetry.instrumentation.google_generativeai",  # OpenLLMetry (Traceloop): wraps from its __init__
    "openinference.instrumentation.google_genai.",  # OpenInference (Arize)
    "openlit.instrumentation.google_ai_studio.",  # OpenLIT
)
"""The modules whose wrappers emit GenAI spans for google-genai calls (a module name prefix each)."""

_PUBLIC: Final[Mapping[str, str]] = {
    "_generate_content": "generate_content",
    "_generate_content_stream": "generate_content_stream",
}
"""The public method that sends each private one we wrap: where other tracers wrap."""

_P = a.GenAiProviderNameValues
_MAX_KNOWN: Final = 256
_VERTEX_HOST: Final = "aiplatform.googleapis.com"


class _Hosts(Endpoints):
    """A Vertex AI host is ``gcp.vertex_ai``; any other is the default (the client's API, or the user's map)."""

    def provider(self, host: str, port: int | None, path: str) -> str:
        overridden = self.overridden(host, port)
        if overridden is not None:
            return overridden
        return (
            _P.GCP_VERTEX_AI
            if host == _VERTEX_HOST or host.endswith("-" + _VERTEX_HOST)
            else super().provider(host, port, path)
        )


def _class_attribute(instance: object, name: str) -> object:
    for klass in type(instance).__mro__:
        found = vars(klass).get(name)
        if found is not None:
            return found
    return None


class GoogleGenAIAdapter:
    """The `Adapter` of the ``google-genai`` SDK (1.11 to 3.x)."""

    __slots__ = ("_gemini", "_known", "_vertex")

    def __init__(self, providers: Mapping[str, str] | None) -> None:
        self._gemini = _Hosts(providers, _P.GCP_GEMINI)
        self._vertex = _Hosts(providers, _P.GCP_VERTEX_AI)
        self._known: dict[tuple[str | None, bool], Endpoint] = {}  # a base URL string is parsed once

    def endpoint(self, instance: Any) -> Endpoint:
        client: object = getattr(instance, "_api_client", None)
        vertex = getattr(client, "vertexai", None) is True
        base_url = text(field(getattr(client, "_http_options", None), "base_url"))
        known = self._known.get((base_url, vertex))
        if known is None:
            endpoints = self._vertex if vertex else self._gemini
            if base_url is None:
                known = Endpoint(endpoints.provider("", None, ""), None, None)
            else:
                known = endpoints.of(base_url)
            if len(self._known) >= _MAX_KNOWN:
                self._known.clear()
            self._known[base_url, vertex] = known
        return known

    def error_type(self, error: BaseException) -> str:
        status = getattr(error, "status", None)
        if isinstance(status, str) and status:
            return status
        return error_class(error)

    def kind(self, result: object) -> Kind:
        if inspect.isgenerator(result) or inspect.isasyncgen(result):
            return Kind.STREAM
        return Kind.PLAIN

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        if traced_elsewhere(instance, wrapped, GENAI_TRACERS):
            return True
        public = _PUBLIC.get(getattr(wrapped, "__name__", ""))
        return public is not None and traced_elsewhere(instance, _class_attribute(instance, public), GENAI_TRACERS)
