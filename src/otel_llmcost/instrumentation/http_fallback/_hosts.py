"""The hosts of the LLM APIs the fallback prices: the provider of a request comes from where it goes.

Only these hosts (and those the user names with the ``providers`` option) are looked at; every other request
passes through after one dictionary look-up.

| host                                                   | ``gen_ai.provider.name`` |
|--------------------------------------------------------|--------------------------|
| ``api.openai.com``                                     | ``openai``               |
| ``*.openai.azure.com``, ``*.cognitiveservices.azure.com`` | ``azure.ai.openai``   |
| ``api.anthropic.com``                                  | ``anthropic``            |
| ``generativelanguage.googleapis.com``                  | ``gcp.gemini``           |
| ``api.cohere.com``, ``api.cohere.ai``                  | ``cohere``               |
| ``bedrock-runtime.{region}.amazonaws.com``             | ``aws.bedrock``          |
| ``{index}.svc.{environment}.pinecone.io``              | ``pinecone``             |
| ``api.mistral.ai``, ``api.groq.com``, ``api.deepseek.com``, ``api.x.ai``, ``api.perplexity.ai`` | theirs |
| the hosts the price files list (``hosts``: ``openrouter.ai``, ``api.cerebras.ai``...) | theirs |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ... import _attributes as a
from .._endpoints import known_provider

__all__ = ["Hosts"]

_P = a.GenAiProviderNameValues
_KNOWN: Final[Mapping[str, str]] = {
    "api.openai.com": _P.OPENAI,
    "api.anthropic.com": _P.ANTHROPIC,
    "generativelanguage.googleapis.com": _P.GCP_GEMINI,
    "api.cohere.com": _P.COHERE,
    "api.cohere.ai": _P.COHERE,
    "api.mistral.ai": _P.MISTRAL_AI,
    "api.groq.com": _P.GROQ,
    "api.deepseek.com": _P.DEEPSEEK,
    "api.x.ai": _P.X_AI,
    "api.perplexity.ai": _P.PERPLEXITY,
}
_BEDROCK: Final = ("bedrock-runtime.", ".amazonaws.com")
_PINECONE: Final = (".svc.", ".pinecone.io")
_PINECONE_PROVIDER: Final = "pinecone"
_MAX_CACHED: Final = 512


class Hosts:
    """The provider of a host and port, or `None`: known hosts, then the user's ``providers`` map; remembered."""

    __slots__ = ("_cache", "_overrides")

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self._overrides = {key.lower(): value for key, value in (overrides or {}).items()}
        self._cache: dict[tuple[str, int | None], str | None] = {}

    def provider(self, host: str, port: int | None) -> str | None:
        key = (host, port)
        try:
            return self._cache[key]
        except KeyError:
            pass
        found = self._resolve(host.lower().rstrip("."), port)
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _resolve(self, host: str, port: int | None) -> str | None:
        known = known_provider(host, port, self._overrides, _KNOWN)
        if known is not None:
            return known
        if host.startswith(_BEDROCK[0]) and host.endswith(_BEDROCK[1]):
            return _P.AWS_BEDROCK
        if host.endswith(_PINECONE[1]) and _PINECONE[0] in host:
            return _PINECONE_PROVIDER  # an index's data plane; api.pinecone.io (the control plane) bills nothing
        return None
