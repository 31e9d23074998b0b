"""Ingestion and rendering: a file becomes blocks and sentence segments, and comes back.

``render`` replaces the lines of translated blocks and keeps every other line of the source as
it was, so a document's structure (front matter, code, lists, quotes, blank lines) survives.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from corpora.document import Block, Document
from corpora.formats import SUFFIXES, ReadOptions, WriteContext, make_document
from corpora.inline import expand_references, reference_labels
from corpora.markdown import guard_line_start, parse_markdown
from corpora.plaintext import parse_plaintext
from corpora.textio import read_text, write_atomic

_ATX = re.compile(r"#\s*$")  # an ATX heading's opening: its text does not start a block
def detect_format(path: Path) -> str:
    """Markdown or text, for the line-based readers (``corpora.formats`` knows all formats)."""
    return "markdown" if SUFFIXES.get(path.suffix.lower()) == "markdown" else "text"


def parse_text(text: str, lang: str, name: str, fmt: str) -> Document:
    """Parse a document's text into blocks and sentence segments.

    Args:
        text: The document, with "\\n" line ends.
        lang: Its language code.
        name: A name for messages and output files (usually the file name).
        fmt: "markdown" or "text".
    """
    trailing_newline = text.endswith("\n")
    body = text[:-1] if trailing_newline else text
    blocks = parse_markdown(body) if fmt == "markdown" else parse_plaintext(body)
    if fmt == "markdown" and (refs := reference_labels(body)):  # [x] → [x][x]: see inline.py
        blocks = [replace(b, parts=tuple(expand_references(p, refs) for p in b.parts))
                  for b in blocks]
    return make_document(name, fmt, lang, blocks, body.split("\n"), trailing_newline)


def ingest(path: Path, lang: str) -> Document:
    """Read and parse a plain-text or Markdown file (chosen by its suffix)."""
    return parse_text(read_text(path), lang, path.name, detect_format(path))


def read(path: Path, lang: str, options: ReadOptions) -> Document:
    """The Markdown and plain-text reader of ``corpora.formats``."""
    return ingest(path, lang)


def write(doc: Document, texts: Mapping[int, str], out: Path, context: WriteContext) -> None:
    """The Markdown and plain-text writer of ``corpora.formats``: the translated document, or
    the bilingual edition (``corpora.mdbilingual``)."""
    doc = _front_matter_language(doc, context.tgt_lang)
    if context.edition == "bilingual":
        from corpora.mdbilingual import render_bilingual

        write_atomic(out, render_bilingual(doc, texts, context.src_lang, context.tgt_lang))
    else:
        write_atomic(out, render(doc, texts))


_LANG_KEY = re.compile(
    r"^(\s*(?:lang|language)\s*:\s*)(['\"]?)[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*\2(\s*)$")


def _front_matter_language(doc: Document, lang: str) -> Document:
    """The document with its front matter's ``lang:`` (or ``language:``) set to ``lang``: pandoc
    labels the whole book with it, and the book is now in the target language (the bilingual
    edition marks its source blocks themselves)."""
    front = next((b for b in doc.blocks if b.kind == "front_matter"), None)
    if front is None:
        return doc
    lines = list(doc.lines)
    for i in range(front.start + 1, front.end - 1):
        lines[i] = _LANG_KEY.sub(lambda m: f"{m[1]}{m[2]}{lang}{m[2]}{m[3]}", lines[i])
    return replace(doc, lines=tuple(lines))


def render_block(block: Block, parts: list[str]) -> list[str]:
    """The lines that replace a translated block: its parts with the block's markup around
    them, as `render` writes them."""
    if block.wrap:
        indent = block.prefixes[0]
        return textwrap.wrap(parts[0], width=block.wrap, initial_indent=indent,
                             subsequent_indent=indent, break_long_words=False,
                             break_on_hyphens=False) or [indent]
    if block.sources:
        return _render_markdown(block, parts)
    lines = [f"{prefix}{text}{brk}"
             for prefix, text, brk in zip(block.prefixes, parts, block.breaks, strict=True)]
    return lines + list(block.suffix)


def _render_markdown(block: Block, parts: list[str]) -> list[str]:
    """A Markdown block: one line per changed part, unchanged parts as in the file, the markup
    around them from the source (see ``corpora.markdown``)."""
    texts = []
    for p, (new, old, src) in enumerate(zip(parts, block.parts, block.sources, strict=True)):
        if new == old:
            texts.append(src)
            continue
        text = " ".join(new.split("\n")).strip()
        before = block.breaks[p - 1] if p else block.prefixes[0]
        at_line_start = "\n" in before if p else not _ATX.search(before)
        texts.append(guard_line_start(text) if at_line_start else text)
    body = "".join(f"{prefix}{text}{brk}" for prefix, text, brk
                   in zip(block.prefixes, texts, block.breaks, strict=True))
    return body.split("\n") + list(block.suffix)


def part_texts(doc: Document, texts: Mapping[int, str]) -> dict[tuple[int, int], str]:
    """Join segment texts back into block parts.

    Args:
        doc: The document.
        texts: Text to use per segment index; a segment missing here keeps its source text.
            A segment given "" (its sentence moved into another's bead) leaves no space.
    """
    parts: dict[tuple[int, int], list[str]] = {}
    for i, seg in enumerate(doc.segments):
        text = texts.get(i, seg.text)
        gone = not text and seg.text  # the space after it would double the one before it
        parts.setdefault((seg.block, seg.part), []).append("" if gone else text + seg.trailing)
    return {key: "".join(pieces).rstrip() for key, pieces in parts.items()}


def block_texts(doc: Document, texts: Mapping[int, str]) -> list[str]:
    """The text of each translatable block (parts joined), with the given segment texts."""
    joined = part_texts(doc, texts)
    return [" ".join(text for p, t in enumerate(block.parts) if (text := joined.get((b, p), t)))
            for b, block in enumerate(doc.blocks) if block.translatable]


def render(doc: Document, texts: Mapping[int, str]) -> str:
    """Rebuild the document with the given segment texts in place of the source sentences."""
    joined = part_texts(doc, texts)
    lines = list(doc.lines)
    for b in range(len(doc.blocks) - 1, -1, -1):
        block = doc.blocks[b]
        if not block.translatable:
            continue
        parts = [joined.get((b, p), text) for p, text in enumerate(block.parts)]
        lines[block.start:block.end] = render_block(block, parts)
    return "\n".join(lines) + ("\n" if doc.trailing_newline else "")
