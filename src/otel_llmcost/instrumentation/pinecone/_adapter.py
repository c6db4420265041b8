"""The Pinecone SDK's answers to the framework: an index's host, an error's type. Imported with ``pinecone``."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

from .._adapter import Kind
from .._endpoints import Endpoint

__all__ = ["PROVIDER", "PineconeAdapter"]

PROVIDER: Final = "pinecone"
"""The price table's provider name for Pinecone (the conventions list none)."""


class PineconeAdapter:
    """The `Adapter` of the ``pinecone`` SDK's index clients."""

    __slots__ = ()

    def endpoint(self, instance: Any) -> Endpoint:
        host = getattr(instance, "_host", None)
        if not isinstance(host, str) or not host:
            return Endpoint(PROVIDER, None, None)
        parts = urlsplit(host if "://" in host else f"https://{host}")
        port = parts.port or (80 if parts.scheme == "http" else 443)
        return Endpoint(PROVIDER, parts.hostname, port)

    def error_type(self, error: BaseException) -> str:
        """The HTTP status of an API error (``ApiError.status_code``), else the exception's class name."""
        status = getattr(error, "status_code", None)
        if isinstance(status, int) and not isinstance(status, bool):
            return str(status)
        return type(error).__qualname__

    def kind(self, result: object) -> Kind:
        return Kind.PLAIN

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        return False
