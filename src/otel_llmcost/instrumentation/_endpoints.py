"""Where a client's requests go, from its base URL: the ``gen_ai.provider.name``, ``server.address`` and
``server.port`` of its spans.

The price table has one file per provider, so the provider comes from where a request goes, never from the
model name. `Endpoints` resolves and remembers base URLs; a provider package says what a host means by
overriding `Endpoints.provider` (the OpenAI SDK, client of many compatible APIs, has a table of hosts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NamedTuple
from urllib.parse import urlsplit

from .. import _attributes as a
from ._hosts import TABLE_HOSTS

__all__ = ["Endpoint", "Endpoints", "known_provider"]

_DEFAULT_PORTS: Final[Mapping[str, int]] = {"https": 443, "http": 80}
_AZURE_SUFFIXES: Final = (".openai.azure.com", ".cognitiveservices.azure.com")


def known_provider(
    host: str, port: int | None, overrides: Mapping[str, str] | None, known: Mapping[str, str]
) -> str | None:
    """The provider of a lowercase ``host``: the user's ``overrides`` (by ``host:port`` or ``host``, lowercase
    keys), else the caller's ``known`` hosts, else the price table's, else Azure OpenAI's host suffixes; `None`
    for a host none of them names."""
    if overrides:
        named = overrides.get(f"{host}:{port}") or overrides.get(host)
        if named:
            return named
    found = known.get(host) or TABLE_HOSTS.get(host)
    if found is not None:
        return found
    if host.endswith(_AZURE_SUFFIXES):
        return a.GenAiProviderNameValues.AZURE_AI_OPENAI
    return None


class Endpoint(NamedTuple):
    """Where a client's requests go.

    Attributes:
        provider: the ``gen_ai.provider.name`` value.
        address: the server's host name or IP address (``server.address``); `None` if the URL has none.
        port: the server's port, the scheme's default included (``server.port``).
        region: the region scope of the endpoint when its price depends on it (``llmcost.request.region``):
            ``global`` or ``regional`` for Claude on Vertex AI; `None` when it does not matter or is unknown.
    """

    provider: str
    address: str | None
    port: int | None
    region: str | None = None


class Endpoints:
    """Resolves clients' base URLs to `Endpoint` values, with the user's ``providers`` map; remembers them.

    Args:
        overrides: ``gen_ai.provider.name`` by host, or by ``host:port``, for hosts the rules do not know.
        default: the provider of every other host (a provider's SDK that talks to one API names it).
    """

    _MAX_CACHED: Final = 256

    def __init__(self, overrides: Mapping[str, str] | None = None, default: str = "") -> None:
        self._overrides = {key.lower(): value for key, value in (overrides or {}).items()}
        self._default = default
        self._cache: dict[tuple[str, str, int | None], Endpoint] = {}
        # By base URL object: an application's client keeps its own, so most calls end at this look-up. The
        # object is kept alive with its endpoint so that its id is not reused. For a host whose path decides,
        # this is the only cache.
        self._by_url: dict[int, tuple[object, Endpoint]] = {}

    def provider(self, host: str, port: int | None, path: str) -> str:
        """The provider of a base URL's lowercase ``host``, ``port`` and ``path`` (read only when `path_matters`).

        This one knows only the user's overrides and the default; a provider package's subclass knows more.
        """
        return self.overridden(host, port) or self._default

    def path_matters(self, host: str) -> bool:
        """Whether a base URL's path decides the provider of the lowercase ``host`` (then it is not cached by host)."""
        return False

    def overridden(self, host: str, port: int | None) -> str | None:
        """The provider the user named for ``host:port`` or ``host``, if any."""
        if not self._overrides:
            return None
        return self._overrides.get(f"{host}:{port}") or self._overrides.get(host) or None

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
            if self.path_matters(host.lower().rstrip(".")):
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
        provider = self.provider(host.lower().rstrip("."), port, path)
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
