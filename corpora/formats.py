"""Book formats: which reader and writer a file gets, chosen in this one place.

Every format is one module with one reader and one writer around ``corpora.document``'s model
(STYLE 13, as pandoc's readers and writers around one AST):

- ``read(path, lang, options) -> Document``: the blocks in reading order, each block's text in
  ``parts``, sentence segments made by `make_document`. Inline markup inside a part is written
  as HTML inline tags (``<em>…</em>``, ``<a href="…">…</a>``, ``<br/>``) for every format that is
  not Markdown, so the engines' placeholders (``corpora.inline``), the review and the TMX
  export treat it as they treat inline HTML in Markdown.
- ``write(doc, texts, out, context)``: the same book with each segment's text from ``texts``
  (a segment missing there keeps its source text), written atomically to ``out``. A writer of
  a container format reads ``context.source`` again and walks it in the reader's order, so
  nothing the reader did not hand out (styles, images, fonts, ids) can change. A writer may
  return the other files it wrote beside ``out`` (or None).

The pipeline only calls `read_document` and `write_document`. Heavy or optional libraries
(python-docx, mwparserfromhell) are imported by the format's module, which is imported only
when a file of that format is read or written.
"""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from corpora.document import Block, Document, Segment
from diglot.errors import ConfigError, DataFormatError

#: Format name → the module that reads and writes it (imported when first needed).
FORMATS: dict[str, str] = {
    "markdown": "corpora.ingest",
    "text": "corpora.ingest",
    "html": "corpora.html",
    "epub": "corpora.epub",
    "docx": "corpora.docx",
    "wikitext": "corpora.wikitext",
}

#: File name suffix → format. Anything else is plain text.
SUFFIXES: dict[str, str] = {
    ".md": "markdown", ".markdown": "markdown", ".mdown": "markdown", ".mkd": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".epub": "epub",
    ".docx": "docx",
    ".wiki": "wikitext", ".mediawiki": "wikitext", ".wikitext": "wikitext",
}

#: Formats with a bilingual edition (source and translation block by block).
BILINGUAL = frozenset({"markdown", "text", "html", "epub"})

EDITIONS = ("translated", "bilingual", "both")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: old .doc, or an encrypted OOXML


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may be asked besides the path and language.

    Attributes:
        wiki_params: Template parameters whose values are translated in wikitext
            (``--wiki-translate-params quote,text``); every other parameter is kept.
    """

    wiki_params: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WriteContext:
    """What a writer needs to know about the run that made the translation.

    Attributes:
        source: The input file the document was read from (read again by container writers).
        src_lang: Source language code (BCP 47 as given to the run: ``en``).
        tgt_lang: Target language code.
        edition: "translated" (the book in the target language) or "bilingual" (source and
            translation block by block, the source marked with its ``lang``).
        engine: The engine's name (``apertium``), for the book's contributor entry.
        model: The model or language pair the engine used, or None.
        modified: When the translation was written (UTC), for the book's modified date.
        generator: The tool and its version (``diglot 0.1.0``).
        wiki_params: The template parameters the reader translated (`ReadOptions`), so the
            wikitext writer walks the page as the reader did.
    """

    source: Path
    src_lang: str
    tgt_lang: str
    edition: str = "translated"
    engine: str = ""
    model: str | None = None
    modified: datetime = datetime(1970, 1, 1, tzinfo=timezone.utc)
    generator: str = "diglot"
    wiki_params: frozenset[str] = frozenset()


class BookFormat(Protocol):
    """What a format module provides (module-level functions)."""

    def read(self, path: Path, lang: str, options: ReadOptions) -> Document: ...

    def write(self, doc: Document, texts: Mapping[int, str], out: Path,
              context: WriteContext) -> list[Path] | None: ...


def detect_format(path: Path) -> str:
    """The format of a file: by its suffix, and by its first bytes for what is a zip or an
    old Office file whatever its name.

    Raises:
        DataFormatError: An old binary Word file (.doc) or an encrypted Office file.
    """
    fmt = SUFFIXES.get(path.suffix.lower(), "text")
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return fmt  # the reader reports what is wrong with the path
    if head == _OLE:
        raise DataFormatError(
            path, None,
            "is a password-protected (encrypted) Office file or an old binary .doc; remove the "
            "password, or save it as .docx (Word, or: libreoffice --headless --convert-to docx "
            f"{path.name}), and run again")
    if head.startswith(b"PK\x03\x04") and fmt in ("text", "markdown"):
        return _zip_kind(path) or fmt
    return fmt


def _zip_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names and zf.read("mimetype").strip() == b"application/epub+zip":
                return "epub"
            if "word/document.xml" in names:
                return "docx"
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def module(fmt: str) -> BookFormat:
    """The reader/writer module of a format name."""
    try:
        return importlib.import_module(FORMATS[fmt])  # type: ignore[return-value,unused-ignore]
    except KeyError:
        raise ConfigError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}") from None


def read_document(path: Path, lang: str, options: ReadOptions | None = None) -> Document:
    """Read any supported file into blocks and sentence segments.

    Raises:
        DataFormatError: The file cannot be read as its format (the message names the file,
            the line or member, and what to do).
    """
    return module(detect_format(path)).read(path, lang, options or ReadOptions())


def write_document(doc: Document, texts: Mapping[int, str], out: Path,
                   context: WriteContext) -> list[Path]:
    """Write the translated (or bilingual) book in the source's format, atomically.

    Returns:
        The files written: ``out``, then any companion a format writes beside it (an EPUB's
        bilingual edition also comes as one HTML page for the browser).

    Raises:
        ConfigError: A bilingual edition of a format that has none.
        DataFormatError: The source file changed since it was read.
    """
    check_edition(doc.format, context.edition, doc.name)
    extra = module(doc.format).write(doc, texts, out, context)
    return [out, *(extra or [])]


def check_edition(fmt: str, edition: str, name: str | Path) -> None:
    """Refuse a bilingual edition (``bilingual`` or ``both``) of a format that has none.

    Raises:
        ConfigError: Naming the file and the editions there are.
    """
    if edition != "translated" and fmt not in BILINGUAL:
        raise ConfigError(
            f"{name}: a bilingual edition is made for EPUB, HTML, Markdown and text, not "
            f"{fmt}; use --edition translated")


def make_document(name: str, fmt: str, lang: str, blocks: Sequence[Block],
                  lines: Sequence[str] = (), trailing_newline: bool = True,
                  meta: Mapping[str, str] | Sequence[tuple[str, str]] = ()) -> Document:
    """A document from its blocks: each translatable part cut into sentence segments.

    Args:
        name: The file name.
        fmt: The format name.
        lang: The source language (the sentence splitter's rules).
        blocks: The blocks in reading order.
        lines: The source lines of a line-based format.
        trailing_newline: Whether a line-based source ends with a line break.
        meta: Metadata the source declares (``corpora.meta`` field names), as a mapping or
            as pairs (a repeated ``authors`` pair is one author each).
    """
    from corpora.inline import has_words
    from corpora.splitter import split_sentences

    segments: list[Segment] = []
    for b, block in enumerate(blocks):
        if not block.translatable:
            continue
        for p, part in enumerate(block.parts):
            for pos, (sentence, trailing) in enumerate(split_sentences(part, lang)):
                segments.append(Segment(b, p, pos, sentence, trailing, has_words(sentence)))
    return Document(name, fmt, lang, tuple(lines), tuple(blocks), tuple(segments),
                    trailing_newline,
                    tuple(meta.items() if isinstance(meta, Mapping) else meta))


def block_parts(doc: Document, texts: Mapping[int, str]) -> list[tuple[str, ...]]:
    """Each block's parts with the given segment texts (``texts`` as `write_document`'s):
    what a writer puts in place of the block's source parts, shape [block][part]."""
    from corpora.ingest import part_texts

    joined = part_texts(doc, texts)
    return [tuple(joined.get((b, p), text) for p, text in enumerate(block.parts))
            if block.translatable else block.parts for b, block in enumerate(doc.blocks)]


def output_suffix(fmt: str, path: Path) -> str:
    """The suffix a written book keeps: the input's own (``.xhtml`` stays ``.xhtml``)."""
    return path.suffix or (".txt" if fmt == "text" else "")
