#!/usr/bin/env python3
"""Compare the price table (pricing/providers/*.json) with genai-prices and LiteLLM's cost map.

Prints for a person to review: prices that differ, models an anchor prices that we lack, and our entries no
anchor knows. It never edits the table; the library never imports it. `--help` for the options.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

TABLE_DIR = Path(__file__).resolve().parent.parent / "pricing" / "providers"
ANCHORS = ("genai-prices", "litellm")
STATS = ("compared", "differences", "entries_differing", "missing", "unknown")
# our provider id -> (genai-prices provider ids, LiteLLM `litellm_provider` globs)
PROVIDERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "openai": (("openai",), ("openai", "text-completion-openai")),
    "azure.ai.openai": (("azure",), ("azure", "azure_text")),
    "anthropic": (("anthropic",), ("anthropic",)),
    "aws.bedrock": (("aws",), ("bedrock", "bedrock_converse")),
    "gcp.gemini": (("google",), ("gemini",)),
    "gcp.vertex_ai": (("google",), ("vertex_ai", "vertex_ai-*")),
    "mistral_ai": (("mistral",), ("mistral", "codestral", "text-completion-codestral")),
    "cohere": (("cohere",), ("cohere", "cohere_chat")),
    "groq": (("groq",), ("groq",)),
    "deepseek": (("deepseek",), ("deepseek",)),
    "x_ai": (("x-ai",), ("xai",)),
    "perplexity": (("perplexity",), ("perplexity",)),
    "together_ai": (("together",), ("together_ai",)),
    "fireworks_ai": (("fireworks",), ("fireworks_ai", "fireworks_ai-*")),
    "voyage_ai": (("voyageai",), ("voyage",)),
    # issue 15
    "openrouter": (("openrouter",), ("openrouter",)),
    "cerebras": (("cerebras",), ("cerebras",)),
    "sambanova": ((), ("sambanova",)),
    "deepinfra": ((), ("deepinfra",)),
    "novita": (("novita",), ("novita",)),
    "hyperbolic": ((), ("hyperbolic",)),
    "nebius": ((), ("nebius",)),
    "cloudflare": (("cloudflare",), ("cloudflare",)),
    "databricks": (("databricks",), ("databricks",)),
    "ibm.watsonx.ai": ((), ("watsonx", "watsonx_text")),
    "moonshot_ai": (("moonshotai",), ("moonshot",)),
    "z_ai": (("zai",), ("zai",)),
    "alibaba_cloud": ((), ("dashscope",)),
    "minimax": (("minimax",), ("minimax",)),
    "ai21": ((), ("ai21",)),
    "huggingface": (
        tuple(
            f"huggingface_{name}"
            for name in (
                "cerebras",
                "fireworks-ai",
                "groq",
                "hyperbolic",
                "nebius",
                "novita",
                "nscale",
                "ovhcloud",
                "publicai",
                "sambanova",
                "together",
            )
        ),
        (),
    ),
    "replicate": ((), ("replicate",)),
    "baseten": (("baseten",), ("baseten",)),
    "ovhcloud": (("ovhcloud",), ("ovhcloud",)),
    "scaleway": ((), ("scaleway",)),
    "jina_ai": ((), ("jina_ai",)),
    "azure.ai.inference": ((), ("azure_ai",)),
    "arcee": (("arcee",), ()),
    "avian": (("avian",), ()),
    "modal": (("modal",), ()),
    "lambda_ai": ((), ("lambda_ai",)),
    "nscale": ((), ("nscale",)),
    "friendliai": ((), ("friendliai",)),
    "snowflake": ((), ("snowflake",)),
    "oci": ((), ("oci",)),
    "gmi": ((), ("gmi",)),
    "volcengine": ((), ("volcengine",)),
    "wandb": ((), ("wandb",)),
    "crusoe": ((), ("crusoe",)),
    "nvidia_nim": ((), ("nvidia_nim",)),
}
UNITS = ("input", "cache_read", "cache_write", "cache_write_1h", "input_audio", "output", "output_audio")
GENAI_UNITS = {f"{unit}_mtok": unit for unit in UNITS}
LITELLM_UNITS: dict[str, str] = {
    "input_cost_per_token": "input",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "input_cost_per_audio_token": "input_audio",
    "output_cost_per_token": "output",
    "output_cost_per_audio_token": "output_audio",
}
COLUMNS = {
    "differences": ("provider", "entry", "unit", "ours", "theirs", "anchor", "anchor_model"),
    "missing": ("provider", "anchor", "anchor_model"),
    "unknown": ("provider", "entry"),
}
_LITELLM_KEY = re.compile(r"(?P<base>\w+?)(?:_above_(?P<k>\d+)k_tokens)?")
# size buckets, provisioned throughput, per-image-size and per-step keys: not models a table entry could be
_LITELLM_SKIP = re.compile(r"^(?:fireworks-ai|together-ai)-|\*|-commitment/|(?:^|/)(?:\d+|max)-x-(?:\d+|max)/")
_PREFIX = re.compile(
    r"(?:openai|azure|azure_ai|anthropic|bedrock|bedrock_converse|invoke|converse|gemini|vertex_ai|mistral|codestral"
    r"|text-completion-[a-z]+|cohere|cohere_chat|groq|deepseek|xai|perplexity|together_ai|fireworks_ai|voyage"
    r"|openrouter|cerebras|sambanova|deepinfra|novita|hyperbolic|nebius|cloudflare|databricks|watsonx|watsonx_text"
    r"|moonshot|zai|dashscope|minimax|ai21|replicate|baseten|ovhcloud|scaleway|jina_ai|azure_ai|lambda_ai|nscale"
    r"|friendliai|snowflake|oci|gmi|volcengine|wandb|crusoe|nvidia_nim)/"
    r"|(?:accounts|publishers)/[^/]+/models/|models/|(?:us|eu|apac|global|global-standard|us-gov|data-zone)/"
    r"|[a-z]{2}(?:-gov)?-[a-z]+-\d+/|(?:us|eu|apac|global|regional|jp|au|ca|us-gov)\.(?=.)"
)
_SNAPSHOT = (
    re.compile(r":[^:]*$"),
    re.compile(r"-v\d+$"),
    re.compile(r"(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{3,4}|@\d{8}|@\d{3}|@latest|@default)$"),
)
NOT_LISTED = {"gcp.gemini": re.compile(r"claude-")}  # genai-prices' "google" is Gemini API and Vertex in one
Prices = dict[str, Decimal]  # unit ("input", or "input>200000" above a tier threshold) -> USD per million tokens


class AnchorError(Exception):
    """An anchor cannot be loaded; the message says what to install or pass."""


def q(value: Decimal | str | int) -> Decimal:
    return Decimal(value).quantize(Decimal("1e-9"))


def litellm_decimal(per_token: float) -> Decimal:
    """LiteLLM's float USD per token as USD per million tokens, float noise rounded away."""
    return q(Decimal(repr(per_token)) * 10**6)


def fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def normalize_id(model_id: str, prefixes: Iterable[str] = ()) -> str:
    """Lowercase; strip provider, region and path prefixes (`openai/`, `bedrock/us-east-1/`, `us.`)."""
    text, extra = model_id.strip().lower(), sorted(prefixes, key=len, reverse=True)
    while True:
        match = _PREFIX.match(text)
        cut = len(match.group(0)) if match else next((len(p) for p in extra if p and text.startswith(p)), 0)
        if not cut or cut >= len(text):
            return text
        text = text[cut:]


def snapshot_forms(model_id: str) -> list[str]:
    """The id, then the id with each snapshot, version or `:` suffix removed in turn."""
    forms = [model_id]
    while stripped := next((rx.sub("", forms[-1], count=1) for rx in _SNAPSHOT if rx.search(forms[-1])), ""):
        forms.append(stripped)
    return forms


def unit_key(label: str) -> tuple[int, int, str]:
    unit, _, threshold = label.partition(">")
    return int(threshold or 0), UNITS.index(unit) if unit in UNITS else len(UNITS), unit


@dataclass
class Entry:
    provider: str
    id: str
    raw: dict[str, Any]
    ids: tuple[str, ...] = ()  # normalised id and match.ids
    patterns: tuple[re.Pattern[str], ...] = ()
    prices: Prices | None = None  # None: alias, not_priced, not in force yet, or unresolved


@dataclass
class ProviderTable:
    provider: str
    prefixes: tuple[str, ...]
    entries: list[Entry]
    exact: dict[str, Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for model_id in entry.ids:
                self.exact.setdefault(model_id, entry)

    def resolve(self, model_id: str) -> Entry | None:
        """Our entry for an id, roughly as the library matches it: exact, snapshot suffixes, then patterns."""
        text = normalize_id(model_id, self.prefixes)
        if text in self.exact:
            return self.exact[text]
        for stripped in snapshot_forms(text)[1:]:
            hit = self.exact.get(stripped)
            if hit is not None and hit.raw.get("match", {}).get("snapshots", True):
                return hit
        return next((e for e in self.entries if any(p.fullmatch(text) for p in e.patterns)), None)


@dataclass
class AnchorModel:
    id: str
    prices: Prices
    at_times: Prices = field(default_factory=dict)  # prices in some hours of the day, also accepted
    listable: bool = True  # may be reported as missing from our table
    matcher: Callable[[str], bool] | None = None  # genai-prices' own match clauses


def flatten_period(period: dict[str, Any]) -> Prices:
    out = {unit: q(v) for unit, v in period.get("usd_per_million_tokens", {}).items()}
    for tier in period.get("tiers", []):
        out |= {f"{u}>{tier['above_input_tokens']}": q(v) for u, v in tier["usd_per_million_tokens"].items()}
    return out


def entry_prices(entry: Entry, tables: dict[str, ProviderTable], day: date, depth: int = 0) -> Prices | None:
    """The prices in force on `day`, following `inherit`; None for alias and not_priced entries."""
    if "inherit" in entry.raw:
        provider, _, target_id = entry.raw["inherit"].partition("/")
        table = tables.get(provider)
        target = next((e for e in table.entries if e.id == target_id), None) if table else None
        if target is None or depth > 5:
            raise LookupError(f"inherit target {entry.raw['inherit']} not loaded")
        return entry_prices(target, tables, day, depth + 1)
    periods = [p for p in entry.raw.get("prices", []) if p.get("from", "") <= day.isoformat()]
    return flatten_period(periods[-1]) if periods else None


def parse_provider(data: dict[str, Any], notes: list[str]) -> ProviderTable:
    name, prefixes = data["provider"], (*data.get("strip_prefixes", []), *data.get("region_prefixes", {}))
    entries: list[Entry] = []
    for raw in data.get("models", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            notes.append(f"{name}: a model without an id: skipped")
            continue
        match = raw.get("match", {})
        try:
            patterns = tuple(re.compile(p) for p in match.get("patterns", []))
        except re.error as exc:
            notes.append(f"{name}/{raw['id']}: bad pattern ({exc}): patterns ignored")
            patterns = ()
        ids = tuple(dict.fromkeys(normalize_id(i, prefixes) for i in [raw["id"], *match.get("ids", [])]))
        entries.append(Entry(name, raw["id"], raw, ids, patterns))
    return ProviderTable(name, prefixes, entries)


def load_table(directory: Path, day: date, notes: list[str]) -> dict[str, ProviderTable]:
    """Every readable provider file; files being written (bad JSON) and bad entries become notes."""
    tables: dict[str, ProviderTable] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data.setdefault("provider", path.stem)
            tables[data["provider"]] = parse_provider(data, notes)
        except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
            notes.append(f"{path.name}: cannot read ({exc}): skipped")
    for entry in (e for table in tables.values() for e in table.entries):
        try:
            entry.prices = entry_prices(entry, tables, day)
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
            notes.append(f"{entry.provider}/{entry.id}: {exc!r}: not compared")
    return tables


def litellm_prices(info: dict[str, Any]) -> Prices:
    out: Prices = {}
    for key, value in info.items():
        match = _LITELLM_KEY.fullmatch(key)
        if match and match["base"] in LITELLM_UNITS and isinstance(value, (int, float)) and not isinstance(value, bool):
            threshold = f">{int(match['k']) * 1000}" if match["k"] else ""
            out[LITELLM_UNITS[match["base"]] + threshold] = litellm_decimal(value)
    return out


def litellm_index(data: dict[str, Any]) -> dict[str, list[AnchorModel]]:
    """LiteLLM's cost map as anchor models per our provider."""
    index: dict[str, list[AnchorModel]] = {ours: [] for ours in PROVIDERS}
    for key, info in sorted(data.items()):
        if key == "sample_spec" or not isinstance(info, dict) or _LITELLM_SKIP.search(key):
            continue
        provider, mode = str(info.get("litellm_provider", "")), str(info.get("mode", ""))
        listable = not key.startswith("ft:") and (
            mode in {"chat", "responses", "embedding"} or mode.startswith(("audio_", "image_"))
        )
        for ours, (_, globs) in PROVIDERS.items():
            if any(fnmatchcase(provider, g) for g in globs):
                index[ours].append(AnchorModel(key, litellm_prices(info), listable=listable))
    return index


def load_litellm(path: Path | None) -> dict[str, list[AnchorModel]]:
    if path is None and (spec := importlib.util.find_spec("litellm")) and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "model_prices_and_context_window_backup.json"
    if path is None or not path.is_file():
        raise AnchorError(
            "LiteLLM's cost map not found: pip install litellm, or pass --litellm-json PATH "
            "(model_prices_and_context_window_backup.json), or --anchor genai-prices"
        )
    try:
        return litellm_index(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError) as exc:
        raise AnchorError(f"cannot read LiteLLM's cost map {path}: {exc}") from exc


def _genai_flatten(model_price: Any) -> Prices:
    out: Prices = {}
    for key, unit in GENAI_UNITS.items():
        if hasattr(value := model_price.__dict__.get(key), "tiers"):  # TieredPrices
            out[unit] = q(value.base)
            out |= {f"{unit}>{tier.start}": q(tier.price) for tier in value.tiers}
        elif value is not None:
            out[unit] = q(value)
    return out


def genai_prices_of(model: Any, day: date) -> tuple[Prices, Prices]:
    """A genai-prices ModelInfo's prices on `day`, and those of its time-of-day windows (DeepSeek peak hours)."""
    if not isinstance(model.prices, list):
        return _genai_flatten(model.prices), {}
    if not (prices := model.prices):
        return {}, {}
    # the last ConditionalPrice in force by date wins, else the first; time-of-day windows after it are alternatives
    dated = [i for i, c in enumerate(prices) if getattr(c.constraint, "start_date", day) <= day]
    i = next((i for i in reversed(dated) if not hasattr(prices[i].constraint, "start_time")), 0)
    windows = [c for c in prices[i + 1 :] if hasattr(c.constraint, "start_time")]
    return _genai_flatten(prices[i].prices), _genai_flatten(windows[-1].prices) if windows else {}


def load_genai_prices(day: date) -> dict[str, list[AnchorModel]]:
    try:
        from genai_prices.data import providers
    except ImportError as exc:
        raise AnchorError(
            "genai-prices is not importable: pip install genai-prices (Python 3.11+), or pass --anchor litellm"
        ) from exc
    by_id = {p.id: p for p in providers}
    index: dict[str, list[AnchorModel]] = {}
    for ours, (genai_ids, _) in PROVIDERS.items():
        models: list[AnchorModel] = []
        for provider in (by_id[i] for i in genai_ids if i in by_id):  # then its fallbacks, as genai-prices does
            for owner in [provider, *(by_id[f] for f in provider.fallback_model_providers or [] if f in by_id)]:
                for m in owner.models:
                    listable = owner is provider and not (ours in NOT_LISTED and NOT_LISTED[ours].match(m.id))
                    models.append(AnchorModel(m.id, *genai_prices_of(m, day), listable, m.is_match))
        index[ours] = models
    return index


def find_anchor_model(
    entry: Entry, by_norm: dict[str, AnchorModel], resolved: dict[str, Entry | None], models: Sequence[AnchorModel]
) -> AnchorModel | None:
    """Same id, else the shortest anchor id our table resolves to this entry, else the anchor's own match rules.

    An undated anchor id is not matched to our dated entries: it could be any of them (section 2 shows it)."""
    if hit := next((by_norm[i] for i in entry.ids if i in by_norm), None):
        return hit
    if ours := sorted((len(n), n) for n, e in resolved.items() if e is entry):
        return by_norm[ours[0][1]]
    return next((m for i in entry.ids for m in models if m.matcher and m.matcher(i)), None)


def _row(kind: str, *values: str) -> dict[str, str]:
    return dict(zip(COLUMNS[kind], values, strict=True))


def _theirs(model: AnchorModel, unit: str) -> str:
    at_times = model.at_times.get(unit)
    return fmt(model.prices[unit]) + (f" ({fmt(at_times)} at some hours)" if at_times is not None else "")


def compare(
    tables: dict[str, ProviderTable], anchors: dict[str, dict[str, list[AnchorModel]]], providers: Sequence[str]
) -> dict[str, Any]:
    diffs: list[dict[str, str]] = []
    missing: list[dict[str, str]] = []
    known: set[tuple[str, str]] = set()
    summary: dict[str, dict[str, int]] = {}
    for anchor, index in anchors.items():
        stats = summary[anchor] = dict.fromkeys(STATS, 0)
        for provider in (p for p in providers if p in tables):
            table, models = tables[provider], index.get(provider, [])
            by_norm: dict[str, AnchorModel] = {}  # where ids collide, the shortest (base, not regional) wins
            for model in sorted(models, key=lambda m: (not m.listable, len(m.id), m.id)):
                by_norm.setdefault(normalize_id(model.id, table.prefixes), model)
            resolved = {n: table.resolve(n) for n in by_norm}
            matched: set[int] = set()
            families: set[str] = set()  # list one anchor id per snapshot family
            for entry in table.entries:
                if (model := find_anchor_model(entry, by_norm, resolved, models)) is None:
                    stats["unknown"] += entry.prices is not None
                    continue
                matched.add(id(model))
                if entry.prices is None:
                    continue
                known.add((provider, entry.id))
                units = sorted(entry.prices.keys() & model.prices.keys(), key=unit_key)
                rows = [
                    _row(
                        "differences", provider, entry.id, u, fmt(entry.prices[u]), _theirs(model, u), anchor, model.id
                    )
                    for u in units
                    if entry.prices[u] not in (model.prices[u], model.at_times.get(u))
                ]
                diffs += rows
                stats["compared"] += 1
                stats["differences"] += len(rows)
                stats["entries_differing"] += bool(rows)
            for norm, model in by_norm.items():
                family = snapshot_forms(norm)[-1]
                if model.listable and id(model) not in matched and resolved[norm] is None and family not in families:
                    families.add(family)
                    missing.append(_row("missing", provider, anchor, model.id))
                    stats["missing"] += 1
    priced = [e for p in providers if p in tables for e in tables[p].entries if e.prices is not None]
    unknown = [_row("unknown", e.provider, e.id) for e in priced if (e.provider, e.id) not in known]
    diffs.sort(key=lambda d: (d["provider"], d["entry"], unit_key(d["unit"]), d["anchor"]))
    missing.sort(key=lambda d: (d["provider"], d["anchor"], d["anchor_model"]))
    return {"differences": diffs, "missing": missing, "unknown": unknown, "summary": summary}


def _columns(rows: list[dict[str, str]], columns: Sequence[str]) -> list[str]:
    widths = [max([len(c), *(len(r[c]) for r in rows)]) for c in columns]
    lines = [[c.replace("_", " ") for c in columns], *([r[c] for c in columns] for r in rows)]
    return ["  " + "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines]


def render(report: dict[str, Any]) -> str:
    out = [f"Price table {report['table']} vs anchors, prices in force on {report['date']}"]
    out += ["", "Notes:", *(f"  {n}" for n in report["notes"])] if report["notes"] else []
    titles = {
        "differences": "1. Price differences (USD per million tokens)",
        "missing": "2. Priced by an anchor, missing from our table (one id per snapshot family)",
        "unknown": "3. Our entries no anchor knows",
    }
    for key, title in titles.items():
        out += ["", f"{title}: {len(report[key])}", *(_columns(report[key], COLUMNS[key]) if report[key] else [])]
    out += ["", "Summary:"]
    out += [
        f"  {a}: {s['compared']} entries compared, {s['differences']} differences in {s['entries_differing']} "
        f"entries, {s['missing']} models missing from ours, {s['unknown']} of ours unknown to it"
        for a, s in report["summary"].items()
    ]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--provider", action="append", choices=sorted(PROVIDERS), help="only this provider (repeat)")
    parser.add_argument("--anchor", action="append", choices=ANCHORS, help="only this anchor (repeat)")
    parser.add_argument("--date", type=date.fromisoformat, help="compare the prices in force on YYYY-MM-DD")
    parser.add_argument("--litellm-json", type=Path, help="LiteLLM's model_prices_and_context_window_backup.json")
    parser.add_argument("--table", type=Path, default=TABLE_DIR, help="the providers/ directory of the table")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    if not args.table.is_dir():
        parser.error(f"--table {args.table}: not a directory")
    day: date = args.date or datetime.now(timezone.utc).date()
    providers = sorted(set(args.provider or PROVIDERS))
    try:
        anchors = {
            a: load_genai_prices(day) if a == "genai-prices" else load_litellm(args.litellm_json)
            for a in dict.fromkeys(args.anchor or ANCHORS)
        }
    except AnchorError as exc:
        print(f"compare_prices: {exc}", file=sys.stderr)
        return 2
    notes: list[str] = []
    tables = load_table(args.table, day, notes)
    notes += [f"{p}.json missing: not compared" for p in providers if p not in tables]
    report = {"table": str(args.table), "date": day.isoformat(), "notes": notes, **compare(tables, anchors, providers)}
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
