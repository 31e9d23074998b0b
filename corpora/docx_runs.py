"""A Word paragraph's runs as one HTML-like inline text (``corpora.docx_rebuild`` writes
such a text back into runs).

A paragraph (``w:p``) is read into items: text with its run properties (``w:rPr``; a
non-breaking or soft hyphen element is its character, the words of a ``w:smartTag`` are
text), hyperlinks (``w:hyperlink``, with items of their own), and opaque things kept whole
(tabs, breaks, note references, drawings, fields, bookmarks, comment marks, math, content
controls). Its part is the text with:

- no tag where a run has the paragraph's dominant formatting (the ``w:rPr`` covering the most
  characters; inside a hyperlink, the link's own dominant formatting);
- ``<b>``, ``<i>``, ``<u>``, ``<s>``, ``<sup>``, ``<sub>`` (nested in that order) where a run
  differs from it only by those, and ``<span data-r="N">`` for any other formatting;
- ``<a href="URL#anchor">…</a>`` for a hyperlink, ``<x-control n="k">…</x-control>`` for an
  inline content control (w:sdt) with words;
- a void tag for each opaque thing (adjacent ones as one): ``<br/>``, ``<x-tab n="k"/>``,
  ``<x-note n="k"/>``, ``<x-image n="k"/>``, ``<x-field n="k"/>``, ``<x-mark n="k"/>``...

Opaque things before the first and after the last word (a note's number mark, bookmarks
around a heading, a trailing footnote reference) stay in place outside the part. Proofing
marks (``w:proofErr``) and ``w:lastRenderedPageBreak`` are layout hints Word recomputes; a
rebuilt paragraph drops them. Runs of whitespace become one space; the paragraph's own
leading and trailing whitespace is given back on rebuild. The writer analyses the source
paragraph again, so the tables mapping tags to ``w:rPr`` are never stored.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def w(name: str) -> str:
    """The Clark name of a WordprocessingML element or attribute."""
    return f"{{{W}}}{name}"


#: Readable formatting tags, in the order they nest.
FLAGS = ("b", "i", "u", "s", "sup", "sub")
#: rPr children a readable tag stands for, with the w:val they need (None: any but false).
_FLAG_OF: dict[str, tuple[str, str | None]] = {
    "b": ("b", None), "bCs": ("b", None), "i": ("i", None), "iCs": ("i", None),
    "u": ("u", "single"), "strike": ("s", None),
}
_VERT = {"superscript": "sup", "subscript": "sub"}
#: Void tag kinds by priority when adjacent opaque things share one tag.
_PRIORITY = ("note", "image", "math", "field", "sym", "page", "tab", "br", "mark")
_DROPPED = frozenset({w("proofErr"), w("lastRenderedPageBreak")})
#: Run properties that do not change how text looks (see `rpr_key`).
_INVISIBLE = frozenset({w("lang"), w("noProof")})
_RUN_TEXT = {w("noBreakHyphen"): "\u2011", w("softHyphen"): "\u00ad"}
_RUN_KIND = {w("tab"): "tab", w("ptab"): "tab", w("cr"): "br", w("sym"): "sym",
             w("drawing"): "image", w("pict"): "image", w("object"): "image",
             w("footnoteReference"): "note", w("endnoteReference"): "note",
             w("fldChar"): "field", w("instrText"): "field"}
_MATH = "http://schemas.openxmlformats.org/officeDocument/2006/math"
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*?)?)\s*(/?)>")
_BAD_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACE = re.compile(r"[ \t\n\r]+")
#: Whitespace at the start of a part's text, after its opening tags (not void ones)...
LEAD = re.compile(r"^(?:<(?!/)[^<>]*(?<!/)>)*(\s*)")
#: ...and at its end, before its closing tags.
TRAIL = re.compile(r"(\s*)(?:</[^<>]*>)*$")


@dataclass
class Text:
    """Characters of one run, with the run's properties (None: no w:rPr)."""

    rpr: etree._Element | None
    text: str


@dataclass
class Opaque:
    """Things kept whole, written back as they were: each source element with the w:rPr of
    its run (a run child, written in a new run) or with None and False (an element of the
    paragraph itself). Copied when written, so a text box inside a drawing that was
    translated in place comes out translated."""

    kind: str
    sources: list[tuple[etree._Element | None, etree._Element, bool]]

    def elements(self) -> list[etree._Element]:
        return [make_run(rpr, [copy.deepcopy(el)]) if in_run else copy.deepcopy(el)
                for rpr, el, in_run in self.sources]


@dataclass
class Link:
    """A w:hyperlink (``<a href>``) or an inline content control (w:sdt, ``<x-control>``):
    its element (rebuilt around new runs) and its items."""

    element: etree._Element
    href: str
    items: list[Text | Opaque]
    group: int = 0

    @property
    def tag(self) -> str:
        return "a" if self.element.tag == w("hyperlink") else "x-control"

    @property
    def opener(self) -> str:
        # as the XHTML formats write it; a ">" escaped too, which would end the tag here
        href = escape_text(self.href).replace('"', "&quot;").replace(">", "&gt;")
        return (f'<a href="{href}">' if self.tag == "a"
                else f'<x-control n="{self.group}">')


Item = Text | Opaque | Link


@dataclass
class Paragraph:
    """A source paragraph analysed: its part and what the writer needs to rebuild it.

    Attributes:
        part: The inline text ("" when the paragraph has no words).
        head: Items before the first word, kept in place.
        body: The items the part stands for.
        tail: Items after the last word.
        lead: Whitespace stripped from the start of the part, given back on rebuild.
        trail: Whitespace stripped from its end.
        voids: Void tag → the opaque items written as that tag, in order.
        links: ``<a …>`` opener → the links written with it, in order.
        spans: ``<span data-r="N">`` opener → its w:rPr.
        formats: (group, readable flags) → the w:rPr seen with them (group 0 is the
            paragraph, k the k-th link).
    """

    part: str = ""
    head: list[Item] = field(default_factory=list)
    body: list[Item] = field(default_factory=list)
    tail: list[Item] = field(default_factory=list)
    lead: str = ""
    trail: str = ""
    voids: dict[str, list[Opaque]] = field(default_factory=dict)
    links: dict[str, list[Link]] = field(default_factory=dict)
    spans: dict[str, etree._Element | None] = field(default_factory=dict)
    formats: dict[tuple[int, frozenset[str]], etree._Element | None] = \
        field(default_factory=dict)


def rpr_key(rpr: etree._Element | None) -> bytes:
    """What identifies a formatting as it looks: its properties in any order (an empty
    w:rPr is the same as none), without the spelling language and proofing switch (Word
    sets them run by run as one types), so that these cut no sentence into spans."""
    if rpr is None:
        return b""
    return b"".join(sorted(etree.tostring(c) for c in rpr  # in any order
                           if isinstance(c.tag, str) and c.tag not in _INVISIBLE))


def make_run(rpr: etree._Element | None, children: Iterable[etree._Element]) -> etree._Element:
    run = etree.Element(w("r"))
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    for child in children:
        run.append(child)
    return run


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold (an engine may write U+0000)."""
    return _BAD_XML.sub("", text)


def escape_text(text: str) -> str:
    """Text as a part holds it: ``&`` and ``<`` escaped, as the XHTML formats do (a ``>``
    stays bare), so the same words give the same segment in every format (one translation
    memory for all)."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def make_t(text: str) -> etree._Element:
    t = etree.Element(w("t"))
    t.text = xml_text(text)
    t.set(XML_SPACE, "preserve")
    return t


# --- reading ---------------------------------------------------------------------------

def _run_items(run: etree._Element) -> list[Text | Opaque]:
    rpr = run.find(w("rPr"))
    out: list[Text | Opaque] = []
    for child in run:
        if child.tag == w("rPr") or child.tag in _DROPPED or not isinstance(child.tag, str):
            continue
        if child.tag == w("t"):
            out.append(Text(rpr, child.text or ""))
        elif child.tag in _RUN_TEXT:
            out.append(Text(rpr, _RUN_TEXT[child.tag]))
        else:
            kind = _RUN_KIND.get(child.tag, "image" if "AlternateContent" in child.tag
                                 else "mark")
            if child.tag == w("br") and child.get(w("type")) in ("page", "column"):
                kind = "page"
            elif child.tag == w("br"):
                kind = "br"
            out.append(Opaque(kind, [(rpr, child, True)]))
    return out


def _items(parent: etree._Element, rels: Callable[[str], str], in_link: bool) -> list[Item]:
    out: list[Item] = []
    for child in parent:
        if not isinstance(child.tag, str) or child.tag in (w("pPr"),) or child.tag in _DROPPED:
            continue
        if child.tag == w("r"):
            out += _run_items(child)
        elif child.tag == w("smartTag"):  # ignored by Word since 2010: its words are text
            out += _items(child, rels, in_link)
        elif child.tag in (w("hyperlink"), w("sdt")) and not in_link:
            content = child if child.tag == w("hyperlink") else child.find(w("sdtContent"))
            inner = [i for i in _items(content, rels, True) if not isinstance(i, Link)] \
                if content is not None else []
            if any(isinstance(i, Text) and i.text.strip() for i in inner):
                out.append(Link(child, _href(child, rels), inner))
            else:
                out.append(Opaque("mark", [(None, child, False)]))
        else:
            kind = ("math" if child.tag.startswith(f"{{{_MATH}}}")
                    else "field" if child.tag == w("fldSimple") else "mark")
            out.append(Opaque(kind, [(None, child, False)]))
    return out


def _href(link: etree._Element, rels: Callable[[str], str]) -> str:
    rid = link.get(f"{{{R}}}id")
    target = rels(rid) if rid else ""
    anchor = link.get(w("anchor"))
    return target + (f"#{anchor}" if anchor else "")


def _texty(item: Item) -> bool:
    if isinstance(item, Text):
        return bool(item.text.strip())
    return isinstance(item, Link)


def _merge(items: list[Item]) -> list[Item]:
    """Adjacent opaque things as one (a field's begin, code and separator; a bookmark pair)."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, Link):
            item.items = [x for x in _merge(list(item.items)) if not isinstance(x, Link)]
        last = out[-1] if out else None
        if isinstance(item, Opaque) and isinstance(last, Opaque):
            kinds = (last.kind, item.kind)
            out[-1] = Opaque(min(kinds, key=_PRIORITY.index), last.sources + item.sources)
        else:
            out.append(item)
    return out


def _dominant(texts: Iterable[Text]) -> etree._Element | None:
    size: Counter[bytes] = Counter()
    first: dict[bytes, etree._Element | None] = {}
    for t in texts:
        key = rpr_key(t.rpr)
        size[key] += len(t.text)
        first.setdefault(key, t.rpr)
    return first[size.most_common(1)[0][0]] if size else None


def _children(rpr: etree._Element | None) -> dict[str, bytes]:
    if rpr is None:
        return {}
    return {etree.QName(c).localname: etree.tostring(c) for c in rpr
            if isinstance(c.tag, str) and c.tag not in _INVISIBLE}


def flags_of(rpr: etree._Element | None, base: etree._Element | None) -> frozenset[str] | None:
    """The readable tags that turn ``base`` into ``rpr``, or None if other properties differ."""
    have, want = _children(rpr), _children(base)
    if any(have.get(k) != v for k, v in want.items()):
        return None
    flags: set[str] = set()
    for name in have.keys() - want.keys():
        el = rpr.find(w(name)) if rpr is not None else None
        val = None if el is None else el.get(w("val"))
        if name == "vertAlign" and val in _VERT:
            flags.add(_VERT[val])
        elif name in _FLAG_OF and val in (None, "1", "true", "on", _FLAG_OF[name][1]) \
                and not (name == "u" and val is None):
            flags.add(_FLAG_OF[name][0])
        else:
            return None
    if ("bCs" in have and "b" not in have) or ("iCs" in have and "i" not in have):
        return None
    return frozenset(flags)


def analyse(p: etree._Element, rels: Callable[[str], str]) -> Paragraph:
    """A paragraph's part and rebuilding tables (see `Paragraph`)."""
    items = _merge(_items(p, rels, False))
    para = Paragraph()
    texty = [k for k, item in enumerate(items) if _texty(item)]
    if not texty:
        para.head = items
        return para
    para.head, para.body = items[:texty[0]], items[texty[0]:texty[-1] + 1]
    para.tail = items[texty[-1] + 1:]
    raw = "".join(t.text for item in para.body
                  for t in (item.items if isinstance(item, Link) else [item])
                  if isinstance(t, Text))
    para.lead, para.trail = raw[:len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()):]
    writer = _PartWriter(para)
    base = _dominant(t for t in para.body if isinstance(t, Text))
    writer.items(para.body, 0, base)
    part = "".join(writer.out)
    m = LEAD.match(part)
    para.lead = para.lead if m and m.group(1) else ""
    part = part[:m.start(1)] + part[m.end(1):] if m else part
    m = TRAIL.search(part)
    para.trail = para.trail if m and m.group(1) else ""
    para.part = part[:m.start(1)] + part[m.end(1):] if m else part
    return para


class _PartWriter:
    """Serializes a paragraph's items, filling its tables as it goes."""

    def __init__(self, para: Paragraph) -> None:
        self.para = para
        self.out: list[str] = []
        self.number = 0
        self.links = 0
        self.space = False  # after a space: the next text's leading space is dropped
        self.open: list[str] = []  # the formatting tags open

    def items(self, items: list[Item], group: int, base: etree._Element | None) -> None:
        """Serialize ``items`` of a paragraph (group 0) or a link (group k), whose dominant
        formatting is ``base``."""
        self.para.formats.setdefault((group, frozenset()), base)
        self.open = []
        for k, item in enumerate(items):
            if isinstance(item, Text):
                self._text(item, group, base)
            elif isinstance(item, Opaque):
                # inside the formatting only if the text after it has that formatting too
                after = next((x for x in items[k + 1:] if not isinstance(x, Opaque)), None)
                self._switch(self._tags(after, group, base) if isinstance(after, Text) else [],
                             close_only=True)
                self._void(item)
            else:
                self._switch([])
                self._link(item)
        self._switch([])

    def _switch(self, tags: list[str], close_only: bool = False) -> None:
        """Close the open tags ``tags`` does not share, then open the rest of ``tags``."""
        keep = _common(tags, self.open)
        self.out += [_closer(t) for t in reversed(self.open[keep:])]
        if close_only:
            self.open = self.open[:keep]
        else:
            self.out += tags[keep:]
            self.open = tags

    def _text(self, item: Text, group: int, base: etree._Element | None) -> None:
        text = _SPACE.sub(" ", item.text)
        if self.space and text.startswith(" "):
            text = text[1:]
        if text:  # else nothing to format (a space after a space)
            self.space = text.endswith(" ")
            self._switch(self._tags(item, group, base))
            self.out.append(escape_text(text))

    def _void(self, item: Opaque) -> None:
        self.number += 1
        tag = ("<br/>" if item.kind == "br" and len(item.sources) == 1
               else f'<x-{item.kind} n="{self.number}"/>')
        self.para.voids.setdefault(tag, []).append(item)
        self.out.append(tag)
        self.space = False  # a space on each side of a field or a tab is kept

    def _link(self, link: Link) -> None:
        self.links += 1
        link.group = self.links
        self.para.links.setdefault(link.opener, []).append(link)
        self.out.append(link.opener)
        self.items(list(link.items), link.group,
                   _dominant(t for t in link.items if isinstance(t, Text)))
        self.out.append(f"</{link.tag}>")

    def _tags(self, item: Text, group: int, base: etree._Element | None) -> list[str]:
        flags = flags_of(item.rpr, base)
        if flags is None:
            key = rpr_key(item.rpr)
            for opener, rpr in self.para.spans.items():
                if rpr_key(rpr) == key:
                    return [opener]
            opener = f'<span data-r="{len(self.para.spans) + 1}">'
            self.para.spans[opener] = item.rpr
            return [opener]
        self.para.formats.setdefault((group, flags), item.rpr)
        return [f"<{f}>" for f in FLAGS if f in flags]


def _common(a: list[str], b: list[str]) -> int:
    """How many tags two tag stacks share from the outside in."""
    keep = 0
    while keep < min(len(a), len(b)) and a[keep] == b[keep]:
        keep += 1
    return keep


def _closer(opener: str) -> str:
    m = TAG.match(opener)
    return f"</{m.group(2) if m else 'span'}>"
