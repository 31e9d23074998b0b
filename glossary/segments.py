"""Aligned segments to check, from whatever a user has: a bitext, an align TSV, a run folder or
a project store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from diglot.errors import ConfigError


@dataclass(frozen=True)
class Segments:
    """Aligned segments to check, and the languages where the input names them."""

    rows: list[tuple[str, str, str]]  # (segment id, source, target)
    source_lang: str | None = None
    target_lang: str | None = None


def read_segments(path: Path) -> Segments:
    """Aligned segments from a bitext TSV, an align TSV, a run folder or a project store.

    A project store (``.db``) gives every finished translation in it; their languages must be
    one pair.

    Raises:
        DataFormatError: A malformed bitext.
        ConfigError: A store with several language pairs, or no translations.
        StoreError: A file that is not a diglot store.
    """
    if path.suffix == ".db" and path.is_file():
        from corpora.store import Store

        with Store.open(path) as store:
            found = store.finished_pairs()
        pairs = sorted({(row[1], row[2]) for row in found})
        if len(pairs) != 1:
            raise ConfigError(f"{path} has translations for {len(pairs)} language pairs "
                              f"({', '.join('→'.join(p) for p in pairs) or 'none'}); check a "
                              "run's bitext or folder instead")
        several = len({(row[0], row[3]) for row in found}) > 1
        rows = [(f"{name}{f' [{key[:6]}]' if several else ''} segment {pos + 1}", src, tgt)
                for name, _, _, key, pos, src, tgt in found]
        return Segments(rows, *pairs[0])
    from evaluation.sources import read_bitext

    bitext = read_bitext(path)
    return Segments([(it.id, it.source, it.target) for it in bitext.items],
                    bitext.source_lang, bitext.target_lang)
