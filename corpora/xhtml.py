"""The translatable text of an (X)HTML tree, and the same tree with translations in place.

Shared by the HTML and EPUB formats. `tree_blocks` walks a tree (lxml, XHTML-namespaced or
plain HTML) and hands out blocks in reading order; `put_blocks` walks it again in the same
order and splices the translated parts back. What the walk does:

- **Blocks.** The head's ``<title>`` is a block of kind "title", its ``<meta>``
  description's ``content`` (``description``, ``og:description``...: shown in search
  results and link previews) one of kind "attribute"; nothing else in the head is walked.
  In the body, an element is *blocky* when it is a block-level element (p, div, li,
  table...) or holds one; every run of inline content between a blocky element's blocky
  children (its text, inline children and their tails) is one block, so ``<li>text<ul>…</ul>
  tail</li>`` gives two blocks and each is spliced back in its place. A run is a block only
  when it has letters or digits outside verbatim elements. Kinds: h1–h6 "heading" (level
  1–6); li "list_item" (level: list depth); td/th "cell"; caption/figcaption "caption"; text
  in a blockquote "quote"; text in a foot- or endnote (``epub:type`` footnote/endnote/
  rearnote, ``role`` doc-footnote/doc-endnote, an item of MediaWiki's ``ol.references``)
  "note", headings excepted; a p, li or cell inside a list item, quote or cell takes that
  container's kind; everything else "paragraph".
- **Parts.** A run's inline elements travel as HTML inline tags: the opener is ``<`` + local
  name + attributes in source order (namespaced attributes with their prefix, ``epub:type``;
  no xmlns declarations), values escaped; an element without content is written
  ``<name …/>``. Text is XML-escaped, runs of whitespace become one space and the part is
  stripped. A run is cut into parts at its own ``<br>`` children (verse, addresses).
- **Verbatim.** code, kbd, samp, var, tt, math, svg, script, style, rt, rp (and embedded
  objects, form fields, meta/link in the body) are written whole in the part and put
  back from the source (``corpora.xhtml_parts``); a ``<textarea>``'s text is what the
  field holds, kept; a ``<select>`` or ``<datalist>`` is an empty tag in the part, its
  options' texts blocks of kind "label" of their own (option text is text only, so the
  bilingual edition gives it the translation alone). A ``<button>``'s and a ``<label>``'s
  words are the run's, and ``<noscript>`` is walked like a div: people read all three;
  so are elements with ``translate="no"``, class ``notranslate`` or ``epub:type``
  ``z3998:roman`` (a numeral an engine would read as a word), and MediaWiki's chrome:
  ``mw-editsection`` links, ``sup.reference`` note calls, ``mw-cite-backlink`` (the
  first and last written as an empty tag: their words are chrome). At block level,
  pre, script, style, svg, math and template are left alone, as are blocky elements with
  ``translate="no"``/``notranslate``.
- **Other languages.** An element marked (``xml:lang``, else ``lang``) as another language
  than the run's source (``lang`` of `tree_blocks`, ``src_lang`` of `put_blocks`; by
  primary subtag, so ``en-GB`` is English) is kept as it is, attributes included: inline
  (``<i xml:lang="fr">beaux esprits</i>``) as a verbatim element, a block (``<p
  xml:lang="fr">``, ``<blockquote lang="de">``) left out of the blocks with everything
  in it. The author marked it so: a quotation kept in its original, a foreign phrase an
  editor would keep, which an engine translating from the run's language would mangle.
  The run's language, not the root's label, is the reference: converters label whole
  books wrongly (pandoc writes ``en-US`` without a language in its metadata, Word's
  proofing language reaches LibreOffice's HTML as ``lang`` on paragraphs), and the run
  translates what the user said is the source. ``html`` and ``body`` are never kept so.
- **Attributes meant for people**: ``title`` and ``aria-label`` of any walked element
  (verbatim ones too: a button's name, an svg's label), ``alt`` (img, area, input),
  ``placeholder`` (input, textarea), ``label`` (option, optgroup, track) and the ``value``
  of a submit, reset or button input (the words on it) are blocks of kind "attribute" (one
  part, escaped, no markup). An element's own come right before its content's blocks; those
  of a run's inline elements right after the run's block, then a list's options in order.
- **Splice.** A translated tag is matched by its opener (without ``>``/``/>``): the k-th
  ``<em>`` of the translation takes the next unused source ``<em>``; closers close the
  innermost open element of their name, or are dropped; what is left open is closed; tags
  that match no source element are dropped; a source element the translation lost is put
  back at the end of the part (with its source text). The source element objects themselves
  are moved, so every source inline element appears exactly once, and text is unescaped
  with `html.unescape`. It never raises on a translated part. A part equal to its source
  leaves the run as it was (byte for byte); a changed one keeps the run's original leading
  and trailing whitespace.
- **Bilingual edition.** Each translated run gets its source beside it: a p, heading, div,
  address or blockquote holding only that run is copied before itself, the pair wrapped in
  ``<div class="diglot-pair">`` (in an hgroup, the copy alone); any other run (a list item, a
  cell, text beside blocks) becomes ``<span class="diglot-pair"><span class="diglot-source">
  source</span> <span class="diglot-target">translation</span></span>``. The source copy is
  marked ``lang`` (``xml:lang`` in XHTML, both where its root has ``lang``) and class
  ``diglot-source`` and loses its ids and anchor names, so ids stay unique and links land
  on the translation; the translation gets the target language and class
  ``diglot-target``. A heading's copy stays the same element (the book's CSS styles it as
  the heading it is, and an hgroup may hold only headings in EPUB 3.2) with
  ``role="presentation"``: screen readers read its words but list one heading, the
  translation, so the outline and heading navigation are not doubled (not under an XHTML
  1.x or HTML 4 doctype, an EPUB 2 book's, which has no ``role``). `BILINGUAL_CSS` lays
  the pairs out.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from corpora.document import Block
from corpora.xhtml_parts import (
    OPS_TYPE,
    SPACE,
    XHTML_NS,
    XML_LANG,
    XML_NS,
    append_text,
    escape_text,
    foreign,
    get_attr,
    is_verbatim,
    is_xhtml,
    kept,
    local_name,
    plain_value,
    primary_language,
    serialize,
    splice,
)
from diglot.errors import DataFormatError

__all__ = ["BILINGUAL_CSS", "XHTML_NS", "XML_LANG", "is_xhtml", "local_name", "put_blocks",
           "resolve_entities", "set_language", "tree_blocks"]


_HEADINGS = {f"h{n}": n for n in range(1, 7)}
#: Block-level elements: they end a run of inline content.
_BLOCKS = frozenset({
    "html", "head", "body", "address", "article", "aside", "blockquote", "center", "details",
    "dialog", "dd", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
    "search", "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "td",
    "th", "ul", "summary", "legend", "title", "listing", "xmp",
    "plaintext", "frameset", "frame", "noframes", "optgroup", "option", *_HEADINGS})
#: Blocky elements left alone with everything inside.
_SKIP = frozenset({"pre", "listing", "xmp", "plaintext", "hr", "frameset", "frame",
                   "noframes", "col", "colgroup", "optgroup", "option"})
#: Verbatim elements whose options' texts and labels are blocks of their own.
_LISTS = frozenset({"select", "datalist"})
_NOTE_TYPES = frozenset({"footnote", "endnote", "rearnote"})
_NOTE_ROLES = frozenset({"doc-footnote", "doc-endnote"})
#: Elements whose copy may stand next to them (the bilingual pair), and the parents that
#: may hold the wrapper div.
_PAIRABLE = frozenset({"p", "div", "address", "blockquote", "center", *_HEADINGS})
_FLOW_PARENTS = frozenset({"body", "div", "section", "article", "aside", "main", "header",
                           "footer", "nav", "blockquote", "li", "dd", "td", "th", "figure",
                           "details", "dialog", "fieldset", "form", "address", "center",
                           "search", "noscript"})
_PEOPLE_ATTRS = ("title", "aria-label")
#: Attributes meant for people that only some elements have.
_OWN_ATTRS = {"img": ("alt",), "area": ("alt",), "input": ("alt", "placeholder"),
              "textarea": ("placeholder",), "optgroup": ("label",), "option": ("label",),
              "track": ("label",)}
#: An ``<input>``'s ``value`` is the text on the button for these types.
_BUTTON_INPUTS = frozenset({"submit", "reset", "button"})
#: ``<meta>`` in the head whose ``content`` is shown to people (search results, link
#: previews), by ``name`` or ``property``.
_DESCRIPTIONS = frozenset({"description", "dc.description", "dcterms.description",
                           "og:description", "twitter:description"})
_WORDY = re.compile(r"[^\W_]")
#: The bilingual edition's stylesheet: two columns where the screen is wide and CSS grid is
#: known; elsewhere (phones, most e-readers, which skip what they do not know) the source
#: comes before its translation, set off by a rule at its left.
BILINGUAL_CSS = """\
/* diglot bilingual edition: each source block beside its translation */
.diglot-pair { margin: 0 0 1em 0; }
span.diglot-pair, span.diglot-source, span.diglot-target { display: block; }
.diglot-source { color: #4d4d4d; border-left: 0.2em solid #c8c8c8; padding-left: 0.6em; }
/* a centred heading's rule would float alone at the left; a book that indents all but a
   chapter's first paragraph would indent only the translation of a pair */
hgroup > .diglot-source, h1.diglot-source, h2.diglot-source, h3.diglot-source,
h4.diglot-source, h5.diglot-source, h6.diglot-source { border-left: none; padding-left: 0; }
.diglot-pair > p { text-indent: 0; }
@media (min-width: 48em) {
  @supports (display: grid) {
    .diglot-pair { display: grid; grid-template-columns: 1fr 1fr; column-gap: 2em;
                   align-items: start; }
    .diglot-pair > * { margin-top: 0; }
    .diglot-pair > .diglot-source { border-left: none; padding-left: 0; }
  }
}
"""


# -- the walk ----------------------------------------------------------------------------------

@dataclass
class _Run:
    """A run of inline content in ``parent``: after the blocky child ``after`` (None: from
    ``parent.text``), the inline children ``nodes``."""

    parent: Any
    after: Any
    nodes: list[Any]
    kind: str
    level: int
    pairable: bool = False
    lang: str = ""  # the run's source language: elements marked otherwise are verbatim


@dataclass
class _Attr:
    """An attribute meant for people, or (``name`` "") the text of an element that holds
    only text (an ``<option>``)."""

    el: Any
    name: str
    kind: str = "attribute"


@dataclass
class _Ctx:
    note: bool = False
    container: str = ""  # list_item, quote, cell, caption: the kind text inside takes
    lists: int = 0
    quotes: int = 0
    lang: str = ""


def _blocky(root: Any, lang: str) -> dict[Any, bool]:
    """Whether each element is blocky (block-level or holds a block), children first."""
    out: dict[Any, bool] = {}
    for el in reversed(list(root.iter())):
        if not isinstance(el.tag, str):
            out[el] = False
            continue
        name = local_name(el)
        out[el] = name in _BLOCKS or (not is_verbatim(el, lang) and any(out[c] for c in el))
    return out


def _is_note(el: Any, parent_name: str, parent: Any) -> bool:
    types = set((get_attr(el, OPS_TYPE) or get_attr(el, "epub:type")).split())
    if types & _NOTE_TYPES or get_attr(el, "role") in _NOTE_ROLES:
        return True
    return (local_name(el) == "li" and parent_name == "ol"
            and "references" in get_attr(parent, "class").split())


def _run_kind(name: str, ctx: _Ctx) -> tuple[str, int]:
    if name in _HEADINGS:
        return "heading", _HEADINGS[name]
    if ctx.note:
        return "note", 0
    if name == "li":
        return "list_item", ctx.lists
    if name in ("td", "th"):
        return "cell", 0
    if name in ("caption", "figcaption"):
        return "caption", 0
    if ctx.container:
        return ctx.container, ctx.lists if ctx.container == "list_item" else \
            ctx.quotes if ctx.container == "quote" else 0
    return "paragraph", 0


def _child_ctx(el: Any, name: str, ctx: _Ctx, parent: Any) -> _Ctx:
    note = ctx.note or _is_note(el, local_name(parent) if parent is not None else "", parent)
    lists = ctx.lists + (name in ("ul", "ol", "menu", "dir"))
    quotes = ctx.quotes + (name == "blockquote")
    container = {"li": "list_item", "blockquote": "quote", "td": "cell", "th": "cell",
                 "caption": "caption", "figcaption": "caption"}.get(name, ctx.container)
    return _Ctx(note, container, lists, quotes, ctx.lang)


def _slots(root: Any, lang: str) -> list[_Run | _Attr]:
    """Every block's place in the tree, in reading order."""
    blocky = _blocky(root, lang)
    out: list[_Run | _Attr] = []
    if not blocky.get(root):  # a fragment whose root is inline: the root is the container
        _walk(root, None, _Ctx(lang=lang), blocky, out)
        return out
    _walk(root, root.getparent(), _Ctx(lang=lang), blocky, out)
    return out


def _too_deep(file: str) -> DataFormatError:
    """A parser with huge_tree lets a document nest past Python's stack."""
    return DataFormatError(file or "document", None,
                           "nests its elements too deeply to be walked (over a few hundred "
                           "levels); simplify the markup")


def _walk(el: Any, parent: Any, ctx: _Ctx, blocky: dict[Any, bool],
          out: list[_Run | _Attr]) -> None:
    name = local_name(el)
    if name == "head":
        for item in el.iter():
            if local_name(item) == "title" and not kept(item):
                out.append(_Run(item, None, [], "title", 0))
            elif _is_description(item) and _WORDY.search(get_attr(item, "content")):
                out.append(_Attr(item, "content"))
        return
    ctx = _child_ctx(el, name, ctx, parent)
    out.extend(_people_attrs(el))
    kind, level = _run_kind(name, ctx)
    children = list(el)
    has_blocks = any(blocky[c] for c in children)
    pairable = not has_blocks and name in _PAIRABLE
    after, nodes = None, []
    for child in children:
        if not blocky[child]:
            nodes.append(child)
            continue
        _flush(_Run(el, after, nodes, kind, level, lang=ctx.lang), out)
        if local_name(child) not in _SKIP and not kept(child) and not foreign(child, ctx.lang):
            _walk(child, el, ctx, blocky, out)
        after, nodes = child, []
    _flush(_Run(el, after, nodes, kind, level, pairable, ctx.lang), out)


def _is_description(el: Any) -> bool:
    if local_name(el) != "meta" or kept(el):
        return False
    key = (get_attr(el, "name") or get_attr(el, "property")).strip().lower()
    return key in _DESCRIPTIONS


def _flush(run: _Run, out: list[_Run | _Attr]) -> None:
    if _run_has_words(run):
        out.append(run)
    for node in run.nodes:
        for el in _inline_elements(node, run.lang):
            out.extend(_people_attrs(el))
            if local_name(el) in _LISTS:
                out.extend(_options(el, run.lang))


def _inline_elements(node: Any, lang: str) -> list[Any]:
    """An inline node and the elements inside it; a verbatim one is not entered, and is
    itself left out when it is kept or in another language (its attributes are too)."""
    if not isinstance(node.tag, str) or kept(node) or foreign(node, lang):
        return []
    if is_verbatim(node):
        return [node]
    return [node, *(el for child in node for el in _inline_elements(child, lang))]


def _options(el: Any, lang: str) -> list[_Attr]:
    """A select's or datalist's option texts and labels, in order."""
    out = []
    for item in el.iter():
        if local_name(item) not in ("option", "optgroup") or _kept_in(item, el, lang):
            continue
        out.extend(_people_attrs(item))
        if local_name(item) == "option" and _WORDY.search(item.text or ""):
            out.append(_Attr(item, "", "label"))
    return out


def _kept_in(item: Any, top: Any, lang: str) -> bool:
    """Whether ``item`` or an element between it and ``top`` is kept or foreign."""
    while item is not None and item is not top:
        if kept(item) or foreign(item, lang):
            return True
        item = item.getparent()
    return False


def _people_attrs(el: Any) -> list[_Attr]:
    if not isinstance(el.tag, str):
        return []
    name = local_name(el)
    names = [*_PEOPLE_ATTRS, *_OWN_ATTRS.get(name, ())]
    if name == "input" and get_attr(el, "type").strip().lower() in _BUTTON_INPUTS:
        names.append("value")
    return [_Attr(el, n) for n in names if _WORDY.search(get_attr(el, n))]


def _run_text(run: _Run) -> str | None:
    return run.parent.text if run.after is None else run.after.tail


def _run_has_words(run: _Run) -> bool:
    def words(node: Any) -> bool:
        if is_verbatim(node, run.lang):
            return bool(_WORDY.search(node.tail or ""))
        return bool(_WORDY.search((node.text or "") + (node.tail or ""))) or \
            any(words(c) for c in node)

    return bool(_WORDY.search(_run_text(run) or "")) or any(words(n) for n in run.nodes)


def _is_br(node: Any) -> bool:
    return local_name(node) == "br"


def _run_parts(run: _Run) -> tuple[str, ...]:
    """The run's parts: its inline content serialized, cut at its own ``<br>`` children."""
    if run.kind == "title":
        return (escape_text(SPACE.sub(" ", run.parent.text or "").strip()),)
    parts: list[str] = []
    current = [escape_text(SPACE.sub(" ", _run_text(run) or ""))]
    for node in run.nodes:
        if _is_br(node) and not kept(node):
            parts.append("".join(current).strip(" "))
            current = []
        else:
            current.append(serialize(node))
        current.append(escape_text(SPACE.sub(" ", node.tail or "")))
    parts.append("".join(current).strip(" "))
    return tuple(parts)


def _attr_value(slot: _Attr) -> str:
    return (slot.el.text or "") if not slot.name else get_attr(slot.el, slot.name)


def _attr_part(slot: _Attr) -> str:
    return escape_text(SPACE.sub(" ", _attr_value(slot)).strip())


def tree_blocks(root: Any, file: str = "", lang: str = "") -> list[Block]:
    """The translatable blocks of an (X)HTML tree in reading order.

    Args:
        root: An lxml element: a whole document (``<html>``) or a fragment, XHTML-namespaced
            or plain HTML.
        file: The member of a container the tree comes from ("" for a single file), set as
            each block's ``file``.
        lang: The language the run translates from: elements marked as another are kept
            (see the module docstring); "" keeps none for that.

    Returns:
        Blocks whose ``parts`` hold the text (escaped, with inline tags), ``start``/``end``
        the element's source line - 1 and its source line.

    Raises:
        DataFormatError: The tree nests deeper than Python's stack allows (only a parser
            with ``huge_tree`` lets it).
    """
    try:
        return _tree_blocks(root, file, lang)
    except RecursionError:
        raise _too_deep(file) from None


def _tree_blocks(root: Any, file: str, lang: str) -> list[Block]:
    blocks = []
    for slot in _slots(root, lang):
        el = slot.el if isinstance(slot, _Attr) else \
            (slot.nodes[0] if slot.nodes and slot.after is not None else slot.parent)
        line = (el.sourceline or 1) - 1
        if isinstance(slot, _Attr):
            blocks.append(Block(slot.kind, line, line + 1, 0, (_attr_part(slot),),
                                file=file))
        else:
            blocks.append(Block(slot.kind, line, line + 1, slot.level, _run_parts(slot),
                                file=file))
    return blocks


def _put_run(run: _Run, parts: Sequence[str], langs: tuple[str, str] | None) -> None:
    """Put a run's translated parts in place; ``langs`` (source, target) asks for the
    span-level bilingual pair."""
    same = tuple(parts) == _run_parts(run)
    if run.kind == "title":
        if not same:
            run.parent.text = plain_value(parts[0] if parts else "")
        return
    if same and langs is None:
        return
    text = _run_text(run) or ""
    lead = text[:len(text) - len(text.lstrip())]
    last = (run.nodes[-1].tail if run.nodes else text) or ""
    trail = last[len(last.rstrip()):] if last.strip() or run.nodes else ""
    copied = _copy_run(run) if langs else None
    index = run.parent.index(run.after) + 1 if run.after is not None else 0
    target = etree.Element("diglot-run")
    if same:
        target.text = text.lstrip()
        for node in run.nodes:
            target.append(node)
        if len(target):
            target[-1].tail = (target[-1].tail or "").rstrip() or None
    else:
        _splice_parts(target, parts, run.nodes, run.lang)
    _set_run_text(run, None)
    if copied is not None and langs is not None:
        target = _span_pair(run.parent, copied, target, langs)
    target.text = lead + (target.text or "")
    append_text(target, trail)
    _set_run_text(run, target.text)
    for k, node in enumerate(list(target)):
        run.parent.insert(index + k, node)


def _splice_parts(target: Any, parts: Sequence[str], nodes: list[Any], lang: str) -> None:
    """Each part spliced from its own nodes (a part's lost elements come back at its end),
    with the run's ``<br>`` between parts."""
    groups: list[list[Any]] = [[]]
    breaks = []
    for node in nodes:
        if _is_br(node) and not kept(node):
            breaks.append(node)
            groups.append([])
        else:
            groups[-1].append(node)
    if len(groups) != len(parts):  # cannot be from the same walk; keep every element anyway
        parts = [" ".join(parts)] + [""] * (len(groups) - 1)
    for k, (part, group) in enumerate(zip(parts, groups, strict=True)):
        splice(target, part, group, lang)
        if k < len(breaks):
            breaks[k].getparent().remove(breaks[k])
            breaks[k].tail = None
            target.append(breaks[k])


def _set_run_text(run: _Run, text: str | None) -> None:
    if run.after is None:
        run.parent.text = text
    else:
        run.after.tail = text


def _copy_run(run: _Run) -> Any:
    """The run's source content, copied into a detached element (ids removed)."""
    holder = etree.Element("diglot-run")
    holder.text = (_run_text(run) or "").lstrip() or None
    for node in run.nodes:
        holder.append(copy.deepcopy(node))
    if len(holder):
        holder[-1].tail = (holder[-1].tail or "").rstrip() or None
    _drop_ids(holder)
    return holder


def _drop_ids(el: Any) -> None:
    for node in el.iter():
        if isinstance(node.tag, str):
            for name in ("id", f"{{{XML_NS}}}id", "name"):
                if name in node.attrib and (name != "name" or local_name(node) == "a"):
                    del node.attrib[name]


def _new(like: Any, name: str, cls: str, lang: str = "") -> Any:
    """A new element in ``like``'s namespace (XHTML or none) with a class and a language."""
    el = like.makeelement(f"{{{XHTML_NS}}}{name}" if is_xhtml(like) else name, {"class": cls})
    if lang:
        _mark_lang(el, lang, _lang_attrs(like))
    return el


def _lang_attrs(el: Any) -> tuple[str, ...]:
    """The attributes that say a language in ``el``'s document: ``lang`` in HTML;
    ``xml:lang`` in XHTML, and ``lang`` too where its root has one (a page that browsers may
    read as HTML, which knows only ``lang``)."""
    root = el.getroottree().getroot()
    if not is_xhtml(root):
        return ("lang",)
    return (XML_LANG, "lang") if root.get("lang") is not None else (XML_LANG,)


def _mark_lang(el: Any, lang: str, names: tuple[str, ...]) -> None:
    for name in names:
        el.set(name, lang)
    if el.get("lang") is not None:
        el.set("lang", lang)


def _add_class(el: Any, cls: str) -> None:
    classes = get_attr(el, "class").split()
    el.set("class", " ".join([*classes, cls]) if cls not in classes else " ".join(classes))


def _span_pair(like: Any, copied: Any, target: Any, langs: tuple[str, str]) -> Any:
    """``<span class="diglot-pair">`` around the source copy and the translation."""
    pair = _new(like, "span", "diglot-pair")
    for holder, cls, lang in ((copied, "diglot-source", langs[0]),
                              (target, "diglot-target", langs[1])):
        span = _new(like, "span", cls, lang)
        span.text = holder.text
        for node in list(holder):
            span.append(node)
        pair.append(span)
    pair[0].tail = " "
    out = etree.Element("diglot-run")
    out.append(pair)
    return out


def _pair_element(el: Any, copied: Any, langs: tuple[str, str]) -> None:
    """The element-level bilingual pair: the source copy before ``el``, both in a
    ``<div class="diglot-pair">`` unless the parent is an hgroup."""
    names = _lang_attrs(el)
    parent = el.getparent()
    _add_class(copied, "diglot-source")
    _mark_lang(copied, langs[0], names)
    if local_name(copied) in _HEADINGS and _has_aria(el):  # one outline: the translation's
        copied.set("role", "presentation")
    _add_class(el, "diglot-target")
    _mark_lang(el, langs[1], names)
    if local_name(parent) not in _FLOW_PARENTS:  # hgroup: the copy alone
        copied.tail = _gap(el)
        el.addprevious(copied)
        return
    wrapper = _new(el, "div", "diglot-pair")
    el.addprevious(wrapper)
    wrapper.tail, el.tail = el.tail, None
    copied.tail = None
    wrapper.append(copied)
    wrapper.append(el)


def _has_aria(el: Any) -> bool:
    """Whether ``el``'s document may carry ARIA roles: HTML5, not an XHTML 1.x or HTML 4
    doctype (an EPUB 2 document: EPUBCheck refuses ``role`` there)."""
    public = el.getroottree().docinfo.public_id or ""
    return not public.startswith(("-//W3C//DTD XHTML", "-//W3C//DTD HTML"))


def _gap(el: Any) -> str | None:
    """The whitespace before ``el``, to separate its copy from it as the source does."""
    prev = el.getprevious()
    before = (prev.tail if prev is not None else el.getparent().text) or ""
    return before[len(before.rstrip()):] or None


def put_blocks(root: Any, parts: Sequence[tuple[str, ...]], *, edition: str = "translated",
               src_lang: str = "", tgt_lang: str = "", file: str = "") -> None:
    """Put translated parts in place in the tree, in place.

    Args:
        root: The tree `tree_blocks` read (parsed again from the same source).
        parts: For each block of ``tree_blocks(root)``, its translated parts.
        edition: "translated", or "bilingual" (each block's source copy beside it).
        src_lang: The source language, marked on the source copies (bilingual); elements
            marked as another language are kept, as `tree_blocks` was told with ``lang``.
        tgt_lang: The target language, marked on the translations (bilingual).
        file: The file or member, for the error message.

    Raises:
        DataFormatError: The tree has another number of blocks than ``parts``, or nests
            deeper than Python's stack allows.
    """
    try:
        _put_blocks(root, parts, edition == "bilingual", (src_lang, tgt_lang), file)
    except RecursionError:
        raise _too_deep(file) from None


def _put_blocks(root: Any, parts: Sequence[tuple[str, ...]], bilingual: bool,
                langs: tuple[str, str], file: str) -> None:
    slots = _slots(root, langs[0])
    if len(slots) != len(parts):
        raise DataFormatError(
            file or "document", None,
            f"changed since it was read ({len(slots)} blocks now, {len(parts)} then); "
            "run again")
    pairs = []
    spans: set[int] = set()
    for k, slot in enumerate(slots):
        if not bilingual or not isinstance(slot, _Run) or slot.kind == "title":
            continue
        grand = slot.parent.getparent()
        if slot.pairable and grand is not None and local_name(grand) in {*_FLOW_PARENTS,
                                                                          "hgroup"}:
            pairs.append((slot.parent, copy.deepcopy(slot.parent)))
        else:
            spans.add(k)
    for k, (slot, new) in enumerate(zip(slots, parts, strict=True)):
        if isinstance(slot, _Attr):
            if tuple(new) != (_attr_part(slot),):
                value = plain_value(new[0] if new else "")
                if slot.name:
                    slot.el.set(slot.name, value)
                else:
                    slot.el.text = value
        else:
            _put_run(slot, new, langs if k in spans else None)
    for el, copied in pairs:
        copied.tail = None
        _drop_ids(copied)
        _pair_element(el, copied, langs)


def resolve_entities(root: Any) -> None:
    """Entity references an XML parser kept as nodes (``resolve_entities=False``, no DTD
    loaded) become their characters where HTML names them (``&nbsp;``); others stay nodes,
    written whole in parts and put back as they are."""
    for ent in list(root.iter(etree.Entity)):
        text = html.unescape(ent.text or "")
        if text == ent.text:
            continue
        parent, before = ent.getparent(), ent.getprevious()
        text += ent.tail or ""
        ent.tail = None
        parent.remove(ent)
        if before is not None:
            before.tail = (before.tail or "") + text
        else:
            parent.text = (parent.text or "") + text


def set_language(root: Any, lang: str, source: str = "") -> None:
    """Set a document's language to ``lang``.

    The root's ``lang`` and ``xml:lang`` (each that is there; ``xml:lang`` in XHTML and
    ``lang`` in HTML when neither is), and every element that repeats the document's old
    language (the root's, else ``source``; compared by primary subtag, so ``en`` matches
    ``en-GB``): MediaWiki marks its content ``<div lang="fr">``. Left alone: other
    languages (a Latin phrase), what is kept untranslated (``translate="no"``, code...), and
    the bilingual edition's source copies (class ``diglot-source``).

    Args:
        root: The document's root element.
        lang: The target language.
        source: The source language, for a root that declares none.
    """
    old = root.get(XML_LANG) or root.get("lang") or source
    names = [n for n in (XML_LANG, "lang") if root.get(n) is not None] or \
        [XML_LANG if is_xhtml(root) else "lang"]
    for name in names:
        root.set(name, lang)
    if old:
        _relabel(root, primary_language(old), lang)


def _relabel(el: Any, old: str, lang: str) -> None:
    for child in el:
        if not isinstance(child.tag, str) or is_verbatim(child) or \
                "diglot-source" in get_attr(child, "class").split():
            continue
        for name in (XML_LANG, "lang"):
            value = child.get(name)
            if value is not None and primary_language(value) == old:
                child.set(name, lang)
        _relabel(child, old, lang)
