"""The ``otel-llmcost`` command: prices, cost reports and re-pricing of exported spans.

Standard library only (argparse, json, gzip, urllib): the command adds no dependency to an application that
installs the library. The library itself never imports this package.
"""

from ._main import EXIT_BAD_INPUT, EXIT_INVALID, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, main

__all__ = ["EXIT_BAD_INPUT", "EXIT_INVALID", "EXIT_NOT_FOUND", "EXIT_OK", "EXIT_USAGE", "main"]
