"""What the instrumentors' tests share, whatever the provider: an instrumentor on the `tracing` fixture's
providers for the length of a test; the one span a test made, its attributes and its cost; and a script run in a
fresh interpreter (where no SDK is imported yet).

No tests here, and no provider's SDK imported: the SDK matrix (scripts/sdk_matrix.sh) installs one SDK at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.trace import ReadableSpan

if TYPE_CHECKING:
    from conftest import Tracing


@contextmanager
def instrumenting(instrumentor: Any, tracing: Tracing, *, metrics: bool = True, **options: Any) -> Iterator[Tracing]:
    """``instrumentor`` on ``tracing``'s tracer provider (spans priced by the cost processor) and, with ``metrics``,
    its meter provider, with ``options``; uninstrumented when the block ends, however it ends."""
    if metrics:
        options["meter_provider"] = tracing.meter_provider
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, **options)
    try:
        yield tracing
    finally:
        instrumentor.uninstrument()


def only_span(tracing: Tracing) -> ReadableSpan:
    """The one span the test made."""
    spans = tracing.exporter.get_finished_spans()
    assert len(spans) == 1, [span.name for span in spans]
    return spans[0]


def attributes(tracing: Tracing) -> dict[str, Any]:
    """The attributes of the one span the test made."""
    return dict(only_span(tracing).attributes or {})


def cost(found: dict[str, Any]) -> Decimal:
    """The cost attribute of a span's ``found`` attributes, as the decimal it was written from."""
    return Decimal(repr(found["gen_ai.usage.cost.amount"]))


def run_fresh(script: str, *, prelude: str = "", environment: Mapping[str, str] | None = None) -> str:
    """``prelude`` then ``script`` (each dedented) in a fresh interpreter, with ``environment`` over this one's;
    what it printed, stripped. It must exit 0."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(prelude) + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(environment or {})},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
