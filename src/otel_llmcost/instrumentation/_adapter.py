"""The four questions only a provider's SDK can answer, asked by the framework on every call (`Adapter`).

A provider package implements them in its ``_adapter.py``, which may import the SDK: it is loaded when the
application imports the SDK, never before.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any, Protocol

from ._endpoints import Endpoint

__all__ = ["Adapter", "Kind", "response_kind"]


class Kind(IntEnum):
    """What an SDK method returned, as the framework hands it back."""

    PLAIN = 0
    """A parsed result: the call ends with it."""
    STREAM = 1
    """The SDK's stream: handed back behind a proxy that reads it chunk by chunk."""
    RAW_READ = 2
    """A raw response whose body the SDK has read (``with_raw_response``): parsed now, unless it is a stream."""
    RAW = 3
    """A raw response whose body comes later (``with_streaming_response``): handed back behind `LazyResponse`."""


class Adapter(Protocol):
    """A provider SDK's answers to the framework."""

    def endpoint(self, instance: Any) -> Endpoint:
        """Where the client of ``instance`` (an SDK resource, such as ``client.chat.completions``) sends requests."""
        ...

    def error_type(self, error: BaseException) -> str:
        """The ``error.type`` of an exception: the API's error code when the SDK has one, else the class name."""
        ...

    def kind(self, result: object) -> Kind:
        """What ``result``, returned by an SDK method (or by a raw response's ``parse()``), is."""
        ...

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        """Whether another GenAI instrumentor traces this call of ``wrapped``: then ours steps aside."""
        ...


def response_kind(
    streams: type | tuple[type, ...], read: type | tuple[type, ...], raw: type | tuple[type, ...]
) -> Callable[..., Kind]:
    """`Adapter.kind` of an SDK whose results are its ``streams``, raw responses whose body is ``read`` already
    (``with_raw_response``), other ``raw`` responses (body later), or parsed objects: the Stainless-built SDKs
    (openai, anthropic). Assign it in the adapter class (``kind = response_kind(...)``): a method, with the
    classes in its closure, so the per-call check costs no more than one written out."""

    def kind(self: Any, result: object) -> Kind:
        if isinstance(result, streams):
            return Kind.STREAM
        if isinstance(result, read):  # the body is read, unless it is a stream
            return Kind.RAW_READ
        if isinstance(result, raw):
            return Kind.RAW
        return Kind.PLAIN

    return kind
