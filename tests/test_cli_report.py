"""``otel-llmcost report`` over OTLP JSON files the library wrote, and over a Phoenix (a loopback fake)."""

from __future__ import annotations

import gzip
import json
import os
import pty
import subprocess
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from cli_support import COMMAND, chat, exporting, run, run_json, shop_spans


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return shop_spans(tmp_path / "spans")


def _groups(document: dict[str, Any], *keys: str) -> dict[tuple[str, ...], tuple[int, Decimal | None, int, int]]:
    return {
        tuple(group[key] for key in keys): (
            group["calls"],
            None if group["cost_usd"] is None else Decimal(group["cost_usd"]),
            group["unpriced"],
            group["estimated"],
        )
        for group in document["groups"]
    }


# `SHOP_CALLS` by model: (calls, cost, unpriced, estimated).
SHOP_BY_MODEL = {
    ("claude-sonnet-4-5",): (1, Decimal("0.06"), 0, 0),  # 10000 * 3/1e6 + 2000 * 15/1e6
    ("claude-haiku-4-5",): (1, Decimal("0.004"), 0, 0),  # 2000 * 1/1e6 + 400 * 5/1e6
    ("gpt-4o-mini",): (2, Decimal("0.000405"), 0, 1),  # 0.00036 + (100 * 0.15/1e6 + 50 * 0.6/1e6)
    ("gpt-nonexistent",): (1, None, 1, 0),  # no price: no amount, never a zero
    ("total",): (5, Decimal("0.064405"), 1, 1),
}


def test_report_by_model_gives_cost_calls_and_the_unpriced_and_estimated_counts(shop: Path) -> None:
    document = run_json("report", str(shop))

    assert _groups(document, "model") == SHOP_BY_MODEL
    assert (document["spans"], document["calls"], document["duplicates"]) == (6, 5, 0)  # and the agent span


def test_report_groups_by_several_dimensions(shop: Path) -> None:
    document = run_json("report", str(shop), "--by", "customer,day", "--by", "service")

    assert _groups(document, "customer", "day", "service") == {
        ("acme", "2026-12-07", "shop"): (2, Decimal("0.06036"), 0, 0),
        ("globex", "2026-12-08", "shop"): (2, Decimal("0.004"), 1, 0),
        ("(none)", "2026-12-08", "shop"): (1, Decimal("0.000045"), 0, 1),
        ("total", None, None): (5, Decimal("0.064405"), 1, 1),
    }


def test_report_since_and_until_keep_the_calls_started_in_the_window(shop: Path) -> None:
    document = run_json("report", str(shop), "--by", "provider", "--since", "2026-12-08", "--until", "2026-12-08T02:30")

    # haiku at 01:00 (0.004) and the estimated gpt-4o-mini call at 02:00; the unpriced one at 03:00 is after
    assert _groups(document, "provider") == {
        ("anthropic",): (1, Decimal("0.004"), 0, 0),
        ("openai",): (1, Decimal("0.000045"), 0, 1),
        ("total",): (2, Decimal("0.004045"), 0, 1),
    }


def test_report_as_a_table_and_as_csv(shop: Path) -> None:
    table = run("report", str(shop), "--by", "provider")
    csv = run("report", str(shop), "--by", "provider", "--format", "csv")

    assert table.returncode == csv.returncode == 0
    assert table.stdout.splitlines()[0].split() == ["provider", "calls", "cost_usd", "unpriced", "estimated", "errors"]
    assert table.stdout.splitlines()[2].split() == ["anthropic", "2", "0.064", "0", "0", "0"]
    assert "6 spans read; 5 calls, 1 unpriced, 1 estimated; 0 duplicate spans left out" in table.stdout
    assert csv.stdout.splitlines() == [
        "provider,calls,cost_usd,unpriced,estimated,errors",
        "anthropic,2,0.064,0,0,0",
        "openai,3,0.000405,1,1,0",
        "total,5,0.064405,1,1,0",
    ]


def test_report_reads_gzip_and_a_single_pretty_printed_document(shop: Path, tmp_path: Path) -> None:
    lines = [line for path in sorted(shop.iterdir()) for line in path.read_text().splitlines()]
    gzipped = tmp_path / "spans.jsonl.gz"
    gzipped.write_bytes(gzip.compress("\n".join(lines).encode()))
    # One export request, as a person saves it: every span of every line merged, indented.
    merged = {"resourceSpans": [rs for line in lines for rs in json.loads(line)["resourceSpans"]]}
    document_file = tmp_path / "one.json"
    document_file.write_text(json.dumps(merged, indent=2))

    for source in (gzipped, document_file):
        document = run_json("report", str(source))
        assert Decimal(str(document["cost_usd"])) == Decimal("0.064405"), source
        assert document["calls"] == 5


def test_duplicate_spans_are_left_out(tmp_path: Path) -> None:
    with exporting(tmp_path) as tracer:
        response = {"gen_ai.response.id": "msg_01"}
        # Two spans of one call (an instrumentor's around the SDK's own): the inner one is priced, once.
        with tracer.start_as_current_span(
            "outer", attributes=chat("anthropic", "claude-sonnet-4-5", 10, 2, **response)
        ):
            with tracer.start_as_current_span(
                "inner", attributes=chat("anthropic", "claude-sonnet-4-5", 10, 2, **response)
            ):
                pass

    document = run_json("report", str(tmp_path))

    assert (document["calls"], document["duplicates"]) == (1, 1)
    assert Decimal(str(document["cost_usd"])) == Decimal("0.00006")  # 10 * 3/1e6 + 2 * 15/1e6


def test_a_file_that_is_not_otlp_json_exits_1_naming_the_file_and_line(shop: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"resourceSpans": []}\n{"resourceSpans": [\n')

    done = run("report", str(bad))

    assert done.returncode == 1
    assert f"{bad}:2: not JSON" in done.stderr


def test_a_missing_source_exits_1(tmp_path: Path) -> None:
    done = run("report", str(tmp_path / "nowhere"))

    assert done.returncode == 1
    assert "no such file or folder" in done.stderr


# Phoenix -------------------------------------------------------------------------------------------------------


def _phoenix_span(index: int, start_ns: int, attributes: dict[str, Any]) -> dict[str, Any]:
    """A span as Phoenix's REST API returns it (``GET /v1/projects/{project}/spans``, Phoenix 20.x)."""
    from datetime import datetime, timezone

    start = datetime.fromtimestamp(start_ns / 1e9, timezone.utc).isoformat()
    return {
        "id": f"U3Bhbjo{index}",
        "name": f"chat {attributes.get('gen_ai.request.model')}",
        "context": {"trace_id": "6d2c3a1f0e4b4f6a9c8e7d6b5a493827", "span_id": f"{index:016x}"},
        "span_kind": "LLM",
        "parent_id": "00000000000000aa",
        "start_time": start,
        "end_time": start,
        "status_code": "OK",
        "status_message": "",
        "attributes": attributes,
        "events": [],
    }


class _FakePhoenix(BaseHTTPRequestHandler):
    spans: ClassVar[list[dict[str, Any]]] = []
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        type(self).requests.append(self.path)
        if url.path != "/v1/projects/support-assistant/spans":
            self._answer(404, {"detail": "Project not found"})
            return
        query = parse_qs(url.query)
        start = int(query.get("cursor", ["0"])[0])
        limit = int(query["limit"][0])
        page = type(self).spans[start : start + 2]  # pages of two: the client must follow next_cursor
        more = start + 2 < len(type(self).spans)
        assert limit >= 2
        self._answer(200, {"data": page, "next_cursor": str(start + 2) if more else None})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def phoenix(shop: Path) -> Iterator[str]:
    """A loopback Phoenix whose project ``support-assistant`` holds the priced spans of `SHOP_CALLS`."""
    spans: ClassVar[list[dict[str, Any]]] = []
    for path in sorted(shop.iterdir()):
        for line in path.read_text().splitlines():
            for resource in json.loads(line)["resourceSpans"]:
                for scope in resource["scopeSpans"]:
                    for span in scope["spans"]:
                        attributes = {item["key"]: next(iter(item["value"].values())) for item in span["attributes"]}
                        attributes = {
                            key: int(value) if key.endswith("_tokens") else value for key, value in attributes.items()
                        }
                        spans.append(_phoenix_span(len(spans), int(span["startTimeUnixNano"]), attributes))
    _FakePhoenix.spans = spans
    _FakePhoenix.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakePhoenix)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_report_from_phoenix_follows_its_pages_and_gives_the_same_totals(phoenix: str) -> None:
    document = run_json("report", "--phoenix", phoenix, "--project", "support-assistant")

    assert _groups(document, "model") == SHOP_BY_MODEL
    assert len(_FakePhoenix.requests) == 3  # six spans, two a page


def test_report_from_phoenix_passes_the_window_and_groups_by_day(phoenix: str) -> None:
    document = run_json(
        "report", "--phoenix", phoenix, "--project", "support-assistant", "--by", "day", "--since", "2026-12-08"
    )

    assert "start_time=2026-12-08T00%3A00%3A00%2B00%3A00" in _FakePhoenix.requests[0]
    assert _groups(document, "day") == {
        ("2026-12-08",): (3, Decimal("0.004045"), 1, 1),
        ("total",): (3, Decimal("0.004045"), 1, 1),
    }


def test_an_unknown_phoenix_project_exits_1(phoenix: str) -> None:
    done = run("report", "--phoenix", phoenix, "--project", "nope")

    assert done.returncode == 1
    assert "Phoenix answered 404" in done.stderr
    assert "is the project name right?" in done.stderr


def test_files_and_phoenix_together_are_refused(phoenix: str, shop: Path) -> None:
    done = run("report", str(shop), "--phoenix", phoenix)

    assert done.returncode == 1
    assert "not both nor neither" in done.stderr


def test_a_progress_bar_is_drawn_on_a_terminal_only(shop: Path) -> None:
    plain = run("report", str(shop))
    main, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [str(COMMAND), "report", str(shop)], stdout=subprocess.PIPE, stderr=terminal, check=False, timeout=60
        )
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(main)

    assert plain.stderr == ""
    assert done.returncode == 0
    size = sum(path.stat().st_size for path in shop.iterdir())
    assert b"[##############################] 100.0%" in drawn
    assert f"/{size / 1e6:,.1f} MB".encode() in drawn
    assert b"MB/s" in drawn
