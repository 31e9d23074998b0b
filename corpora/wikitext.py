"""MediaWiki wikitext (``.wiki``, ``.mediawiki``, ``.wikitext``): reader and writer.

The page is parsed with mwparserfromhell, which keeps every character (``str(tree)`` is the
source), so each node's offset in the source is the sum of what comes before it. The blocks are
the text of headings, paragraphs (consecutive lines, as MediaWiki joins them), list items
(``*``, ``#``, ``:``, ``;``), table cells and captions, ``<ref>`` contents (notes), image
captions (``[[File:…|…|caption]]``, ``<gallery>`` lines; ``alt=`` as an attribute), ``<poem>``
lines, the content of HTML block elements (``<blockquote>`` as a quote, ``<li>``, ``<div>``...)
and the values of the template parameters the run names (``--wiki-translate-params
quote,text``: a quotation when the template or the parameter is named for one, else a
paragraph). Templates, magic words, comments, ``<nowiki>``, ``<math>``, ``<pre>``,
``<syntaxhighlight>``, categories, interlanguage links, preformatted lines and everything else
stay as they are.

Each block is a range of the source; its part is its inline wikitext as HTML-like tags
(``corpora.wikitext_inline``). The writer parses the source again, walks it the same way and
replaces each block's range with its translated part turned back into wikitext; everything
between blocks is copied byte for byte, and a block whose part is unchanged is copied too, so
an untranslated page comes out identical. In-page links (``[[#Legacy|below]]``) are pointed at
the translated heading (``[[#Legado|abajo]]``), MediaWiki's anchor being the heading's text.

A page with markup mwparserfromhell could not close (an unclosed ``{{``, ``[[`` or
``<ref>``) is refused with its line: translated, such debris would have its template's name
and parameter names translated and lines joined, and where its closer is cannot be known.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpora.document import Block, Document
from corpora.formats import ReadOptions, WriteContext, block_parts, make_document
from corpora.textio import atomic_output, read_text
from corpora.wikitext_inline import (
    CONTAINERS,
    VERBATIM_TEXT,
    Construct,
    InlineReader,
    Item,
    Part,
    items_of,
    link_kind,
    tag_name,
    to_wikitext,
    wiki_markup,
)
from diglot.errors import DataFormatError

_LIST = frozenset("*#:;")
_CELL = frozenset({"|", "||", "!", "!!"})
_IMAGE_OPTION = re.compile(
    r"\s*(?:thumb|thumbnail|frame|framed|frameless|border|left|right|center|centre|none"
    r"|baseline|sub|super|top|text-top|middle|bottom|text-bottom|upright(?:\s*=?\s*[\d.]*)"
    r"|\d*(?:x\d+)?\s*px|(?:link|page|class|lang|thumbtime|start|end)\s*=.*)\s*",
    re.IGNORECASE | re.DOTALL)
#: A redirect (``#REDIRECT [[Page]]``, ``#WEITERLEITUNG [[Seite]]``...) on the first line.
_REDIRECT = re.compile(r"\s*#[^\W\d_]+\s*:?\s*\[\[")
#: Tags that are blocks of their own (or make one): never part of a paragraph's words.
_NOT_PROSE = frozenset({"br", "references", "gallery", "poem", "pre", "syntaxhighlight",
                        "source", "hr", "templatedata", "timeline", "score", "graph",
                        "mapframe", "imagemap", "inputbox", "categorytree"})
#: Parameter names whose values are quotations wherever they are (else a paragraph): a
#: quotation keeps its kind, so QA and the review treat the words as quoted ones.
_QUOTE_PARAMS = frozenset({"quote", "quotation", "cita", "citation", "zitat"})


@dataclass
class Unit:
    """A block found in the page: its kind, source range, part and the part's table."""

    kind: str
    level: int
    a: int
    b: int
    part: str
    constructs: list[Construct]
    extra: str = ""
    line_start: str = ""
    param: str | None = None
    entities: dict[str, str] = field(default_factory=dict)


@dataclass
class Walker(InlineReader):
    """Finds the blocks of a page in reading order (the reader and the writer share it)."""

    params: frozenset[str] | None = frozenset()  # None: every parameter (see `write`)
    param: str | None = None  # the listed parameter whose value is being read
    units: list[Unit | None] = field(default_factory=list)

    def segment(self, items: list[Item], kind: str, line_start: bool, extra: str = "") -> None:
        """The blocks of a run of lines (a page, a cell, a note, a parameter's value)."""
        lines: list[list[Item]] = [[]]
        for item in items:
            if item.nl:
                lines.append([])
            else:
                lines[-1].append(item)
        para: list[Item] = []
        for i, line in enumerate(lines):
            at_start = line_start or i > 0
            if self._special(line, at_start):
                self.unit(kind, 0, para, extra)  # the paragraph before it comes first
                para = []
                self._line(line, extra)
            elif not any(self._prose(it) for it in line):
                self.unit(kind, 0, para, extra)
                para = []
                self.scan(line)
            else:
                if para and self._open_end(lines[i - 1], line):
                    self.unit(kind, 0, para, extra)  # joined, they would parse as a link
                    para = []
                if para:
                    para.append(Item(None, para[-1].b, line[0].a, nl=True))
                para.extend(line)
        self.unit(kind, 0, para, extra)

    def _open_end(self, before: list[Item], line: list[Item]) -> bool:
        """Whether a line break keeps markup apart that joined lines would pair (``[[`` …
        ``]]``, ``{{`` … ``}}`` that mwparserfromhell left as text, never across lines)."""
        def text(items: list[Item]) -> str:
            return "".join(self.src[it.a:it.b] for it in items if it.node is None)

        return any(m in text(before) for m in ("[[", "{{")) or \
            any(m in text(line) for m in ("]]", "}}"))

    def _special(self, line: list[Item], at_start: bool) -> bool:
        """Whether a line is not paragraph text (heading, list item, table, rule,
        preformatted)."""
        from mwparserfromhell.nodes import Heading

        if not line or not at_start:
            return False
        first, markup = line[0], wiki_markup(line[0])
        return isinstance(first.node, Heading) or bool(markup) and markup[0] in _LIST \
            or markup == "{|" or markup.startswith("----") \
            or first.node is None and self.src[first.a] == " "

    def _line(self, line: list[Item], extra: str) -> None:
        """The blocks of a line that `_special` found is not paragraph text."""
        from mwparserfromhell.nodes import Heading

        first = line[0]
        if isinstance(first.node, Heading):
            self.heading(first)
            self.scan(line[1:])
        elif wiki_markup(first)[:1] in _LIST:
            self.list_item(line, extra)
        elif wiki_markup(first) == "{|":
            self.table(first)
            self.scan(line[1:])
        elif wiki_markup(first).startswith("----"):
            self.scan(line[1:])

    def heading(self, item: Item) -> None:
        for code, at in self.children(item):
            self.unit("heading", item.node.level, items_of(code, at, self.src), "=")

    def list_item(self, line: list[Item], extra: str = "") -> None:
        k = 0
        while k < len(line) and wiki_markup(line[k]) and wiki_markup(line[k])[0] in _LIST:
            k += 1
        level, rest = k, line[k:]
        while rest:  # "; term : definition" is two items
            cut = next((j for j, it in enumerate(rest) if wiki_markup(it) == ":"), len(rest))
            self.unit("list_item", level, rest[:cut], extra)
            rest = rest[cut + 1:]

    def table(self, item: Item) -> None:
        for code, at in self.children(item):
            for it in items_of(code, at, self.src):
                markup = wiki_markup(it)
                if markup.startswith("|-") or markup == "{|":
                    self.table(it)
                elif markup in _CELL:
                    for sub, sub_at in self.children(it):
                        cells = items_of(sub, sub_at, self.src)
                        caption = markup == "|" and self.src[sub_at:sub_at + 1] == "+"
                        if caption and cells and cells[0].node is None:
                            cells[0] = Item(None, cells[0].a + 1, cells[0].b)
                        self.segment(cells, "caption" if caption else "cell", False)
                else:
                    self.scan([it])

    def unit(self, kind: str, level: int, items: list[Item], extra: str = "") -> None:
        """A block from a run of inline items: void-only items at either end stay outside."""
        from corpora.inline import has_words

        lead = 0
        while lead < len(items) and not self._prose(items[lead]):
            lead += 1
        tail = len(items)
        while tail > lead and not self._prose(items[tail - 1]):
            tail -= 1
        self.scan(items[:lead])
        core = items[lead:tail]
        if core:
            a = core[0].a + self._space(core[0], front=True)
            b = core[-1].b - self._space(core[-1], front=False)
            core = [Item(it.node, max(it.a, a), min(it.b, b), it.nl) for it in core]
            at = len(self.units)
            self.units.append(None)
            part = Part()
            self.inline(core, part)
            text = part.result()
            if has_words(text):
                start = "cell" if kind == "cell" else "line" if kind in ("heading", "list_item") \
                    or self.src[a - 1:a] in ("", "\n") else ""
                self.units[at] = Unit(kind, level, a, b, text, part.constructs, extra, start,
                                      self.param, part.entities)
        self.scan(items[tail:])

    def _space(self, item: Item, front: bool) -> int:
        if item.node is not None:
            return 0
        text = self.src[item.a:item.b]
        return len(text) - len(text.lstrip() if front else text.rstrip())

    def _prose(self, item: Item) -> bool:
        """Whether an item can hold words read as prose (not a template, comment, category,
        file, magic word or blank)."""
        from mwparserfromhell.nodes import Argument, Comment, Template, Wikilink

        node = item.node
        if node is None:
            return not item.nl and bool(VERBATIM_TEXT.sub("", self.src[item.a:item.b]).strip())
        if isinstance(node, (Template, Comment, Argument)):
            return False
        if isinstance(node, Wikilink):
            return not link_kind(node)
        return tag_name(item) not in _NOT_PROSE and tag_name(item) not in CONTAINERS

    # --- blocks inside constructs ----------------------------------------------------------

    def scan(self, items: list[Item]) -> None:
        """The blocks inside items that are not themselves read: a ref's note, a listed
        template parameter, an image caption, and what nests in those."""
        for item in items:
            if item.node is not None:
                outer, self.param = self.param, None  # a note, a caption: not the parameter's
                self._scan(item)
                self.param = outer

    def _scan(self, item: Item) -> None:
        from mwparserfromhell.nodes import Tag, Template, Wikilink

        node = item.node
        kids = self.children(item)
        if isinstance(node, Template):
            quote = "quot" in str(node.name).lower()
            for param, code, at in self.params_of(item):
                name = str(param.name).strip()
                if self.params is None or name in self.params:
                    kind = "quote" if quote or name.lower() in _QUOTE_PARAMS else \
                        "paragraph"
                    self.param = name
                    self.segment(items_of(code, at, self.src), kind, False,
                                 "=" if not param.showkey else "")
                    self.param = None
                else:
                    self.scan(items_of(code, at, self.src))
        elif isinstance(node, Wikilink) and link_kind(node) == "file" and kids:
            self.image(*kids[0])
        elif isinstance(node, Tag) and tag_name(item) in CONTAINERS and kids:
            self.segment(items_of(kids[0][0], kids[0][1], self.src),
                         CONTAINERS[tag_name(item)], False)
        elif isinstance(node, Tag) and tag_name(item) == "poem" and kids:
            self.poem(items_of(kids[0][0], kids[0][1], self.src))
        elif isinstance(node, Tag) and tag_name(item) == "gallery" and kids:
            self.gallery(kids[0][1], kids[0][1] + len(str(kids[0][0])))
        elif isinstance(node, Tag) and tag_name(item) == "ref" and kids:
            self.segment(items_of(kids[0][0], kids[0][1], self.src), "note", False)
        elif isinstance(node, Tag) and tag_name(item) in ("nowiki", "math", "pre", "code",
                                                      "syntaxhighlight", "source"):
            return
        else:
            for code, at in kids:
                self.scan(items_of(code, at, self.src))

    def image(self, code: Any, at: int) -> None:
        """An image's caption (the last option that is not a keyword) and its ``alt=``."""
        self.image_fields(items_of(code, at, self.src))

    def gallery(self, a: int, b: int) -> None:
        """A ``<gallery>``'s captions: each line is a file name and image options (the
        extension's content is not parsed by mwparserfromhell, so each line is here)."""
        import mwparserfromhell

        pos = a
        for line in self.src[a:b].split("\n"):
            cut = line.find("|")
            if cut >= 0:
                start = pos + cut + 1
                self.image_fields(items_of(mwparserfromhell.parse(line[cut + 1:]), start,
                                           self.src))
            pos += len(line) + 1

    def poem(self, items: list[Item]) -> None:
        """A ``<poem>``: each line a block (its line breaks are the poem's)."""
        line: list[Item] = []
        for item in [*items, Item(None, 0, 0, nl=True)]:
            if not item.nl:
                line.append(item)
                continue
            k = 0
            while k < len(line) and wiki_markup(line[k]) == ":":
                k += 1
            self.unit("paragraph", k, line[k:])
            line = []

    def image_fields(self, items: list[Item]) -> None:
        """The fields of an image's options, split at the pipes outside nested markup."""
        fields: list[list[Item]] = [[]]
        for item in items:
            if item.node is None and "|" in self.src[item.a:item.b]:
                pos = item.a
                for piece in self.src[item.a:item.b].split("|"):
                    if piece:
                        fields[-1].append(Item(None, pos, pos + len(piece)))
                    pos += len(piece) + 1
                    fields.append([])
                fields.pop()
            else:
                fields[-1].append(item)
        caption: list[Item] = []
        for f in fields:
            text = self.src[f[0].a:f[-1].b] if f else ""
            m = re.match(r"\s*alt\s*=", text)
            if m:
                self.segment([Item(None, f[0].a + m.end(), f[0].b), *f[1:]]
                             if f[0].node is None else f, "attribute", False)
            elif text.strip() and not _IMAGE_OPTION.fullmatch(text):
                caption = f
        self.segment(caption, "caption", False)


def _parse(text: str) -> Any:
    """The page's wikicode, or None where mwparserfromhell gives up (its own limits)."""
    import mwparserfromhell

    try:
        return mwparserfromhell.parse(text)
    except Exception:  # noqa: BLE001 - the parser's own limits: the page is read as text
        return None


def _walk(text: str, params: frozenset[str] | None, code: Any = None) -> list[Unit]:
    walker = Walker(text, params)
    code = code if code is not None else _parse(text)
    if code is None:
        from mwparserfromhell.nodes import Text
        from mwparserfromhell.smart_list import SmartList
        from mwparserfromhell.wikicode import Wikicode

        code = Wikicode(SmartList([Text(text)]))
    items = items_of(code, 0, text)
    if _REDIRECT.match(text):  # a redirect page's link is its target, not prose
        items = items[next((k for k, it in enumerate(items) if it.nl), len(items)):]
    walker.segment(items, "paragraph", True)
    return [u for u in walker.units if u is not None]


def _source(path: Path) -> tuple[str, str]:
    """The page's text as it is (line ends kept) and a byte-order mark, if any."""
    read_text(path)  # refuses a missing, empty, binary or non-UTF-8 file with a clear message
    text = path.read_bytes().decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return text[len(bom):], bom


def read(path: Path, lang: str, options: ReadOptions) -> Document:
    """Read a wikitext page into blocks (see the module docstring).

    Raises:
        DataFormatError: The file is missing, empty, binary or not UTF-8, or holds markup
            that mwparserfromhell left as text (an unclosed ``{{``, ``[[`` or ``<ref>``).
    """
    text, _ = _source(path)
    code = _parse(text)
    if code is not None:
        _refuse_debris(path, text, code)
    units = _walk(text, options.wiki_params, code)
    blocks = [Block(u.kind, text.count("\n", 0, u.a), text.count("\n", 0, u.b) + 1, u.level,
                    (u.part,)) for u in units]
    return make_document(path.name, "wikitext", lang, blocks, trailing_newline=False)


def write(doc: Document, texts: Mapping[int, str], out: Path, context: WriteContext) -> None:
    """Write the translated page: the source with each block's range replaced.

    Raises:
        DataFormatError: The source changed since it was read.
    """
    text, bom = _source(context.source)
    want = [b.parts[0] for b in doc.blocks]
    units: list[Unit] | None = _walk(text, context.wiki_params)
    if units is None or [u.part for u in units] != want:
        # a caller that did not say which parameters were listed: find them
        units = _select(_walk(text, None), want)
    if units is None:
        raise DataFormatError(context.source, None, "changed since it was read; run again")
    parts = block_parts(doc, texts)
    result = _Splicer(text, units, [p[0] for p in parts]).range(0, len(text))
    result = _follow_headings(text, result)
    with atomic_output(out, binary=True) as fh:
        fh.write((bom + result).encode("utf-8"))


#: Markup mwparserfromhell leaves as text when it cannot close it: MediaWiki shows such a
#: ``{{`` or ``[[`` as typed too, but the words after it (a template's name, its parameter
#: names) are no prose, and where its closer is cannot be known.
_DEBRIS = re.compile(r"\{\{|\[\[|<ref(?=[\s/>])[^<>\n]*>?|</ref\s*>", re.IGNORECASE)


def _refuse_debris(path: Path, src: str, code: Any) -> None:
    """Refuses a page with an unclosed ``{{``, ``[[`` or ``<ref>`` (the first one named with
    its line): a page from a real wiki is well-formed, and a translation around markup the
    parser could not read would translate a template's name or join the lines it splits.
    Such text in ``<nowiki>``, comments, ``<pre>``, ``<math>``... is no markup and stays.

    Raises:
        DataFormatError: The page holds such markup.
    """
    found = sorted(_debris(InlineReader(src), items_of(code, 0, src)))
    if not found:
        return
    at, what = found[0]
    more = f" ({len(found) - 1} more after it)" if len(found) > 1 else ""
    raise DataFormatError(path, src.count("\n", 0, at) + 1, what + more)


def _debris(reader: InlineReader, items: list[Item]) -> list[tuple[int, str]]:
    """Where markup was left as text in items (not in tags whose content is not wikitext,
    nor in tag attributes), with what to tell the user."""
    from mwparserfromhell.definitions import PARSER_BLACKLIST

    found: list[tuple[int, str]] = []
    for item in items:
        if item.node is None:
            line = reader.src[item.a:item.b]
            for m in _DEBRIS.finditer(line):
                found.append((item.a + m.start(), _debris_message(line[m.start():])))
        elif tag_name(item) not in PARSER_BLACKLIST:
            for code, at in reader.children(item):
                found += _debris(reader, items_of(code, at, reader.src))
    return found


def _debris_message(rest: str) -> str:
    """What to say about markup left as text, from it to the end of its line."""
    shown = rest if len(rest) <= 40 else rest[:39] + "…"
    if rest.startswith("</"):
        return f"'{rest[:rest.index('>') + 1]}' closes no <ref>; remove it and run again"
    if rest.startswith("<"):
        return f"unclosed <ref> '{shown}'; close it with </ref> and run again"
    name, closer = ("template", "}}") if rest.startswith("{{") else ("link", "]]")
    if closer in rest:  # closed, yet not read: a character no page name may have
        return (f"{name} '{rest[:rest.index(closer) + 2]}' cannot be read (a name with "
                "[ ] { } < > or |?); fix it, or write it inside <nowiki>…</nowiki>, "
                "and run again")
    return (f"unclosed {name} '{shown}'; close it with {closer} (or write it inside "
            "<nowiki>…</nowiki>) and run again")


def _follow_headings(src: str, out: str) -> str:
    """The translated page with its in-page links (``[[#Legacy|below]]``) pointing at the
    translated headings: MediaWiki's anchor is a heading's text, so ``== Legado ==`` is
    ``#Legado`` and a link to ``#Legacy`` would be dead. A link to ``Page#Section`` is left:
    whether Page is this page is not known here. Headings are paired in order; if the
    translated page does not give as many, or a heading's text could not be a link
    target, the links stay as they were.
    """
    if not re.search(r"\[\[\s*#", src):
        return out
    before, after = _parse(src), _parse(out)
    if before is None or after is None:
        return out
    old, new = _anchors(before), _anchors(after)
    if len(old) != len(new):
        return out
    moved: dict[str, str] = {}
    for was, becomes in zip(old, new, strict=True):
        moved.setdefault(_anchor_key(was), becomes)
    changed = False
    for link in after.filter_wikilinks(recursive=True):
        title = str(link.title)
        target = title.strip()
        now = moved.get(_anchor_key(target[1:])) if target.startswith("#") else None
        if not now or _anchor_key(now) == _anchor_key(target[1:]) \
                or re.search(r"[\[\]{}|<>#\n]", now):
            continue
        link.title = title[:len(title) - len(title.lstrip())] + "#" + now + \
            title[len(title.rstrip()):]
        if link.text is not None and str(link.text).strip() in (f"#{now}", str(link.title)):
            link.text = None  # [[#Legacy|#Legado]]: the bare link shows that
        changed = True
    return str(after) if changed else out


def _anchors(code: Any) -> list[str]:
    """The anchors of a page's headings, as MediaWiki makes them: the text shown (markup,
    refs and comments left out), a second heading of the same text with ``_2``."""
    import mwparserfromhell

    anchors: list[str] = []
    seen: set[str] = set()
    for heading in code.filter_headings(recursive=True):
        title = mwparserfromhell.parse(str(heading.title))
        for tag in title.filter_tags(recursive=False):
            if str(tag.tag).strip().lower() == "ref":
                title.remove(tag)
        anchor = " ".join(title.strip_code().split())
        base = " ".join(anchor.replace("_", " ").split()).lower()
        key, n = base, 2
        while key in seen:
            key, n = f"{base} {n}", n + 1
        if n > 2:
            anchor = f"{anchor}_{n - 1}"
        seen.add(key)
        anchors.append(anchor)
    return anchors


def _anchor_key(anchor: str) -> str:
    """An anchor as MediaWiki compares it: underscores are spaces, entities and ``%XX``
    decoded, the first letter in either case."""
    import html
    from urllib.parse import unquote

    text = " ".join(unquote(html.unescape(anchor)).replace("_", " ").split())
    return text[:1].lower() + text[1:]


def _select(units: list[Unit], want: list[str]) -> list[Unit] | None:
    """The page's blocks as the reader gave them, from a walk that read every template
    parameter: the writer is not told which parameters the run listed, so a parameter is
    taken as listed when its first block is the document's next one (and, should that have
    been a coincidence, as not listed on another try).

    Returns:
        The blocks, or None when the page no longer gives the document's blocks.
    """
    tries: list[frozenset[str]] = [frozenset()]
    seen = set(tries)
    while tries and len(seen) < 64:
        refused = tries.pop(0)
        found, taken = _match(units, want, refused)
        if found is not None:
            return found
        for name in taken:
            if (more := refused | {name}) not in seen:
                seen.add(more)
                tries.append(more)
    return None


def _match(units: list[Unit], want: list[str], refused: frozenset[str]
           ) -> tuple[list[Unit] | None, list[str]]:
    """One try of `_select`: the blocks, or None and the parameters taken as listed."""
    listed: dict[str, bool] = dict.fromkeys(refused, False)
    out: list[Unit] = []
    for unit in units:
        match = len(out) < len(want) and unit.part == want[len(out)]
        if unit.param is not None:
            listed.setdefault(unit.param, match)
            if not listed[unit.param]:
                continue
        if not match:
            break
        out.append(unit)
    else:
        if len(out) == len(want):
            return out, []
    return None, [name for name, yes in listed.items() if yes]


class _Splicer:
    """The page with each block's range replaced by its translation, blocks within blocks
    (a note in a ref in a paragraph) written inside their parent's construct."""

    def __init__(self, src: str, units: list[Unit], parts: list[str]) -> None:
        self.src = src
        order = sorted(range(len(units)), key=lambda k: (units[k].a, -units[k].b))
        self.units = [units[k] for k in order]
        self.parts = [parts[k] for k in order]
        self.starts = [u.a for u in self.units]

    def range(self, a: int, b: int, first: int = 0) -> str:
        """The source from ``a`` to ``b`` with the blocks inside it (from the ``first``-th in
        order, so a block is not found inside itself) translated."""
        out, pos = [], a
        k = max(first, bisect.bisect_left(self.starts, a))
        while k < len(self.units) and self.units[k].a < b:
            unit = self.units[k]
            if unit.a >= pos and unit.b <= b:
                out.append(self.src[pos:unit.a])
                out.append(self.unit(k))
                pos = unit.b
            k += 1
        out.append(self.src[pos:b])
        return "".join(out)

    def unit(self, k: int) -> str:
        unit, part = self.units[k], self.parts[k]
        if part == unit.part:
            return self.range(unit.a, unit.b, k + 1)
        return to_wikitext(part, unit.constructs, lambda a, b: self.range(a, b, k + 1),
                           unit.extra, unit.line_start, unit.entities)
