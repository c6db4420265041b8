"""`openai._adapter.base_url` reads an SDK client's private ``_configured_base_url`` rather than its ``base_url``
property (which imports a module on every read in openai 3.x): it must answer what the property answers, for
every kind of client, and take the direct read on the installed SDK's own clients, or a release has moved it."""

from __future__ import annotations

import httpx2
import openai
import pytest

from otel_llmcost.instrumentation.openai._adapter import OpenAIAdapter, base_url
from otel_llmcost.instrumentation.openai._providers import Endpoints


def _clients() -> list[openai.OpenAI | openai.AsyncOpenAI]:
    return [
        openai.OpenAI(api_key="test", http_client=httpx2.Client()),
        openai.AsyncOpenAI(api_key="test", http_client=httpx2.AsyncClient()),
        openai.OpenAI(api_key="test", base_url="http://localhost:11434/v1", http_client=httpx2.Client()),
        openai.AzureOpenAI(
            api_key="test",
            api_version="2024-10-21",
            azure_endpoint="https://example.openai.azure.com",
            http_client=httpx2.Client(),
        ),
    ]


@pytest.mark.parametrize("index", range(4), ids=["OpenAI", "AsyncOpenAI", "base_url given", "AzureOpenAI"])
def test_the_sdk_clients_base_url_is_read_directly_and_is_the_propertys(index: int) -> None:
    client = _clients()[index]
    assert base_url(client) == client.base_url
    # The direct read, not the property: if this fails, the SDK no longer keeps the URL there (still correct, slow).
    assert base_url(client) is vars(client)["_configured_base_url"]


def test_a_base_url_set_later_is_read() -> None:
    client = openai.OpenAI(api_key="test", http_client=httpx2.Client())
    client.base_url = "https://api.groq.com/openai/v1"
    assert str(base_url(client)) == "https://api.groq.com/openai/v1/"
    assert OpenAIAdapter(Endpoints()).endpoint(client.chat.completions).provider == "groq"


def test_the_module_level_client_answers_from_the_modules_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai, "_client", None)  # a module-level client of this test's own, dropped after it
    monkeypatch.setattr(openai, "api_key", "test")
    monkeypatch.setattr(openai, "base_url", "https://api.deepseek.com/v1")
    client = openai.chat.completions._client  # pyright: ignore[reportPrivateUsage]
    assert type(client).base_url is not openai.OpenAI.base_url  # its own property: asked, not read directly
    assert base_url(client) == client.base_url
    assert str(base_url(client)).startswith("https://api.deepseek.com/v1")
    assert OpenAIAdapter(Endpoints()).endpoint(openai.chat.completions).provider == "deepseek"
