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
| any host, port 11434 (Ollama's default)                                  | ``ollama``               |
| any host, port 1234 (LM Studio's default)                                | ``lm_studio``            |
| a loopback or private host, port 8000 (vLLM's default)                   | ``vllm``                 |
| anything else                                                            | ``openai_compatible``    |

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
from typing import Final, NamedTuple
from urllib.parse import urlsplit

from ... import _attributes as a

__all__ = [
    "FIREWORKS_AI",
    "LM_STUDIO",
    "OLLAMA",
    "OPENAI_COMPATIBLE",
    "OPENROUTER",
    "TOGETHER_AI",
    "VLLM",
    "Endpoint",
    "Endpoints",
    "is_vertex_host",
    "provider_of",
]

OPENROUTER: Final = "openrouter"
TOGETHER_AI: Final = "together_ai"
FIREWORKS_AI: Final = "fireworks_ai"
OLLAMA: Final = "ollama"
LM_STUDIO: Final = "lm_studio"
VLLM: Final = "vllm"
OPENAI_COMPATIBLE: Final = "openai_compatible"
"""An OpenAI-compatible server the instrumentor cannot name; deliberately absent from the price table."""

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
    "openrouter.ai": OPENROUTER,
    "api.together.xyz": TOGETHER_AI,
    "api.together.ai": TOGETHER_AI,
    "api.fireworks.ai": FIREWORKS_AI,
}
_HOST_SUFFIXES: Final = (
    (".openai.azure.com", _P.AZURE_AI_OPENAI),
    (".cognitiveservices.azure.com", _P.AZURE_AI_OPENAI),
)
# Vertex AI serves its Chat Completions API for the models it bills by the token at one path of these hosts.
_VERTEX_HOST: Final = "aiplatform.googleapis.com"
_VERTEX_REGIONAL_SUFFIX: Final = "-aiplatform.googleapis.com"
_VERTEX_OPENAPI: Final = "/endpoints/openapi"
_PORTS: Final[Mapping[int, str]] = {11434: OLLAMA, 1234: LM_STUDIO}
_VLLM_PORT: Final = 8000
_LOCAL_NAMES: Final = frozenset({"localhost", "host.docker.internal"})
_DEFAULT_PORTS: Final[Mapping[str, int]] = {"https": 443, "http": 80}


class Endpoint(NamedTuple):
    """Where a client's requests go.

    Attributes:
        provider: the ``gen_ai.provider.name`` value.
        address: the server's host name or IP address (``server.address``); `None` if the URL has none.
        port: the server's port, the scheme's default included (``server.port``).
    """

    provider: str
    address: str | None
    port: int | None


def provider_of(host: str, port: int | None, overrides: Mapping[str, str] | None = None, path: str = "") -> str:
    """The provider name for a base URL's ``host``, ``port`` and ``path``, following the rules of this module."""
    host = host.lower().rstrip(".")
    if overrides:
        named = overrides.get(f"{host}:{port}") or overrides.get(host)
        if named:
            return named
    known = _HOSTS.get(host)
    if known is not None:
        return known
    for suffix, provider in _HOST_SUFFIXES:
        if host.endswith(suffix):
            return provider
    if is_vertex_host(host):
        return _P.GCP_VERTEX_AI if path.rstrip("/").endswith(_VERTEX_OPENAPI) else OPENAI_COMPATIBLE
    if port is not None:
        by_port = _PORTS.get(port)
        if by_port is not None:
            return by_port
        if port == _VLLM_PORT and _is_local(host):
            return VLLM
    return OPENAI_COMPATIBLE


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


class Endpoints:
    """Resolves clients' base URLs to `Endpoint` values, with the user's ``providers`` map; remembers them."""

    _MAX_CACHED: Final = 256

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self._overrides = {key.lower(): value for key, value in (overrides or {}).items()}
        self._cache: dict[tuple[str, str, int | None], Endpoint] = {}
        # By base URL object: an application's client keeps its own, so most calls end at this look-up. The
        # object is kept alive with its endpoint so that its id is not reused. For a Vertex AI host, whose path
        # decides, this is the only cache.
        self._by_url: dict[int, tuple[object, Endpoint]] = {}

    def of(self, base_url: object) -> Endpoint:
        """The `Endpoint` of a client whose base URL is ``base_url`` (an ``httpx``/``httpx2`` URL, or a string)."""
        known = self._by_url.get(id(base_url))
        if known is not None and known[0] is base_url:
            return known[1]
        host = getattr(base_url, "host", None)
        if not isinstance(host, str):
            return self._from_string(str(base_url))
        scheme = getattr(base_url, "scheme", None)
        port = getattr(base_url, "port", None)
        key = (host, scheme if isinstance(scheme, str) else "", port if isinstance(port, int) else None)
        found = self._cache.get(key)
        if found is None:
            port_number = key[2] if key[2] is not None else _DEFAULT_PORTS.get(key[1])
            if is_vertex_host(host.lower()):
                path = getattr(base_url, "path", None)
                found = self._endpoint(host, port_number, path if isinstance(path, str) else "")
            else:
                found = self._endpoint(host, port_number)
                if len(self._cache) >= self._MAX_CACHED:
                    self._cache.clear()
                self._cache[key] = found
        if len(self._by_url) >= self._MAX_CACHED:
            self._by_url.clear()
        self._by_url[id(base_url)] = (base_url, found)
        return found

    def _endpoint(self, host: str, port: int | None, path: str = "") -> Endpoint:
        provider = provider_of(host, port, self._overrides, path)
        if not host:
            return Endpoint(provider, None, None)
        return Endpoint(provider, host, port)

    def _from_string(self, url: str) -> Endpoint:
        parts = urlsplit(url)
        try:
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
        except ValueError:
            port = None
        return self._endpoint(parts.hostname or "", port, parts.path)
