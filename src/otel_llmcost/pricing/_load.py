"""Reading and validating price files: JSON in the format of ``pricing/README.md``, into value types.

Every problem is a `PriceFileError` that names the file, the place in it and what to fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import cast

from .. import _attributes as a
from ..usage import TOKEN_UNITS
from ._errors import PriceFileError
from ._model import Conversion, Entry, PeakHours, Period, Tier, UnitPrices, Variant

__all__ = ["ProviderFile", "check_provider_file", "read_provider_file"]

_PROVIDER = re.compile(r"[a-z0-9_.]+")
_MODEL_ID = re.compile(r"[a-z0-9][a-z0-9._:/@+-]*")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HARDWARE_KEY = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_IMAGE_KEY = re.compile(r"[0-9]+x[0-9]+(/[a-z]+)?|low|medium|high|standard|hd|image")
_VIDEO_KEY = re.compile(r"([0-9]+[pk]|video)(/(audio|silent))?")

_UNIT_MAPS: Mapping[str, tuple[str, ...] | None] = {
    "usd_per_million_tokens": TOKEN_UNITS,
    "usd_per_million_characters": ("input",),
    "usd_per_minute": ("input_audio",),
    "usd_per_image": None,
    "usd_per_request": None,
    "usd_per_second": None,
    "usd_per_video_second": None,
    "usd_per_hour": ("input_audio",),
    "usd_per_megapixel": ("first_output", "output", "input"),
}
_FILE_KEYS = {
    "$schema",
    "provider",
    "name",
    "aliases",
    "strip_prefixes",
    "region_prefixes",
    "hosts",
    "not_priced",
    "sources",
    "currency",
    "fx",
}
_MODEL_KEYS = {
    "id",
    "name",
    "source",
    "source_kind",
    "note",
    "match",
    "prices",
    "alias",
    "inherit",
    "variants",
    "not_priced",
}
_SOURCE_KINDS = ("vendor", "quoted", "table")
"""``vendor``: the vendor's own page, API or docs. ``table``: only another price table (genai-prices, LiteLLM)."""
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")
_PERIOD_KEYS = {"from", "tiers", "variants", "peak_hours", "characters_per_token", "note", *_UNIT_MAPS}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OFFSET = re.compile(r"([+-])([01][0-9]|2[0-3]):([0-5][0-9])")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])|24:00")
_VARIANT_KEYS = {"name", "when", "multiplier", "multiplier_units", *_UNIT_MAPS}
_MATCH_KEYS = {"ids", "snapshots", "patterns", "examples"}
_WAYS = ("prices", "alias", "inherit", "not_priced")
_CURRENCY = re.compile(r"[A-Z]{3}")
_USD = a.GenAiUsageCostCurrencyValues.USD
_FX_KEYS = {"usd_per_unit", "date", "source", "note"}
_FX_EXAMPLE = '"fx": {"usd_per_unit": "1.1607", "date": "YYYY-MM-DD", "source": "<url of the reference rate>"}'


@dataclass(frozen=True, slots=True)
class ProviderFile:
    """One provider file, validated."""

    path: str
    provider: str
    aliases: tuple[str, ...]
    strip_prefixes: tuple[str, ...]
    region_prefixes: Mapping[str, str]
    not_priced: str | None
    entries: tuple[Entry, ...]
    hosts: tuple[str, ...] = ()
    conversion: Conversion | None = None
    """The file's prices are written in another currency and were converted to US dollars at this rate."""


class _Reader:
    """Validates one decoded file; every check says where it failed."""

    def __init__(self, path: str, *, strict: bool, conversion: Conversion | None = None) -> None:
        self.path = path
        self.strict = strict
        self.rate_override = conversion
        """A rate that replaces the file's own, for a file written in its currency (an override file's ``fx``)."""
        self.conversion: Conversion | None = None
        """The file's conversion, once its ``currency`` and ``fx`` are read: every price is multiplied by its rate."""

    def fail(self, where: str, problem: str) -> PriceFileError:
        return PriceFileError(self.path, where, problem)

    def mapping(self, value: object, where: str) -> dict[str, object]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, found {type(value).__name__}")
        return cast("dict[str, object]", value)

    def keys(self, value: Mapping[str, object], allowed: set[str], where: str) -> None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(where, f"unknown field {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")

    def string(self, value: object, where: str, pattern: re.Pattern[str] | None = None, what: str = "") -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(where, f"expected a non-empty string, found {value!r}")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(where, f"{value!r} is not {what}")
        return value

    def strings(self, value: object, where: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list of strings, found {type(value).__name__}")
        items = cast("list[object]", value)
        return tuple(self.string(item, f"{where}[{index}]") for index, item in enumerate(items))

    def day(self, value: object, where: str) -> date:
        text = self.string(value, where, _DAY, "a date written YYYY-MM-DD")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.fail(where, f"{text!r} is not a real date") from None

    def price(self, value: object, where: str) -> Decimal:
        if not isinstance(value, str):
            raise self.fail(where, f'prices are decimal strings such as "2.5", found {value!r}')
        if not _DECIMAL.fullmatch(value):
            raise self.fail(where, f'{value!r} is not a decimal string such as "2.5" (no sign, no exponent)')
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            raise self.fail(where, f"{value!r} is not a decimal") from None

    def money(self, value: object, where: str) -> Decimal:
        """A price of the file, in US dollars: converted at the file's rate when it is written in another currency."""
        amount = self.price(value, where)
        return amount if self.conversion is None else amount * self.conversion.usd_per_unit

    def currency(self, raw: Mapping[str, object]) -> Conversion | None:
        """The file's ``currency`` and ``fx``: `None` for prices in US dollars, else the conversion to apply."""
        code = raw.get("currency", _USD)
        if not isinstance(code, str) or not _CURRENCY.fullmatch(code):
            raise self.fail("currency", f"{code!r} is not a currency code such as 'EUR' (ISO 4217, upper case)")
        fx = raw.get("fx")
        if code == _USD:
            if fx is not None:
                what = "the prices are in US dollars" if "currency" in raw else "no currency is named, so US dollars"
                raise self.fail("fx", f'{what}: fx goes with a currency other than USD ("currency": "EUR")')
            return None
        if fx is None:
            raise self.fail(
                "fx", f"prices written in {code} need the rate that converts them to US dollars: {_FX_EXAMPLE}"
            )
        rate = self.mapping(fx, "fx")
        self.keys(rate, _FX_KEYS, "fx")
        if "usd_per_unit" not in rate:
            raise self.fail("fx.usd_per_unit", f"give US dollars per {code}: {_FX_EXAMPLE}")
        if not isinstance(rate["usd_per_unit"], str):
            raise self.fail(
                "fx.usd_per_unit",
                f'the rate is a decimal string such as "1.1607" (never a JSON number), found {rate["usd_per_unit"]!r}',
            )
        usd_per_unit = self.price(rate["usd_per_unit"], "fx.usd_per_unit")
        if not usd_per_unit:
            raise self.fail(
                "fx.usd_per_unit", f"a rate of 0 would price every call at nothing: give US dollars per {code}"
            )
        conversion = Conversion(
            code,
            usd_per_unit,
            self.day(rate.get("date"), "fx.date"),
            self.string(rate.get("source"), "fx.source"),
        )
        if rate.get("note") is not None:
            self.string(rate.get("note"), "fx.note")
        override = self.rate_override
        return override if override is not None and override.currency == code else conversion

    def unit_prices(self, container: Mapping[str, object], where: str) -> UnitPrices:
        maps: dict[str, dict[str, Decimal]] = {}
        for field, units in _UNIT_MAPS.items():
            raw = container.get(field)
            if raw is None:
                maps[field] = {}
                continue
            prices = self.mapping(raw, f"{where}.{field}")
            parsed: dict[str, Decimal] = {}
            for unit, value in prices.items():
                if units is not None and unit not in units:
                    raise self.fail(f"{where}.{field}", f"unknown unit {unit!r}; allowed: {', '.join(units)}")
                if field == "usd_per_image" and not _IMAGE_KEY.fullmatch(unit):
                    raise self.fail(
                        f"{where}.{field}", f'{unit!r} is not an image key like "1024x1024/hd" (or "image": any size)'
                    )
                if field == "usd_per_second" and not _HARDWARE_KEY.fullmatch(unit):
                    raise self.fail(f"{where}.{field}", f'{unit!r} is not a hardware name like "gpu-a100-large"')
                if field == "usd_per_video_second" and not _VIDEO_KEY.fullmatch(unit):
                    raise self.fail(
                        f"{where}.{field}", f'{unit!r} is not a video key like "1080p", "4k/silent" or "video"'
                    )
                parsed[unit] = self.money(value, f"{where}.{field}.{unit}")
            if field == "usd_per_second" and len(parsed) != 1:
                raise self.fail(
                    f"{where}.{field}", 'name the one hardware the model runs on: {"gpu-a100-large": "0.0014"}'
                )
            maps[field] = parsed
        return UnitPrices(
            maps["usd_per_million_tokens"],
            maps["usd_per_million_characters"],
            maps["usd_per_minute"],
            maps["usd_per_image"],
            maps["usd_per_request"],
            maps["usd_per_second"],
            maps["usd_per_video_second"],
            maps["usd_per_hour"],
            maps["usd_per_megapixel"],
        )

    def variant(self, value: object, where: str) -> Variant:
        raw = self.mapping(value, where)
        self.keys(raw, _VARIANT_KEYS, where)
        name = self.string(raw.get("name"), f"{where}.name")
        when = self.mapping(raw.get("when"), f"{where}.when")
        self.keys(when, {"batch", "service_tier", "region", "off_peak"}, f"{where}.when")
        if not when:
            raise self.fail(f"{where}.when", "give at least one of batch, service_tier, region, off_peak")
        batch = when.get("batch")
        if batch is not None and not isinstance(batch, bool):
            raise self.fail(f"{where}.when.batch", f"expected true or false, found {batch!r}")
        off_peak = when.get("off_peak")
        if off_peak is not None and not isinstance(off_peak, bool):
            raise self.fail(f"{where}.when.off_peak", f"expected true or false, found {off_peak!r}")
        multiplier = raw.get("multiplier")
        prices = self.unit_prices(raw, where)
        has_prices = any(raw.get(field) for field in _UNIT_MAPS)
        if (multiplier is None) == (not has_prices):
            raise self.fail(where, "give either a multiplier or unit prices, not both and not neither")
        units = raw.get("multiplier_units")
        multiplier_units: frozenset[str] | None = None
        if units is not None:
            if multiplier is None:
                raise self.fail(f"{where}.multiplier_units", "multiplier_units goes with a multiplier")
            multiplier_units = frozenset(self.strings(units, f"{where}.multiplier_units"))
            unknown = sorted(multiplier_units - set(TOKEN_UNITS))
            if unknown:
                raise self.fail(
                    f"{where}.multiplier_units", f"unknown unit {unknown[0]!r}; allowed: {', '.join(TOKEN_UNITS)}"
                )
        return Variant(
            name=name,
            multiplier_units=multiplier_units,
            batch=batch,
            service_tiers=self.choices(when.get("service_tier"), f"{where}.when.service_tier"),
            regions=self.choices(when.get("region"), f"{where}.when.region"),
            multiplier=None if multiplier is None else self.price(multiplier, f"{where}.multiplier"),
            prices=prices,
            off_peak=off_peak,
        )

    def peak_hours(self, value: object, where: str) -> PeakHours:
        raw = self.mapping(value, where)
        self.keys(raw, {"utc_offset", "days", "hours", "holidays"}, where)
        offset = _OFFSET.fullmatch(self.string(raw.get("utc_offset"), f"{where}.utc_offset"))
        if offset is None:
            raise self.fail(f"{where}.utc_offset", f"{raw.get('utc_offset')!r} is not an offset like '+08:00'")
        sign = -1 if offset[1] == "-" else 1
        days = self.strings(raw.get("days"), f"{where}.days")
        unknown = sorted(set(days) - set(_WEEKDAYS))
        if unknown or not days:
            raise self.fail(f"{where}.days", f"give days among {', '.join(_WEEKDAYS)}; found {list(days)!r}")
        hours: list[tuple[time, time]] = []
        for index, item in enumerate(cast("list[object]", raw.get("hours") or [])):
            span = self.mapping(item, f"{where}.hours[{index}]")
            self.keys(span, {"from", "to"}, f"{where}.hours[{index}]")
            start, end = (self.clock(span.get(key), f"{where}.hours[{index}].{key}") for key in ("from", "to"))
            if start >= end:
                raise self.fail(f"{where}.hours[{index}]", "'from' must be before 'to' (one day; split at midnight)")
            hours.append((start, end))
        if not hours:
            raise self.fail(f"{where}.hours", "give at least one {'from': 'HH:MM', 'to': 'HH:MM'}")
        holidays = frozenset(
            self.day(item, f"{where}.holidays[{index}]")
            for index, item in enumerate(self.strings(raw.get("holidays") or [], f"{where}.holidays"))
        )
        return PeakHours(
            utc_offset=sign * timedelta(hours=int(offset[2]), minutes=int(offset[3])),
            weekdays=frozenset(_WEEKDAYS.index(day) + 1 for day in days),
            hours=tuple(hours),
            holidays=holidays,
        )

    def clock(self, value: object, where: str) -> time:
        text = self.string(value, where, _CLOCK, "a time of day written HH:MM")
        return time.max if text == "24:00" else time(int(text[:2]), int(text[3:]))

    def choices(self, value: object, where: str) -> frozenset[str] | None:
        if value is None:
            return None
        items = (self.string(value, where),) if isinstance(value, str) else self.strings(value, where)
        return frozenset(item.lower() for item in items)

    def period(self, value: object, where: str) -> Period:
        raw = self.mapping(value, where)
        self.keys(raw, _PERIOD_KEYS, where)
        start = None if raw.get("from") is None else self.day(raw["from"], f"{where}.from")
        prices = self.unit_prices(raw, where)
        tiers: list[Tier] = []
        for index, item in enumerate(cast("list[object]", raw.get("tiers") or [])):
            tier_where = f"{where}.tiers[{index}]"
            tier = self.mapping(item, tier_where)
            self.keys(tier, {"above_input_tokens", "usd_per_million_tokens"}, tier_where)
            threshold = tier.get("above_input_tokens")
            if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
                raise self.fail(f"{tier_where}.above_input_tokens", f"expected a positive integer, found {threshold!r}")
            if tiers and threshold <= tiers[-1].above_input_tokens:
                raise self.fail(f"{tier_where}.above_input_tokens", "tiers must be in ascending order of threshold")
            tier_prices = self.unit_prices(tier, tier_where).per_million_tokens
            if not tier_prices:
                raise self.fail(tier_where, "a tier needs usd_per_million_tokens")
            tiers.append(Tier(threshold, tier_prices))
        variants = tuple(
            self.variant(item, f"{where}.variants[{index}]")
            for index, item in enumerate(cast("list[object]", raw.get("variants") or []))
        )
        if not any(
            (
                prices.per_million_tokens,
                prices.per_million_characters,
                prices.per_minute,
                prices.per_image,
                prices.per_request,
                prices.per_second,
                prices.per_video_second,
                prices.per_hour,
                prices.per_megapixel,
            )
        ):
            raise self.fail(where, "a price period needs at least one unit price")
        peak = None if raw.get("peak_hours") is None else self.peak_hours(raw["peak_hours"], f"{where}.peak_hours")
        if peak is not None and not any(variant.off_peak for variant in variants):
            raise self.fail(f"{where}.peak_hours", "peak hours need a variant with when.off_peak: true")
        ratio = raw.get("characters_per_token")
        characters_per_token = None
        if ratio is not None:
            characters_per_token = self.price(ratio, f"{where}.characters_per_token")
            if not characters_per_token or "input" not in prices.per_million_characters:
                raise self.fail(
                    f"{where}.characters_per_token",
                    "a positive ratio that goes with usd_per_million_characters.input",
                )
        return Period(start, prices, tuple(tiers), variants, peak, characters_per_token, conversion=self.conversion)

    def entry(self, value: object, where: str, provider: str, sources: Mapping[str, object]) -> Entry:
        raw = self.mapping(value, where)
        model_id = self.string(raw.get("id"), f"{where}.id", _MODEL_ID, "a lowercase model id")
        where = f"{where} ({model_id})"
        self.keys(raw, _MODEL_KEYS, where)
        ways = [way for way in _WAYS if way in raw]
        if len(ways) != 1:
            raise self.fail(where, f"give exactly one of {', '.join(_WAYS)}; found {ways or 'none'}")
        source = raw.get("source")
        if source is not None and self.string(source, f"{where}.source") not in sources:
            raise self.fail(f"{where}.source", f"{source!r} is not a key of the file's sources")
        if source is None and self.strict:
            raise self.fail(f"{where}.source", "every bundled entry names one of the file's sources")
        source_kind = raw.get("source_kind")
        if source_kind is not None and source_kind not in _SOURCE_KINDS:
            raise self.fail(f"{where}.source_kind", f"{source_kind!r} is not one of {', '.join(_SOURCE_KINDS)}")
        match = self.mapping(raw.get("match") or {}, f"{where}.match")
        self.keys(match, _MATCH_KEYS, f"{where}.match")
        ids = tuple(
            self.string(item, f"{where}.match.ids", _MODEL_ID, "a lowercase model id")
            for item in self.strings(match.get("ids") or [], f"{where}.match.ids")
        )
        snapshots = match.get("snapshots", True)
        if not isinstance(snapshots, bool):
            raise self.fail(f"{where}.match.snapshots", f"expected true or false, found {snapshots!r}")
        patterns: list[re.Pattern[str]] = []
        for index, text in enumerate(self.strings(match.get("patterns") or [], f"{where}.match.patterns")):
            try:
                patterns.append(re.compile(text))
            except re.error as error:
                raise self.fail(
                    f"{where}.match.patterns[{index}]", f"not a valid regular expression: {error}"
                ) from None
        periods: list[Period] = []
        for index, item in enumerate(cast("list[object]", raw.get("prices") or [])):
            period = self.period(item, f"{where}.prices[{index}]")
            if periods and (period.start is None or (periods[-1].start and period.start <= periods[-1].start)):
                raise self.fail(f"{where}.prices[{index}].from", "periods must be in ascending order of date")
            periods.append(period)
        if "prices" in raw and not periods:
            raise self.fail(f"{where}.prices", "give at least one price period")
        alias: list[tuple[date, str]] = []
        for index, item in enumerate(cast("list[object]", raw.get("alias") or [])):
            step = self.mapping(item, f"{where}.alias[{index}]")
            self.keys(step, {"from", "to"}, f"{where}.alias[{index}]")
            start = self.day(step.get("from"), f"{where}.alias[{index}].from")
            if alias and start <= alias[-1][0]:
                raise self.fail(f"{where}.alias[{index}].from", "alias steps must be in ascending order of date")
            alias.append((start, self.string(step.get("to"), f"{where}.alias[{index}].to")))
        if "alias" in raw and not alias:
            raise self.fail(f"{where}.alias", "give at least one step")
        inherit = raw.get("inherit")
        if inherit is not None:
            inherit = self.string(inherit, f"{where}.inherit")
            if "/" not in inherit:
                raise self.fail(f"{where}.inherit", f"{inherit!r} is not '<provider>/<model id>'")
        variants = tuple(
            self.variant(item, f"{where}.variants[{index}]")
            for index, item in enumerate(cast("list[object]", raw.get("variants") or []))
        )
        if variants and inherit is None:
            raise self.fail(f"{where}.variants", "entry-level variants go with inherit; put them in a price period")
        not_priced = raw.get("not_priced")
        return Entry(
            provider=provider,
            id=model_id,
            source_file=self.path,
            name=None if raw.get("name") is None else self.string(raw.get("name"), f"{where}.name"),
            periods=tuple(periods),
            alias=tuple(alias),
            inherit=inherit,
            inherit_variants=variants,
            not_priced=None if not_priced is None else self.string(not_priced, f"{where}.not_priced"),
            ids=ids,
            snapshots=snapshots,
            patterns=tuple(patterns),
            examples=tuple(
                item.lower() for item in self.strings(match.get("examples") or [], f"{where}.match.examples")
            ),
        )

    def provider_file(self, document: object) -> ProviderFile:
        raw = self.mapping(document, "")
        self.keys(raw, _FILE_KEYS | {"models"}, "top level")
        provider = self.string(raw.get("provider"), "provider", _PROVIDER, "a provider name like 'openai'")
        sources = self.mapping(raw.get("sources") or {}, "sources")
        for key, value in sources.items():
            source = self.mapping(value, f"sources.{key}")
            self.keys(source, {"url", "checked", "note"}, f"sources.{key}")
            self.string(source.get("url"), f"sources.{key}.url")
            self.day(source.get("checked"), f"sources.{key}.checked")
        if self.strict and not sources:
            raise self.fail("sources", "a bundled file names its sources, each with the date it was checked")
        self.conversion = self.currency(raw)
        models = raw.get("models")
        if not isinstance(models, list):
            raise self.fail("models", "expected a list of model entries")
        entries = tuple(
            self.entry(item, f"models[{index}]", provider, sources)
            for index, item in enumerate(cast("list[object]", models))
        )
        region_prefixes = self.mapping(raw.get("region_prefixes") or {}, "region_prefixes")
        not_priced = raw.get("not_priced")
        return ProviderFile(
            path=self.path,
            provider=provider,
            aliases=tuple(alias.lower() for alias in self.strings(raw.get("aliases") or [], "aliases")),
            strip_prefixes=tuple(
                prefix.lower() for prefix in self.strings(raw.get("strip_prefixes") or [], "strip_prefixes")
            ),
            region_prefixes={
                prefix.lower(): self.string(scope, f"region_prefixes.{prefix}").lower()
                for prefix, scope in region_prefixes.items()
            },
            not_priced=None if not_priced is None else self.string(not_priced, "not_priced"),
            entries=entries,
            hosts=tuple(
                self.string(host, f"hosts[{index}]", _HOST, "a lowercase host name like 'api.example.com'")
                for index, host in enumerate(self.strings(raw.get("hosts") or [], "hosts"))
            ),
            conversion=self.conversion,
        )


def read_provider_file(path: Path, *, strict: bool = False, conversion: Conversion | None = None) -> ProviderFile:
    """Reads and validates one provider file.

    Args:
        path: the JSON file.
        strict: require what the bundled table must have (sources on every entry).
        conversion: a rate that replaces the file's own when the file is written in its currency (an override
            file's ``fx`` for a bundled provider). The file's own ``fx`` is still validated.

    Raises:
        PriceFileError: the file cannot be read, is not JSON, or breaks the format.
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PriceFileError(name, "", f"cannot read the file: {error.strerror or error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PriceFileError(
            name, f"line {error.lineno} column {error.colno}", f"not valid JSON: {error.msg}"
        ) from None
    return _Reader(name, strict=strict, conversion=conversion).provider_file(document)


def check_provider_file(path: Path) -> list[PriceFileError]:
    """Every problem of one provider file, not only the first: the file's own fields, then each model entry.

    Problems between entries (two entries with one id, clashing patterns, references to missing models) show
    when the file is loaded into a `PriceTable`, once each entry is valid.
    """
    try:
        read_provider_file(path)
    except PriceFileError as first:
        if not first.where or first.where.startswith("line "):
            return [first]  # unreadable, or not JSON
    else:
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    reader = _Reader(str(path), strict=False)
    if not isinstance(document, dict):
        return [reader.fail("", f"expected an object, found {type(document).__name__}")]
    raw = cast("dict[str, object]", document)
    models = raw.get("models")
    errors: list[PriceFileError] = []
    try:
        reader.provider_file({**raw, "models": []})
    except PriceFileError as error:
        errors.append(error)
    provider = raw.get("provider")
    sources = raw.get("sources")
    for index, item in enumerate(cast("list[object]", models) if isinstance(models, list) else []):
        try:
            reader.entry(
                item,
                f"models[{index}]",
                provider if isinstance(provider, str) else "(no provider)",
                cast("dict[str, object]", sources) if isinstance(sources, dict) else {},
            )
        except PriceFileError as error:
            errors.append(error)
    return errors
