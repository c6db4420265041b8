"""``report --html`` opened in real headless Chromium: the charts render, with their numbers, and the page makes
no network request.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it). Without it these tests are skipped, unless
``OTEL_LLMCOST_REQUIRE_CHROMIUM=1`` (set by ``.ci/run``) makes that a failure. Requests are read from
Chromium's own network log (``--log-net-log``): a request the page started has the page's ``file://`` site in
its network isolation key; a control page with an image on a loopback server shows the method sees one.
``OTEL_LLMCOST_SCREENSHOT_TO=docs/img/report.png`` keeps the screenshot (the one in the docs comes from here).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cli_support import DAY1, DAY2, HOUR, chat, emit, exporting, run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("OTEL_LLMCOST_REQUIRE_CHROMIUM") != "1",
    reason="Chromium is not installed (Debian: apt-get install chromium)",
)
BLUE = (0x4E, 0x79, 0xA7)  # the first colour of the palette: the costliest model's bars
DAY3 = DAY2 + 86_400 * 10**9


def _calls() -> list[tuple[int, dict[str, Any]]]:
    """Three days of calls by three customers in two sections."""

    def call(start: int, provider: str, model: str, tokens: tuple[int, int], customer: str, section: str) -> Any:
        extra = {"llmcost.customer.id": customer, "llmcost.section.path": section}
        return (start, chat(provider, model, *tokens, **extra))

    return [
        # 10000 * 3/1e6 + 2000 * 15/1e6 = 0.06
        call(DAY1 + HOUR, "anthropic", "claude-sonnet-4-5", (10000, 2000), "acme", "research/search"),
        # 100000 * 0.15/1e6 + 10000 * 0.6/1e6 = 0.021
        call(DAY1 + 2 * HOUR, "openai", "gpt-4o-mini", (100000, 10000), "globex", "support/answer"),
        # 20000 * 3/1e6 + 4000 * 15/1e6 = 0.12
        call(DAY2 + HOUR, "anthropic", "claude-sonnet-4-5", (20000, 4000), "acme", "research/summarise"),
        # 2000 * 1/1e6 + 400 * 5/1e6 = 0.004
        call(DAY3 + HOUR, "anthropic", "claude-haiku-4-5", (2000, 400), "initech", "support/answer"),
        call(DAY3 + 2 * HOUR, "openai", "gpt-nonexistent", (10, 10), "initech", "support/answer"),  # unpriced
    ]


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "OTEL_LLMCOST_REQUIRE_CHROMIUM=1 but no chromium on PATH"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # CI runs as root in a container
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _page_requests(net_log: Path, page: str) -> list[str]:
    """The URLs the page at ``page`` asked for, from Chromium's network log (its own requests left out)."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    found: list[str] = []
    for event in log["events"]:
        params = event.get("params") or {}
        from_page = str(params.get("network_isolation_key", "")).startswith("file://")
        if event["type"] == start_job and from_page and params["url"] != page:
            found.append(params["url"])
    return found


def _pixels(png: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, header = 8, b"", b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0)
    assert colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(data)
    stride = width * channels
    previous = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        pixels.extend(tuple(line[i : i + 3]) for i in range(0, stride, channels))
        previous = line
    return width, height, pixels


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """The HTML report of `_calls`, written by the installed command."""
    spans = tmp_path / "spans"
    with exporting(spans) as tracer:
        emit(tracer, _calls())
    path = tmp_path / "report.html"
    done = run("report", str(spans), "--html", str(path))
    assert done.returncode == 0, done.stderr
    return path


class _Pixel(BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 - one test reads it

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def loopback() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pixel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_page_renders_its_charts_with_their_numbers(page: Path, tmp_path: Path) -> None:
    done = _chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")

    assert done.returncode == 0, done.stderr
    dom = done.stdout
    assert '<b id="total-cost">$0.2050</b>' in dom  # 0.06 + 0.021 + 0.12 + 0.004
    assert '<b id="total-unpriced">1</b>' in dom
    # Cost per day, stacked by model: one segment per day and model, the day's total above the bar.
    assert dom.count('class="segment"') == 4
    assert 'data-day="2026-12-07" data-model="claude-sonnet-4-5" data-usd="0.06"' in dom
    assert 'data-day="2026-12-07" data-model="gpt-4o-mini" data-usd="0.021"' in dom
    assert ">$0.0810</text>" in dom  # 2026-12-07: 0.06 + 0.021
    assert ">$0.1200</text>" in dom  # 2026-12-08
    assert ">$0.004000</text>" in dom  # 2026-12-09
    # Top customers and sections, costliest first.
    assert dom.index('data-name="acme" data-value="0.18"') < dom.index('data-name="globex" data-value="0.021"')
    assert 'data-name="research/summarise" data-value="0.12"' in dom
    assert 'data-name="support/answer" data-value="0.025"' in dom  # 0.021 + 0.004
    # Calls per status.
    assert 'data-name="priced" data-value="4"' in dom
    assert 'data-name="unpriced" data-value="1"' in dom
    assert '<td class="num">0.205</td>' in dom


def test_the_screenshot_shows_the_charts_and_the_page_asks_the_network_for_nothing(
    page: Path, tmp_path: Path, loopback: str
) -> None:
    screenshot, net_log = tmp_path / "report.png", tmp_path / "net.json"

    done = _chromium(
        f"--screenshot={screenshot}",
        "--window-size=900,1500",
        f"--log-net-log={net_log}",
        page.as_uri(),
        profile=tmp_path / "profile",
    )

    assert done.returncode == 0, done.stderr
    assert _page_requests(net_log, page.as_uri()) == []
    width, height, pixels = _pixels(screenshot.read_bytes())
    assert (width, height) == (900, 1500)
    assert pixels.count(BLUE) > 5000  # the bars are drawn, not only in the DOM
    assert len(set(pixels)) > 50
    keep = os.environ.get("OTEL_LLMCOST_SCREENSHOT_TO")
    if keep:
        shutil.copyfile(screenshot, keep)

    # The control: a page that does load an image from the loopback server shows up in the same log.
    control = tmp_path / "control.html"
    control.write_text(f'<!DOCTYPE html><html><body><img src="{loopback}/pixel.png"></body></html>')
    _chromium(f"--log-net-log={net_log}", "--dump-dom", control.as_uri(), profile=tmp_path / "profile2")
    assert _page_requests(net_log, control.as_uri()) == [f"{loopback}/pixel.png"]
    assert _Pixel.seen == ["/pixel.png"]
