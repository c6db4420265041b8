"""SDK clients for the apps of this folder that answer every request with one recording, as often as asked."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx2

from replay import recorded

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]


def _transport(provider: str, name: str) -> httpx2.MockTransport:
    response = recorded(provider, name)
    status, headers, content = response.status_code, response.headers, response.content
    return httpx2.MockTransport(lambda request: httpx2.Response(status, headers=headers, content=content))


def anthropic_client(recording: str = "sonnet_plain") -> Any:
    """An ``anthropic.Anthropic`` client (the SDK traces itself) whose every call returns ``recording``."""
    import anthropic

    # The recordings are of claude-sonnet-4-5, which the SDK warns is near its end of life.
    warnings.filterwarnings("ignore", "The model 'claude-", DeprecationWarning)
    return anthropic.Anthropic(
        api_key="test-no-key", http_client=httpx2.Client(transport=_transport("anthropic", recording)), max_retries=0
    )


def openai_client(recording: str = "chat_gpt_4o_mini") -> Any:
    """An ``openai.OpenAI`` client whose every call returns ``recording``."""
    import openai

    return openai.OpenAI(
        api_key="test-no-key", http_client=httpx2.Client(transport=_transport("openai", recording)), max_retries=0
    )


def call_anthropic(client: Any, model: str = "claude-sonnet-4-5") -> str:
    return client.messages.create(model=model, max_tokens=1024, messages=MESSAGES).id


def call_openai(client: Any) -> str:
    return client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES).id
