"""DOCX (Word, LibreOffice) books: paragraphs with their runs, tables, notes, headers.

Read, in this order: the core properties' title (kind "title"), then the paragraphs of
``word/document.xml`` in document order (tables' cells, nested tables included, as "cell";
headings by style — Title, Heading 1..9 or an outline level — as "heading"; numbered or
bulleted paragraphs and List styles as "list_item"; Quote and Block Text styles as "quote";
Caption styles as "caption"),
then footnotes and endnotes ("note"; the separator notes skipped), then headers and footers
("paragraph"). Each paragraph with words is one block of one part, its runs written as
HTML-like inline text by ``corpora.docx_runs``. ``Block.file`` is the member's name,
``start`` the paragraph's index among the member's paragraphs.

Text boxes are read after the paragraph that holds them; their VML copy (``mc:Fallback``,
for old readers) is written as a copy of the translated DrawingML box. A ``w:smartTag``
(ignored by Word since 2010) is unwrapped: its words are translated, the wrapper dropped from
a rebuilt paragraph; an inline content control (``w:sdt``) is rebuilt like a hyperlink,
its properties kept. Left as they are: the text inside ``w:fldSimple`` (kept whole as one
tag), comments (``word/comments.xml``).

Written: the same package member by member (python-docx would re-serialize every part it
loads): only the members holding translated paragraphs, ``docProps/core.xml`` (title,
``dc:language``) and the styles (their proofing language) are parsed and written again, every
other member is copied byte for byte.

The proofing language (``w:lang``, what Word and LibreOffice spell-check and hyphenate by)
becomes the target's: the document default's whatever it was (pandoc writes en-US for any
book), and in the styles and the rebuilt paragraphs' runs each one that named the source
language; a run marked with a third language (a Latin quotation) keeps it.

python-docx opens the file (so what it cannot open is refused the same way) and gives the
style names (its ``BabelFish`` maps Word's internal "heading 1" to "Heading 1"); lxml reads
the members python-docx does not cover.
"""

from __future__ import annotations

import copy
import html
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from corpora.document import Block, Document
from corpora.docx_rebuild import rebuild, relang, set_default_lang
from corpora.docx_runs import Paragraph, analyse, escape_text, w, xml_text
from corpora.formats import ReadOptions, WriteContext, block_parts, make_document
from diglot.errors import DataFormatError

_MAIN = "word/document.xml"
_CORE = "docProps/core.xml"
_DC = "http://purl.org/dc/elements/1.1/"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SKIPPED_NOTES = frozenset({"separator", "continuationSeparator", "continuationNotice"})
_INSERTS = frozenset(w(n) for n in ("ins", "moveTo", "cellIns"))
_DELETES = frozenset(w(n) for n in ("del", "moveFrom", "cellDel"))
_FORMATS = frozenset(w(n) for n in ("rPrChange", "pPrChange", "sectPrChange", "tblPrChange",
                                    "trPrChange", "tcPrChange", "tblGridChange",
                                    "tblPrExChange", "numberingChange", "cellMerge"))
_HEADING = re.compile(r"^heading (\d)$")
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_ALTERNATE, _CHOICE, _FALLBACK = (f"{{{_MC}}}{n}" for n in ("AlternateContent", "Choice",
                                                           "Fallback"))
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)  # libxml2 limits kept


class _Package:
    """The zip's members and the parts that hold paragraphs, in reading order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
            names = set(self.zip.namelist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataFormatError(path, None, f"is not a DOCX file (not a zip archive: {exc}); "
                                  "save it as .docx in Word or LibreOffice") from None
        if _MAIN not in names:
            self.zip.close()
            raise DataFormatError(path, None, f"has no {_MAIN}, so it is not a Word document; "
                                  "save it as .docx in Word or LibreOffice")
        self.names = names
        self.trees: dict[str, etree._Element] = {}
        self.core = next((t for typ, t in self._rels("").values()
                          if typ.endswith("/core-properties")), _CORE)
        rels = self._rels(_MAIN)
        targets: dict[str, list[str]] = {}
        for typ, target in rels.values():
            targets.setdefault(typ.rsplit("/", 1)[-1], []).append(target)
        #: The styles parts (Word 2010 writes a copy with effects for older Words).
        self.styles = sorted(t for typ, t in rels.values() if t in names and
                             typ.rsplit("/", 1)[-1] in ("styles", "stylesWithEffects"))
        self.parts = [_MAIN] + [t for kind in ("footnotes", "endnotes", "header", "footer")
                                for t in sorted(targets.get(kind, [])) if t in names]

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id → (type, target member or external URL)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.names:
            return {}
        out = {}
        for rel in self.xml(rels).iter(f"{{{_REL}}}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") != "External":  # a member: relative, or from the root
                target = target.lstrip("/") if target.startswith("/") \
                    else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id", "")] = (rel.get("Type", ""), target)
        return out

    def xml(self, name: str) -> etree._Element:
        if name not in self.trees:
            try:
                self.trees[name] = etree.fromstring(self.zip.read(name), _PARSER)
            except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError) as exc:
                raise DataFormatError(self.path, None, f"{name} is damaged ({exc}); open and "
                                      "save the file again in Word or LibreOffice") from None
        return self.trees[name]

    def __enter__(self) -> _Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def links(self, part: str) -> Callable[[str], str]:
        rels = self._rels(part)
        return lambda rid: rels.get(rid, ("", ""))[1]


def _paragraphs(root: etree._Element) -> list[tuple[int, etree._Element]]:
    """The paragraphs whose text is read, with their index among all the part's paragraphs:
    not in a separator note, nor in the VML copy of a text box (``mc:Fallback``, which the
    writer makes a copy of the translated ``mc:Choice``)."""
    out = []
    for k, p in enumerate(root.iter(w("p"))):
        if not any(anc.tag == _FALLBACK or (anc.tag in (w("footnote"), w("endnote"))
                                            and anc.get(w("type")) in _SKIPPED_NOTES)
                   for anc in p.iterancestors()):
            out.append((k, p))
    return out


def _sync_fallbacks(p: etree._Element, rebuilt: set[etree._Element]) -> None:
    """Text boxes inside ``p`` written twice (DrawingML choice, VML fallback): the fallback's
    text boxes get the choice's paragraphs when one of them was translated (``rebuilt``)
    and both have as many boxes."""
    for alternate in p.iter(_ALTERNATE):
        choice, fallback = alternate.find(_CHOICE), alternate.find(_FALLBACK)
        if choice is None or fallback is None:
            continue
        boxes = list(choice.iter(w("txbxContent")))
        copies = list(fallback.iter(w("txbxContent")))
        if len(boxes) != len(copies):
            continue
        for box, copy_ in zip(boxes, copies, strict=True):
            if any(q in rebuilt for q in box.iter(w("p"))):
                copy_[:] = [copy.deepcopy(child) for child in box]


class _Styles:
    """Paragraph kinds by style, through python-docx's style names and base styles."""

    def __init__(self, document: Any) -> None:
        self.by_id: dict[str, Any] = {}
        for style in document.styles:
            if style.style_id:
                self.by_id[style.style_id] = style

    def _chain(self, style_id: str | None) -> Iterator[Any]:
        style, seen = self.by_id.get(style_id or ""), 0
        while style is not None and seen < 20:
            yield style
            style, seen = style.base_style, seen + 1

    def kind(self, p: etree._Element) -> tuple[str, int]:
        """A body paragraph's kind and level, by its style (and the styles it is based on)
        and its own properties."""
        ppr = p.find(w("pPr"))
        sid = ppr.find(w("pStyle")) if ppr is not None else None
        chain = list(self._chain(sid.get(w("val")) if sid is not None else None))
        names = [(s.name or "").lower() for s in chain]
        pprs = [el for el in [ppr] + [s.element.find(w("pPr")) for s in chain]
                if el is not None]
        heading = _heading_level(names, pprs)
        if heading:
            return "heading", heading
        listed = _list_level(pprs)
        if listed is None and any(n.startswith("list") for n in names):
            listed = 1
        if listed:
            return "list_item", listed
        if any("quote" in n or n == "block text" for n in names):
            return "quote", 0
        if any("caption" in n for n in names):  # Caption; pandoc's Image/Table Caption
            return "caption", 0
        return "paragraph", 0


def _heading_level(names: list[str], pprs: list[etree._Element]) -> int:
    """1..9 for Title and Heading N styles or an outline level, else 0."""
    for name in names:
        if name == "title":
            return 1
        if m := _HEADING.match(name):
            return int(m.group(1))
    for ppr in pprs:
        lvl = ppr.find(w("outlineLvl"))
        val = lvl.get(w("val"), "") if lvl is not None else ""
        if val.isdigit():
            return int(val) + 1 if int(val) < 9 else 0  # 9: body text
    return 0


def _list_level(pprs: list[etree._Element]) -> int | None:
    """The list level (1-based) of the first numbering properties found (the paragraph's
    own, then its styles'): 0 when numbering is switched off (``numId`` 0), None if none."""
    for ppr in pprs:
        num = ppr.find(w("numPr"))
        if num is None:
            continue
        num_id, ilvl = num.find(w("numId")), num.find(w("ilvl"))
        if num_id is None and ilvl is None:
            continue
        if num_id is not None and num_id.get(w("val")) == "0":
            return 0
        val = ilvl.get(w("val"), "0") if ilvl is not None else "0"
        return int(val) + 1 if val.isdigit() else 1
    return None


def _tracked(pkg: _Package) -> None:
    counts = {"ins": 0, "del": 0, "fmt": 0}
    first: tuple[str, etree._Element] | None = None
    for part in pkg.parts:
        for el in pkg.xml(part).iter(*_INSERTS, *_DELETES, *_FORMATS):
            counts["ins" if el.tag in _INSERTS else "del" if el.tag in _DELETES else "fmt"] += 1
            if first is None:
                first = part, el
    if first is None:
        return
    part, el = first
    paras = list(pkg.xml(part).iter(w("p")))
    p = next(el.iterancestors(w("p")), None)
    if p is None:
        p = next(el.iterdescendants(w("p")), None)
    if p is None:
        p = next((q for q in paras if q.sourceline and el.sourceline
                  and q.sourceline >= el.sourceline), None)
    k = paras.index(p) + 1 if p is not None else 0
    text = " ".join("".join(t.text or "" for t in p.iter(w("t"), w("delText"))).split()) \
        if p is not None else ""
    text = text if len(text) <= 60 else text[:57] + "…"
    fmt = f", {counts['fmt']} formatting changes" if counts["fmt"] else ""
    where = "" if part == _MAIN else f"{part} "
    raise DataFormatError(
        pkg.path, None,
        f"has tracked changes ({counts['ins']} insertions, {counts['del']} deletions{fmt}, "
        f"first in {where}paragraph {k}: '{text}'); accept or reject them in Word/LibreOffice "
        "(Review → Accept All) and run again")


def _open(path: Path) -> tuple[_Package, Any]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    pkg = _Package(path)
    try:
        document = docx.Document(str(path))
        _tracked(pkg)
    except (PackageNotFoundError, ValueError, KeyError, etree.XMLSyntaxError,
            zipfile.BadZipFile) as exc:
        pkg.zip.close()
        raise DataFormatError(path, None, f"cannot be opened as a Word document ({exc}); save "
                              "it as .docx in Word or LibreOffice") from None
    except BaseException:
        pkg.zip.close()
        raise
    return pkg, document


def _walk(pkg: _Package, styles: _Styles) -> Iterator[tuple[Block, etree._Element, Paragraph]]:
    """Every paragraph with words, in reading order, as (block, w:p, analysis)."""
    for part in pkg.parts:
        rels = pkg.links(part)
        note = "notes.xml" in part
        for k, p in _paragraphs(pkg.xml(part)):
            para = analyse(p, rels)
            if not para.part:
                continue
            if note:
                kind, level = "note", 0
            elif next(p.iterancestors(w("tc")), None) is not None:
                kind, level = "cell", 0
            elif part == _MAIN:
                kind, level = styles.kind(p)
            else:
                kind, level = "paragraph", 0
            yield Block(kind, k, k + 1, level, (para.part,), file=part), p, para


def _core(pkg: _Package) -> etree._Element | None:
    return pkg.xml(pkg.core) if pkg.core in pkg.names else None


def _core_text(pkg: _Package, name: str) -> str:
    """A core property's text with its whitespace collapsed ("" if absent).

    Read here rather than by python-docx, which gives its own defaults ("Word Document")
    when the package's relationship to the core properties uses LibreOffice's type URI.
    """
    core = _core(pkg)
    el = core.find(f"{{{_DC}}}{name}") if core is not None else None
    return " ".join((el.text or "").split()) if el is not None else ""


def read(path: Path, lang: str, options: ReadOptions) -> Document:
    """Read a DOCX file into blocks (see the module's docstring).

    Args:
        path: The .docx file.
        lang: Its language (the sentence splitter's rules).
        options: Unused by this format.

    Returns:
        The document: a "title" block if the core properties have a title, then one block
        per paragraph with words; ``meta`` has the title and the author (``dc:creator``).

    Raises:
        DataFormatError: Not a zip, no ``word/document.xml``, a damaged member, or tracked
            changes (the message says how many and where the first is).
    """
    pkg, document = _open(path)
    with pkg:
        blocks: list[Block] = []
        title = _core_text(pkg, "title")
        if title:
            blocks.append(Block("title", 0, 1, 0, (escape_text(title),), file=pkg.core))
        blocks += [block for block, _, _ in _walk(pkg, _Styles(document))]
        meta = {"title": title, "authors": _core_text(pkg, "creator")}
    return make_document(path.name, "docx", lang, blocks,
                         meta={k: v for k, v in meta.items() if v})


def write(doc: Document, texts: Mapping[int, str], out: Path, context: WriteContext) -> None:
    """Write the translated DOCX: each paragraph rebuilt from its translated part, the core
    properties' title translated and ``dc:language`` set to the target language, the
    proofing language (``w:lang``) the target's where it was the source's (and the
    document default's).

    Args:
        doc: The document `read` made from ``context.source``.
        texts: Segment index → translated text; a segment missing keeps its source text.
        out: The .docx to write (atomically).
        context: The run; ``source`` is read again.

    Raises:
        DataFormatError: The source changed since it was read (a paragraph or the title
            differs, or their number), or cannot be read any more.
    """
    from corpora.textio import atomic_output

    pkg, document = _open(context.source)
    with pkg:
        parts = block_parts(doc, texts)
        titled = bool(doc.blocks) and doc.blocks[0].kind == "title"
        title = escape_text(_core_text(pkg, "title"))
        walked = list(_walk(pkg, _Styles(document)))
        if (titled, title) != (bool(title), doc.blocks[0].parts[0] if titled else "") or \
                [block.parts for block, _, _ in walked] != \
                [block.parts for block in doc.blocks[int(titled):]]:
            raise DataFormatError(context.source, None, "changed since it was read; run again")
        changed = _translate(walked, parts[int(titled):], context)
        for name in pkg.styles:  # the proofing language: Word spell-checks and hyphenates
            if set_default_lang(pkg.xml(name), context.src_lang, context.tgt_lang):
                changed.add(name)
        core = _core(pkg)
        if core is not None:
            _set_core(core, parts[0][0] if titled else None, context.tgt_lang)
            changed.add(pkg.core)
        with atomic_output(out, binary=True) as fh, zipfile.ZipFile(fh, "w") as zout:
            for info in pkg.zip.infolist():
                data = (etree.tostring(pkg.trees[info.filename], xml_declaration=True,
                                       encoding="UTF-8", standalone=True)
                        if info.filename in changed else pkg.zip.read(info.filename))
                zout.writestr(info, data)


def _translate(walked: list[tuple[Block, etree._Element, Paragraph]],
               parts: list[tuple[str, ...]], context: WriteContext) -> set[str]:
    """Rebuild the paragraphs whose part changed, their runs' language the target where it
    was the source; the members changed."""
    changed: set[str] = set()
    rebuilt: set[etree._Element] = set()
    # last first: a text box's paragraphs are translated before the paragraph holding them
    # copies them
    for k in range(len(walked) - 1, -1, -1):
        block, p, para = walked[k]
        _sync_fallbacks(p, rebuilt)
        if parts[k][0] != para.part:
            rebuild(p, para, parts[k][0])
            relang(p, context.src_lang, context.tgt_lang)
            rebuilt.add(p)
            changed.add(block.file)
    return changed


def _set_core(core: etree._Element, title: str | None, lang: str) -> None:
    """The translated title (its tags dropped) and the target language, in core.xml."""
    el = core.find(f"{{{_DC}}}title")
    if title is not None and el is not None:
        el.text = xml_text(" ".join(html.unescape(re.sub(r"<[^<>]*>", "", title)).split()))
    if lang:
        el = core.find(f"{{{_DC}}}language")
        if el is None:
            el = etree.SubElement(core, f"{{{_DC}}}language")
        el.text = lang
