"""What the tests of the repository's scripts (scripts/*.py) share: a file imported as a module of its own.

No tests here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


def load(name: str, path: Path) -> Any:
    """The file ``path`` imported as the module ``name``, which ``sys.modules`` holds (dataclasses look their
    module up there)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
