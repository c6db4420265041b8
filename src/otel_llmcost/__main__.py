"""``python -m otel_llmcost``: the ``otel-llmcost`` command."""

import sys

from .cli import main

sys.exit(main())
