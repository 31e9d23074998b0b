"""HTML pages and chapters (``corpora.formats``): a saved web page, an XHTML chapter, a
MediaWiki page as a browser saves it.

The text is walked by ``corpora.xhtml`` (what is a block, how inline markup travels, what
is left alone). This module parses and writes the file:

- **XHTML** (an XML declaration at the top, or a ``.xhtml`` name) is parsed as XML, with no
  DTD loaded and no network; a page that is not well-formed is refused with its line. A
  page without the declaration that declares the XHTML namespace is tried as XML and read
  as HTML if it is not well-formed (such pages are served as HTML and browsers read them
  so). XHTML is written back as XHTML: the source's own XML declaration and doctype, its
  encoding, and empty elements that are not void written open and closed (``<script
  src="a.js"></script>``), so that the page still reads as HTML.
- **HTML** is parsed leniently by lxml's HTML parser (libxml2), in the encoding of its BOM
  or ``<meta charset>``, else UTF-8, else Windows-1252, and written back as HTML with the
  source's doctype (none if it had none) in the same encoding.

Named entities (``&nbsp;``) become their characters. The root's ``lang``/``xml:lang``
becomes the target language (an XHTML page named ``.html`` gets both: browsers read it
as HTML, which knows only ``lang``); in the bilingual edition the source copies are marked
with the source language and `corpora.xhtml.BILINGUAL_CSS` goes in a ``<style>`` in the
head.

Metadata (``Document.meta``, ``corpora.meta`` keys): title from ``<title>``; authors from
``<meta name="author">`` (or ``dc.creator``/``dcterms.creator``); source from ``<link
rel="canonical">`` or ``og:url``; license from ``<meta name="dcterms.license">`` or ``<link
rel="license">`` when it is an SPDX identifier or a Creative Commons address.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lxml import etree

from corpora.document import Document
from corpora.formats import ReadOptions, WriteContext, block_parts, make_document
from corpora.textio import atomic_output
from corpora.xhtml import (
    BILINGUAL_CSS,
    XHTML_NS,
    XML_LANG,
    is_xhtml,
    local_name,
    put_blocks,
    resolve_entities,
    set_language,
    tree_blocks,
)
from diglot.errors import ConfigError, DataFormatError

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]+)", re.I)
_XHTML_XMLNS = re.compile(rb"""xmlns\s*=\s*["']http://www\.w3\.org/1999/xhtml["']""")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_CC_URL = re.compile(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.I)


@dataclass
class _Page:
    """A parsed page and what writing it back needs."""

    tree: Any
    xml: bool
    encoding: str
    declaration: bytes  # the XML declaration as written, with the whitespace after it
    doctype: bool  # the source had a doctype
    newline: bool  # the source ended with a line break


def _parse(path: Path) -> _Page:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFormatError(path, None, f"cannot be read ({exc.strerror}); check the path "
                              "and its permissions") from None
    head = data[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    newline = data.endswith(b"\n")
    doctype = b"<!doctype" in head[:2048].lower()
    declared = head.startswith(b"<?xml") or path.suffix.lower() == ".xhtml"
    if declared or _XHTML_XMLNS.search(head):
        page = _parse_xml(path, data, newline, doctype, strict=declared)
        if page is not None:
            return page
    encoding = _html_encoding(data)
    import lxml.html

    parser = lxml.html.HTMLParser(encoding=encoding, remove_comments=False, remove_pis=False)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise DataFormatError(path, None, f"cannot be read as HTML ({exc}); is it an empty "
                              "file or not a web page?") from None
    for error in parser.error_log:
        if error.level_name == "FATAL":  # the parser stopped there: the rest would be lost
            if "Excessive depth" in error.message:  # libxml2's limit, named in its own terms
                raise DataFormatError(path, error.line or None, _TOO_DEEP)
            raise DataFormatError(path, error.line or None,
                                  f"cannot be read as HTML ({error.message}); simplify the "
                                  "page there")
    tree = root.getroottree()
    resolve_entities(root)
    return _Page(tree, False, encoding, b"", doctype, newline)


#: libxml2 stops at 256 levels of elements (its "use XML_PARSE_HUGE option" is its own jargon).
_TOO_DEEP = ("elements are nested more than 256 deep here, more than diglot reads; close the "
             "unclosed tags or flatten the page there")


def _parse_xml(path: Path, data: bytes, newline: bool, doctype: bool,
               strict: bool) -> _Page | None:
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        if not strict:
            return None
        if "Excessive depth" in exc.msg:
            raise DataFormatError(path, exc.lineno or None, _TOO_DEEP) from None
        raise DataFormatError(path, exc.lineno or None,
                              f"is not well-formed XHTML ({exc.msg}); fix the markup there "
                              "(xmllint --noout shows every error), or rename it .html "
                              "without the XML declaration to read it as HTML") from None
    resolve_entities(tree.getroot())
    start = data.find(b"<?xml")
    declaration = b""
    if 0 <= start < 8:
        end = data.find(b"?>", start) + 2
        rest = data[end:]
        declaration = data[start:end] + rest[:len(rest) - len(rest.lstrip())]
    return _Page(tree, True, tree.docinfo.encoding or "utf-8", declaration, doctype, newline)


def _html_encoding(data: bytes) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if m := _CHARSET.search(data[:4096]):
        try:
            return codecs.lookup(m.group(1).decode("ascii")).name
        except LookupError:
            pass
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def read(path: Path, lang: str, options: ReadOptions) -> Document:
    """The HTML reader of ``corpora.formats``.

    Raises:
        DataFormatError: The file cannot be read, or is XHTML that is not well-formed
            (with its line).
    """
    page = _parse(path)
    root = page.tree.getroot()
    doc = make_document(path.name, "html", lang, tree_blocks(root, lang=lang))
    return replace(doc, meta=tuple(_meta(root)))  # one ``authors`` pair per author


def write(doc: Document, texts: Mapping[int, str], out: Path, context: WriteContext) -> None:
    """The HTML writer of ``corpora.formats``: the page again with the translations in
    place (or beside their sources, ``context.edition == "bilingual"``), written atomically.

    Raises:
        DataFormatError: The source changed since it was read.
    """
    if context.edition not in ("translated", "bilingual"):
        raise ConfigError(f"unknown edition {context.edition!r}; use translated or bilingual")
    page = _parse(context.source)
    root = page.tree.getroot()
    if [b.parts for b in tree_blocks(root, lang=context.src_lang)] != \
            [b.parts for b in doc.blocks]:
        raise DataFormatError(context.source, None, "changed since it was read; run again")
    if page.xml and context.source.suffix.lower() != ".xhtml":  # browsers read it as HTML
        here = root.get(XML_LANG) or root.get("lang") or context.src_lang
        for name in ("lang", XML_LANG):
            root.set(name, root.get(name) or here)
    put_blocks(root, block_parts(doc, texts), edition=context.edition,
               src_lang=context.src_lang, tgt_lang=context.tgt_lang,
               file=str(context.source))
    set_language(root, context.tgt_lang, context.src_lang)
    if context.edition == "bilingual":
        _add_style(root)
    with atomic_output(out, binary=True) as fh:
        fh.write(_serialize(page))


def _serialize(page: _Page) -> bytes:
    tree = page.tree
    if page.xml:
        _open_empty(tree.getroot())
        data = page.declaration + etree.tostring(tree, encoding=page.encoding,
                                                 xml_declaration=False)
    else:
        import lxml.html

        # the parser gives a page without a doctype HTML 4's: write none, as the source
        data = lxml.html.tostring(tree, encoding=page.encoding,
                                  doctype=tree.docinfo.doctype if page.doctype else "")
        data = data if page.doctype else data.lstrip(b"\n")
    wide = page.encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    return data + b"\n" if page.newline and not wide and not data.endswith(b"\n") else data


def _open_empty(root: Any) -> None:
    """Empty HTML elements other than void ones written ``<script …></script>``, not
    ``<script …/>``: an XHTML page opened as HTML (a ``.html`` file) would otherwise swallow
    the rest of the page into the script (XHTML 1.0, appendix C)."""
    for el in root.iter():
        if (isinstance(el.tag, str) and el.text is None and len(el) == 0
                and (not el.tag.startswith("{") or el.tag.startswith(f"{{{XHTML_NS}}}"))
                and local_name(el) not in _VOID):
            el.text = ""


def _add_style(root: Any) -> None:
    """The bilingual stylesheet in a ``<style>`` at the end of the head."""
    xml = is_xhtml(root)
    name = (lambda n: f"{{{XHTML_NS}}}{n}") if xml else (lambda n: n)
    head = next((c for c in root if local_name(c) == "head"), None)
    if head is None:
        head = root.makeelement(name("head"), {})
        root.insert(0, head)
    style = root.makeelement(name("style"), {"type": "text/css"})
    style.text = "\n" + BILINGUAL_CSS
    if len(head):  # indented as the head's other children
        style.tail, head[-1].tail = head[-1].tail, head.text
    head.append(style)


def _meta(root: Any) -> list[tuple[str, str]]:
    """What the page says about itself, as ``corpora.meta`` keys."""
    out: list[tuple[str, str]] = []
    metas: dict[str, list[str]] = {}
    links: dict[str, list[str]] = {}
    for el in root.iter():
        name = local_name(el)
        if name == "title" and not any(k == "title" for k, _ in out):
            if text := " ".join((el.text or "").split()):
                out.append(("title", text))
        elif name == "meta":
            key = (el.get("name") or el.get("property") or "").strip().lower()
            if value := " ".join((el.get("content") or "").split()):
                metas.setdefault(key, []).append(value)
        elif name == "link" and (href := (el.get("href") or "").strip()):
            for rel in (el.get("rel") or "").lower().split():
                links.setdefault(rel, []).append(href)
        if name == "body":
            break
    authors = metas.get("author") or metas.get("dc.creator") or metas.get("dcterms.creator")
    out += [("authors", a) for a in authors or ()]
    if source := (links.get("canonical") or metas.get("og:url") or [""])[0]:
        out.append(("source", source))
    for candidate in [*metas.get("dcterms.license", []), *links.get("license", [])]:
        if licence := _licence(candidate):
            out.append(("license", licence))
            break
    return out


def _licence(text: str) -> str | None:
    """An SPDX licence from an identifier or a Creative Commons address, else None."""
    from corpora.meta import normalise_license

    if m := _CC_URL.search(text):
        kind, name, version = m.groups()
        if kind.lower() == "publicdomain":
            return "CC0-1.0" if name.lower() == "zero" else None
        text = f"CC-{name.upper()}-{version}"
    try:
        return normalise_license(text, "the page's licence")
    except ConfigError:
        return None
