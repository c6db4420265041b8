"""The value types of the price table and of a priced call."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, NamedTuple

from .. import _attributes as a
from ..usage import RequestContext

__all__ = [
    "Conversion",
    "Cost",
    "Entry",
    "PeakHours",
    "Period",
    "Tier",
    "UnitPrices",
    "Variant",
]


def _no_prices() -> Mapping[str, Decimal]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class UnitPrices:
    """Prices in US dollars, by unit, as one price period (or a tier or variant of it) gives them."""

    per_million_tokens: Mapping[str, Decimal] = field(default_factory=_no_prices)
    per_million_characters: Mapping[str, Decimal] = field(default_factory=_no_prices)
    per_minute: Mapping[str, Decimal] = field(default_factory=_no_prices)
    per_image: Mapping[str, Decimal] = field(default_factory=_no_prices)
    per_request: Mapping[str, Decimal] = field(default_factory=_no_prices)
    per_second: Mapping[str, Decimal] = field(default_factory=_no_prices)
    """Time billed by the second of the hardware a model runs on (Replicate): one ``{"<hardware>": price}``."""
    per_video_second: Mapping[str, Decimal] = field(default_factory=_no_prices)
    per_hour: Mapping[str, Decimal] = field(default_factory=_no_prices)
    """Audio billed by the hour (AssemblyAI): kept as given, since a price per hour / 60 need not be exact."""
    per_megapixel: Mapping[str, Decimal] = field(default_factory=_no_prices)
    """Images billed by resolution (FLUX.2): ``first_output`` (the first megapixel of the image generated),
    ``output`` (each further one) and ``input`` (each of the reference images)."""

    def replaced_by(self, other: UnitPrices) -> UnitPrices:
        """These prices with every unit that ``other`` gives replaced by its price."""
        return UnitPrices(
            {**self.per_million_tokens, **other.per_million_tokens},
            {**self.per_million_characters, **other.per_million_characters},
            {**self.per_minute, **other.per_minute},
            {**self.per_image, **other.per_image},
            {**self.per_request, **other.per_request},
            other.per_second or self.per_second,
            {**self.per_video_second, **other.per_video_second},
            {**self.per_hour, **other.per_hour},
            {**self.per_megapixel, **other.per_megapixel},
        )

    def scaled(self, multiplier: Decimal, token_units: frozenset[str] | None = None) -> UnitPrices:
        """These prices multiplied by ``multiplier``: per-request fees (tool calls) excepted, as vendors do.

        With ``token_units``, only those token units are scaled, and no other unit is.
        """

        def scale(prices: Mapping[str, Decimal], only: frozenset[str] | None = None) -> Mapping[str, Decimal]:
            return {
                unit: price * multiplier if only is None or unit in only else price for unit, price in prices.items()
            }

        if token_units is not None:
            return UnitPrices(
                scale(self.per_million_tokens, token_units),
                self.per_million_characters,
                self.per_minute,
                self.per_image,
                self.per_request,
                self.per_second,
                self.per_video_second,
                self.per_hour,
                self.per_megapixel,
            )
        return UnitPrices(
            scale(self.per_million_tokens),
            scale(self.per_million_characters),
            scale(self.per_minute),
            scale(self.per_image),
            self.per_request,
            scale(self.per_second),
            scale(self.per_video_second),
            scale(self.per_hour),
            scale(self.per_megapixel),
        )


@dataclass(frozen=True, slots=True)
class Tier:
    """Token prices for a request whose input (cached tokens included) exceeds ``above_input_tokens``."""

    above_input_tokens: int
    per_million_tokens: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class Variant:
    """Prices for a request context: the batch API, a service tier, a region."""

    name: str
    batch: bool | None = None
    service_tiers: frozenset[str] | None = None
    regions: frozenset[str] | None = None
    multiplier: Decimal | None = None
    multiplier_units: frozenset[str] | None = None
    prices: UnitPrices = UnitPrices()
    off_peak: bool | None = None

    def applies_to(self, context: RequestContext, region: str | None) -> bool:
        """Whether the request ``context`` (with the region scope its model id named) selects this variant."""
        if self.batch is not None and self.batch != context.batch:
            return False
        if self.off_peak is not None and self.off_peak != context.off_peak:
            return False
        if self.service_tiers is not None and (context.service_tier or "").lower() not in self.service_tiers:
            return False
        scope = context.region or region
        return self.regions is None or (scope or "").lower() in self.regions


@dataclass(frozen=True, slots=True)
class PeakHours:
    """When a vendor bills its peak rate (DeepSeek): hours of some weekdays in its time zone, holidays excepted.

    Every other moment is off-peak, which the period's ``off_peak`` variants price.
    """

    utc_offset: timedelta
    weekdays: frozenset[int]  # ISO: Monday is 1
    hours: tuple[tuple[time, time], ...]
    holidays: frozenset[date] = frozenset()

    def is_peak(self, at: datetime) -> bool:
        """Whether ``at`` (naive means UTC) falls in the peak hours, read in the vendor's time zone."""
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        local = at.astimezone(timezone(self.utc_offset))
        if local.isoweekday() not in self.weekdays or local.date() in self.holidays:
            return False
        clock = local.time().replace(tzinfo=None)
        return any(start <= clock < end for start, end in self.hours)


@dataclass(frozen=True, slots=True)
class Conversion:
    """How a provider file written in another currency (Scaleway's euros) was converted to US dollars on load.

    Every price of the file was multiplied by ``usd_per_unit``, exactly; the file keeps the vendor's own figures.
    """

    currency: str
    """The ISO 4217 code the file's prices are written in, such as ``EUR``."""
    usd_per_unit: Decimal
    """US dollars per one unit of ``currency``: the reference rate used."""
    day: date
    """The day the rate is for."""
    source: str
    """Where the rate was read (the reference rate's page), or an override file's own words."""

    def __str__(self) -> str:
        return f"{self.currency} at {self.usd_per_unit} USD of {self.day.isoformat()} ({self.source})"


@dataclass(frozen=True, slots=True)
class Period:
    """The prices of one model from ``start`` (a UTC day; `None` for since ever) until the next period."""

    start: date | None
    prices: UnitPrices
    tiers: tuple[Tier, ...] = ()
    variants: tuple[Variant, ...] = ()
    peak: PeakHours | None = None
    characters_per_token: Decimal | None = None
    """For input billed by characters: how many characters a token stands for when a call reports only tokens."""
    conversion: Conversion | None = None
    """The file's prices were written in another currency and converted to these US dollar prices at this rate."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One priced model of one provider file.

    Exactly one of ``periods``, ``alias``, ``inherit`` and ``not_priced`` says how it is priced.
    """

    provider: str
    id: str
    source_file: str
    name: str | None = None
    periods: tuple[Period, ...] = ()
    alias: tuple[tuple[date, str], ...] = ()
    inherit: str | None = None
    inherit_variants: tuple[Variant, ...] = ()
    not_priced: str | None = None
    ids: tuple[str, ...] = ()
    snapshots: bool = True
    patterns: tuple[re.Pattern[str], ...] = ()
    examples: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """``provider/id``: how spans and errors name this entry."""
        return f"{self.provider}/{self.id}"

    def period_at(self, day: date) -> Period | None:
        """The period in force on ``day``, or `None` when the model had no price yet."""
        chosen: Period | None = None
        for period in self.periods:
            if period.start is None or period.start <= day:
                chosen = period
            else:
                break
        return chosen

    def alias_target_at(self, day: date) -> str | None:
        """The id this moving alias pointed at on ``day``."""
        chosen: str | None = None
        for start, target in self.alias:
            if start <= day:
                chosen = target
            else:
                break
        return chosen


CostStatus = Literal["priced", "unpriced"]


class Cost(NamedTuple):
    """What one call cost, and why.

    Attributes:
        status: ``priced``, or ``unpriced`` with a ``reason``. Never a zero for a price that is not known.
        total_usd: the cost in US dollars, exact; `None` when unpriced.
        breakdown_usd: the cost per unit: token units (``input``, ``cache_read``...), ``input_characters``,
            ``input_audio_seconds``, ``image:<key>``, ``request:<kind>`` and ``compute:<hardware>`` (seconds of a
            platform's hardware, which add to ``llmcost.cost.fees``). Units that cost nothing are left out.
        entry: the table entry that priced the call, as ``provider/id``.
        matched_model: the model id, as normalised, that matched the entry.
        table_version: the version of the price table (and of any override files).
        effective_date: the first day of the price period applied.
        tier: the long-context tier applied, such as ``above_200000_input_tokens``.
        variants: the variants applied, such as ``("batch",)``.
        reason: why the call is unpriced: ``unknown_provider``, ``unknown_model``, ``not_priced``,
            ``missing_price`` or ``no_model``.
        detail: a sentence that explains the reason (or, for an estimated cost, the estimate).
        estimated: a unit the vendor bills (characters) was estimated from another the call reported (tokens).
        conversion: the vendor's prices are in another currency (Scaleway's euros), converted to US dollars on load
            at this rate; `None` for prices written in US dollars.
    """

    status: CostStatus
    table_version: str
    total_usd: Decimal | None = None
    breakdown_usd: Mapping[str, Decimal] = MappingProxyType({})
    entry: str | None = None
    matched_model: str | None = None
    effective_date: date | None = None
    tier: str | None = None
    variants: tuple[str, ...] = ()
    reason: str | None = None
    detail: str | None = None
    estimated: bool = False
    conversion: Conversion | None = None

    @property
    def provenance(self) -> tuple[object, ...]:
        """Which price applied (entry, model, table version, period, tier, variants, conversion): the same for
        every call priced alike, so what a span's price attributes can be cached by."""
        return (
            self.entry,
            self.matched_model,
            self.table_version,
            self.effective_date,
            self.tier,
            self.variants,
            self.conversion,
        )

    def price_attributes(self) -> dict[str, object]:
        """The attributes that say which price applied (``llmcost.price.*``): what `provenance` holds, so the
        same for every call priced alike."""
        found: dict[str, object] = {
            a.LLMCOST_PRICE_ENTRY: self.entry,
            a.LLMCOST_PRICE_MODEL: self.matched_model,
            a.LLMCOST_PRICE_TABLE_VERSION: self.table_version,
        }
        if self.effective_date is not None:
            found[a.LLMCOST_PRICE_EFFECTIVE_DATE] = self.effective_date.isoformat()
        if self.tier is not None:
            found[a.LLMCOST_PRICE_TIER] = self.tier
        if self.variants:
            found[a.LLMCOST_PRICE_VARIANTS] = self.variants
        if self.conversion is not None:  # the vendor's prices are in another currency, converted on load
            found[a.LLMCOST_PRICE_CURRENCY] = self.conversion.currency
            found[a.LLMCOST_PRICE_USD_PER_UNIT] = str(self.conversion.usd_per_unit)
        return found
