"""EPUB 2 and 3 books: read into blocks, written back translated or bilingual.

Reading order (the blocks' order, and the writer's walk):

1. the OPF's human-readable metadata (``dc:title``, ``dc:description``: see
   ``corpora.epub_opf.TEXT_ELEMENTS``),
2. the XHTML content documents in spine order, then the manifest's other XHTML documents
   (the EPUB 3 navigation document even when it is not in the spine), each walked by
   ``corpora.xhtml.tree_blocks``,
3. the NCX's ``docTitle`` (kind title) and every ``navLabel`` (kind label).

Nav and NCX entries are the same texts as the headings they point to, so the pipeline's dedup
gives them the same translation. A bilingual edition pairs blocks in the content documents
only: the navigation document and the NCX get the translation alone (a nav list item holds
one link, an NCX label one text). A bilingual edition also comes as one HTML page beside the
book (``corpora.epub_html``), made by the same walk of each content document
(`translate_document`).

One content document is parsed at a time and dropped, and members diglot does not rewrite
(images, fonts, CSS) are streamed from zip to zip, so memory stays bounded by the largest
content document, whatever the book's size. Obfuscated fonts are re-keyed to the new edition's
identifier (their key derives from it), byte for byte otherwise. EPUB members other than
XHTML documents, NCX and OPF are never rewritten (SVG content documents are copied as they are).

Library: lxml with direct OPF handling rather than ebooklib, which reads every member into
memory at once and rewrites the whole zip on save (mimetype handling, member order, the
manifest and the NCX regenerated), so that nothing the reader did not hand out could stay
unchanged.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import shutil
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from corpora.document import Block, Document
from corpora.epub_opf import (
    FONT_ALGORITHMS,
    NS,
    Package,
    new_identifier,
    open_package,
    parse_member,
    part_text,
    rewrite_metadata,
    text_elements,
    text_part,
    unique_identifier,
)
from corpora.formats import ReadOptions, WriteContext, block_parts, make_document
from corpora.textio import atomic_output
from corpora.xhtml import (
    BILINGUAL_CSS,
    put_blocks,
    resolve_entities,
    set_language,
    tree_blocks,
)
from diglot.errors import ConfigError, DataFormatError

XHTML = "{http://www.w3.org/1999/xhtml}"
NCX = f"{{{NS['ncx']}}}"
MIMETYPE = b"application/epub+zip"
CSS_NAME = "diglot-bilingual.css"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: A member's blocks: each one's source parts and translated parts.
Pairs = list[tuple[tuple[str, ...], tuple[str, ...]]]


def read(path: Path, lang: str, options: ReadOptions) -> Document:
    """An EPUB's blocks in reading order (see the module docstring), each with its member in
    ``Block.file``; ``Document.meta`` from the OPF (`declared_meta`).

    Raises:
        DataFormatError: Not a zip or not an EPUB, DRM-protected, a spine item missing, a
            member that is not well-formed XML (named, with its line).
    """
    blocks: list[Block] = []
    with open_epub(path) as zf:
        pkg, opf = open_package(zf, path)
        meta = declared_meta(opf)
        blocks += [_text_block(el, kind, pkg.path) for el, kind in text_elements(opf)]
        del opf
        for member in pkg.documents:
            tree = _content(zf, path, member)
            blocks += [_unwrap(b) for b in tree_blocks(tree.getroot(), member, lang)]
            del tree  # one content document in memory at a time
        if pkg.ncx is not None:
            ncx = parse_member(zf, path, pkg.ncx)
            blocks += [_text_block(el, kind, pkg.ncx) for el, kind in _ncx_texts(ncx)]
    # Document.meta keeps a repeated key (one ``authors`` per creator); make_document's
    # mapping cannot, so the pairs are set on the document it makes
    return replace(make_document(path.name, "epub", lang, blocks), meta=tuple(meta))


def write(doc: Document, texts: Mapping[int, str], out: Path,
          context: WriteContext) -> list[Path] | None:
    """The translated (or bilingual) book: the source EPUB copied member by member in its
    order, ``mimetype`` first and stored, the XHTML documents, NCX and OPF rewritten, every
    other member streamed unchanged. The bilingual edition also comes as one HTML page
    beside it (``corpora.epub_html``), with its images in ``STEM_files/``.

    Returns:
        The page's path for the bilingual edition, else None.

    Raises:
        DataFormatError: The source changed since it was read (another member list or
            another number of blocks in a member); it cannot be read as an EPUB.
    """
    path = context.source
    members = member_pairs(doc, texts)
    with open_epub(path) as zin:
        pkg, opf = open_written(zin, path, members)
        # a book without an identifier still gets one of its own, from its metadata
        basis = pkg.uid or hashlib.sha256(etree.tostring(opf)).hexdigest()
        uid = new_identifier(basis, context.tgt_lang, context.edition)
        css = _css_member(pkg, zin) if context.edition == "bilingual" else None
        stamp = _stamp(context.modified)
        with atomic_output(out, binary=True) as fh, \
                zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zout:
            zout.writestr(zipfile.ZipInfo("mimetype", _ZIP_EPOCH), MIMETYPE,
                          compress_type=zipfile.ZIP_STORED)
            for info in zin.infolist():
                if info.filename == "mimetype":
                    continue
                data = _rewrite(zin, info.filename, pkg, opf, members.get(info.filename, []),
                                uid, css, context)
                if data is None:
                    _copy(zin, zout, info, pkg, uid, path)
                else:
                    zout.writestr(_info(info.filename, stamp, info), data)
            if css is not None:
                zout.writestr(_info(css, stamp), BILINGUAL_CSS.encode("utf-8"))
    if context.edition == "bilingual":  # the same edition as one page for a browser
        from corpora.epub_html import page_path, write_html_edition

        page = page_path(out)
        write_html_edition(doc, texts, page, context)
        return [page]
    return None


def member_pairs(doc: Document, texts: Mapping[int, str]) -> dict[str, Pairs]:
    """Each member's blocks, in the reader's order, as (source parts, translated parts):
    what the writer's walk of that member puts in place."""
    members: dict[str, Pairs] = {}
    for block, parts in zip(doc.blocks, block_parts(doc, texts), strict=True):
        members.setdefault(block.file, []).append((block.parts, parts))
    return members


def _rewrite(zin: zipfile.ZipFile, name: str, pkg: Package, opf: etree._ElementTree,
             pairs: Pairs, uid: str, css: str | None, context: WriteContext) -> bytes | None:
    """A member's new bytes with its blocks' translated parts, or None for a member that is
    copied as it is."""
    if name == pkg.path:
        return _opf(opf, pkg, pairs, uid, css, context, context.source)
    if name == pkg.ncx:
        return _ncx(parse_member(zin, context.source, name), pairs, uid, context.source, name)
    if name in pkg.documents:
        tree = translate_document(zin, pkg, name, pairs, context)
        return _document(tree, None if name == pkg.nav else css, name)
    return None


def _text_block(el: etree._Element, kind: str, member: str) -> Block:
    """A block of an element holding plain text (OPF metadata, an NCX label)."""
    line = el.sourceline or 1
    return Block(kind, line - 1, line, parts=(text_part(el.text or ""),), file=member)


# metadata and fonts ---------------------------------------------------------------------

def declared_meta(opf: etree._ElementTree) -> list[tuple[str, str]]:
    """What the OPF says about the book, as ``corpora.meta`` keys (``Document.meta``).

    title: the first ``dc:title`` (EPUB 3's ``title-type main`` when one says so); authors:
    each ``dc:creator``; source: the book's own identifier when it is a web address (the
    edition actually read, e.g. a Standard Ebooks page), else the first ``dc:source`` that is
    one (the edition it was transcribed from); license: ``dc:rights`` only when it is or
    names a licence unambiguously (`rights_license`); language: the first ``dc:language``.
    """
    root = opf.getroot()
    metadata = root.find("opf:metadata", NS)
    if metadata is None:
        return []

    def texts(tag: str) -> list[tuple[etree._Element, str]]:
        return [(e, " ".join((e.text or "").split())) for e in metadata.iterfind(tag, NS)
                if (e.text or "").strip()]

    out: list[tuple[str, str]] = []
    titles = texts("dc:title")
    main_ids = {m.get("refines", "")[1:] for m in metadata.iterfind(
        "opf:meta[@property='title-type']", NS) if (m.text or "").strip() == "main"}
    title = next((t for e, t in titles if e.get("id") in main_ids), titles[0][1] if titles else "")
    if title:
        out.append(("title", title))
    out += [("authors", t) for _, t in texts("dc:creator")]
    uid = unique_identifier(opf)
    urls = ([uid] if uid.startswith(("http://", "https://")) else []) + [
        t for _, t in texts("dc:source") if t.startswith(("http://", "https://"))]
    if urls:
        out.append(("source", urls[0]))
    licences = [lic for _, t in texts("dc:rights") if (lic := rights_license(t))]
    if licences:
        out.append(("license", licences[0]))
    languages = texts("dc:language")
    if languages:
        out.append(("language", languages[0][1]))
    return out


_CC_URL = re.compile(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", re.I)


def rights_license(rights: str) -> str | None:
    """The SPDX licence a ``dc:rights`` statement gives, or None when it does not say one
    unambiguously: the statement is an SPDX expression, or names exactly one Creative
    Commons licence or CC0 (by its address or as ``CC0``). Prose such as "public domain in
    the USA" gives None: diglot does not guess a licence (``diglot meta`` sets one)."""
    from corpora.meta import normalise_license

    text = rights.strip()
    if text and len(text) <= 80 and "\n" not in text:
        try:
            return normalise_license(text, "dc:rights")
        except ConfigError:
            pass  # not an SPDX expression: it may still name a licence by its address
    candidates: set[str] = set()
    for kind, name, version in _CC_URL.findall(text):
        if kind.lower() == "publicdomain":
            if name.lower() == "zero":
                candidates.add("CC0-1.0")
        else:
            candidates.add(f"CC-{name.upper()}-{version}")
    if not candidates and re.search(r"\bCC0\b", text):
        candidates.add("CC0-1.0")
    if len(candidates) != 1:
        return None
    try:
        return normalise_license(candidates.pop(), "dc:rights")
    except ConfigError:
        return None


def font_key(algorithm: str, uid: str) -> bytes | None:
    """The XOR key that obfuscates a font under a unique identifier (OCF 3.0 §4 for IDPF:
    SHA-1 of the identifier without whitespace; Adobe: the 16 bytes of its UUID), or None
    when the identifier cannot give one (Adobe needs a UUID)."""
    if algorithm == "http://www.idpf.org/2008/embedding":
        return hashlib.sha1(re.sub(r"[\x20\x09\x0d\x0a]", "", uid).encode("utf-8")).digest()
    digits = re.sub(r"^urn:uuid:|-", "", uid.strip(), flags=re.I)
    return bytes.fromhex(digits) if re.fullmatch(r"[0-9a-fA-F]{32}", digits) else None


def xor(data: bytes, key: bytes) -> bytes:
    """`data` XOR-ed with `key` repeated."""
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(data))


# table of contents entries ---------------------------------------------------------------

_LINK = re.compile(r"(<a\b[^>]*>)(.*)</a>", re.S)
_LINK_TAG = re.compile(r"</?a[\s/>]")


def _link(block: Block) -> tuple[str, str] | None:
    """The opener and the content of a list item that is one link and nothing else (a table
    of contents entry), or None."""
    if block.kind != "list_item" or len(block.parts) != 1:
        return None
    m = _LINK.fullmatch(block.parts[0])
    return (m.group(1), m.group(2)) if m and not _LINK_TAG.search(m.group(2)) else None


def _unwrap(block: Block) -> Block:
    """A table of contents entry's block holds the link's content, not the link: its
    sentences are then the same strings as the heading it names (the NCX label's too), so
    the pipeline's dedup gives them one translation, and no sentence is a lone ``</a>``.
    The writer puts the source link back around the translation."""
    link = _link(block)
    return replace(block, parts=(link[1],)) if link is not None else block


# the zip ------------------------------------------------------------------------------------

def open_epub(path: Path) -> zipfile.ZipFile:
    """The book's zip, open for reading.

    Raises:
        DataFormatError: Not a zip, or unreadable.
    """
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise DataFormatError(path, None, f"is not a valid EPUB: not a zip file ({exc}); "
                              "download or export the book again") from None
    except OSError as exc:
        raise DataFormatError(path, None, f"cannot be read ({exc.strerror})") from None


def _info(name: str, stamp: tuple[int, int, int, int, int, int],
          like: zipfile.ZipInfo | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    if like is not None:
        info.external_attr = like.external_attr
    return info


def _copy(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo, pkg: Package,
          uid: str, path: Path) -> None:
    """Stream a member unchanged; an obfuscated font is re-keyed to the new identifier."""
    copy = zipfile.ZipInfo(info.filename, info.date_time)  # the input's extra fields left
    copy.external_attr = info.external_attr
    if info.is_dir():
        zout.writestr(copy, b"")
        return
    copy.compress_type = zipfile.ZIP_DEFLATED
    algorithm = pkg.fonts.get(info.filename)
    try:
        with zin.open(info) as src, zout.open(copy, "w", force_zip64=info.file_size > 2**31) \
                as dst:
            if algorithm is not None:
                old, key = font_key(algorithm, pkg.font_id(algorithm)), font_key(algorithm, uid)
                head = src.read(FONT_ALGORITHMS[algorithm])
                dst.write(xor(xor(head, old), key) if old and key else head)
            shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataFormatError(path, None, f"{info.filename} is damaged in the zip ({exc}); "
                              "the file is not a valid EPUB: download or export it again") \
            from None


def _stamp(when: datetime) -> tuple[int, int, int, int, int, int]:
    t = when.astimezone(timezone.utc) if when.tzinfo else when
    return max(_ZIP_EPOCH, (t.year, t.month, t.day, t.hour, t.minute, t.second))


def _css_member(pkg: Package, zf: zipfile.ZipFile) -> str:
    """A member name for the bilingual stylesheet, beside the OPF, that nothing uses yet."""
    base = posixpath.dirname(pkg.path)
    taken = pkg.members | set(zf.namelist())
    stem, n = CSS_NAME.removesuffix(".css"), 1
    name = posixpath.join(base, CSS_NAME)
    while name in taken:
        n += 1
        name = posixpath.join(base, f"{stem}-{n}.css")
    return name


def open_written(zin: zipfile.ZipFile, path: Path, members: Mapping[str, object]
                 ) -> tuple[Package, etree._ElementTree]:
    """The package of the source being written again, with its OPF tree.

    Raises:
        DataFormatError: A member the document's blocks came from is no longer one the
            writers rewrite (the source changed since it was read).
    """
    pkg, opf = open_package(zin, path)
    rewritten = {pkg.path, *pkg.documents, *([pkg.ncx] if pkg.ncx else [])}
    if not set(members) <= rewritten:
        raise _changed(path, sorted(set(members) - rewritten)[0])
    return pkg, opf


def _changed(path: Path, member: str) -> DataFormatError:
    return DataFormatError(path, None, f"changed since it was read ({member}); run again")


def _xml(tree: etree._ElementTree) -> bytes:
    """A tree as the member's bytes: UTF-8 with the declaration, the DOCTYPE kept."""
    return (b'<?xml version="1.0" encoding="utf-8"?>\n'
            + etree.tostring(tree, encoding="utf-8") + b"\n")


def _content(zf: zipfile.ZipFile, path: Path, member: str) -> etree._ElementTree:
    """A content document parsed, with HTML's named entities (``&nbsp;``, declared by an
    EPUB 2 document's XHTML 1.1 DTD, which is not loaded) as their characters."""
    tree = parse_member(zf, path, member)
    resolve_entities(tree.getroot())
    return tree


# members ------------------------------------------------------------------------------------

def _opf(opf: etree._ElementTree, pkg: Package, pairs: Pairs, uid: str, css: str | None,
         context: WriteContext, path: Path) -> bytes:
    if len(pairs) != len(text_elements(opf)):
        raise _changed(path, pkg.path)
    engine = " ".join(x for x in (context.engine, context.model) if x) or "machine translation"
    modified = context.modified.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rewrite_metadata(
        opf, [(src[0], tgt[0]) for src, tgt in pairs], version=pkg.version, uid=uid,
        src_lang=context.src_lang, tgt_lang=context.tgt_lang, edition=context.edition,
        contributor=f"{engine} (machine translation, {context.generator})",
        modified=modified,
        css_href=posixpath.relpath(css, posixpath.dirname(pkg.path)) if css else None)
    return _xml(opf)


def _ncx_texts(ncx: etree._ElementTree) -> list[tuple[etree._Element, str]]:
    """The NCX's translated texts in document order: the book title and every label."""
    kinds = {NCX + "docTitle": "title", NCX + "navLabel": "label"}
    return [(el, kinds[parent.tag]) for el in ncx.getroot().iter(NCX + "text")
            if (parent := el.getparent()) is not None and parent.tag in kinds
            and (el.text or "").strip()]


def _ncx(ncx: etree._ElementTree, pairs: Pairs, uid: str, path: Path, member: str) -> bytes:
    texts = _ncx_texts(ncx)
    if len(pairs) != len(texts):
        raise _changed(path, member)
    for (el, _), (src, tgt) in zip(texts, pairs, strict=True):
        if tgt[0] != src[0]:
            el.text = part_text(tgt[0])
    for meta in ncx.getroot().iterfind("ncx:head/ncx:meta[@name='dtb:uid']", NS):
        meta.set("content", uid)  # must equal the package's unique identifier
    return _xml(ncx)


def translate_document(zf: zipfile.ZipFile, pkg: Package, member: str, pairs: Pairs,
                       context: WriteContext) -> etree._ElementTree:
    """A content document parsed from the source with its blocks' translated parts in place
    (and their sources beside them in a bilingual edition, the navigation document excepted),
    its language set to the target's.

    Raises:
        DataFormatError: The member changed since it was read (another number of blocks),
            or is not well-formed.
    """
    tree = _content(zf, context.source, member)
    root = tree.getroot()
    edition = "translated" if member == pkg.nav else context.edition
    source = tree_blocks(root, member, context.src_lang)
    if len(source) != len(pairs):
        raise _changed(context.source, member)
    parts = []
    for block, (old, new) in zip(source, pairs, strict=True):
        link = _link(block)
        if link is not None and old == (link[1],):  # a link label given without its link
            new = block.parts if new == old else (f"{link[0]}{new[0]}</a>",)
        parts.append(new)
    put_blocks(root, parts, edition=edition, src_lang=context.src_lang,
               tgt_lang=context.tgt_lang, file=member)
    set_language(root, context.tgt_lang, context.src_lang)
    return tree


def _document(tree: etree._ElementTree, css: str | None, member: str) -> bytes:
    """A translated content document's bytes, linked to the bilingual stylesheet `css`
    (a member path) unless that is None."""
    head = tree.getroot().find(XHTML + "head")
    if css is not None and head is not None:
        link = etree.Element(XHTML + "link", rel="stylesheet", type="text/css",
                             href=posixpath.relpath(css, posixpath.dirname(member)))
        if len(head):  # after the book's own stylesheets, indented as they are
            link.tail, head[-1].tail = head[-1].tail, head.text
        head.append(link)
    return _xml(tree)
