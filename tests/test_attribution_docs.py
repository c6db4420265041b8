"""docs/attribution.md: its examples run, as one script, against a local server that answers like the OpenAI API.

The script's client talks to ``http://api.openai.com/v1`` (so that its calls are OpenAI's, and priced) through an
HTTP proxy, ``HTTP_PROXY``, which is the local server: no name is resolved and nothing leaves the machine.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from replay import RECORDINGS

DOC = Path(__file__).parents[1] / "docs" / "attribution.md"
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _body(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((RECORDINGS / "openai" / f"{name}.json").read_text(encoding="utf-8"))["body"]
    return found


class _OpenAI:
    """A loopback server with the recordings chat_gpt_4o_mini (each answer an id of its own) and
    embeddings_text_embedding_3_small."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        chat, embedding, paths = _body("chat_gpt_4o_mini"), _body("embeddings_text_embedding_3_small"), self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                paths.append(self.path)  # the absolute URL, as a client asks a proxy
                if self.path.endswith("/embeddings"):
                    body = embedding
                else:
                    body = copy.deepcopy(chat)
                    body["id"] = f"chatcmpl-doc-{len(paths)}"
                content = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def openai_server() -> Iterator[_OpenAI]:
    server = _OpenAI()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_the_examples_run_in_order_and_the_budget_refuses_the_call_past_it(openai_server: _OpenAI) -> None:
    script = "\n".join(re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL))
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OTEL_", "OPENAI_")) and key.lower() not in _PROXY_VARIABLES
    }
    environment.update(
        OPENAI_API_KEY="test",
        OPENAI_BASE_URL="http://api.openai.com/v1",
        HTTP_PROXY=openai_server.proxy,
        OTEL_TRACES_EXPORTER="none",
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    # The worst case of "Each call's worst case ..." with gpt-4o-mini: 16,384 output tokens at $0.60/1e6 is
    # $0.0098304, plus 19 input tokens at $0.15/1e6 ($0.00000285: 3 to prime the reply, 3 for the message, 1 for
    # "user" and 12 for the content, in o200k_base): the first call fits in $0.01, the second,
    # after $0.00024 spent (the recording: 600 * 0.15/1e6 + 400 * 0.075/1e6 + 200 * 0.60/1e6), does not.
    assert done.stdout.splitlines() == [
        "budget of $0.01 per 1d for customer 'cus_small' would be exceeded: $0.00024 spent in the window and this "
        "call may cost up to $0.00983325"
    ]
    # Two assistants (an embeddings call and two chat calls each), four calls of `summarise`, one call that
    # fits in the budget; the refused one sent nothing.
    assert (
        sorted(openai_server.paths)
        == ["http://api.openai.com/v1/chat/completions"] * 9 + ["http://api.openai.com/v1/embeddings"] * 2
    )
