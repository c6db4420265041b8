"""Which provider an OpenAI client talks to, from its base URL: the ``gen_ai.provider.name`` of its spans.

The openai SDK is the client for many OpenAI-compatible APIs; the price table has one file per provider, so
the provider must come from where the request goes, never from the model name. The rules, in order:

| base URL host (and port, or path)                                        | ``gen_ai.provider.name`` |
|--------------------------------------------------------------------------|--------------------------|
| a host or ``host:port`` in the user's ``providers`` map                  | the value given          |
| ``api.openai.com``                                                       | ``openai``               |
| ``*.openai.azure.com``, ``*.cognitiveservices.azure.com``                | ``azure.ai.openai``      |
| ``generativelanguage.googleapis.com`` (Gemini API, ``/v1beta/openai/``)  | ``gcp.gemini``           |
| ``aiplatform.googleapis.com``, ``{region}-aiplatform.googleapis.com``,   | ``gcp.vertex_ai``        |
| with a path ending ``/endpoints/openapi`` (Vertex AI's Chat Completions) |                          |
| ``api.anthropic.com`` (Anthropic's OpenAI SDK compatibility)             | ``anthropic``            |
| ``api.groq.com``                                                         | ``groq``                 |
| ``api.deepseek.com``                                                     | ``deepseek``             |
| ``api.x.ai``                                                             | ``x_ai``                 |
| ``api.mistral.ai``                                                       | ``mistral_ai``           |
| ``api.perplexity.ai``                                                    | ``perplexity``           |
| ``openrouter.ai``                                                        | ``openrouter``           |
| ``api.together.xyz``, ``api.together.ai``                                | ``together_ai``          |
| ``api.fireworks.ai``                                                     | ``fireworks_ai``         |
| a host a price file lists in its ``hosts`` (``api.cerebras.ai``...)      | that file's provider     |
| any host, port 11434 (Ollama's default)                                  | ``ollama``               |
| any host, port 1234 (LM Studio's default)                                | ``lm_studio``            |
| a loopback or private host, port 8000 (vLLM's default)                   | ``vllm``                 |
| anything else                                                            | ``openai_compatible``    |

The price files' hosts reach this module as data: `scripts/gen_hosts.py` writes them to
``instrumentation/_hosts.py`` (instrumentation never imports the pricing room), and a test fails when that
module is stale.

A Vertex AI host with another path is a dedicated endpoint of a model the user deployed, billed by the
machine rather than by the token: it is ``openai_compatible``. Only Vertex AI hosts have their path read.

``openai_compatible`` says "an OpenAI-compatible server we cannot name": no price file carries that name, so
such calls are unpriced with reason ``unknown_provider``, never priced as OpenAI. Ollama, LM Studio and vLLM
have price files that mark them not priced on purpose (self-hosted). A gateway or a self-hosted server the
rules do not recognise is named with the instrumentor's ``providers`` option, as ``{"host": "provider"}`` or
``{"host:port": "provider"}``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Final

from ... import _attributes as a
from .._endpoints import Endpoint, known_provider
from .._endpoints import Endpoints as _Endpoints

__all__ = [
    "Endpoint",
    "Endpoints",
    "is_vertex_host",
    "provider_of",
]

_P = a.GenAiProviderNameValues
_HOSTS: Final[Mapping[str, str]] = {
    "api.openai.com": _P.OPENAI,
    "generativelanguage.googleapis.com": _P.GCP_GEMINI,
    "api.anthropic.com": _P.ANTHROPIC,
    "api.groq.com": _P.GROQ,
    "api.deepseek.com": _P.DEEPSEEK,
    "api.x.ai": _P.X_AI,
    "api.mistral.ai": _P.MISTRAL_AI,
    "api.perplexity.ai": _P.PERPLEXITY,
    "openrouter.ai": _P.OPENROUTER,
    "api.together.xyz": _P.TOGETHER_AI,
    "api.together.ai": _P.TOGETHER_AI,
    "api.fireworks.ai": _P.FIREWORKS_AI,
}
# Vertex AI serves its Chat Completions API for the models it bills by the token at one path of these hosts.
_VERTEX_HOST: Final = "aiplatform.googleapis.com"
_VERTEX_REGIONAL_SUFFIX: Final = "-aiplatform.googleapis.com"
_VERTEX_OPENAPI: Final = "/endpoints/openapi"
_PORTS: Final[Mapping[int, str]] = {11434: _P.OLLAMA, 1234: _P.LM_STUDIO}
_VLLM_PORT: Final = 8000
_LOCAL_NAMES: Final = frozenset({"localhost", "host.docker.internal"})


def provider_of(host: str, port: int | None, overrides: Mapping[str, str] | None = None, path: str = "") -> str:
    """The provider name for a base URL's ``host``, ``port`` and ``path``, following the rules of this module."""
    host = host.lower().rstrip(".")
    known = known_provider(host, port, overrides, _HOSTS)
    if known is not None:
        return known
    if is_vertex_host(host):
        return _P.GCP_VERTEX_AI if path.rstrip("/").endswith(_VERTEX_OPENAPI) else _P.OPENAI_COMPATIBLE
    if port is not None:
        by_port = _PORTS.get(port)
        if by_port is not None:
            return by_port
        if port == _VLLM_PORT and _is_local(host):
            return _P.VLLM
    return _P.OPENAI_COMPATIBLE


def is_vertex_host(host: str) -> bool:
    """Whether ``host`` (lowercase) is Vertex AI's, global or regional: the base URL's path decides its provider."""
    return host == _VERTEX_HOST or host.endswith(_VERTEX_REGIONAL_SUFFIX)


def _is_local(host: str) -> bool:
    if host in _LOCAL_NAMES or host.endswith((".local", ".internal", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


class Endpoints(_Endpoints):
    """Resolves an OpenAI client's base URL to its `Endpoint` by the rules of this module."""

    def provider(self, host: str, port: int | None, path: str) -> str:
        return self.overridden(host, port) or provider_of(host, port, None, path)

    def path_matters(self, host: str) -> bool:
        return is_vertex_host(host)
