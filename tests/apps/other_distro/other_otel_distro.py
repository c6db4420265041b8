"""A distro and configurator like ``opentelemetry-distro``'s, or a vendor's, for the zero-code tests.

Its ``.dist-info`` beside it makes it an installed distribution for whoever puts this folder on the path.
"""

from __future__ import annotations

import os

from opentelemetry.instrumentation.distro import BaseDistro
from opentelemetry.sdk._configuration import _OTelSDKConfigurator


class OtherConfigurator(_OTelSDKConfigurator):
    pass


class OtherDistro(BaseDistro):
    def _configure(self, **kwargs: object) -> None:
        os.environ.setdefault("OTEL_TRACES_EXPORTER", "otlp")
        os.environ.setdefault("OTEL_METRICS_EXPORTER", "otlp")
