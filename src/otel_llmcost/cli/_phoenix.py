"""Spans from a running Arize Phoenix, through its REST API (``GET /v1/projects/{project}/spans``, paged)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, cast

from ._otlp import InputError, SpanRecord

__all__ = ["phoenix_spans"]

_PAGE = 1000
_TIMEOUT_S = 30.0
_STATUS = {"OK": "ok", "ERROR": "error", "UNSET": "unset"}


def _ns(text: str | None) -> int:
    if not text:
        return 0
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, timezone.utc).isoformat()


def phoenix_spans(
    url: str, project: str, since_ns: int | None = None, until_ns: int | None = None, api_key: str | None = None
) -> Iterator[SpanRecord]:
    """Every span of ``project`` in the Phoenix at ``url`` (started in ``[since, until)`` when given).

    Raises:
        InputError: Phoenix cannot be reached, does not know the project, or answers something else.
    """
    base = url.rstrip("/")
    cursor: str | None = None
    while True:
        query: dict[str, str | int] = {"limit": _PAGE}
        if cursor:
            query["cursor"] = cursor
        if since_ns is not None:
            query["start_time"] = _iso(since_ns)
        if until_ns is not None:
            query["end_time"] = _iso(until_ns)
        page_url = f"{base}/v1/projects/{urllib.parse.quote(project, safe='')}/spans?{urllib.parse.urlencode(query)}"
        page = _get(page_url, api_key)
        for span in cast("list[dict[str, Any]]", page.get("data") or []):
            yield _record(span)
        cursor = page.get("next_cursor")
        if not cursor:
            return


def _get(url: str, api_key: str | None) -> dict[str, Any]:
    headers = {"Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        detail = error.read(300).decode("utf-8", "replace").strip()
        hint = " (is the project name right?)" if error.code == 404 else ""
        raise InputError(f"Phoenix answered {error.code} to {url}{hint}: {detail}") from None
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read spans from Phoenix at {url}: {error}") from None
    if not isinstance(answer, dict) or "data" not in answer:
        raise InputError(f"Phoenix answered {url} with something other than a page of spans")
    return cast("dict[str, Any]", answer)


def _record(span: Mapping[str, Any]) -> SpanRecord:
    context: dict[str, Any] = span.get("context") or {}
    attributes = cast("Mapping[str, object]", span.get("attributes") or {})
    return SpanRecord(
        name=span.get("name", ""),
        trace_id=context.get("trace_id", ""),
        span_id=context.get("span_id", ""),
        parent_id=span.get("parent_id") or None,
        start_ns=_ns(span.get("start_time")),
        end_ns=_ns(span.get("end_time")),
        status_code=_STATUS.get(str(span.get("status_code")), "unset"),
        attributes=attributes,
        service=None,
    )
