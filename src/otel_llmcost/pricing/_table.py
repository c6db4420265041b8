"""`PriceTable`: the bundled table plus any override files, and the pricing of one call."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP
from pathlib import Path
from typing import NamedTuple, cast

from .. import _attributes as a
from .._bounded import remember
from ..usage import RequestContext, Usage
from ._compute import Applied, apply, compute, tier_of
from ._errors import PriceFileError
from ._load import ProviderFile, read_provider_file
from ._match import Match, ProviderIndex
from ._model import Cost, Entry, Period, Variant

__all__ = [
    "PRICING_FILE_ENV",
    "Plan",
    "PriceTable",
    "bundled_pricing_dir",
    "default_table",
    "environment_files",
    "price",
]

PRICING_FILE_ENV = "OTEL_LLMCOST_PRICING_FILE"
"""Names override price files, separated by the platform's path separator (``:`` on Unix)."""

_MAX_CACHED_MODELS = 4096
_S = a.LlmcostStatusValues
_R = a.LlmcostReasonValues
_NO_CONTEXT = RequestContext()
STALE_AFTER_DAYS = 60
"""A call to a model the table does not know, more than this many days after the table's date, says the table is old."""


def bundled_pricing_dir() -> Path:
    """Where the bundled price files are: inside the installed package, or ``pricing/`` of a source checkout."""
    packaged = Path(__file__).resolve().parent.parent / "_pricing_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "pricing"


class PriceTable:
    """A set of provider price files, indexed for matching, with the files given later taking precedence.

    Build one with `PriceTable.load`; most code uses `default_table`. Matching results are cached per
    provider and model, so pricing a known model costs a dictionary look-up and the arithmetic.
    """

    def __init__(
        self,
        files: Iterable[ProviderFile],
        version: str,
        model_map: Mapping[str, str] | None = None,
        *,
        deferred: Mapping[str, tuple[Path, tuple[str, ...]]] | None = None,
    ) -> None:
        """``deferred``: provider files read only when a call of their provider is first priced, as
        ``{provider: (path, aliases)}``; `PriceTable.load` defers the bundled files no override touches."""
        self.version = version
        self.table_date = _table_date(version)
        self._providers: dict[str, ProviderIndex] = {}
        self._deferred: dict[str, Path] = {}
        self._load_lock = threading.RLock()
        self._names: dict[str, str] = {}
        self._model_map = {key.lower(): value for key, value in (model_map or {}).items()}
        self._matches: dict[tuple[str, str], Match] = {}
        self._plans: dict[tuple[str, str, date, RequestContext], Plan | Cost] = {}
        for file in files:
            index = self._providers.get(file.provider)
            if index is None:
                index = self._providers[file.provider] = ProviderIndex(file.provider)
            index.add(file)
        for provider, index in self._providers.items():
            self._name(provider, index.aliases)
        for provider, (path, aliases) in (deferred or {}).items():
            if provider not in self._providers:
                self._deferred[provider] = path
                self._name(provider, aliases)
        for index in list(self._providers.values()):
            self._check_references(index)

    def _name(self, provider: str, aliases: Iterable[str]) -> None:
        for name in (provider, *aliases):
            owner = self._names.setdefault(name.lower(), provider)
            if owner != provider:
                raise PriceFileError(
                    f"{provider}.json",
                    "aliases",
                    f"{name!r} names both {owner!r} and {provider!r}; an alias may name one provider only",
                )

    def _index(self, provider: str) -> ProviderIndex | None:
        """The index of ``provider``, reading its deferred file on first use; `None` if no file has it.

        Raises:
            PriceFileError: the deferred file is invalid.
        """
        index = self._providers.get(provider)
        if index is not None or provider not in self._deferred:
            return index
        with self._load_lock:
            index = self._providers.get(provider)
            if index is None:
                index = ProviderIndex(provider)
                index.add(read_provider_file(self._deferred[provider], strict=True))
                self._providers[provider] = index  # before the references: two files may refer to each other
                try:
                    self._check_references(index)
                except PriceFileError:
                    del self._providers[provider]  # still deferred: every call of the provider says why
                    raise
                del self._deferred[provider]
            return index

    def _check_references(self, index: ProviderIndex) -> None:
        """Fails when an alias or inherit of ``index`` names an entry that no file has."""
        for layer in index.layers:
            for entry in layer.by_id.values():
                targets = [(index.provider, target) for _, target in entry.alias]
                if entry.inherit is not None:
                    provider, _, target = entry.inherit.partition("/")
                    targets.append((provider, target))
                for provider, target in targets:
                    owner = self._index(provider)
                    if owner is None or owner.entry(target) is None:
                        raise PriceFileError(
                            entry.source_file,
                            f"entry {entry.id!r}",
                            f"it refers to {provider}/{target}, which no price file has",
                        )

    @classmethod
    def load(
        cls,
        override_files: Iterable[str | os.PathLike[str]] = (),
        *,
        bundled: bool = True,
        model_map: Mapping[str, str] | None = None,
    ) -> PriceTable:
        """Loads and validates the bundled table and then each override file, which wins where it overlaps.

        Args:
            override_files: price files in the bundled format: negotiated prices, private deployments,
                models newer than this release. An entry with the id of a bundled entry replaces it; new
                ids are added.
            bundled: include the bundled table.
            model_map: model names to use in place of others before matching, such as Azure deployment names
                (``{"my-gpt4o-deployment": "gpt-4o"}``). Keys are compared case-insensitively.

        Raises:
            PriceFileError: a file cannot be read or is invalid; the message names the file, entry and problem.
        """
        files: list[ProviderFile] = []
        deferred: dict[str, tuple[Path, tuple[str, ...]]] = {}
        version_parts: list[str] = []
        overrides = [read_provider_file(Path(name)) for name in override_files]
        if bundled:
            directory = bundled_pricing_dir()
            try:
                version_parts.append((directory / "VERSION").read_text(encoding="utf-8").strip())
            except OSError as error:
                raise PriceFileError(
                    str(directory / "VERSION"), "", f"cannot read the table version: {error}"
                ) from None
            overridden = {file.provider for file in overrides}
            # An override file's rate (its `fx`) replaces the bundled file's for a provider priced in that currency.
            rates = {file.provider: file.conversion for file in overrides if file.conversion is not None}
            for path in sorted((directory / "providers").glob("*.json")):
                header = None if path.stem in overridden else _header(path)
                if header is None:
                    files.append(read_provider_file(path, strict=True, conversion=rates.get(path.stem)))
                else:
                    deferred[path.stem] = (path, header)
        for file in overrides:
            import hashlib  # with override files only: it loads OpenSSL's library, megabytes at start-up

            files.append(file)
            path = Path(file.path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
            version_parts.append(f"{path.name}:{digest}")
        return cls(files, "+".join(version_parts) or "empty", model_map, deferred=deferred)

    @property
    def providers(self) -> tuple[str, ...]:
        """The provider names the table prices, as ``gen_ai.provider.name`` spells them."""
        return tuple(sorted({*self._providers, *self._deferred}))

    def provider_name(self, name: str) -> str | None:
        """The table's name for a provider name or alias seen in a span, or `None` if unknown."""
        return self._names.get(name.strip().lower())

    def entries(self, provider: str) -> tuple[Entry, ...]:
        """Every entry of ``provider``, the top layer's first."""
        index = self._index(provider)
        if index is None:
            raise KeyError(provider)
        return tuple(entry for layer in index.layers for entry in layer.by_id.values())

    def match(self, provider: str, model: str) -> Match:
        """The entry that prices ``model`` of ``provider`` (names as seen in spans), or why none does."""
        key = (provider, model)
        found = self._matches.get(key)
        if found is not None:
            return found
        return remember(self._matches, key, self._match(provider, model), _MAX_CACHED_MODELS)

    def _match(self, provider: str, model: str) -> Match:
        name = self.provider_name(provider)
        if name is None:
            return Match(
                None, model, reason=_R.UNKNOWN_PROVIDER, detail=f"the price table has no provider {provider!r}"
            )
        try:
            index = self._index(name)
        except PriceFileError as error:
            detail = f"the price file of {name} is invalid: {error}"
            return Match(None, model, reason=_R.UNKNOWN_PROVIDER, detail=detail)
        if index is None:  # pragma: no cover - every name belongs to a file
            return Match(
                None, model, reason=_R.UNKNOWN_PROVIDER, detail=f"the price table has no provider {provider!r}"
            )
        if index.not_priced is not None:
            return Match(None, model, reason=_R.NOT_PRICED, detail=index.not_priced)
        mapped = self._model_map.get(model.strip().lower(), model)
        return index.match(mapped)

    def price(
        self,
        usage: Usage,
        *,
        provider: str,
        model: str | None,
        at: date | datetime | None = None,
        context: RequestContext | None = None,
    ) -> Cost:
        """The cost of one call. Never raises for a call it cannot price: the `Cost` says why.

        Args:
            usage: what the call consumed.
            provider: ``gen_ai.provider.name`` (or an alias such as an old ``gen_ai.system`` value).
            model: the model id; prefer the one the response reported.
            at: when the call started (UTC); prices in force then apply. Defaults to now. A datetime also
                selects off-peak prices (DeepSeek) outside the vendor's peak hours; a date prices at the peak rate.
            context: batch, service tier and region, which select price variants.
        """
        if not model:
            return Cost(_S.UNPRICED, self.version, reason=_R.NO_MODEL, detail="the call names no model")
        plan = self.plan(provider, model, at, context)
        if isinstance(plan, Cost):
            return plan
        if plan.period.peak is not None:
            moment = at if isinstance(at, datetime) else datetime.now(timezone.utc) if at is None else None
            if moment is not None and not plan.period.peak.is_peak(moment):  # a date alone: the peak rate
                plan = self.off_peak_plan(plan, provider, model, at)
        return plan.cost(usage)

    def off_peak_plan(self, plan: Plan, provider: str, model: str, at: date | datetime | None = None) -> Plan:
        """How calls priced by ``plan`` (of ``model`` on the day ``at``) are priced outside their vendor's peak
        hours (DeepSeek): with the period's ``off_peak`` variants; ``plan`` itself if it has none."""
        off_peak = self.plan(provider, model, at, plan.context._replace(off_peak=True))
        return off_peak if isinstance(off_peak, Plan) else plan

    def plan(
        self, provider: str, model: str, at: date | datetime | None = None, context: RequestContext | None = None
    ) -> Plan | Cost:
        """How every call to ``model`` on the day ``at`` in ``context`` is priced, or the unpriced `Cost` they all get.

        Cached: pricing a known model again costs a dictionary look-up. `price` is this plus the arithmetic.
        """
        key = (provider, model, _day(at), context or _NO_CONTEXT)
        plan = self._plans.get(key)
        if plan is None:
            plan = remember(self._plans, key, self._plan(*key), _MAX_CACHED_MODELS)
        return plan

    def _plan(self, provider: str, model: str, day: date, context: RequestContext) -> Plan | Cost:
        """How calls to ``model`` on ``day`` in ``context`` are priced, or the unpriced `Cost` they all get."""
        found = self.match(provider, model)
        if found.entry is None:
            detail = found.detail
            if found.reason in (_R.UNKNOWN_MODEL, _R.UNKNOWN_PROVIDER):
                detail = self._ageing(detail, day)
            return Cost(_S.UNPRICED, self.version, reason=found.reason, detail=detail, matched_model=found.model)
        resolved = self._resolve(found.entry, day)
        if isinstance(resolved, str):
            return Cost(
                _S.UNPRICED,
                self.version,
                entry=found.entry.key,
                matched_model=found.model,
                reason=_R.NOT_PRICED if found.entry.not_priced else _R.UNKNOWN_MODEL,
                detail=resolved,
            )
        priced_by, period, variants = resolved
        tiers: list[Applied | None] = [None] * (len(period.tiers) + 1)
        return Plan(priced_by.key, found.model, found.region, context, period, variants, tiers, self.version)

    def _ageing(self, detail: str | None, day: date) -> str | None:
        """``detail``, plus the table's age and the fix when the table is older than `STALE_AFTER_DAYS` on ``day``."""
        if self.table_date is None or (day - self.table_date).days <= STALE_AFTER_DAYS:
            return detail
        age = (day - self.table_date).days
        return (
            f"{detail or 'not in the price table'}; the price table is {age} days old "
            f"(version {self.table_date.isoformat()}): upgrade otel-llmcost, or price the model in an override file "
            f"named by {PRICING_FILE_ENV} (format: pricing/README.md)"
        )

    def _resolve(self, entry: Entry, day: date) -> tuple[Entry, Period, tuple[Variant, ...]] | str:
        """The entry that bills ``entry`` on ``day``, the price period and extra variants, or why there are none.

        A moving alias resolves to its target, which bills the call; a platform entry that inherits a vendor's
        prices still bills it itself (``aws.bedrock/...``), at the vendor's period with its own variants.
        """
        extra: tuple[Variant, ...] = ()
        seen: list[str] = []
        billed: Entry | None = None
        current = entry
        while True:
            if current.key in seen:
                return f"{entry.key} leads to itself through {' -> '.join(seen)}"
            seen.append(current.key)
            if current.not_priced is not None:
                return current.not_priced
            if current.alias:
                target = current.alias_target_at(day)
                if target is None:
                    return f"{current.key} pointed at no model on {day.isoformat()}"
                owner = self._index(current.provider)
                next_entry = None if owner is None else owner.entry(target)
            elif current.inherit is not None:
                billed = billed or current
                provider, _, target = current.inherit.partition("/")
                extra = (*current.inherit_variants, *extra)
                index = self._index(provider)
                next_entry = None if index is None else index.entry(target)
            else:
                period = current.period_at(day)
                if period is None:
                    return f"{current.key} had no price on {day.isoformat()}"
                return billed or current, period, extra
            if next_entry is None:
                return f"{current.key} refers to a model that is not in the table"  # pragma: no cover - checked at load
            current = next_entry


class Plan(NamedTuple):
    """What prices calls to one model on one day in one context: the entry, period and variants, and the
    prices each tier applies (computed on first use)."""

    entry: str
    matched: str
    region: str | None
    context: RequestContext
    period: Period
    variants: tuple[Variant, ...]
    applied: list[Applied | None]
    version: str

    def tier(self, usage: Usage) -> int:
        """The tier a call with ``usage`` is in: 0 for the base prices, else the index + 1 of the highest
        long-context tier its input exceeds."""
        return tier_of(self.period, usage) if self.period.tiers else 0

    def prices(self, tier: int) -> Applied:
        """The prices a call in ``tier`` (see `tier`) pays."""
        applied = self.applied[tier]
        if applied is None:
            applied = self.applied[tier] = apply(self.period, tier, self.variants, self.context, self.region)
        return applied

    def cost(self, usage: Usage) -> Cost:
        """What a call with ``usage`` costs; with the conversion used when the vendor's prices are in another
        currency (converted to US dollars when the table loaded)."""
        applied = self.prices(self.tier(usage))
        if usage.input and "input" not in applied.per_token and "input" in applied.prices.per_million_characters:
            cost = self._by_characters(usage, applied)
        else:
            cost = compute(usage, applied, entry=self.entry, matched=self.matched, version=self.version)
        conversion = self.period.conversion
        return cost if conversion is None or cost.total_usd is None else cost._replace(conversion=conversion)

    def _by_characters(self, usage: Usage, applied: Applied) -> Cost:
        """A call whose input the vendor bills by characters (Vertex AI's text embeddings): priced from the
        characters the call reported, else from its tokens at the period's characters per token, estimated."""
        ratio = self.period.characters_per_token
        if usage.input_characters or ratio is None:
            billed = usage._replace(input=0) if usage.input_characters else usage
            return compute(billed, applied, entry=self.entry, matched=self.matched, version=self.version)
        characters = int((usage.input * ratio).to_integral_value(ROUND_HALF_UP))
        billed = usage._replace(input=0, input_characters=characters)
        cost = compute(billed, applied, entry=self.entry, matched=self.matched, version=self.version)
        if cost.status != _S.PRICED:
            return cost
        detail = f"{characters} input characters estimated from {usage.input} tokens at {ratio} characters per token"
        return cost._replace(estimated=True, detail=detail)


_HEADER_BYTES = 8192
_MODELS_KEY = '"models"'


def _header(path: Path) -> tuple[str, ...] | None:
    """The aliases of a bundled file, read from its head (the fields before ``models``, its last key) without
    parsing its entries; `None` when the head cannot be read that way (the caller reads the whole file)."""
    try:
        with path.open(encoding="utf-8") as stream:
            head = stream.read(_HEADER_BYTES)
            cut = head.find(_MODELS_KEY)
            if cut < 0:  # a long head: read on
                head += stream.read()
                cut = head.find(_MODELS_KEY)
        document: object = json.loads(head[:cut].rstrip().rstrip(",") + "}") if cut > 0 else None
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    fields = cast("dict[str, object]", document)
    aliases = fields.get("aliases", [])
    if fields.get("provider") != path.stem or not isinstance(aliases, list):
        return None
    names = cast("list[object]", aliases)
    if not all(isinstance(name, str) and name for name in names):
        return None
    return tuple(str(name).lower() for name in names)


def _table_date(version: str) -> date | None:
    """The bundled table's date, from a version such as ``2026.12.07`` or ``2026.12.07+override.json:ab12cd34``."""
    try:
        return date(*(int(part) for part in version.split("+", 1)[0].split(".")))
    except (TypeError, ValueError):
        return None


def _day(at: date | datetime | None) -> date:
    if at is None:
        return datetime.now(timezone.utc).date()
    if isinstance(at, datetime):
        return at.astimezone(timezone.utc).date() if at.tzinfo is not None else at.date()
    return at


def environment_files() -> list[str]:
    """The override files ``OTEL_LLMCOST_PRICING_FILE`` names, separated by ``os.pathsep`` (``:``, ``;`` on Windows).

    A value that is the path of an existing file is that one file, even if it contains the separator.
    """
    value = os.environ.get(PRICING_FILE_ENV, "")
    if os.pathsep in value and os.path.isfile(value):
        return [value]
    return [part for part in value.split(os.pathsep) if part.strip()]


_default: PriceTable | None = None
_default_lock = threading.Lock()


def default_table() -> PriceTable:
    """The bundled table plus the files ``OTEL_LLMCOST_PRICING_FILE`` names, loaded once, on first use.

    Raises:
        PriceFileError: a file is invalid. The error names the file, entry and problem.
    """
    global _default
    table = _default
    if table is not None:
        return table
    with _default_lock:
        if _default is None:
            _default = PriceTable.load(environment_files())
        return _default


def price(
    usage: Usage,
    *,
    table: PriceTable | None = None,
    provider: str,
    model: str | None,
    at: date | datetime | None = None,
    context: RequestContext | None = None,
) -> Cost:
    """The cost of one call, from ``table`` or the default table (see `PriceTable.price`)."""
    return (table or default_table()).price(usage, provider=provider, model=model, at=at, context=context)
