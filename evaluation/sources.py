"""Where QA items come from: a bitext TSV, a run's output folder, a project store, or one
document alone."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpora.document import Document
from corpora.formats import read_document
from corpora.ingest import block_texts
from corpora.plaintext import heading_lines
from corpora.textio import read_lines, read_text
from diglot.errors import ConfigError, DataFormatError, StoreError
from evaluation.qa import Item

if TYPE_CHECKING:
    from corpora.provenance import BitextRef
    from glossary.termbase import TermBase

ALIGN_HEADER = ["src_ids", "tgt_ids", "score", "review", "source", "target"]


@dataclass(frozen=True)
class Bitext:
    """Items to check and the languages, where the input names them."""

    items: list[Item]
    source_lang: str | None = None
    target_lang: str | None = None


def read_bitext(path: Path, src: str | None = None, tgt: str | None = None) -> Bitext:
    """A bitext as QA items.

    Accepts `source<TAB>target` lines (what `diglot run` writes; its name ``NAME.fr-en.tsv``
    gives the languages), the TSV of `diglot align` (with its header), a run's output folder
    (its summary.json names the bitext and the languages) or a project store (see
    `read_store`).

    Args:
        path: The file or folder.
        src: Source language code; chooses the language pair of a store with several.
        tgt: Target language code; likewise.

    Raises:
        DataFormatError: a line without exactly one tab (two columns), naming file and line.
        ConfigError: a store with no bitext, or several language pairs and no choice.
        StoreError: an SQLite file that is not a diglot store, or a newer one.
    """
    if path.is_dir():
        return _run_folder(path)
    if is_store(path):
        return read_store(path, src, tgt)
    exported = read_export(path, src, tgt)
    if exported is not None:
        return exported
    named = languages_from_name(path)
    found = _read_tsv(path)
    return Bitext(found, *named) if named else Bitext(found)


def read_export(path: Path, src: str | None = None, tgt: str | None = None) -> Bitext | None:
    """A corpus file `diglot export` wrote (TSV with its header, or JSONL) as QA items, the
    languages from its first pair; None when the file is not one.

    Raises:
        DataFormatError: as `corpora.tabular_read` (a bad row, naming file and line).
    """
    import json

    from corpora.tabular import COLUMNS

    if path.suffix.lower() not in (".tsv", ".jsonl"):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        first, second = f.readline(), f.readline()
    if path.suffix.lower() == ".tsv":
        if first.rstrip("\r\n").split("\t")[:3] != list(COLUMNS[:3]):
            return None
        header = first.rstrip("\r\n").split("\t")
        row = dict(zip(header, second.rstrip("\r\n").split("\t"), strict=False))
    else:
        try:
            row = json.loads(first) if first.strip() else {}
        except ValueError:
            return None
        if not isinstance(row, dict) or not {"source", "target", "src_lang"} <= row.keys():
            return None
    s, t = src or row.get("src_lang") or "", tgt or row.get("tgt_lang") or ""
    from corpora.tabular_read import read_jsonl, read_tsv

    read = read_tsv if path.suffix.lower() == ".tsv" else read_jsonl
    items = [Item(pair.id, pair.source, pair.target, pair.section)
             for pair in read(path, s, t)]
    return Bitext(items, s or None, t or None)


#: diglot's own bitext names: ``ensayo.es-en.tsv`` (see `diglot.pipeline.output_paths`).
_PAIR_NAME = re.compile(r"\.([a-z]{2,3})-([a-z]{2,3})\.tsv$")


def languages_from_name(path: Path) -> tuple[str, str] | None:
    """The (source, target) codes a bitext's file name gives (``NAME.fr-en.tsv``), or None
    when it gives none or names a language diglot does not know."""
    from translate.langs import resolve

    m = _PAIR_NAME.search(path.name)
    if m is None:
        return None
    try:
        return resolve(m.group(1)).code, resolve(m.group(2)).code
    except ConfigError:
        return None


def _read_tsv(path: Path) -> list[Item]:
    rows = read_lines(path)
    # `diglot align` may put a `# ` summary line before its header.
    top = 1 if len(rows) > 1 and rows[0].startswith("# ") else 0
    if len(rows) > top and rows[top].split("\t") == ALIGN_HEADER:
        items = []
        for n, row in enumerate(rows[top + 1:], start=top + 2):
            cols = _columns(path, n, row, len(ALIGN_HEADER))
            items.append(Item(f"{path.name}:{n}", cols[4], cols[5]))
        return items
    return [Item(f"{path.name}:{n}", *_columns(path, n, row, 2))
            for n, row in enumerate(rows, start=1)]


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


_SQLITE = b"SQLite format 3\x00"


def is_store(path: Path) -> bool:
    """Whether `path` is an SQLite file (a project store, or meant as one)."""
    if not path.is_file():
        return False
    with path.open("rb") as f:
        return f.read(len(_SQLITE)) == _SQLITE


def read_store(path: Path, src: str | None = None, tgt: str | None = None) -> Bitext:
    """Every current bitext of a project store as QA items, with the store's languages.

    A bitext is current when no later run superseded it (``bitexts.superseded_by IS NULL``);
    of documents stored under one name, the latest counts (as `diglot export` chooses them:
    `corpora.provenance.current_bitexts`). Each active bead is one item: its source
    segments' texts and its current text (a reviewer's edit, else the engine's; see
    `corpora.beads.bead_texts`), named ``NAME segment N`` (1-based, as the review shows it),
    under the heading it falls under. All is read in one snapshot, so a review server may go
    on writing.

    Args:
        path: The store (``diglot.db``).
        src: Source language code: chooses among several language pairs.
        tgt: Target language code: likewise.

    Raises:
        StoreError: not a diglot store, or one written by a newer diglot.
        ConfigError: no bitext (in the chosen languages), or several language pairs left.
    """
    from corpora.provenance import current_bitexts

    conn = _open_store(path)
    try:
        conn.execute("BEGIN")
        chosen = _choose(path, current_bitexts(conn), src, tgt)
        items = [item for ref in chosen for item in _bitext_items(conn, ref)]
    finally:
        conn.close()
    return Bitext(items, chosen[0].src_lang, chosen[0].tgt_lang)


def _open_store(path: Path) -> sqlite3.Connection:
    from corpora.schema import migrate

    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            raise StoreError(f"{path}: an SQLite file without diglot's tables, not a project "
                             "store; give the diglot.db a `diglot run` wrote")
        migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: cannot read the store ({exc})") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _code(code: str) -> str:
    from translate.langs import resolve

    return resolve(code).code


def _choose(path: Path, refs: list[BitextRef], src: str | None, tgt: str | None
            ) -> list[BitextRef]:
    """The bitexts in the chosen languages; they must be one language pair."""
    held = ", ".join(sorted({f"{r.src_lang}-{r.tgt_lang}" for r in refs}))
    if not refs:
        raise ConfigError(f"{path}: the store has no aligned bitext; run `diglot run` into it "
                          "first")
    chosen = [r for r in refs if (src is None or r.src_lang == _code(src))
              and (tgt is None or r.tgt_lang == _code(tgt))]
    if not chosen:
        raise ConfigError(f"{path}: no bitext from {src or 'any language'} to "
                          f"{tgt or 'any language'}; the store holds {held}")
    pairs = {(r.src_lang, r.tgt_lang) for r in chosen}
    if len(pairs) > 1:
        raise ConfigError(f"{path}: the store holds several language pairs ({held}); choose "
                          "one with --from and --to")
    return chosen


def _bitext_items(conn: sqlite3.Connection, ref: BitextRef) -> list[Item]:
    """A bitext's active beads as items (beads with no text on either side left out)."""
    from corpora.beads import bead_texts

    texts, section_of = _store_layout(conn, ref.document_id)
    items, section = [], ""
    for bead in bead_texts(conn, ref.id):
        source = " ".join(texts[p] for p in bead.src if p in texts)
        if bead.src:
            section = section_of.get(bead.src[0], section)
        if not source.strip() and not bead.text.strip():
            continue
        where = (f"segment {bead.src[0] + 1}" if len(bead.src) == 1 else
                 f"segments {bead.src[0] + 1}-{bead.src[-1] + 1}" if bead.src else
                 f"bead {bead.id} (no source)")
        items.append(Item(f"{ref.document} {where}", source, bead.text, section))
    return items


def _store_layout(conn: sqlite3.Connection, doc_id: int) -> tuple[dict[int, str], dict[int, str]]:
    """A stored document's segment texts and, per segment, the heading it falls under (a
    heading falls under itself, as in `sections`)."""
    rows = conn.execute(
        "SELECT s.position, s.text, b.position, b.kind FROM segments s JOIN blocks b "
        "ON b.id = s.block_id WHERE s.document_id = ? ORDER BY s.position", (doc_id,)).fetchall()
    headings: dict[int, list[str]] = {}
    for _, text, block, kind in rows:
        if kind == "heading":
            headings.setdefault(block, []).append(text)
    texts, section_of, section, last_block = {}, {}, "", None
    for position, text, block, _ in rows:
        if block != last_block and block in headings:
            section = " ".join(headings[block]).strip("#* ")
        texts[position], section_of[position], last_block = text, section, block
    return texts, section_of


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
    doc = read_document(path, lang)
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
