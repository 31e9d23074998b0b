"""Where QA items come from: a bitext TSV, a run's output folder, or one document alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpora.document import Document
from corpora.ingest import block_texts, detect_format, parse_text
from corpora.plaintext import heading_lines
from corpora.textio import read_lines, read_text
from diglot.errors import ConfigError, DataFormatError
from evaluation.qa import Item

if TYPE_CHECKING:
    from glossary.termbase import TermBase

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
    rows = read_lines(path)
    # `diglot align` may put a `# ` summary line before its header.
    top = 1 if len(rows) > 1 and rows[0].startswith("# ") else 0
    if len(rows) > top and rows[top].split("\t") == ALIGN_HEADER:
        items = []
        for n, row in enumerate(rows[top + 1:], start=top + 2):
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


def read_run_json(run: Path, name: str) -> dict[str, Any]:
    """One of the JSON files `diglot run` writes into its folder (summary, evaluation).

    Raises:
        ConfigError: the file is missing, so the folder is not a run folder.
        DataFormatError: the file is not valid JSON.
    """
    path = run / f"{name}.json"
    if not path.is_file():
        raise ConfigError(f"{run} has no {path.name}: it is not a diglot run folder; give the "
                          "folder `diglot run --out` wrote (run it again to add what is "
                          "missing)")
    try:
        data: dict[str, Any] = json.loads(read_text(path))
    except ValueError as exc:
        raise DataFormatError(path, None, f"is not valid JSON ({exc}); run `diglot run` "
                              "again to rewrite it") from None
    return data


def _run_folder(path: Path) -> Bitext:
    summary = read_run_json(path, "summary")
    try:
        bitext = Path(summary["outputs"]["bitext"])
    except (TypeError, KeyError) as exc:
        raise DataFormatError(path / "summary.json", None, f"is not a diglot summary (no "
                              f"{exc}); run `diglot run` again to rewrite it") from None
    if not bitext.is_absolute() and not bitext.exists():
        bitext = path / bitext.name
    found = read_bitext(bitext)
    return Bitext(found.items, summary.get("source_lang"), summary.get("target_lang"))


def sections(doc: Document) -> list[str]:
    """For each block, the text of the heading it falls under ("" before the first).

    Plain text has no heading markup: its headings are the lines `heading_lines` finds.
    """
    titles = heading_lines(doc.lines) if doc.format == "text" else {}
    section, out = "", []
    for block in doc.blocks:
        if block.kind == "heading":
            section = " ".join(block.parts).strip("#* ")
        elif block.start in titles:
            section = titles[block.start]
        out.append(section)
    return out


def document_items(doc: Document, texts: dict[int, str]) -> list[Item]:
    """One item per translated segment of a document, named by its source line, with the
    heading it falls under as its section."""
    under = sections(doc)
    items = []
    counts: dict[int, int] = {}
    for k, seg in enumerate(doc.segments):
        if k not in texts or not seg.translate:
            continue
        block = doc.blocks[seg.block]
        counts[seg.block] = counts.get(seg.block, 0) + 1
        items.append(Item(f"line {block.start + 1 + seg.part}.{counts[seg.block]}", seg.text,
                          texts[k], under[seg.block]))
    return items


def target_paragraphs(path: Path, lang: str) -> list[Item]:
    """The paragraphs of one document, for target-only QA (source left empty)."""
    doc = parse_text(read_text(path), lang, path.name, detect_format(path))
    under = sections(doc)
    found = [(b, block) for b, block in enumerate(doc.blocks) if block.translatable]
    return [Item(f"{path}:{block.start + 1}", "", text, under[b])
            for (b, block), text in zip(found, block_texts(doc, {}), strict=True)]


def read_keep(path: Path) -> tuple[str, ...]:
    """A keep list: texts that stay as they are (names, titles, mottos), one a line.

    Blank lines and lines starting with ``#`` are skipped; lines are split on ``\\n`` only.

    Raises:
        DataFormatError: a line holds a tab (a bitext given by mistake?), naming the line.
    """
    out = []
    for n, line in enumerate(read_text(path).split("\n"), start=1):
        text = line.strip()
        if "\t" in text:
            raise DataFormatError(path, n, "holds a tab; a keep list has one text a line "
                                  "(give the bitext as the first argument)")
        if text and not text.startswith("#"):
            out.append(text)
    return tuple(dict.fromkeys(out))


def kept_terms(base: TermBase) -> tuple[str, ...]:
    """A term base's do-not-translate terms (its `dnt` column), as a keep list."""
    return tuple(dict.fromkeys(form for t in base.terms if t.dnt
                               for form in (t.source, *t.targets)))
