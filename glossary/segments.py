"""Aligned segments to check, from whatever a user has: a bitext, an align TSV, a run folder or
a project store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Segments:
    """Aligned segments to check, and the languages where the input names them."""

    rows: list[tuple[str, str, str]]  # (segment id, source, target)
    source_lang: str | None = None
    target_lang: str | None = None


def read_segments(path: Path, src: str | None = None, tgt: str | None = None) -> Segments:
    """Aligned segments from a bitext TSV, an align TSV, a run folder or a project store.

    A project store (``diglot.db``) gives the active beads of every current bitext with their
    current texts (reviewers' edits included), as `diglot qa` reads it
    (`evaluation.sources.read_store`); a bitext named ``NAME.fr-en.tsv`` gives its languages.

    Args:
        path: The file or folder.
        src: Source language code: chooses the language pair of a store with several.
        tgt: Target language code: likewise.

    Raises:
        DataFormatError: A malformed bitext.
        ConfigError: A store with several language pairs and no choice, or no bitext.
        StoreError: An SQLite file that is not a diglot store.
    """
    from evaluation.sources import read_bitext

    bitext = read_bitext(path, src, tgt)
    return Segments([(it.id, it.source, it.target) for it in bitext.items],
                    bitext.source_lang, bitext.target_lang)
