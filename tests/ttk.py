"""Translate Toolkit as a real TMX/XLIFF client, run in its own virtual environment.

translate-toolkit's package is named ``translate``, as is diglot's engines folder, so the two
cannot share an environment: ``.ci/setup-test`` installs the toolkit into ``.venv-ttk`` and
the tests run it there as a subprocess (``python -P``: the repository's own ``translate/`` is
not put on its path).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(os.environ.get("DIGLOT_TTK_PYTHON", ROOT / ".venv-ttk" / "bin" / "python"))

_READ = r"""
import json, sys
from translate.storage import factory
head = open(sys.argv[1], "rb").read(2000)
if b'version="2.' in head and b"xliff" in head:  # the factory would pick its XLIFF 1 class
    from translate.storage.xliff2 import Xliff2File
    store = Xliff2File.parsefile(sys.argv[1])
else:
    store = factory.getobject(sys.argv[1])
units = [u for u in store.units if not u.isheader()]
print(json.dumps({
    "class": type(store).__name__,
    "source_lang": getattr(store, "sourcelanguage", None),
    "target_lang": getattr(store, "targetlanguage", None),
    "units": [{"source": u.source, "target": u.target, "id": u.getid()} for u in units],
}))
"""


def needs_ttk() -> None:
    """Skip the calling test when the toolkit's environment is missing."""
    if not PYTHON.is_file():
        pytest.skip(f"translate-toolkit not installed at {PYTHON}: run `bash .ci/setup-test` "
                    "(it makes .venv-ttk) or set DIGLOT_TTK_PYTHON")


def read_with_ttk(path: Path) -> dict[str, Any]:
    """Open a TMX or XLIFF file with Translate Toolkit's storage factory (its XLIFF 2 class
    for XLIFF 2, which the factory does not choose by itself).

    Returns:
        ``{"class", "source_lang", "target_lang", "units": [{"source", "target", "id"}]}``.
    """
    needs_ttk()
    done = subprocess.run([str(PYTHON), "-P", "-c", _READ, str(path)], capture_output=True,
                          text=True, timeout=300, cwd=path.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    data: dict[str, Any] = json.loads(done.stdout)
    return data
