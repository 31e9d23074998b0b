"""Shared fixtures: real files, real SQLite, real Apertium; shared data skips when absent."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "diglot" / "samples" / "ensayo.es.md"
SAMPLE_REF = ROOT / "diglot" / "samples" / "ensayo.en.md"

needs_apertium = pytest.mark.skipif(
    shutil.which("apertium-wblank-mode") is None,
    reason="Apertium is not installed (apt-get install apertium apertium-eng-spa apertium-fr-es)")
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/data is absent (it is beside the project in CI only)")


@pytest.fixture
def long_doc(tmp_path: Path) -> Path:
    """A Spanish Markdown book of ~600 segments built from the sample, for resume tests."""
    body = SAMPLE.read_text(encoding="utf-8")
    # every sentence unique (the translation memory would send a repeated one only once)
    chapters = [re.sub(r"\.(\s)", rf" en {1800 + i}.\1",
                       body.replace("# El trabajo y la lengua", f"# Capítulo {i}"))
                for i in range(30)]
    path = tmp_path / "libro.es.md"
    path.write_text("\n".join(chapters), encoding="utf-8")
    return path
