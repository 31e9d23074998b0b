"""Where QA items come from: a bitext TSV, a run's output folder, or one document alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from corpora.document import Document
from corpora.ingest import detect_format, parse_text, part_texts
from corpora.textio import read_text
from diglot.errors import ConfigError, DataFormatError
from evaluation.qa import Item

ALIGN_HEADER = ["src_ids", "tgt_ids", "score", "review", "source", "target"]


@dataclass(frozen=True)
class Bitext:
    """Items to check and the languages, where the input names them."""

    items: list[Item]
    source_lang: str | None = None
    target_lang: str | None = None


def read_bitext(path: Path) -> Bitext:
    """A bitext as QA items.

    Accepts `source<TAB>target` lines (what `diglot run` writes), the TSV of `diglot align`
    (with its header), or a run's output folder (its summary.json names the bitext and the
    languages).

    Raises:
        DataFormatError: a line without exactly one tab (two columns), naming file and line.
    """
    if path.is_dir():
        return _run_folder(path)
    rows = read_text(path).splitlines()
    if rows and rows[0].split("\t") == ALIGN_HEADER:
        items = []
        for n, row in enumerate(rows[1:], start=2):
            cols = _columns(path, n, row, len(ALIGN_HEADER))
            items.append(Item(f"{path.name}:{n}", cols[4], cols[5]))
        return Bitext(items)
    return Bitext([Item(f"{path.name}:{n}", *_columns(path, n, row, 2))
                   for n, row in enumerate(rows, start=1)])


def _columns(path: Path, line: int, row: str, want: int) -> list[str]:
    cols = row.split("\t")
    if len(cols) != want:
        raise DataFormatError(path, line, f"has {len(cols)} tab-separated columns, expected "
                              f"{want}; give source<TAB>target with no tabs inside a segment")
    return cols


def _run_folder(path: Path) -> Bitext:
    summary_path = path / "summary.json"
    if not summary_path.is_file():
        raise ConfigError(f"{path} is not a diglot run folder (no summary.json); give the "
                          "folder `diglot run --out` wrote, or a bitext TSV")
    try:
        summary = json.loads(read_text(summary_path))
        bitext = Path(summary["outputs"]["bitext"])
    except (ValueError, KeyError) as exc:
        raise DataFormatError(summary_path, None, f"is not a diglot summary ({exc}); run "
                              "`diglot run` again to rewrite it") from None
    if not bitext.is_absolute() and not bitext.exists():
        bitext = path / bitext.name
    found = read_bitext(bitext)
    return Bitext(found.items, summary.get("source_lang"), summary.get("target_lang"))


def document_items(doc: Document, texts: dict[int, str]) -> list[Item]:
    """One item per translated segment of a document, named by its source line, with the
    heading it falls under as its section."""
    section, sections = "", {}
    for b, block in enumerate(doc.blocks):
        if block.kind == "heading":
            section = " ".join(block.parts).strip("#* ")
        sections[b] = section
    items = []
    counts: dict[int, int] = {}
    for k, seg in enumerate(doc.segments):
        if k not in texts or not seg.translate:
            continue
        block = doc.blocks[seg.block]
        counts[seg.block] = counts.get(seg.block, 0) + 1
        items.append(Item(f"line {block.start + 1 + seg.part}.{counts[seg.block]}", seg.text,
                          texts[k], sections[seg.block]))
    return items


def target_paragraphs(path: Path, lang: str) -> list[Item]:
    """The paragraphs of one document, for target-only QA (source left empty)."""
    doc = parse_text(read_text(path), lang, path.name, detect_format(path))
    joined = part_texts(doc, {})
    items, section = [], ""
    for b, block in enumerate(doc.blocks):
        if not block.translatable:
            continue
        text = " ".join(joined.get((b, p), t) for p, t in enumerate(block.parts))
        if block.kind == "heading":
            section = text
        items.append(Item(f"{path}:{block.start + 1}", "", text, section))
    return items

