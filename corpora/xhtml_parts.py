"""How a run of inline (X)HTML is written in a part, and how a translated part is built
back into elements (``corpora.xhtml`` walks the tree; this module handles one run).

A part holds text XML-escaped and inline elements as tags: the opener is ``<`` + local name
+ attributes in source order (namespaced ones with their prefix, ``epub:type``; no xmlns),
values escaped; an element without content is ``<name …/>``. Verbatim elements (code, math,
svg, script..., anything marked ``translate="no"``/``notranslate``, and anything marked as
another language than the run's, `foreign`) are written whole, MediaWiki's chrome
(edit-section links, note backlinks) and a select's or datalist's options (blocks of their
own) as an empty tag.

`splice` reads a translated part back: a tag is matched by its opener without ``>``/``/>``
(the k-th ``<em>`` takes the next unused source ``<em>``), closers close the innermost open
element of their name or are dropped, what is left open is closed, tags the source lacks
are dropped, and a source element the translation lost is put back at the end with its
source text. The source element objects are moved, never copied, so each appears exactly
once; verbatim ones come back whole from the source.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

__all__ = ["OPS_TYPE", "SPACE", "XHTML_NS", "XML_LANG", "XML_NS", "append_text", "escape_text",
           "foreign", "get_attr", "is_verbatim", "is_xhtml", "kept", "local_name", "plain_value",
           "primary_language", "serialize", "splice"]

XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
OPS_TYPE = "{http://www.idpf.org/2007/ops}type"

#: Inline elements written whole and put back from the source.
_VERBATIM = frozenset({"code", "kbd", "samp", "var", "tt", "math", "svg", "script", "style",
                       "rt", "rp", "template", "textarea", "select", "object", "iframe",
                       "video", "audio", "canvas", "datalist", "input", "meta", "link",
                       "base"})
#: Verbatim elements written as an empty tag in parts: their words travel as blocks of
#: their own (a list's options), so engines do not see them twice.
_EMPTY_IN_PARTS = frozenset({"select", "datalist"})
#: Classes of elements kept as they are: HTML's own and MediaWiki's chrome (its note calls
#: are ``<sup class="reference">``, a class name too common to keep on other elements).
_KEEP_CLASSES = frozenset({"notranslate", "mw-editsection", "mw-cite-backlink"})
#: Wiki chrome: written as an empty tag in parts (``<span class="mw-editsection"/>``), so
#: engines, the review and the exports do not see "[modifier | modifier le wikicode]".
_CHROME_CLASSES = frozenset({"mw-editsection", "mw-cite-backlink"})
SPACE = re.compile(r"[ \t\n\r\f]+")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TOKEN = re.compile(
    r"<!--.*?-->|<\?.*?\?>"
    r"|&(?P<ent>[A-Za-z][\w.-]*);"
    r"|</\s*(?P<close>[A-Za-z][\w:.-]*)\s*>"
    r"|<(?P<open>[A-Za-z][\w:.-]*)(?:\s+[^\s=/>\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'"
    r"|[^\s\"'=<>`]+))?)*\s*(?P<self>/?)>", re.S)


def local_name(el: Any) -> str:
    """An element's tag without namespace, lower-cased ("" for comments and the like)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return (tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag.split(":")[-1]).lower()


def is_xhtml(root: Any) -> bool:
    """True for an XML tree (namespaced tags): languages go in ``xml:lang`` there."""
    return isinstance(root.tag, str) and root.tag.startswith("{")


def get_attr(el: Any, name: str) -> str:
    """An attribute's value, "" when absent."""
    value = el.get(name)
    return value if value is not None else ""


def kept(el: Any) -> bool:
    """Left as it is: translate="no", class notranslate, MediaWiki chrome, and a roman
    numeral marked as one (``epub:type="z3998:roman"``: an engine reads "I" as a word)."""
    if get_attr(el, "translate").strip().lower() == "no":
        return True
    if "z3998:roman" in (get_attr(el, OPS_TYPE) or get_attr(el, "epub:type")).split():
        return True
    classes = get_attr(el, "class").split()
    return bool(_KEEP_CLASSES.intersection(classes)) or (
        "reference" in classes and local_name(el) == "sup")


#: Primary subtags that name no other language: none, undetermined, several, private use
#: (Word's HTML marks runs ``lang=X-NONE``).
_UNSAID = frozenset({"", "und", "mul", "x", "i"})


def primary_language(tag: str) -> str:
    """A language tag's primary subtag, lower-cased: ``en`` for ``en-GB``."""
    return tag.strip().lower().replace("_", "-").split("-")[0]


def foreign(el: Any, lang: str) -> bool:
    """Marked (``xml:lang``, else ``lang``) as another language than ``lang``, the one the
    run translates from, compared by primary subtag. ``html`` and ``body`` never are: a
    page labelled wrongly as a whole is still the page the run was asked to translate. Nor
    is an element marked with no language in particular (``und``, ``mul``, ``x-none``).
    ``zxx`` (no linguistic content) is another language: kept, like code."""
    if not lang or not isinstance(el.tag, str) or local_name(el) in ("html", "body"):
        return False
    value = el.get(XML_LANG)
    primary = primary_language(value if value is not None else get_attr(el, "lang"))
    return primary not in _UNSAID and primary != primary_language(lang)


def is_verbatim(el: Any, lang: str = "") -> bool:
    """Written whole in a part and put back from the source: code and the like, what is
    kept (`kept`), and what is marked as another language than ``lang`` (`foreign`)."""
    return not isinstance(el.tag, str) or local_name(el) in _VERBATIM or kept(el) or \
        foreign(el, lang)


def escape_text(text: str) -> str:
    """Text as a part holds it."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _escape_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\t", "&#9;").replace("\r", "&#13;"))


def _attr_name(el: Any, key: str) -> str:
    if not key.startswith("{"):
        return key
    ns, local = key[1:].split("}", 1)
    if ns == XML_NS:
        return f"xml:{local}"
    prefix = next((p for p, u in (el.nsmap or {}).items() if u == ns and p), None)
    return f"{prefix}:{local}" if prefix else local


def _key(el: Any) -> str:
    """An element's opener without its ``>``: what a translated tag is matched by."""
    if not isinstance(el.tag, str):
        return serialize(el)
    attrs = "".join(f' {_attr_name(el, k)}="{_escape_attr(v)}"' for k, v in el.attrib.items())
    return f"<{local_name(el)}{attrs}"


def serialize(el: Any) -> str:
    """An element as a part writes it (without its tail)."""
    if el.tag is etree.Comment:
        return f"<!--{SPACE.sub(' ', el.text or '')}-->"
    if el.tag is etree.PI:
        return f"<?{el.target} {SPACE.sub(' ', el.text or '')}?>"
    if not isinstance(el.tag, str):  # an entity that is not HTML's: see resolve_entities
        return str(el.text or "")
    if (el.text is None and len(el) == 0) or local_name(el) in _EMPTY_IN_PARTS or \
            _CHROME_CLASSES.intersection(get_attr(el, "class").split()):
        return _key(el) + "/>"
    inner = escape_text(SPACE.sub(" ", el.text or "")) + "".join(
        serialize(c) + escape_text(SPACE.sub(" ", c.tail or "")) for c in el)
    return f"{_key(el)}>{inner}</{local_name(el)}>"


@dataclass
class _Src:
    """A source inline element of the run being spliced, and what it held."""

    el: Any
    verbatim: bool
    text: str | None
    tail: str | None
    children: list[_Src] = field(default_factory=list)
    placed: bool = False


def _sources(nodes: Sequence[Any], lang: str) -> list[_Src]:
    """The run's inline elements as a tree of `_Src`, each emptied (verbatim ones keep their
    content) and detached from its parent."""
    out = []
    for node in nodes:
        verbatim = is_verbatim(node, lang)
        src = _Src(node, verbatim, node.text, node.tail)
        if not verbatim:
            src.children = _sources(list(node), lang)
            node.text = None
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
        node.tail = None
        out.append(src)
    return out


def _flat(srcs: list[_Src]) -> list[_Src]:
    return [x for s in srcs for x in (s, *_flat(s.children))]


def append_text(target: Any, text: str) -> None:
    """Add text after the last thing in ``target`` (its last child's tail, or its text),
    without the characters XML cannot hold."""
    text = _NOT_XML.sub("", text)
    if not text:
        return
    if len(target):
        last = target[-1]
        last.tail = (last.tail or "") + text
    else:
        target.text = (target.text or "") + text


def _closing(part: str, name: str, start: int) -> int:
    """The end of the closer of a verbatim element opened just before ``start``, or -1."""
    depth = 1
    for m in _TOKEN.finditer(part, start):
        if m.group("open") and m.group("open").lower() == name and not m.group("self"):
            depth += 1
        elif m.group("close") and m.group("close").lower() == name:
            depth -= 1
            if depth == 0:
                return m.end()
    return -1


def splice(target: Any, part: str, nodes: Sequence[Any], lang: str = "") -> None:
    """Build a translated ``part`` into ``target`` (an empty element) from a run's inline
    ``nodes``, which are detached and moved there; never raises. Elements marked as another
    language than ``lang`` are verbatim (`foreign`)."""
    srcs = _sources(nodes, lang)
    available: dict[str, list[_Src]] = {}
    for src in _flat(srcs):
        available.setdefault(_key(src.el), []).append(src)
    stack = [target]
    pos = 0
    while (m := _TOKEN.search(part, pos)) is not None:
        append_text(stack[-1], html.unescape(part[pos:m.start()]))
        pos = m.end()
        token = m.group(0)
        if m.group("close"):
            name = m.group("close").lower()
            for k in range(len(stack) - 1, 0, -1):
                if local_name(stack[k]) == name:
                    del stack[k:]
                    break
            continue
        key = token if not m.group("open") else token[:-2 if m.group("self") else -1].rstrip()
        queue = available.get(key)
        if not queue:
            if m.group("ent"):
                append_text(stack[-1], html.unescape(token))
            continue  # a tag the source does not have
        src = queue.pop(0)
        src.placed = True
        stack[-1].append(src.el)
        if src.verbatim:
            if m.group("open") and not m.group("self"):
                end = _closing(part, m.group("open").lower(), pos)
                pos = end if end >= 0 else pos
        elif m.group("open") and not m.group("self"):
            stack.append(src.el)
    append_text(stack[-1], html.unescape(part[pos:]))
    for src in srcs:
        for el in _restore(src):
            append_text(target, "" if _ends_space(target) else " ")
            target.append(el)


def _ends_space(target: Any) -> bool:
    """True when text put next would start a word anew (nothing before, or whitespace)."""
    if len(target):
        last = target[-1].tail or ""
        return bool(last) and last[-1].isspace()
    text = target.text or ""
    return not text or text[-1].isspace()


def _restore(src: _Src) -> list[Any]:
    """What to put back for a source element: itself with its source content if the
    translation lost it, else the lost elements inside it."""
    if src.placed:
        return [el for child in src.children for el in _restore(child)]
    src.placed = True
    el = src.el
    if not src.verbatim:
        el.text = src.text
        for child in src.children:
            for node in _restore(child):
                node.tail = None
                el.append(node)
            append_text(el, child.tail or "")
    return [el]


def _strip_tags(text: str) -> str:
    return re.sub(r"<[^>]*>", "", text)


def plain_value(part: str) -> str:
    """A translated part as plain text, for an attribute or a title: tags an engine added
    dropped, entities unescaped, whitespace collapsed."""
    return _NOT_XML.sub("", SPACE.sub(" ", html.unescape(_strip_tags(part))).strip())
