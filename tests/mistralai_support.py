"""What the Mistral instrumentor's tests share: SDK clients that replay recordings, on mistralai 1.x and 3.x.

No tests here. mistralai 3.x keeps its client in ``mistralai.client`` and talks through httpx2; 1.x keeps it in
``mistralai`` and talks through httpx: the clients here take whichever the installed SDK uses.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from instrumentor_support import attributes as attributes
from instrumentor_support import cost as cost
from instrumentor_support import instrumenting
from instrumentor_support import only_span as only_span
from otel_llmcost.instrumentation.mistralai import MistralInstrumentor
from replay import Replay, recorded

if TYPE_CHECKING:
    from conftest import Tracing

try:
    from mistralai.client import Mistral, chat, errors  # mistralai 3.x

    SDK_PACKAGE = "mistralai.client"
except ImportError:  # mistralai 1.x
    from mistralai import Mistral, chat  # pyright: ignore[reportAttributeAccessIssue]
    from mistralai import models as errors  # pyright: ignore[reportAttributeAccessIssue]

    SDK_PACKAGE = "mistralai"

Chat: Any = chat.Chat
SDKError: Any = errors.SDKError
HTTP: ModuleType = importlib.import_module(
    vars(importlib.import_module(f"{SDK_PACKAGE}.utils.eventstreaming"))["httpx"].__name__
)
"""httpx2 for mistralai 3.x, httpx for 1.x."""
STREAM_OBJECTS = hasattr(importlib.import_module(f"{SDK_PACKAGE}.utils.eventstreaming"), "EventStream")
"""Whether streams are the SDK's objects (with ``close`` and ``with``), not bare generators (before mistralai 1.2)."""

_usage_info: Any = importlib.import_module(f"{SDK_PACKAGE}.models").UsageInfo
CACHED_TOKENS_KEPT = _usage_info.model_config.get("extra") == "allow"
"""Whether the SDK keeps the usage fields it does not declare (``prompt_tokens_details``): mistralai 1.0 drops
them, and so the cached part of a prompt, which is then billed as plain input."""

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]


def recording(name: str, *, live: bool = False) -> Any:
    """The recorded response ``name`` of the Mistral API; ``live``: its body still to be read, as from a socket."""
    return recorded("mistralai", name, http=HTTP, live=live)


def client(*responses: Any) -> tuple[Any, Replay]:
    """A Mistral client (sync and async) that answers with ``responses``, and the replay of its requests."""
    replay = Replay(*responses)
    transport = HTTP.MockTransport(replay)
    sdk = Mistral(
        api_key="test", client=HTTP.Client(transport=transport), async_client=HTTP.AsyncClient(transport=transport)
    )
    return sdk, replay


@pytest.fixture
def priced(tracing: Tracing) -> Iterator[Tracing]:
    """``tracing`` (spans priced by CostSpanProcessor) with the Mistral instrumentor on it."""
    with instrumenting(MistralInstrumentor(), tracing):
        yield tracing
