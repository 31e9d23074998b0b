"""A translated part back into a Word paragraph's runs (the writer's half of
``corpora.docx_runs``).

Text gets the w:rPr of the tags it is in: the paragraph's (or link's) dominant formatting
outside tags, the formatting the source had with the same readable tags, a ``<span
data-r>``'s own w:rPr. Whatever an engine did to the tags, the paragraph is written: each
source hyperlink and opaque thing exactly once (where its tag is, else at the end of the
part), tags the source did not have and unknown closers dropped, open tags closed.
"""

from __future__ import annotations

import copy
import html
import re
from collections import Counter
from collections.abc import Iterable

from lxml import etree

from corpora.docx_runs import (
    FLAGS,
    LEAD,
    TAG,
    TRAIL,
    Item,
    Link,
    Opaque,
    Paragraph,
    Text,
    make_run,
    make_t,
    w,
)

#: CT_RPr's child order (ECMA-376 §17.3.2.28): Word refuses rPr children out of order.
_RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden",
    "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr",
    "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish",
    "oMath")
_FLAG_XML = {"b": ("b", None), "i": ("i", None), "u": ("u", "single"), "s": ("strike", None),
             "sup": ("vertAlign", "superscript"), "sub": ("vertAlign", "subscript")}


#: What an LLM may write for a readable tag.
_SAME = {"strong": "b", "em": "i", "ins": "u", "del": "s", "strike": "s"}


def add_flags(base: etree._Element | None, flags: Iterable[str]) -> etree._Element | None:
    """``base`` with the properties of readable tags added, its children in schema order."""
    flags = [f for f in FLAGS if f in set(flags)]
    if not flags:
        return base
    rpr = copy.deepcopy(base) if base is not None else etree.Element(w("rPr"))
    for flag in flags:
        name, val = _FLAG_XML[flag]
        for old in rpr.findall(w(name)):
            rpr.remove(old)
        el = etree.Element(w(name))
        if val:
            el.set(w("val"), val)
        _insert(rpr, el)
    return rpr


def _insert(rpr: etree._Element, el: etree._Element) -> None:
    """``el`` into a w:rPr at its place in the schema order."""
    order = _RPR_ORDER.index(etree.QName(el).localname)
    at = next((k for k, c in enumerate(rpr) if isinstance(c.tag, str)
               and etree.QName(c).localname in _RPR_ORDER
               and _RPR_ORDER.index(etree.QName(c).localname) > order), len(rpr))
    rpr.insert(at, el)


def _elements(item: Item) -> list[etree._Element]:
    if isinstance(item, Text):
        return [make_run(item.rpr, [make_t(item.text)])]
    if isinstance(item, Opaque):
        return item.elements()
    return [copy.deepcopy(item.element)]


def rebuild(p: etree._Element, para: Paragraph, part: str) -> None:
    """Replace a paragraph's content by a translated part; never raises on any text.

    Text gets the w:rPr of the tags it is in; each source hyperlink and opaque thing is
    written exactly once (where its tag is, else at the end of the part); tags the source
    did not have, unknown closers and repeated tags are dropped; open tags are closed.

    Args:
        p: The source w:p, changed in place (its w:pPr is kept).
        para: ``analyse(p, …)`` of the same paragraph.
        part: The translated part.
    """
    body = _Builder(para).build(part)
    new = [e for item in para.head for e in _elements(item)] + body + \
        [e for item in para.tail for e in _elements(item)]
    for child in list(p):
        if child.tag != w("pPr"):
            p.remove(child)
    p.extend(new)


class _Builder:
    """Reads a translated part tag by tag into new runs, links and kept elements."""

    def __init__(self, para: Paragraph) -> None:
        self.para = para
        self.used: Counter[str] = Counter()
        self.out: list[etree._Element] = []
        self.link: Link | None = None
        self.link_out: list[etree._Element] = []
        self.stack: list[tuple[str, etree._Element | None]] = []  # (tag name, span w:rPr)
        self.saved: list[tuple[str, etree._Element | None]] = []

    def build(self, part: str) -> list[etree._Element]:
        if self.para.lead and (m := LEAD.match(part)):  # the source's own whitespace back
            part = part[:m.start(1)] + self.para.lead + part[m.start(1):]
        if self.para.trail and (m := TRAIL.search(part)):
            part = part[:m.start(1)] + self.para.trail + part[m.start(1):]
        pos = 0
        for m in TAG.finditer(part):
            self._text(part[pos:m.start()])
            self._tag(m)
            pos = m.end()
        self._text(part[pos:])
        self._close_link()
        for tag, items in self.para.voids.items():
            for item in items[self.used[tag]:]:
                self.out += item.elements()
        for opener, links in self.para.links.items():
            self.out += [copy.deepcopy(link.element) for link in links[self.used[opener]:]]
        return self.out

    def _target(self) -> list[etree._Element]:
        return self.link_out if self.link is not None else self.out

    def _text(self, text: str) -> None:
        text = html.unescape(text)
        if text:
            self._target().append(make_run(self._rpr(), [make_t(text)]))

    def _rpr(self) -> etree._Element | None:
        group = self.link.group if self.link is not None else 0
        flags = frozenset(name for name, _ in self.stack if name in FLAGS)
        spans = [rpr for name, rpr in self.stack if name == "span"]
        if spans:
            return add_flags(spans[-1], flags)
        if (group, flags) in self.para.formats:
            return self.para.formats[(group, flags)]
        return add_flags(self.para.formats.get((group, frozenset())), flags)

    def _tag(self, m: re.Match[str]) -> None:
        closing, name, attrs, void = m.groups()
        attrs = " " + " ".join(attrs.split()) if attrs.strip() else ""  # <x-tab  n="1" />
        name = name.lower()
        name = _SAME.get(name, name) if not attrs.strip() else name
        if void or name == "br":
            key = f"<{name}{attrs}/>"
            items = self.para.voids.get(key, [])
            if not closing and self.used[key] < len(items):
                self._target().extend(items[self.used[key]].elements())
                self.used[key] += 1
        elif closing and self.link is not None and name == self.link.tag:
            self._close_link()
        elif closing:
            names = [n for n, _ in self.stack]
            if name in names:
                del self.stack[len(names) - 1 - names[::-1].index(name):]
        else:
            key = f"<{name}{attrs}>"
            if name in ("a", "x-control") and self.link is None and \
                    self.used[key] < len(self.para.links.get(key, [])):
                self.link = self.para.links[key][self.used[key]]
                self.used[key] += 1
                self.saved, self.stack = self.stack, []
            elif name in FLAGS and not attrs.strip():
                self.stack.append((name, None))
            elif name == "span" and key in self.para.spans:
                self.stack.append(("span", self.para.spans[key]))

    def _close_link(self) -> None:
        if self.link is None:
            return
        src = self.link.element
        el = src.makeelement(src.tag, dict(src.attrib))
        holder = el
        if src.tag == w("sdt"):  # its properties kept (sdtPr, sdtEndPr), new runs in its content
            el.extend(copy.deepcopy(c) for c in src if c.tag != w("sdtContent"))
            holder = etree.SubElement(el, w("sdtContent"))
        holder.extend(self.link_out)
        self.out.append(el)
        self.link, self.link_out = None, []
        self.stack, self.saved = self.saved, []


# --- the proofing language ---------------------------------------------------------------

#: The region Word writes with a bare language code (its own files always name one; LibreOffice
#: reads a bare "es" as es-ES too, Word's proofing tools are per region).
_REGIONS = {
    "ar": "ar-SA", "bg": "bg-BG", "ca": "ca-ES", "cs": "cs-CZ", "da": "da-DK", "de": "de-DE",
    "el": "el-GR", "en": "en-US", "es": "es-ES", "et": "et-EE", "eu": "eu-ES", "fi": "fi-FI",
    "fr": "fr-FR", "ga": "ga-IE", "gl": "gl-ES", "he": "he-IL", "hr": "hr-HR", "hu": "hu-HU",
    "it": "it-IT", "ja": "ja-JP", "ko": "ko-KR", "lt": "lt-LT", "lv": "lv-LV", "nb": "nb-NO",
    "nl": "nl-NL", "pl": "pl-PL", "pt": "pt-PT", "ro": "ro-RO", "ru": "ru-RU", "sk": "sk-SK",
    "sl": "sl-SI", "sv": "sv-SE", "tr": "tr-TR", "uk": "uk-UA", "zh": "zh-CN",
}
_LANG_ATTRS = tuple(w(n) for n in ("val", "eastAsia", "bidi"))


def word_lang(code: str) -> str:
    """A language code as Word writes it in ``w:lang``: with a region (``es`` → ``es-ES``;
    ``pt_BR`` → ``pt-BR``), or the code as given for a language without a default region
    here (a tag Word does not know still tells LibreOffice the language)."""
    code = code.strip().replace("_", "-")
    return _REGIONS.get(code.lower(), code)


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-", 1)[0].lower()


def relang(root: etree._Element, src: str, tgt: str) -> bool:
    """Every ``w:lang`` under ``root`` that names the source language (any region) names the
    target instead; a third language (a quotation in Latin) is kept. Whether one changed."""
    if not src or not tgt or _primary(src) == _primary(tgt):
        return False
    changed = False
    for el in root.iter(w("lang")):
        for attr in _LANG_ATTRS:
            val = el.get(attr)
            if val and _primary(val) == _primary(src):
                el.set(attr, word_lang(tgt))
                changed = True
    return changed


def set_default_lang(styles: etree._Element, src: str, tgt: str) -> bool:
    """A styles part in the target language: its styles' ``w:lang`` that name the source as
    in `relang`, and the document default (``w:docDefaults``) Latin-text language set to the
    target whatever it was (pandoc writes en-US for any language), added if absent. Whether
    the part changed."""
    changed = relang(styles, src, tgt)
    if not tgt or (src and _primary(src) == _primary(tgt)):
        return changed
    defaults = styles.find(w("docDefaults"))
    if defaults is None:
        return changed
    rpr = defaults.find(f"{w('rPrDefault')}/{w('rPr')}")
    if rpr is None:
        holder = defaults.find(w("rPrDefault"))
        if holder is None:
            holder = etree.Element(w("rPrDefault"))
            defaults.insert(0, holder)
        rpr = etree.SubElement(holder, w("rPr"))
    lang = rpr.find(w("lang"))
    if lang is None:
        lang = etree.Element(w("lang"))
        _insert(rpr, lang)
    if lang.get(w("val")) != word_lang(tgt):
        lang.set(w("val"), word_lang(tgt))
        changed = True
    return changed
