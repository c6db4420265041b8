"""``otel-llmcost``: the command line. Parses arguments and maps outcomes to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from .. import _attributes as a
from ..pricing import PriceFileError, PriceTable, RequestContext, Usage, default_table, environment_files
from ._otlp import InputError, SpanRecord, export_requests, files_of, spans_of
from ._output import FORMATS, Progress, write_rows
from ._price import NotFound, models, price_call, write_price
from ._report import DIMENSIONS, build_report

__all__ = ["EXIT_BAD_INPUT", "EXIT_INVALID", "EXIT_NOT_FOUND", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
"""Done."""
EXIT_BAD_INPUT = 1
"""An input could not be used: a file unreadable or not OTLP JSON, a bad price file, Phoenix unreachable."""
EXIT_USAGE = 2
"""The command line is wrong (argparse's own code)."""
EXIT_NOT_FOUND = 3
"""``price``: the model or provider is unknown or not priced. ``models``: nothing matched."""
EXIT_INVALID = 4
"""``prices check``: the file has errors. ``prices diff``: the tables differ (like ``diff``)."""

_EPILOG = """\
exit codes:
  0  done
  1  an input could not be used (unreadable or not OTLP JSON, a bad price file, Phoenix unreachable)
  2  the command line is wrong
  3  price: unknown or unpriced model or provider (the closest known ids are named); models: no match
  4  prices check: the file has errors; prices diff: the tables differ

docs: https://github.com/otel-llmcost/otel-llmcost/blob/main/docs/cli.md
"""

_UNITS = (
    ("input", "input tokens, cached ones included (as APIs report them)"),
    ("output", "output tokens, reasoning ones included"),
    ("cache-read", "input tokens read from a prompt cache"),
    ("cache-write", "input tokens written to a prompt cache (all lifetimes)"),
    ("cache-write-1h", "of the cache writes, those with a 1-hour lifetime"),
    ("reasoning", "of the output tokens, reasoning (thinking) ones"),
    ("input-audio", "of the input tokens, audio ones"),
    ("output-audio", "of the output tokens, audio ones"),
    ("input-image", "of the input tokens, image ones"),
    ("output-image", "of the output tokens, image ones"),
    ("characters", "characters of text turned into speech"),
)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None


def _moment(text: str) -> int:
    """A date or ISO time (UTC unless it says otherwise) -> nanoseconds since the epoch."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or time like 2026-11-01 or 2026-11-01T12:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def _seconds(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"{text} is not a number of seconds")
    return value


def _pair(text: str) -> tuple[str, int]:
    key, sep, count = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=COUNT")
    return key, _count(count)


def _dimensions(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in DIMENSIONS:
            raise argparse.ArgumentTypeError(f"cannot group by {name!r}; choose from {', '.join(DIMENSIONS)}")
    return names


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table", help="table (default), json or csv")


def _add_prices(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prices",
        action="append",
        default=[],
        metavar="FILE",
        help="a price file in the bundled format that overrides the bundled table (repeatable; "
        "OTEL_LLMCOST_PRICING_FILE is read too)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="otel-llmcost",
        description="Prices of AI calls, and cost reports of the OpenTelemetry spans that otel-llmcost priced.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    price = commands.add_parser(
        "price",
        help="what one call costs, with its breakdown and the price entry",
        description="What one call costs: the total in USD (exact), the cost of each unit, the price entry and "
        "the table version. Token counts are totals as APIs report them: --input includes cached tokens.",
        epilog="example: otel-llmcost price claude-sonnet-4-5 --input 10000 --output 2000",
    )
    price.add_argument("model", help="the model id, as a response or span names it (gpt-4o-2024-08-06 is fine)")
    price.add_argument("--provider", help="gen_ai.provider.name (openai, anthropic, aws.bedrock...); guessed if unique")
    for name, text in _UNITS:
        price.add_argument(f"--{name}", type=_count, default=0, metavar="N", help=text)
    price.add_argument("--audio-seconds", type=_seconds, default=Decimal(0), metavar="S", help="seconds of audio in")
    price.add_argument("--images", type=_pair, action="append", default=[], metavar="SIZE=N", help="1024x1024/hd=2")
    price.add_argument(
        "--requests", type=_pair, action="append", default=[], metavar="KIND=N", help="web_search=3, request=1"
    )
    price.add_argument("--at", type=_day, metavar="DATE", help="prices in force that day (default: today, UTC)")
    price.add_argument("--batch", action="store_true", help="through a batch API")
    price.add_argument("--tier", metavar="T", help="the service tier (flex, priority...)")
    price.add_argument("--region", metavar="R", help="the region scope (us, eu, global...)")
    _add_prices(price)
    _add_format(price)

    listing = commands.add_parser(
        "models",
        help="the table's entries, with prices per million tokens, dates and sources",
        description="The price entries whose id contains QUERY, with their prices (USD per million tokens, or "
        "per unit), the date the price took effect and its source.",
    )
    listing.add_argument("query", nargs="?", help="part of a model id (case-insensitive)")
    listing.add_argument("--provider", help="only this provider's entries")
    listing.add_argument("--at", type=_day, metavar="DATE", help="prices in force that day (default: today, UTC)")
    _add_prices(listing)
    _add_format(listing)

    report = commands.add_parser(
        "report",
        help="cost and calls of exported spans, by model, customer, day...",
        description="Cost and calls of the spans otel-llmcost priced, read from OTLP JSON files (the Collector "
        "file exporter's lines, or one export request per file; gzip'd or not; folders are searched) or from "
        "a running Phoenix. Spans marked duplicate are left out; unpriced and estimated calls are counted.",
    )
    report.add_argument("sources", nargs="*", metavar="SOURCE", help="OTLP JSON files or folders")
    report.add_argument("--phoenix", metavar="URL", help="read the spans from the Phoenix at URL instead")
    report.add_argument("--project", default="default", help="the Phoenix project (default: default)")
    report.add_argument(
        "--by",
        type=_dimensions,
        action="append",
        metavar="DIM",
        help=f"group by these, comma-separated or repeated: {', '.join(DIMENSIONS)} (default: model)",
    )
    report.add_argument("--since", type=_moment, metavar="TIME", help="spans that started at or after (UTC)")
    report.add_argument("--until", type=_moment, metavar="TIME", help="spans that started before (UTC)")
    report.add_argument("--html", type=Path, metavar="FILE", help="also write a self-contained HTML page")
    _add_format(report)

    reprice = commands.add_parser(
        "reprice",
        help="recompute the cost of exported spans with another price table",
        description="Recomputes the cost of every GenAI span of OTLP JSON files with the bundled table (or "
        "--prices, at --at) and writes the files again under --out with the cost attributes replaced and "
        "llmcost.repriced_from set. Streams line by line: memory stays flat however large the files.",
    )
    reprice.add_argument("sources", nargs="+", metavar="IN", help="OTLP JSON files or folders")
    reprice.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write (created)")
    reprice.add_argument("--at", type=_day, metavar="DATE", help="price every span at this day's prices")
    _add_prices(reprice)
    _add_format(reprice)

    prices = commands.add_parser("prices", help="check a price file, or compare two tables")
    prices_commands = prices.add_subparsers(dest="prices_command", required=True, metavar="COMMAND")
    check = prices_commands.add_parser(
        "check",
        help="validate price files: every error with its file, entry and field",
        description="Validates price files in the bundled format against the bundled table: every error, "
        "with its file, entry and field.",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    diff = prices_commands.add_parser(
        "diff",
        help="what changed between two price files or folders",
        description="The entries added, removed and changed between OLD and NEW (files or folders of price files).",
    )
    diff.add_argument("old", type=Path, metavar="OLD")
    diff.add_argument("new", type=Path, metavar="NEW")
    _add_format(diff)
    return parser


def _table(files: Sequence[str]) -> PriceTable:
    if files:
        return PriceTable.load([*environment_files(), *files])
    return default_table()


def _price(args: argparse.Namespace, out: TextIO) -> int:
    usage = Usage.from_totals(
        input_tokens=args.input,
        output_tokens=args.output,
        cache_read_tokens=args.cache_read,
        cache_write_tokens=args.cache_write,
        cache_write_1h_tokens=args.cache_write_1h,
        reasoning_tokens=args.reasoning,
        input_audio_tokens=args.input_audio,
        output_audio_tokens=args.output_audio,
        input_image_tokens=args.input_image,
        output_image_tokens=args.output_image,
        input_characters=args.characters,
        input_audio_seconds=args.audio_seconds,
        images=dict(args.images),
        requests=dict(args.requests),
    )
    table = _table(args.prices)
    context = RequestContext(batch=args.batch, service_tier=args.tier, region=args.region)
    cost = price_call(table, args.model, args.provider, usage, args.at, context)
    write_price(cost, args.model, usage, args.format, out)
    return EXIT_OK


def _models(args: argparse.Namespace, out: TextIO) -> int:
    found = models(_table(args.prices), args.query, args.provider, args.at, args.format, out)
    if not found:
        print(f"otel-llmcost: no entry matches {args.query!r}", file=sys.stderr)
        return EXIT_NOT_FOUND
    return EXIT_OK


def _file_spans(sources: Sequence[str]) -> Iterator[SpanRecord]:
    paths = files_of(sources)
    progress = Progress(sum(path.stat().st_size for path in paths))
    try:
        for path in paths:
            compressed = path.stat().st_size
            read = 0

            def advance(count: int) -> None:
                nonlocal read
                read += count
                progress.advance(count)

            for request in export_requests(path, advance if not path.name.endswith(".gz") else None):
                yield from spans_of(request)
            if path.name.endswith(".gz"):
                progress.advance(compressed)
    finally:
        progress.close()


def _report(args: argparse.Namespace, out: TextIO) -> int:
    if bool(args.sources) == bool(args.phoenix):
        raise InputError("give OTLP JSON files or folders, or --phoenix URL, not both nor neither")
    by = [name for group in args.by or [["model"]] for name in group]
    if args.phoenix:
        from ._phoenix import phoenix_spans

        spans = phoenix_spans(args.phoenix, args.project, args.since, args.until, os.environ.get("PHOENIX_API_KEY"))
    else:
        spans = _file_spans(args.sources)
    html_path: Path | None = args.html
    charts = None
    if html_path is not None:
        from ._html import HtmlCharts

        charts = HtmlCharts()
    report = build_report(spans, by, args.since, args.until, charts.add if charts is not None else None)
    document: dict[str, object] = {
        "by": by,
        "spans": report.spans,
        "calls": report.total.calls,
        "cost_usd": report.total.cost_usd,
        a.LlmcostStatusValues.UNPRICED: report.total.unpriced,
        a.LlmcostStatusValues.ESTIMATED: report.total.estimated,
        "duplicates": report.duplicates,
    }
    write_rows(report.rows(), report.columns, args.format, out, document=document, key="groups")
    if args.format == "table":
        out.write(
            f"\n{report.spans} spans read; {report.total.calls} calls, {report.total.unpriced} unpriced,"
            f" {report.total.estimated} estimated; {report.duplicates} duplicate spans left out\n"
        )
    if html_path is not None and charts is not None:
        from ._html import write_html

        write_html(html_path, report, charts, [args.phoenix] if args.phoenix else args.sources)
        print(f"otel-llmcost: wrote {html_path}", file=sys.stderr)
    return EXIT_OK


def _reprice(args: argparse.Namespace, out: TextIO) -> int:
    from ._reprice import reprice, write_summary

    summary = reprice(args.sources, args.out, _table(args.prices), args.at)
    write_summary(summary, args.format, out)
    return EXIT_OK


def _prices(args: argparse.Namespace, out: TextIO) -> int:
    from ._prices import check, diff

    if args.prices_command == "check":
        return EXIT_OK if check(args.files, out) else EXIT_INVALID
    return EXIT_OK if not diff(args.old, args.new, args.format, out) else EXIT_INVALID


_COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "price": _price,
    "models": _models,
    "report": _report,
    "reprice": _reprice,
    "prices": _prices,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line ``argv`` (``sys.argv[1:]`` by default) and returns the exit code."""
    args = build_parser().parse_args(argv)
    out = sys.stdout
    try:
        return _COMMANDS[args.command](args, out)
    except NotFound as error:
        print(f"otel-llmcost: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (InputError, PriceFileError) as error:
        print(f"otel-llmcost: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValueError as error:  # Usage.from_totals: parts larger than their totals
        print(f"otel-llmcost: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # `otel-llmcost models | head`: the reader left; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
