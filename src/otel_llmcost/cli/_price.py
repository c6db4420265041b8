"""``price`` and ``models``: what a call would cost, and what the table holds."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TextIO, cast

from .. import _attributes as a
from ..pricing import Cost, PriceTable, RequestContext, Usage
from ._output import write_rows

__all__ = ["NotFound", "closest_ids", "models", "price_call", "resolve_provider"]

_PER_MILLION = Decimal(1_000_000)
_P = a.GenAiProviderNameValues
# Who makes a model, by the start of its id: where several providers price a model, its maker's own API is
# what a person asking for "claude-sonnet-4-5" means. The others are named with --provider.
_MAKERS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("claude",), _P.ANTHROPIC),
    (
        ("gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "dall-e", "whisper", "tts-", "davinci", "babbage"),
        _P.OPENAI,
    ),
    (("gemini", "imagen", "veo"), _P.GCP_GEMINI),
    (("mistral", "codestral", "ministral", "pixtral", "magistral", "devstral", "open-mistral"), _P.MISTRAL_AI),
    (("command", "embed-", "rerank-", "c4ai"), _P.COHERE),
    (("deepseek",), _P.DEEPSEEK),
    (("grok",), _P.X_AI),
    (("sonar",), _P.PERPLEXITY),
    (("jamba",), "ai21"),
    (("kimi", "moonshot"), "moonshot_ai"),
    (("glm",), "z_ai"),
    (("voyage",), "voyage_ai"),
    (("jina",), "jina_ai"),
)


class NotFound(Exception):
    """The table has no price for what was asked; the message names the closest known ids."""


def _all_ids(table: PriceTable, provider: str | None = None) -> dict[str, str]:
    """Every id and exact alias of the table (of ``provider``) -> ``provider/id`` of its entry."""
    found: dict[str, str] = {}
    for name in (provider,) if provider else table.providers:
        for entry in table.entries(name):
            for model_id in (entry.id, *entry.ids):
                found.setdefault(model_id, entry.key)
    return found


def closest_ids(table: PriceTable, model: str, provider: str | None = None, count: int = 5) -> list[str]:
    """The known entries whose ids look most like ``model``, as ``provider/id``, best first."""
    ids = _all_ids(table, provider)
    close = difflib.get_close_matches(model.lower(), list(ids), n=count * 3, cutoff=0.5)
    keys: list[str] = []
    for model_id in close:
        key = ids[model_id]
        if key not in keys:
            keys.append(key)
    return keys[:count]


def resolve_provider(table: PriceTable, model: str, provider: str | None) -> str:
    """The provider that prices ``model``: ``provider`` if given, else the one whose table has it.

    Where several do (a vendor and the platforms that resell it), the one entry with prices of its own wins
    (the others inherit them), else the model's maker's own API.

    Raises:
        NotFound: no provider prices ``model``, or several do alike; the message says what to pass.
    """
    if provider is not None:
        name = table.provider_name(provider)
        if name is None:
            raise NotFound(f"no provider {provider!r} in the price table; known: {', '.join(table.providers)}")
        return name
    found = [(name, table.match(name, model)) for name in table.providers]
    matched = [(name, match.entry) for name, match in found if match.entry is not None]
    if not matched:
        raise NotFound(_unknown(table, model, None))
    if len(matched) == 1:
        return matched[0][0]
    own = [name for name, entry in matched if entry.periods]
    if len(own) == 1:
        return own[0]
    maker = _maker(model)
    if maker is not None and any(name == maker for name, _ in matched):
        return maker
    names = ", ".join(name for name, _ in matched)
    raise NotFound(f"{model!r} is priced by several providers ({names}); name one with --provider")


def _maker(model: str) -> str | None:
    """The provider that makes ``model`` (its own API), judged by the start of its id; None when unknown."""
    name = model.lower().rsplit("/", 1)[-1]
    for prefixes, maker in _MAKERS:
        if name.startswith(prefixes):
            return maker
    return None


def _unknown(table: PriceTable, model: str, provider: str | None) -> str:
    closest = closest_ids(table, model, provider)
    where = f"{provider} " if provider else ""
    hint = f"; closest known: {', '.join(closest)}" if closest else ""
    return f"no {where}price entry matches {model!r}{hint}"


def price_call(
    table: PriceTable,
    model: str,
    provider: str | None,
    usage: Usage,
    at: date | None,
    context: RequestContext,
) -> Cost:
    """The cost of one call.

    Raises:
        NotFound: the model (or provider) is unknown, with the closest ids in the message.
    """
    name = resolve_provider(table, model, provider)
    cost = table.price(usage, provider=name, model=model, at=at, context=context)
    if cost.status != a.LlmcostStatusValues.PRICED:
        if cost.reason == a.LlmcostReasonValues.UNKNOWN_MODEL:
            raise NotFound(_unknown(table, model, name) if cost.entry is None else f"{cost.entry}: {cost.detail}")
        raise NotFound(f"{model!r} ({name}) is not priced: {cost.detail or cost.reason}")
    return cost


def _quantity(usage: Usage, unit: str) -> object:
    if unit.startswith("image:"):
        return dict(usage.images).get(unit.removeprefix("image:"))
    if unit.startswith("request:"):
        return dict(usage.requests).get(unit.removeprefix("request:"))
    value: object = getattr(usage, unit, None)
    return value


def write_price(cost: Cost, model: str, usage: Usage, output_format: str, out: TextIO) -> None:
    """Writes a priced call: the total, the entry and table version, and the breakdown by unit."""
    rows: list[dict[str, object]] = [
        {"unit": unit, "quantity": _quantity(usage, unit), "usd": amount} for unit, amount in cost.breakdown_usd.items()
    ]
    head: dict[str, object] = {
        "model": model,
        "total_usd": cost.total_usd,
        "entry": cost.entry,
        "matched_model": cost.matched_model,
        "table_version": cost.table_version,
        "effective_date": cost.effective_date.isoformat() if cost.effective_date else None,
        "tier": cost.tier,
        "variants": list(cost.variants),
    }
    if output_format == "table":
        for key, value in head.items():
            if value not in (None, []):
                shown = format(value, "f") if isinstance(value, Decimal) else value
                shown = ",".join(cast("list[str]", value)) if isinstance(value, list) else shown
                out.write(f"{key + ':':<16}{shown}\n")
        out.write("\n")
        write_rows([*rows, {"unit": "total", "usd": cost.total_usd}], ("unit", "quantity", "usd"), "table", out)
        return
    if output_format == "csv":
        write_rows([*rows, {"unit": "total", "usd": cost.total_usd}], ("unit", "quantity", "usd"), "csv", out)
        return
    write_rows(rows, ("unit", "quantity", "usd"), "json", out, document=head, key="breakdown")


def _sources(table: PriceTable, provider: str) -> dict[str, tuple[str, str]]:
    """``model id`` -> (source URL, date checked) of ``provider``'s entries, read from their files."""
    found: dict[str, tuple[str, str]] = {}
    files = {entry.source_file for entry in table.entries(provider)}
    for path in files:
        try:
            with open(path, encoding="utf-8") as stream:
                document = cast("dict[str, Any]", json.load(stream))
        except (OSError, ValueError):
            continue
        sources = cast("dict[str, dict[str, str]]", document.get("sources") or {})
        for model in cast("list[dict[str, Any]]", document.get("models") or []):
            source = sources.get(str(model.get("source")), {})
            found.setdefault(str(model.get("id")), (source.get("url", ""), source.get("checked", "")))
    return found


_MODEL_COLUMNS = (
    "provider",
    "id",
    "name",
    "input",
    "cache_read",
    "cache_write",
    "output",
    "other",
    "from",
    "source",
    "checked",
)


def models(
    table: PriceTable, query: str | None, provider: str | None, at: date | None, output_format: str, out: TextIO
) -> int:
    """Writes the entries whose id (or an exact alias) contains ``query``; returns how many."""
    names: Sequence[str] = (resolve_provider(table, "", provider),) if provider else table.providers
    needle = (query or "").lower()
    rows: list[dict[str, object]] = []
    for name in names:
        sources: Mapping[str, tuple[str, str]] | None = None
        for entry in sorted(table.entries(name), key=lambda item: item.id):
            if needle and not any(needle in model_id for model_id in (entry.id, *entry.ids)):
                continue
            if sources is None:
                sources = _sources(table, name)
            url, checked = sources.get(entry.id, ("", ""))
            row: dict[str, object] = {"provider": name, "id": entry.id, "name": entry.name, "source": url}
            row["checked"] = checked
            plan = table.plan(name, entry.id, at)
            if isinstance(plan, Cost):
                row["other"] = f"not priced: {plan.detail}"
            else:
                prices = plan.period.prices
                tokens = prices.per_million_tokens
                for unit in ("input", "cache_read", "cache_write", "output"):
                    row[unit] = tokens.get(unit)
                other = [f"{unit} {value}/M tokens" for unit, value in tokens.items() if unit not in row]
                other += [f"{unit} {value}/M characters" for unit, value in prices.per_million_characters.items()]
                other += [f"{unit} {value}/minute" for unit, value in prices.per_minute.items()]
                other += [f"{unit} {value}/hour" for unit, value in prices.per_hour.items()]
                other += [f"image {unit} {value}" for unit, value in prices.per_image.items()]
                other += [f"{unit} {value}/megapixel" for unit, value in prices.per_megapixel.items()]
                other += [f"{unit} {value}/request" for unit, value in prices.per_request.items()]
                if plan.period.tiers:
                    other.append(f"tiers above {', '.join(str(t.above_input_tokens) for t in plan.period.tiers)}")
                row["other"] = "; ".join(other) or None
                row["from"] = plan.period.start.isoformat() if plan.period.start else None
            rows.append(row)
    write_rows(rows, _MODEL_COLUMNS, output_format, out, document={"table_version": table.version}, key="models")
    return len(rows)
