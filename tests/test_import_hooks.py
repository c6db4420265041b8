"""`otel_llmcost._import_hooks`: a function runs once a module is imported, at once when it is already."""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from otel_llmcost._import_hooks import when_imported


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A package of its own, importable and not imported yet: ``hooked_pkg`` with a submodule ``inner``."""
    root = tmp_path / "hooked_pkg"
    root.mkdir()
    (root / "__init__.py").write_text("VALUE = 1\n")
    (root / "inner.py").write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield "hooked_pkg"
    for name in ("hooked_pkg", "hooked_pkg.inner"):
        sys.modules.pop(name, None)


def test_a_hook_runs_after_the_module_code_ran_and_keeps_its_loader(package: str) -> None:
    seen: list[tuple[str, int]] = []
    when_imported(package, lambda module: seen.append((module.__name__, module.VALUE)))
    assert seen == []

    module = importlib.import_module(package)

    assert seen == [("hooked_pkg", 1)]
    assert type(module.__loader__).__name__ == "SourceFileLoader"
    assert module.__spec__ is not None
    assert module.__spec__.loader is module.__loader__


def test_a_hook_on_an_imported_module_runs_at_once(package: str) -> None:
    importlib.import_module(package)
    seen: list[ModuleType] = []

    when_imported(package, seen.append)

    assert seen == [sys.modules[package]]


def test_a_submodule_hook_runs_on_the_submodule_only(package: str) -> None:
    seen: list[str] = []
    when_imported(f"{package}.inner", lambda module: seen.append(module.__name__))

    importlib.import_module(package)
    assert seen == []
    importlib.import_module(f"{package}.inner")
    assert seen == ["hooked_pkg.inner"]


def test_a_cancelled_hook_does_not_run_and_the_others_do(package: str) -> None:
    seen: list[str] = []
    first = when_imported(package, lambda module: seen.append("first"))
    when_imported(package, lambda module: seen.append("second"))

    first.cancel()
    first.cancel()  # twice: nothing more
    importlib.import_module(package)

    assert seen == ["second"]


def test_a_failing_hook_is_logged_and_the_import_goes_on(package: str, caplog: pytest.LogCaptureFixture) -> None:
    def broken(module: ModuleType) -> None:
        raise RuntimeError("broken hook")

    when_imported(package, broken)
    with caplog.at_level(logging.WARNING, logger="otel_llmcost"):
        module = importlib.import_module(package)

    assert module.VALUE == 1
    assert [record.getMessage() for record in caplog.records] == [
        "otel-llmcost: a hook on the import of hooked_pkg failed"
    ]


def test_a_hook_runs_once_in_whichever_thread_imports(package: str) -> None:
    seen: list[str] = []
    when_imported(package, lambda module: seen.append(threading.current_thread().name))

    importer = threading.Thread(target=importlib.import_module, args=(package,), name="importer")
    importer.start()
    importer.join()
    importlib.import_module(package)

    assert seen == ["importer"]


def test_a_missing_module_stays_missing(package: str) -> None:
    hook = when_imported("hooked_pkg_that_is_not_there", lambda module: None)

    with pytest.raises(ModuleNotFoundError, match="hooked_pkg_that_is_not_there"):
        importlib.import_module("hooked_pkg_that_is_not_there")
    hook.cancel()
