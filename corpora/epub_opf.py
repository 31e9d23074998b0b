"""The EPUB package (OCF container and OPF): where the content documents are, what the book
says about itself, DRM, and the package metadata of a translated edition.

Read by ``corpora.epub``; the OPF is parsed whole (it is small), the content documents one at a
time by the caller.
"""

from __future__ import annotations

import html
import posixpath
import re
import uuid
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from diglot.errors import DataFormatError

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ocf": "urn:oasis:names:tc:opendocument:xmlns:container",
    "enc": "http://www.w3.org/2001/04/xmlenc#",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}
OPF = f"{{{NS['opf']}}}"
DC = f"{{{NS['dc']}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTAINER = "META-INF/container.xml"
ENCRYPTION = "META-INF/encryption.xml"
XHTML_TYPE = "application/xhtml+xml"
NCX_TYPE = "application/x-dtbncx+xml"

#: Font obfuscation (not DRM): algorithm URI → how many leading bytes are XOR-ed with the key.
FONT_ALGORITHMS = {"http://www.idpf.org/2008/embedding": 1040,
                   "http://ns.adobe.com/pdf/enc#RC": 1024}
_FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2", ".ttc", ".pfb", ".eot")
_RTL = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb", "syr"})

#: OPF metadata read as text to translate: a reading system shows the title on the shelf and
#: the description on the book's page, so a translated book must carry both in its language.
#: Subjects are left alone (often a controlled vocabulary, LCSH terms with their authority
#: codes), as are names (creators, publisher), Standard Ebooks' ``se:long-description``
#: (their own vocabulary, which no reading system shows) and EPUB 2 guide titles (not shown).
TEXT_ELEMENTS = {DC + "title": "title", DC + "description": "paragraph"}


def xml_parser() -> etree.XMLParser:
    """A parser for untrusted XML: no network, no DTD loading, no entity expansion beyond
    XML's own (a billion-laughs file stays small), CDATA sections kept."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, strip_cdata=False)


def read_member(zf: zipfile.ZipFile, path: Path, member: str) -> bytes:
    """A zip member's bytes.

    Raises:
        DataFormatError: The member is missing, damaged or password-protected.
    """
    try:
        return zf.read(member)
    except KeyError:
        raise DataFormatError(path, None, f"{member} is missing from the EPUB; the book is "
                              "incomplete: export it again from its editor") from None
    except RuntimeError as exc:  # zipfile: a password-protected member
        raise DataFormatError(path, None, f"{member} is password-protected in the zip ({exc}); "
                              "use an unprotected copy") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise DataFormatError(path, None, f"{member} is damaged in the zip ({exc}); the file is "
                              "not a valid EPUB: download or export it again") from None


def parse_member(zf: zipfile.ZipFile, path: Path, member: str) -> etree._ElementTree:
    """A member parsed as XML with `xml_parser`.

    Raises:
        DataFormatError: The member is missing or damaged, or not well-formed XML (the
            message names the member and its line).
    """
    data = read_member(zf, path, member)
    try:
        return etree.ElementTree(etree.fromstring(data, xml_parser()))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or exc.position[0]
        raise DataFormatError(path, None, f"{member}, line {line}: not well-formed XML "
                              f"({exc.msg}); fix that file in the book (unzip, edit, zip) or "
                              "export the book again") from None


@dataclass(frozen=True)
class Package:
    """Where a book's parts are.

    Attributes:
        path: The OPF member (``epub/content.opf``).
        version: 2 or 3 (the package's major version).
        documents: The XHTML content documents diglot translates, in reading order: the
            spine's, then the other XHTML items of the manifest (the EPUB 3 navigation
            document, an EPUB 2 table of contents reached from the guide) in manifest order.
        nav: The EPUB 3 navigation document, or None.
        ncx: The NCX, or None.
        fonts: Obfuscated fonts: member → algorithm URI (see `FONT_ALGORITHMS`).
        uid: The text of the package's unique identifier.
        uuid_id: The first ``dc:identifier`` that is a ``urn:uuid`` (Adobe's font key), or
            "".
        members: Every member path the manifest names.
    """

    path: str
    version: int
    documents: tuple[str, ...]
    nav: str | None
    ncx: str | None
    fonts: dict[str, str]
    uid: str
    uuid_id: str
    members: frozenset[str]

    def font_id(self, algorithm: str) -> str:
        """The identifier a font obfuscated with `algorithm` is keyed with."""
        adobe = algorithm != "http://www.idpf.org/2008/embedding"
        return self.uuid_id if adobe and self.uuid_id else self.uid


def open_package(zf: zipfile.ZipFile, path: Path) -> tuple[Package, etree._ElementTree]:
    """The package of an open EPUB and its parsed OPF.

    Raises:
        DataFormatError: No container or OPF, a spine item that is not in the manifest or
            not in the zip, a DRM-encrypted resource, XML that is not well-formed.
    """
    container = parse_member(zf, path, CONTAINER)
    rootfile = container.find(".//ocf:rootfile[@full-path]", NS)
    if rootfile is None:
        raise DataFormatError(path, None, f"{CONTAINER} names no package (rootfile); the file "
                              "is not a valid EPUB")
    opf_path = unquote(rootfile.get("full-path", "")).lstrip("/")
    opf = parse_member(zf, path, opf_path)
    root = opf.getroot()
    base = posixpath.dirname(opf_path)
    items: dict[str, tuple[str, str, str]] = {}  # id → member, media type, properties
    for item in root.iterfind("opf:manifest/opf:item", NS):
        href = unquote(item.get("href", "").split("#")[0])
        member = posixpath.normpath(posixpath.join(base, href)) if href else ""
        items[item.get("id", "")] = (member, item.get("media-type", ""),
                                     item.get("properties", ""))
    names = set(zf.namelist())
    spine: list[str] = []
    for ref in root.iterfind("opf:spine/opf:itemref", NS):
        idref = ref.get("idref", "")
        if idref not in items:
            raise DataFormatError(path, ref.sourceline, f"{opf_path}: the spine names item "
                                  f"{idref!r}, which the manifest lacks; the book is broken: "
                                  "export it again")
        member, media, _ = items[idref]
        if member not in names:
            raise DataFormatError(path, None, f"spine item {member} is missing from the EPUB; "
                                  "the book is incomplete: export it again from its editor")
        if media == XHTML_TYPE and member not in spine:
            spine.append(member)
    others = [m for m, media, _ in items.values()
              if media == XHTML_TYPE and m in names and m not in spine]
    nav = next((m for m, _, props in items.values() if "nav" in props.split()), None)
    toc = root.find("opf:spine", NS)
    ncx_id = toc.get("toc") if toc is not None else None
    ncx = items[ncx_id][0] if ncx_id in items else next(
        (m for m, media, _ in items.values() if media == NCX_TYPE), None)
    version = 3 if root.get("version", "2.0").strip().startswith("3") else 2
    media_types = {m: media for m, media, _ in items.values()}
    fonts = check_drm(zf, path, media_types)
    return Package(opf_path, version, tuple(spine + list(dict.fromkeys(others))), nav,
                   ncx if ncx in names else None, fonts, unique_identifier(opf),
                   _first_uuid(root), frozenset(media_types)), opf


def _first_uuid(root: etree._Element) -> str:
    return next((t for e in root.iterfind("opf:metadata/dc:identifier", NS)
                 if (t := (e.text or "").strip()).lower().startswith("urn:uuid:")), "")


def check_drm(zf: zipfile.ZipFile, path: Path, media_types: dict[str, str]) -> dict[str, str]:
    """The obfuscated fonts of a book; refuse one with any other encrypted resource.

    Raises:
        DataFormatError: ``META-INF/encryption.xml`` lists a resource that is not a font
            obfuscated with the IDPF or Adobe algorithm (DRM: Adobe ADEPT, Apple FairPlay,
            Readium LCP, ...).
    """
    if ENCRYPTION not in zf.namelist():
        return {}
    fonts: dict[str, str] = {}
    drm: list[tuple[str, str]] = []
    for data in parse_member(zf, path, ENCRYPTION).getroot().iterfind(".//enc:EncryptedData", NS):
        method = data.find("enc:EncryptionMethod", NS)
        algorithm = method.get("Algorithm", "") if method is not None else ""
        ref = data.find(".//enc:CipherReference", NS)
        member = unquote(ref.get("URI", "")).lstrip("/") if ref is not None else "?"
        media = media_types.get(member, "")
        font = ("font" in media or "opentype" in media
                or member.lower().endswith(_FONT_SUFFIXES))
        if algorithm in FONT_ALGORITHMS and font:
            fonts[member] = algorithm
        else:
            drm.append((member, algorithm or "an unnamed algorithm"))
    if drm:
        more = f" and {len(drm) - 1} more" if len(drm) > 1 else ""
        raise DataFormatError(path, None, f"is DRM-protected (encrypted: {drm[0][0]} with "
                              f"{drm[0][1]}{more}); diglot cannot read it: use a DRM-free copy")
    return fonts


def unique_identifier(opf: etree._ElementTree) -> str:
    """The text of the package's unique identifier ("" when the package names none)."""
    root = opf.getroot()
    uid = root.get("unique-identifier", "")
    el = next((e for e in root.iterfind("opf:metadata/dc:identifier", NS)
               if e.get("id") == uid), None)
    return (el.text or "").strip() if el is not None else ""


# reading the metadata --------------------------------------------------------------------

def text_elements(opf: etree._ElementTree) -> list[tuple[etree._Element, str]]:
    """The OPF metadata elements translated (`TEXT_ELEMENTS`) and their block kinds, in
    document order: the reader's and the writer's walk."""
    metadata = opf.getroot().find("opf:metadata", NS)
    if metadata is None:
        return []
    return [(el, TEXT_ELEMENTS[el.tag]) for el in metadata
            if isinstance(el.tag, str) and el.tag in TEXT_ELEMENTS and (el.text or "").strip()]


def text_part(text: str) -> str:
    """An XML text node as a part: whitespace runs collapsed, XML-escaped (parts carry inline
    HTML, so a literal ``<`` in a title must be ``&lt;``)."""
    return html.escape(" ".join(text.split()), quote=False)


def part_text(part: str) -> str:
    """A translated part as plain text for a node that holds no markup (OPF metadata, NCX
    labels): any tag an engine added is dropped, entities are unescaped, characters XML
    cannot hold (control characters an engine wrote) are left out."""
    text = html.unescape(re.sub(r"<[^<>]*>", "", part))
    return " ".join(_NOT_XML.sub("", text).split())


_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# writing the metadata --------------------------------------------------------------------

def new_identifier(uid: str, tgt_lang: str, edition: str) -> str:
    """The unique identifier of a translated edition: a ``urn:uuid`` derived from the
    original's identifier, the target language and the edition, so the same run gives the
    same id and another book never shares the original's."""
    name = "\n".join((uid, tgt_lang, edition))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def rewrite_metadata(opf: etree._ElementTree, parts: Sequence[tuple[str, str]], *,
                     version: int, uid: str, src_lang: str, tgt_lang: str, edition: str,
                     contributor: str, modified: str, css_href: str | None) -> None:
    """Make the OPF describe the translated edition, in place.

    Args:
        opf: The parsed OPF.
        parts: For each `text_elements` element, its source part and its translated part.
        version: 2 or 3.
        uid: The new unique identifier (`new_identifier`).
        src_lang: The book's language (kept as a second ``dc:language`` in a bilingual edition).
        tgt_lang: The translation's language.
        edition: "translated" or "bilingual".
        contributor: The translator's name for ``dc:contributor`` (engine and model).
        modified: ``dcterms:modified`` (EPUB 3), CCYY-MM-DDThh:mm:ssZ.
        css_href: The bilingual stylesheet's href relative to the OPF, added to the manifest.
    """
    root = opf.getroot()
    metadata = root.find("opf:metadata", NS)
    if metadata is None:
        metadata = etree.SubElement(root, OPF + "metadata", nsmap={"dc": NS["dc"]})
        root.insert(0, metadata)
    for (el, _), (source, target) in zip(text_elements(opf), parts, strict=True):
        if target == source:
            continue
        el.text = part_text(target)
        if el.get(XML_LANG) is not None:
            el.set(XML_LANG, tgt_lang)
        ident = el.get("id")
        for m in list(metadata.iterfind(f"opf:meta[@refines='#{ident}']", NS)):
            if ident and m.get("property") in ("file-as", "alternate-script"):
                metadata.remove(m)  # a sort key or script form of the old title
    _set_languages(metadata, src_lang, tgt_lang, edition)
    _set_identifier(root, metadata, uid)
    _add_contributor(metadata, version, contributor)
    if version == 3:
        mod = next((m for m in metadata.iterfind("opf:meta[@property='dcterms:modified']", NS)
                    if m.get("refines") is None), None)
        if mod is None:
            mod = _append(metadata, etree.Element(OPF + "meta", property="dcterms:modified"))
        mod.text = modified
    if root.get(XML_LANG) is not None:
        root.set(XML_LANG, tgt_lang)
    if root.get("dir") is not None:
        root.set("dir", "rtl" if tgt_lang.split("-")[0].lower() in _RTL else "ltr")
    manifest = root.find("opf:manifest", NS)
    if css_href is not None and manifest is not None:
        _append(manifest, etree.Element(OPF + "item", id=_free_id(root, "diglot-bilingual-css"),
                                        href=css_href, attrib={"media-type": "text/css"}))


def _set_languages(metadata: etree._Element, src_lang: str, tgt_lang: str,
                   edition: str) -> None:
    languages = list(metadata.iterfind("dc:language", NS))
    first = languages[0] if languages else _append(metadata, etree.Element(DC + "language"))
    original = (first.text or "").strip() or src_lang
    first.text = tgt_lang
    for extra in languages[1:]:
        if (extra.text or "").strip().split("-")[0].lower() == src_lang.split("-")[0].lower():
            metadata.remove(extra)  # the source language only stays in a bilingual edition
    if edition == "bilingual":
        el = etree.Element(DC + "language")
        el.text = original
        first.addnext(el)
        el.tail, first.tail = first.tail, first.tail


def _set_identifier(root: etree._Element, metadata: etree._Element, uid: str) -> None:
    """The new identifier becomes the unique one; the original's identifiers (the edition
    translated, an ISBN of the original) stay as ``dc:source``: what this book derives from."""
    new_id = _free_id(root, "diglot-uid")
    first = None
    for old in list(metadata.iterfind("dc:identifier", NS)):
        first = first if first is not None else old
        old.tag = DC + "source"
        for name in list(old.attrib):
            if name.startswith(OPF):  # opf:scheme belongs to dc:identifier only
                del old.attrib[name]
    el = etree.Element(DC + "identifier", id=new_id)
    el.text = uid
    if first is not None:
        first.addprevious(el)
        el.tail = first.tail
    else:
        _append(metadata, el)
    root.set("unique-identifier", new_id)


def _add_contributor(metadata: etree._Element, version: int, name: str) -> None:
    el = etree.Element(DC + "contributor")
    el.text = name
    if version == 3:
        ident = _free_id(metadata.getroottree().getroot(), "diglot-translation")
        el.set("id", ident)
        _append(metadata, el)
        role = etree.Element(OPF + "meta", refines=f"#{ident}", property="role",
                             scheme="marc:relators")
        role.text = "trl"
        _append(metadata, role)
    else:
        el.set(OPF + "role", "trl")
        _append(metadata, el)


def _append(parent: etree._Element, el: etree._Element) -> etree._Element:
    """Append keeping the parent's indentation."""
    if len(parent):
        el.tail = parent[-1].tail
        parent[-1].tail = parent.text if (parent.text or "").strip() == "" else "\n"
    parent.append(el)
    return el


def _free_id(root: etree._Element, base: str) -> str:
    taken = {e.get("id") for e in _elements(root)}
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}-{n}"
    return ident


def _elements(root: etree._Element) -> Iterator[etree._Element]:
    return (e for e in root.iter() if isinstance(e.tag, str))
