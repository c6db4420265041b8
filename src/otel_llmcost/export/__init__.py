"""Exporters of our own: OTLP JSON lines in a local folder (`FileSpanExporter`, ``llmcost_file``)."""

from ._file import FILE_MAX_BYTES_ENV, FILE_PATH_ENV, FileSpanExporter, encode_spans

__all__ = ["FILE_MAX_BYTES_ENV", "FILE_PATH_ENV", "FileSpanExporter", "encode_spans"]
