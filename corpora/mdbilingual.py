"""The bilingual edition of a Markdown or plain-text document: source and translation block by
block.

Markdown. Every translatable block is written twice, the source marked with its language (so
screen readers read it with the right voice and browsers hyphenate it by the right rules) and
the translation as ``corpora.ingest.render`` writes it; every other line (front matter, code,
tables, HTML blocks, rules, link reference definitions, blank lines) is written once, where it
stands in the source. The output is CommonMark and pandoc Markdown at once:

- A top-level paragraph, or a block quote that is one paragraph, is put in an HTML block
  ``<div lang="es" class="diglot-source">`` with blank lines around its Markdown, then the
  translation follows. Pandoc reads the div natively (``native_divs``); CommonMark ends the
  HTML block at the blank line and parses the Markdown inside as Markdown.
- A heading: the translated heading comes first and stays the heading; the source heading
  follows as an emphasised paragraph in a ``diglot-source diglot-heading`` div. Only one
  heading per pair keeps the outline (table of contents, screen-reader heading navigation,
  ids) single, and the source title after its heading stays in the heading's section: pandoc
  cuts EPUB chapters and ``--section-divs`` sections at headings, so a source title written
  before the heading would end the previous chapter.
- A block inside a list or a block quote of several blocks is paired in place, so the list
  stays one list with the same items: the source as the block's first paragraph with its text
  in ``<span lang="es" class="diglot-source">``, a blank line, then the translation as a
  second paragraph at the container's indentation.

Link reference definitions are document-wide in CommonMark and pandoc, so, kept once, they
resolve for both texts. A block whose translation is its source text (a number, an image, a
name) is written once.

Plain text has no markup for a language, so a pair is the source paragraph, a blank line and
the translated paragraph, set off from the next by a blank line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import replace

from corpora.document import Block, Document
from corpora.ingest import part_texts, render_block
from corpora.markdown import front_matter_end

_LIST_MARKER = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)")
_ATX_MARKER = re.compile(r"#{1,6}[ \t]*$")
_NOTE = re.compile(r"\[\^[^\]\s]+\]:[ \t]*")  # a pandoc footnote definition's label
_CONTAINERS = frozenset({"blockquote_open", "bullet_list_open", "ordered_list_open"})


def render_bilingual(doc: Document, texts: Mapping[int, str], src_lang: str,
                     tgt_lang: str) -> str:
    """The bilingual edition of a Markdown or plain-text document.

    Args:
        doc: The source document (``corpora.ingest.parse_text``).
        texts: Translated text per segment index, as for ``corpora.ingest.render``; a segment
            missing here keeps its source text.
        src_lang: The source language code, written in ``lang`` attributes (Markdown).
        tgt_lang: The target language code. The translation is the document's main text, so
            it carries no markup; kept for the writers' common signature.

    Returns:
        The document's text, ending with a line break when the source did.
    """
    joined = part_texts(doc, texts)
    inner = _inner_lines(doc) if doc.format == "markdown" else set()
    out: list[str] = []
    pos = 0
    for b, block in enumerate(doc.blocks):
        if not block.translatable:
            continue
        parts = [joined.get((b, p), text) for p, text in enumerate(block.parts)]
        if parts == list(block.parts):
            continue  # nothing to pair: the block stays in the copied lines
        out += doc.lines[pos:block.start]
        follows = block.end < len(doc.lines) and bool(doc.lines[block.end].strip())
        if block.start in inner:
            out += _inner_pair(block, parts, src_lang, follows)
            pos = block.end
            continue
        if out and out[-1].strip() and block.kind != "heading":
            out.append("")  # pandoc reads a line right above a div as a bare line
        if doc.format == "markdown":
            out += _top_pair(doc, block, parts, src_lang)
        else:  # plain text has no markup for a language
            out += [*doc.lines[block.start:block.end], "", *render_block(block, parts)]
        if follows and (doc.format != "markdown" or block.kind == "heading"):
            out.append("")  # the next line stays out of the div and off the pair
        pos = block.end
    out += doc.lines[pos:]
    return "\n".join(out) + ("\n" if doc.trailing_newline else "")


def _top_pair(doc: Document, block: Block, parts: list[str], lang: str) -> list[str]:
    """A top-level block: its source in a div marked with the language, and its translation
    (for a heading: the translated heading, then the source as a paragraph)."""
    note = _NOTE.match(block.sources[0]) if block.kind == "paragraph" and block.sources else None
    if note and (label := _NOTE.match(parts[0])) and label.group().strip() == note.group().strip():
        return _note_pair(block, parts, lang, note.group(), len(label.group()))
    translated = render_block(block, parts)
    if block.kind == "heading":
        source = _source_lines(block, "", "<em>", "</em>")
        return [*translated, "", *_div(lang, "diglot-source diglot-heading", source)]
    source = list(doc.lines[block.start:block.end])
    return [*_div(lang, "diglot-source", source), "", *translated]


def _note_pair(block: Block, parts: list[str], lang: str, label: str, cut: int) -> list[str]:
    """A pandoc footnote definition (``[^1]: text``), paired inside the note: its source in a
    span marked with the language, a hard line break, and the translation without the label.
    Pandoc keeps only one definition of a label, so a source definition of its own would be
    lost; CommonMark, which has no notes, reads one paragraph."""
    text = replace(block, sources=(block.sources[0][len(label):], *block.sources[1:]))
    span = f'<span lang="{html.escape(lang)}" class="diglot-source">'
    source = _source_lines(text, block.prefixes[0] + label, span, "</span>")
    translated = render_block(replace(block, prefixes=("", *block.prefixes[1:])),
                               [parts[0][cut:], *parts[1:]])
    return [*source[:-1], source[-1] + "\\", *translated]


def _div(lang: str, classes: str, lines: list[str]) -> list[str]:
    opener = f'<div lang="{html.escape(lang)}" class="{classes}">'
    return [opener, "", *lines, "", "</div>"]


def _inner_pair(block: Block, parts: list[str], lang: str, follows: bool) -> list[str]:
    """A block inside a list or block quote, paired in place: the source as a paragraph with
    its text in a span marked with the language, a blank line of the container, and the
    translation as the next paragraph of the same container. A heading's source paragraph
    comes after it, set off from a following line (``follows``) by a blank line."""
    first = block.prefixes[0]
    heading = block.kind == "heading"
    outer = _ATX_MARKER.sub("", first) if heading else first  # a list marker stays first
    cont = _continuation(outer)
    span = f'<span lang="{html.escape(lang)}" class="diglot-source">'
    if heading:
        translated = render_block(block, parts)
        source = _source_lines(block, cont, span + "<em>", "</em></span>")
        return [*translated, cont.rstrip(), *source, *[cont.rstrip()] * follows]
    source = _source_lines(block, first, span, "</span>")
    translated = render_block(replace(block, prefixes=(cont, *block.prefixes[1:])), parts)
    return [*source, cont.rstrip(), *translated]


def _source_lines(block: Block, prefix: str, opener: str, closer: str) -> list[str]:
    """The block's source text as a paragraph after ``prefix``, between ``opener`` and
    ``closer``: its parts as in the file with the breaks between them; a heading's markers
    (the ``#``s, a setext underline) are left out."""
    sources = list(block.sources)
    if sources[-1].endswith("\\"):
        sources[-1] += " "  # a final backslash would escape the closer's "<"
    sources[0] = opener + sources[0]
    sources[-1] += closer
    breaks = block.breaks[:-1] + ("",) if block.kind == "heading" else block.breaks
    shaped = replace(block, prefixes=(prefix, *block.prefixes[1:]), breaks=breaks,
                     sources=tuple(sources))
    return render_block(shaped, list(block.parts))  # unchanged parts: written from sources


def _continuation(prefix: str) -> str:
    """The markup that continues a container after a line's prefix: block quote markers and
    indentation kept, list markers turned into spaces of their width."""
    out = []
    i = 0
    while i < len(prefix):
        if prefix[i] in "> \t":
            out.append(prefix[i])
            i += 1
        elif marker := _LIST_MARKER.match(prefix, i):
            out.append(" " * len(marker.group()))
            i = marker.end()
        else:
            break
    return "".join(out)


def _inner_lines(doc: Document) -> set[int]:
    """The lines of the blocks to pair in place: those in a list, or in a block quote that is
    more than one paragraph. Found with markdown-it's CommonMark parser, as the reader's."""
    from markdown_it import MarkdownIt

    lines = list(doc.lines)
    fm = front_matter_end(lines)
    body = "\n" * fm + "\n".join(lines[fm:])
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    starts = {block.start: block for block in doc.blocks}
    inner: set[int] = set()
    for tok in tokens:
        if tok.level != 0 or not tok.map or tok.type not in _CONTAINERS:
            continue
        a, b = tok.map
        whole = starts.get(a)
        if (tok.type == "blockquote_open" and whole and whole.kind == "quote"
                and whole.level == 1 and whole.end == b):
            continue  # a quote of one paragraph is paired whole, like a paragraph
        inner.update(range(a, b))
    return inner
