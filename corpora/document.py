"""Records for an ingested document: its blocks in order and their sentence segments."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Block kinds whose text is translated; everything else is copied verbatim. Beyond Markdown's:
#: a table cell, a figure or table caption, a foot- or endnote, a navigation label (EPUB NCX),
#: a document title (HTML ``<title>``, EPUB ``dc:title``) and an attribute meant for people
#: (``alt``, ``title``).
TEXT_KINDS = frozenset({"heading", "paragraph", "list_item", "quote", "cell", "caption", "note",
                        "label", "title", "attribute"})


@dataclass(frozen=True)
class Block:
    """One structural unit of a document, located by its source lines.

    Attributes:
        kind: heading, paragraph, list_item, quote (translated) or code, html, rule, table,
            front_matter (copied verbatim).
        start: First source line, 0-based.
        end: One past the last source line.
        level: Heading level, or nesting depth of the container (lists, quotes).
        parts: The text to translate, one entry per hard-broken line. In Markdown a part may
            span several source lines (soft breaks), joined here with single spaces.
        prefixes: The source before each part: its line's markup ("# ", "> ", "  - ",
            indentation) for the first part; "" for a Markdown part that follows a hard break
            (that break's markup ends the previous part's ``breaks`` entry).
        breaks: The source after each part up to the next part, or to the end of the block for
            the last: a hard break ("  ", "\\", "<br>") with the line end and the next line's
            markup, a heading's closing "#"s or setext underline, or "".
        suffix: Source lines kept verbatim after the parts (Markdown keeps a setext underline
            in ``breaks``).
        wrap: Plain text that was hard-wrapped at this width is re-wrapped; 0 means one line.
        sources: Markdown only: each part as it stands in the file (with its soft line breaks
            and continuation markup), written back when the part's text is unchanged, so that
            an untranslated document renders byte for byte.
        file: For a book of several files (EPUB, DOCX), the member the block is in
            (``OEBPS/text/chapter-1.xhtml``, ``word/footnotes.xml``); "" for a single file.
            ``start`` and ``end`` are lines of that member (1-based line - 1, as lxml's
            ``sourceline`` - 1), or of the file itself.
    """

    kind: str
    start: int
    end: int
    level: int = 0
    parts: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()
    suffix: tuple[str, ...] = ()
    wrap: int = 0
    sources: tuple[str, ...] = ()
    file: str = ""

    @property
    def translatable(self) -> bool:
        return self.kind in TEXT_KINDS and any(p.strip() for p in self.parts)


@dataclass(frozen=True)
class Segment:
    """A sentence of a block part, the unit sent to an engine.

    Attributes:
        block: Index of the block in the document.
        part: Index of the part within the block.
        position: Order of the sentence within the part.
        text: The sentence with its inline Markdown, without surrounding whitespace.
        trailing: Whitespace that followed it in the source, restored in the output.
        translate: False for sentences with nothing to translate (numbers, references, URLs).
    """

    block: int
    part: int
    position: int
    text: str
    trailing: str = ""
    translate: bool = True


@dataclass(frozen=True)
class Document:
    """A parsed document: the source lines and the blocks that cover its text.

    Attributes:
        name: The file name, for messages and the store.
        format: A name in ``corpora.formats.FORMATS`` (markdown, text, html, epub, docx,
            wikitext).
        lang: The source language code.
        lines: The source lines of a line-based format (Markdown, text); () for the others,
            whose writers read the source file again.
        blocks: The structural units, in reading order.
        segments: The sentences of the translatable blocks, in order.
        trailing_newline: Whether a line-based source ended with a line break.
        meta: Metadata the source itself declares, as ``corpora.meta`` field names and
            values (title, authors, source, license...): an EPUB's OPF, a DOCX's core
            properties, an HTML page's ``<meta>``. Markdown front matter is read from
            ``lines`` instead.
    """

    name: str
    format: str
    lang: str
    lines: tuple[str, ...]
    blocks: tuple[Block, ...]
    segments: tuple[Segment, ...] = field(default=())
    trailing_newline: bool = True
    meta: tuple[tuple[str, str], ...] = ()
