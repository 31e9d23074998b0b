"""An EPUB's edition as one HTML page, for reading in a browser.

The page holds the book's content documents in spine order, each translated by the EPUB
writer's own walk (`corpora.epub.translate_document`, the same blocks in the same places), so
the page and the EPUB of a run say the same words. Each document's body becomes a
``<section class="diglot-document">`` that keeps the body's attributes (``epub:type`` as
``data-epub-type``, the document's language as ``lang``); the navigation document and the
NCX stay out unless the spine reads them (a reading system's table of contents, not the
book's). The head has the book's translated title, its stylesheets (the manifest's CSS, in
the order the documents link them, then any other; each document's own ``<style>``) inlined,
and `corpora.xhtml.BILINGUAL_CSS`, which sets source and translation in two columns on a
wide screen.

An HTML page has one id space where the book had one per document: an id already used by an
earlier document gets the document's name as a prefix (``endnotes--note-3``), and every
internal link is rewritten to the page (``chapter-1.xhtml#note-3`` → ``#note-3``,
``chapter-1.xhtml`` → the section's id). Images, fonts and other resources the page refers to
(in the documents or in the CSS) are streamed from the zip into ``STEM_files/`` beside the
page, with the same paths as under the book's package folder; obfuscated fonts are written
plain, as a browser needs them. What the page cannot show (a link to the NCX, to a document
outside the spine, to a member the zip lacks) loses its link, not its text.

The page is written with lxml's HTML serializer (text and attributes escaped), one section at
a time, so memory stays bounded by the largest content document, as in the EPUB writer; it
has no script.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from lxml import etree

from corpora.document import Document
from corpora.epub import (
    Pairs,
    font_key,
    member_pairs,
    open_epub,
    open_written,
    translate_document,
    xor,
)
from corpora.epub_opf import (
    FONT_ALGORITHMS,
    NS,
    Package,
    parse_member,
    part_text,
    read_member,
    text_elements,
)
from corpora.formats import WriteContext
from corpora.textio import atomic_output
from corpora.xhtml import BILINGUAL_CSS, local_name
from diglot.errors import DataFormatError

XML_NS = "http://www.w3.org/XML/1998/namespace"
OPS_NS = "http://www.idpf.org/2007/ops"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: Attributes holding a URL, rewritten to the page.
_URL_ATTRS = frozenset({"href", "src", "poster", "data", "cite", "longdesc"})
#: Attributes holding ids of the same document, rewritten with them.
_IDREF_ATTRS = frozenset({"for", "headers", "aria-labelledby", "aria-describedby",
                          "aria-controls", "aria-owns", "aria-details", "list"})
#: The page's own rules, after the book's and the bilingual ones: a measure for reading (wide
#: enough for two columns in the bilingual edition), images that fit the window, a rule where
#: a reading system would start a new page; in a pair, the source and its translation start
#: alike (a book's "no indent after a heading" would indent only one of them), and a centred
#: heading's source is told by its colour, not by a rule at the far left.
PAGE_CSS = """\
/* diglot: the book as one page */
body { max-width: %s; margin: 0 auto; padding: 1em 1.5em 3em 1.5em; }
img, svg, video { max-width: 100%%; height: auto; }
img { max-height: 90vh; object-fit: contain; }
section.diglot-document + section.diglot-document { border-top: 1px solid #d0d0d0;
  margin-top: 3em; padding-top: 1em; }
.diglot-pair > p { text-indent: 0; }
.diglot-pair > .diglot-source { margin-bottom: 0.3em; }
hgroup > .diglot-source, h1.diglot-source, h2.diglot-source, h3.diglot-source,
h4.diglot-source, h5.diglot-source, h6.diglot-source { border-left: none; padding-left: 0; }
"""
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""")
_CSS_NAMESPACE = re.compile(r"""@namespace\s+([\w-]+)\s+(?:url\(\s*)?["']?([^"')\s;]+)""")


def page_path(out: Path) -> Path:
    """Where the page of the EPUB written to `out` goes: beside it, ``.html`` for ``.epub``."""
    page = out.with_suffix(".html")
    return page if page != out else out.with_name(out.name + ".html")


def write_html_edition(doc: Document, texts: Mapping[int, str], out: Path,
                       context: WriteContext) -> None:
    """The book as one HTML page at `out`, its resources in ``STEM_files/`` beside it.

    Args:
        doc: The EPUB's document (`corpora.epub.read`).
        texts: The segments' translations (as `corpora.formats.write_document`'s).
        out: The page's path (written atomically).
        context: The run; ``context.edition`` says translated or bilingual.

    Raises:
        DataFormatError: The source changed since it was read, or cannot be read as an EPUB.
    """
    path = context.source
    members = member_pairs(doc, texts)
    with open_epub(path) as zf:
        pkg, opf = open_written(zf, path, members)
        spine = _spine(pkg, opf)
        book = _survey(zf, path, spine)
        files = _Resources(zf, path, pkg, out.parent / f"{out.stem}_files")
        head = _head(opf, pkg, members.get(pkg.path, []), book, files, context)
        with atomic_output(out, binary=True) as fh, \
                etree.htmlfile(fh, encoding="utf-8") as xf:
            xf.write_doctype("<!DOCTYPE html>")
            with xf.element("html", lang=context.tgt_lang):
                xf.write("\n", head, "\n")
                with xf.element("body"):
                    for member in spine:
                        tree = translate_document(zf, pkg, member, members.get(member, []),
                                                  context)
                        xf.write("\n", _section(tree, member, book, files, pkg), "\n")
                        del tree  # one document in memory at a time
                xf.write("\n")


# the book's parts ---------------------------------------------------------------------------

def _items(pkg: Package, opf: etree._ElementTree) -> dict[str, tuple[str, str]]:
    """The manifest: id → (member, media type), members resolved as `open_package` does."""
    base = posixpath.dirname(pkg.path)
    out = {}
    for item in opf.getroot().iterfind("opf:manifest/opf:item", NS):
        href = unquote(item.get("href", "").split("#")[0])
        if href:
            out[item.get("id", "")] = (posixpath.normpath(posixpath.join(base, href)),
                                       item.get("media-type", ""))
    return out


def _spine(pkg: Package, opf: etree._ElementTree) -> list[str]:
    """The content documents the spine reads, in its order."""
    items = _items(pkg, opf)
    read = {items[ref.get("idref", "")][0]
            for ref in opf.getroot().iterfind("opf:spine/opf:itemref", NS)
            if ref.get("idref", "") in items}
    return [m for m in pkg.documents if m in read]


@dataclass
class _Book:
    """What the page needs to know of every document before writing the first.

    Attributes:
        ids: Per document, each id → its id in the page.
        sections: Per document, its section's id.
        styles: The documents' own ``<style>`` texts, each once, in order.
        links: The stylesheet members the documents link, in order.
        taken: Every id of the page.
    """

    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    styles: dict[str, None] = field(default_factory=dict)
    links: dict[str, None] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)

    def free(self, base: str) -> str:
        """An id the page does not use yet, from `base`; taken."""
        base = re.sub(r"\s+", "_", base) or "section"
        ident, n = base, 1
        while ident in self.taken:
            n += 1
            ident = f"{base}-{n}"
        self.taken.add(ident)
        return ident


def _survey(zf: zipfile.ZipFile, path: Path, spine: list[str]) -> _Book:
    """Ids, styles and stylesheet links of the spine's documents, read one at a time."""
    book = _Book()
    bodies: dict[str, str] = {}
    for member in spine:
        root = parse_member(zf, path, member).getroot()
        stem = PurePosixPath(member).stem
        ids = book.ids.setdefault(member, {})
        for el in root.iter():
            ident = _anchor(el)
            if ident is not None and ident not in ids:
                ids[ident] = ident if ident not in book.taken else book.free(f"{stem}--{ident}")
                book.taken.add(ids[ident])
            name = local_name(el)
            if name == "body" and ident is not None:
                bodies[member] = ids[ident]
            elif name == "style" and (el.text or "").strip():
                book.styles.setdefault(el.text or "", None)
            elif name == "link" and "stylesheet" in (el.get("rel") or "").split():
                target = _resolve(member, el.get("href") or "")
                if target:
                    book.links[target] = None
    for member in spine:  # after every id of the book: the book's own ids stay as they are
        book.sections[member] = bodies.get(member) or book.free(PurePosixPath(member).name)
    return book


def _anchor(el: etree._Element) -> str | None:
    """Where a link may land on an element: its id, or an old-style ``<a name>``."""
    if not isinstance(el.tag, str):
        return None
    ident = el.get("id")
    return el.get("name") if ident is None and local_name(el) == "a" else ident


def _resolve(member: str, href: str) -> str | None:
    """The member a relative URL in `member` names, or None for an absolute URL or a
    fragment alone."""
    parts = urlsplit(href.strip())
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(member), unquote(parts.path)))


# resources ------------------------------------------------------------------------------------

class _Resources:
    """Members the page refers to, streamed from the zip into the page's folder once each."""

    def __init__(self, zf: zipfile.ZipFile, path: Path, pkg: Package, folder: Path) -> None:
        self.zf, self.path, self.pkg, self.folder = zf, path, pkg, folder
        self.names = set(zf.namelist())
        self.base = posixpath.dirname(pkg.path)
        self.done: dict[str, str | None] = {}

    def url(self, member: str) -> str | None:
        """The page's URL of a member (copied beside the page), or None when the zip has no
        such file."""
        if member not in self.done:
            self.done[member] = self._copy(member)
        return self.done[member]

    def _copy(self, member: str) -> str | None:
        inside = self.base and member.startswith(self.base + "/")
        rel = member[len(self.base) + 1:] if inside else member
        parts = PurePosixPath(rel).parts
        if member not in self.names or member.endswith("/") or not parts or \
                rel.startswith("/") or ".." in parts or "\\" in rel:
            return None
        dest = self.folder.joinpath(*parts)
        algorithm = self.pkg.fonts.get(member)
        try:
            with self.zf.open(member) as src, atomic_output(dest, binary=True) as dst:
                if algorithm is not None:  # a browser needs the font itself
                    key = font_key(algorithm, self.pkg.font_id(algorithm))
                    head = src.read(FONT_ALGORITHMS[algorithm])
                    dst.write(xor(head, key) if key else head)
                shutil.copyfileobj(src, dst, 1 << 20)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError,
                NotImplementedError) as exc:
            raise DataFormatError(self.path, None, f"{member} is damaged in the zip ({exc}); "
                                  "the file is not a valid EPUB: download or export it again") \
                from None
        return quote(f"{self.folder.name}/{rel}")


# the head -----------------------------------------------------------------------------------

def _head(opf: etree._ElementTree, pkg: Package, pairs: Pairs, book: _Book,
          files: _Resources, context: WriteContext) -> etree._Element:
    head = etree.Element("head")
    etree.SubElement(head, "meta", charset="utf-8")
    etree.SubElement(head, "meta", name="viewport",
                     content="width=device-width, initial-scale=1")
    etree.SubElement(head, "meta", name="generator", content=context.generator)
    etree.SubElement(head, "title").text = _title(opf, pairs)
    sheets = [*book.links, *(m for m, media in _items(pkg, opf).values()
                             if media == "text/css" and m not in book.links)]
    for member in sheets:
        if member in files.names:
            css = read_member(files.zf, files.path, member).decode("utf-8", "replace")
            _style(head, _css(css, member, files), member)
    for css in book.styles:
        _style(head, _css(css, pkg.path, files), "")
    _style(head, BILINGUAL_CSS, "")
    _style(head, PAGE_CSS % ("90em" if context.edition == "bilingual" else "40em"), "")
    for el in head:
        el.tail = "\n"
    head.text = "\n"
    return head


def _style(head: etree._Element, css: str, member: str) -> None:
    style = etree.SubElement(head, "style")
    if member:
        style.set("data-file", member)
    style.text = css.replace("</", "<\\/")  # a style element ends at the first "</style"


def _title(opf: etree._ElementTree, pairs: Pairs) -> str:
    """The book's translated title: the OPF's first ``dc:title`` as the run translated it."""
    for (_, kind), (_, new) in zip(text_elements(opf), pairs, strict=False):
        if kind == "title":
            return part_text(new[0])
    return ""


def _css(css: str, member: str, files: _Resources) -> str:
    """A stylesheet of `member` for the page: its URLs rewritten to the copies beside the
    page, its ``epub|type`` and ``xml|lang`` selectors to the page's attributes."""
    prefixes = {uri: prefix for prefix, uri in _CSS_NAMESPACE.findall(css)}
    for uri, name in ((OPS_NS, "data-epub-type"), (XML_NS, "lang")):
        prefix = prefixes.get(uri, "epub" if uri == OPS_NS else "xml")
        css = re.sub(rf"(?<![\w-]){re.escape(prefix)}\|{name.rsplit('-', 1)[-1]}\b",
                     name, css)
    css = re.sub(r"^\s*@charset[^;]*;", "", css)

    def url(m: re.Match[str], form: str) -> str:
        value = next(g for g in m.groups() if g is not None)
        target = _resolve(member, value)
        return m.group(0) if target is None else form.format(files.url(target) or "")

    css = _CSS_URL.sub(lambda m: url(m, 'url("{}")'), css)
    return _CSS_IMPORT.sub(lambda m: url(m, '@import "{}"'), css)


# the sections -------------------------------------------------------------------------------

def _section(tree: etree._ElementTree, member: str, book: _Book, files: _Resources,
             pkg: Package) -> etree._Element:
    """A translated document's body as the page's section (the tree is used up)."""
    root = tree.getroot()
    body = next((el for el in root if local_name(el) == "body"), None)
    section = etree.Element("section")
    if body is None:
        section.set("id", book.sections[member])
        return section
    _Htmlify(member, book, files, pkg).walk(body)
    lang = root.get(f"{{{XML_NS}}}lang") or root.get("lang")
    for name, value in (("lang", lang), ("dir", root.get("dir"))):
        if value is not None and body.get(name) is None:
            body.set(name, value)
    body.attrib.pop("id", None)
    section.set("id", book.sections[member])
    section.set("class", " ".join(["diglot-document", *(body.get("class") or "").split()]))
    for name, value in body.attrib.items():
        if name != "class":
            section.set(name, value)
    section.set("data-file", member)
    section.text = body.text
    for child in list(body):
        section.append(child)
    etree.cleanup_namespaces(section)
    return section


@dataclass
class _Htmlify:
    """An XHTML body made HTML in place: tags and attributes out of their namespaces, ids
    unique in the page, links to the page and its folder, no comments."""

    member: str
    book: _Book
    files: _Resources
    pkg: Package
    seen: set[str] = field(default_factory=set)

    def walk(self, body: etree._Element) -> None:
        for el in list(body.iter()):
            if isinstance(el, (etree._Comment, etree._ProcessingInstruction)) or \
                    local_name(el) == "script" or (local_name(el) == "meta"
                                                   and el.get("http-equiv") is not None):
                _remove(el)  # a page that runs nothing and goes nowhere by itself
            elif isinstance(el.tag, str):
                el.tag = local_name(el) or "span"
                self._attributes(el)

    def _attributes(self, el: etree._Element) -> None:
        named = el.get("id") is None and local_name(el) == "a"  # <a name>: an id in the page
        old = [("id" if named and name == "name" else name, value)
               for name, value in el.attrib.items()]
        el.attrib.clear()
        for name, value in old:
            new = self._attribute(name, value)
            if new is not None and el.get(new[0]) is None:
                el.set(*new)

    def _attribute(self, name: str, value: str) -> tuple[str, str] | None:
        if name.startswith("{"):
            ns, local = name[1:].split("}", 1)
            if (ns, local) == (XML_NS, "lang"):
                return "lang", value
            if (ns, local) == (OPS_NS, "type"):
                return "data-epub-type", value
            if (ns, local) != (XLINK_NS, "href"):
                return None  # xml:space, epub:prefix...: nothing in HTML
            name = "href"
        if name.lower().startswith("on"):
            return None  # event handlers: the page has no script
        if name == "id":
            return name, self._id(value)
        if name in _IDREF_ATTRS:
            ids = self.book.ids[self.member]
            return name, " ".join(ids.get(v, v) for v in value.split())
        if name in _URL_ATTRS:
            url = self._url(value)
            return None if url is None else (name, url)
        if name == "srcset":
            return name, ", ".join(" ".join([self._url(u) or "", *rest])
                                   for u, *rest in (c.split() for c in value.split(",")
                                                    if c.strip()))
        if name == "style":
            return name, _css(value, self.member, self.files).replace("\n", " ")
        return name, value

    def _id(self, value: str) -> str:
        new = self.book.ids[self.member].get(value, value)
        if new in self.seen:  # the same id twice in one document: only the first is linked
            new = self.book.free(f"{PurePosixPath(self.member).stem}--{value}")
        self.seen.add(new)
        return new

    def _url(self, value: str) -> str | None:
        """A URL of the document as the page's, or None where the page has nothing there."""
        parts = urlsplit(value.strip())
        if parts.scheme.lower() in ("javascript", "vbscript"):
            return None
        if parts.scheme or parts.netloc:
            return value
        fragment = unquote(parts.fragment)
        target = _resolve(self.member, value) if parts.path else self.member
        if target in self.book.sections:
            ids = self.book.ids[target]
            return "#" + quote(ids.get(fragment) or self.book.sections[target], safe="")
        if target is None or target in self.pkg.documents or target == self.pkg.ncx:
            return None  # a document the page leaves out
        url = self.files.url(target)
        return None if url is None else url + (f"#{parts.fragment}" if parts.fragment else "")


def _remove(node: Any) -> None:
    """Remove a node, keeping its tail text."""
    parent = node.getparent()
    if parent is None:
        return
    tail, prev = node.tail or "", node.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)

