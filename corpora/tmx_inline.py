"""Inline Markdown/HTML as TMX level 2 content markup, and back.

A pair's texts are inline Markdown. At TMX level 2 the markup becomes native code inside
content-markup elements, so a CAT tool shows it as protected tags and translates only the
words around it:

- a span (``*…*``, ``**…**``, ``~~…~~``, a link, an image, a paired HTML element) becomes
  ``<bpt i="n">opener</bpt>`` … ``<ept i="n">closer</ept>`` (``i`` pairs them within the
  segment; an image's alt text is markup-scanned on its own, as markdown-it does);
- a protected piece (code, math, an entity, an autolink, a lone HTML tag) becomes ``<ph>``.

The element contents are the Markdown characters themselves, so the text content of a ``seg``
(what Translate Toolkit and any TMX level 1 reader see) is the Markdown unchanged, and reading
it back gives the same string. Span and piece boundaries come from `corpora.inline_scan.scan`
(markdown-it-py), not from regular expressions.

TMX from other tools carries native codes of their own formats (RTF, OmegaT's ``<f0>`` tags):
those are dropped on reading unless the segment's datatype is Markdown, HTML or XML, whose
codes are valid inline Markdown.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from corpora.inline_scan import scan

__all__ = ["CODE_TAGS", "escape_attr", "escape_text", "keeps_codes", "segment_items",
           "segment_text", "segment_xml"]

#: TMX content-markup elements whose content is native code, not translatable text.
CODE_TAGS = frozenset({"bpt", "ept", "ph", "it", "ut"})

#: What an ``&`` must start to be markup (an entity); a lone ``&`` is text.
_ENTITY = re.compile(r"&#?[A-Za-z0-9]+;")

#: TMX 1.4b's recommended ``type`` values where one fits; ``x-`` names otherwise.
_SPAN_TYPES = {"em": "italic", "strong": "bold", "s": "struck", "link": "link",
               "image": "x-image", "html": "x-html"}
_PH_TYPES = {"code": "x-code", "math": "x-math", "html": "x-html", "autolink": "link",
             "entity": "x-entity"}

#: One piece of a segment: (element tag or None for text, its text, its attributes).
Item = tuple[str | None, str, dict[str, str] | None]


def segment_items(text: str) -> list[Item]:
    """The level 2 pieces of an inline Markdown text, in order.

    Args:
        text: Inline Markdown (a sentence or a paragraph).

    Returns:
        ``(tag, text, attributes)`` triples; tag None is plain text, else ``bpt``, ``ept`` or
        ``ph``. Joining the texts gives ``text`` back exactly.
    """
    if not _may_have_markup(text):
        return [(None, text, None)] if text else []
    out = _entity_items(text)
    if out is None:
        out = []
        _emit(text, 0, len(text), scan(text), out, [0])
    return out


def _emit(text: str, start: int, end: int, nodes: list, out: list[Item],
          counter: list[int]) -> None:
    pos = start
    for node in nodes:
        if node.start > pos:
            out.append((None, text[pos:node.start], None))
        if node.kind == "protected":
            out.append(("ph", text[node.start:node.end],
                        {"type": _PH_TYPES.get(node.name, f"x-{node.name}")}))
        else:
            counter[0] += 1
            i = str(counter[0])
            a, b = node.inner
            out.append(("bpt", text[node.start:a],
                        {"i": i, "type": _SPAN_TYPES.get(node.name, f"x-{node.name}")}))
            if node.name == "image":  # markdown-it parses the alt text on its own
                alt = text[a:b]
                _emit(alt, 0, len(alt), scan(alt) if _may_have_markup(alt) else [], out,
                      counter)
            else:
                _emit(text, a, b, node.children, out, counter)
            out.append(("ept", text[b:node.end], {"i": i}))
        pos = node.end
    if end > pos:
        out.append((None, text[pos:end], None))


def escape_text(text: str) -> str:
    """Text as XML character data (``&``, ``<``, ``>`` escaped; CR as ``&#13;``, which a
    parser would otherwise turn into LF)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def escape_attr(text: str) -> str:
    """Text as a double-quoted XML attribute value (whitespace kept as character refs)."""
    text = escape_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\n" in text or "\t" in text:
        text = text.replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def segment_xml(text: str, *, plain: bool = False) -> str:
    """The content of a ``<seg>`` for an inline Markdown text, as XML.

    Args:
        text: Inline Markdown.
        plain: Level 1: the Markdown as plain text, no content markup.

    Returns:
        Escaped character data with ``bpt``/``ept``/``ph`` elements (level 2).
    """
    if plain or not _may_have_markup(text):
        return escape_text(text)
    return _markup_xml(text)


def _may_have_markup(text: str) -> bool:
    """False when markdown-it's inline parser would record nothing we turn into codes
    (emphasis, strikethrough, links and images, HTML, entities, code, math): none of the
    characters that start them, or only ones that cannot alone (an ``&`` starting no entity,
    one ``$``, a ``[`` with no ``]`` after it). Substring tests cost a tenth of one regular
    expression search over a sentence, and the scan they spare costs ~170 µs a text."""
    if "&" in text and _ENTITY.search(text):
        return True
    return _may_have_other_markup(text)


def _may_have_other_markup(text: str) -> bool:
    """`_may_have_markup`, entities aside."""
    if "*" in text or "_" in text or "~" in text or "<" in text or "`" in text:
        return True
    if "\\" in text and ("\\(" in text or "\\[" in text):
        return True
    if "$" in text and text.count("$") > 1:
        return True
    return "[" in text and "]" in text[text.index("["):]


#: markdown-it's entity rule: numeric references, and names (kept when HTML defines them).
_ENTITY_RULE = re.compile(r"&(?:#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));")


def _entity_items(text: str) -> list[Item] | None:
    """The pieces of a text whose only markup can be entities (``&#39;``, ``&amp;``: what
    some engines' output is full of), found as markdown-it's entity rule finds them, without
    its inline parser; None when other markup may be there (or a backslash, which can escape
    an ``&``)."""
    if "\\" in text or _may_have_other_markup(text):
        return None
    from markdown_it.common.entities import entities

    out: list[Item] = []
    pos = 0
    for match in _ENTITY_RULE.finditer(text):
        if match.group(1) is not None and match.group(1) not in entities:
            continue
        if match.start() > pos:
            out.append((None, text[pos:match.start()], None))
        out.append(("ph", match.group(), {"type": _PH_TYPES["entity"]}))
        pos = match.end()
    if pos < len(text):
        out.append((None, text[pos:], None))
    return out


@lru_cache(maxsize=1024)
def _markup_xml(text: str) -> str:
    """Level 2 XML of a text with markup (cached: a heading, a term, a repeated line)."""
    parts = []
    for tag, piece, attrs in segment_items(text):
        if tag is None:
            parts.append(escape_text(piece))
        else:
            values = "".join(f' {k}="{escape_attr(v)}"' for k, v in (attrs or {}).items())
            parts.append(f"<{tag}{values}>{escape_text(piece)}</{tag}>")
    return "".join(parts)


def keeps_codes(datatype: str | None) -> bool:
    """Whether native codes of this TMX datatype are valid inline Markdown (Markdown, HTML,
    XHTML, XML) and so belong in the text read back; a missing datatype counts as ours."""
    if not datatype:
        return True
    kind = datatype.lower()
    return "markdown" in kind or "html" in kind or kind in ("xml", "x-xml", "text/xml")


def segment_text(seg: etree._Element, keep_codes: bool = True) -> str:
    """The text of a ``<seg>``: level 1 text, with level 2 codes kept or dropped.

    Args:
        seg: A ``seg`` element (TMX 1.1–1.4: ``bpt``, ``ept``, ``ph``, ``it``, ``ut``,
            ``hi``, ``sub``).
        keep_codes: Keep the native code inside ``bpt``/``ept``/``ph``/``it``/``ut`` (our
            Markdown, HTML); else only the text outside them and inside ``hi``.

    Returns:
        The segment's text.
    """
    if len(seg) == 0:
        return seg.text or ""
    if keep_codes:
        return "".join(seg.itertext())
    out: list[str] = []
    _walk(seg, out)
    return "".join(out)


def _walk(el: etree._Element, out: list[str]) -> None:
    if el.text:
        out.append(el.text)
    for child in el:
        if child.tag not in CODE_TAGS:  # hi, or an element TMX does not define: its text
            _walk(child, out)
        if child.tail:
            out.append(child.tail)
