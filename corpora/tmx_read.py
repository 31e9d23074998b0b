"""TMX reader: lxml ``iterparse`` with no entity expansion, no DTD loading, no network, each
``tu`` cleared once read, so memory stays flat however long the file. A DOCTYPE that declares
entities (billion laughs, external entities) is refused before parsing starts; an external DTD
is never fetched. Units diglot wrote (``x-status`` prop) come back with their provenance
exactly; other TMX units come back as human translations a person confirmed.
"""

from __future__ import annotations

import collections
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from corpora.pairs import STATUSES, DocumentMeta, Pair, language_key, new_pair
from corpora.tmx import (
    _DOC_FIELDS,
    _SKIP_HINT,
    XML_LANG,
    _iso_date,
)
from corpora.tmx_inline import keeps_codes, segment_text
from diglot.errors import DataFormatError

#: How much of the file's start is checked for the encoding and entity declarations.
_PROLOG_BYTES = 1 << 16
_DECLARED = re.compile(r"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF = {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "us-ascii", "ascii"}


def read_tmx(path: Path, src: str, tgt: str, *, document: str | None = None,
             skip_bad: bool = False,
             skipped: collections.Counter[str] | None = None) -> Iterator[Pair]:
    """Read the ``src``→``tgt`` pairs of a TMX file (1.1–1.4, level 1 or 2), streaming.

    Args:
        path: The TMX file (UTF-8 or UTF-16, as TMX requires).
        src: Source language; a tuv matches on the primary subtag, ignoring case
            (``fr-FR`` matches ``fr``).
        tgt: Target language, matched the same way.
        document: Document name for units that do not name theirs (default: the file name).
        skip_bad: Skip bad units (counted in ``skipped``) instead of raising.
        skipped: Counts skipped units by reason.

    Yields:
        One `Pair` per unit, in file order. Units diglot wrote keep their id and provenance;
        others are ``{document}:{n}`` (n: the unit's 0-based position), ``engine="human"``,
        ``status="confirmed"``, ``align_method="import"``, creator and dates from the tu.

    Raises:
        DataFormatError: the file is not UTF-8/UTF-16, not well-formed (truncated), declares
            entities, is not a TMX; or, without ``skip_bad``, a unit is bad (a tuv without
            ``xml:lang``, a language missing, an empty segment, bad provenance).
    """
    path = Path(path)
    _check_prolog(path)
    reader = _Reader(path, _primary(src), _primary(tgt), document or path.name, skip_bad,
                     skipped if skipped is not None else collections.Counter())
    context = etree.iterparse(str(path), events=("end",), tag=("header", "tu"),
                              resolve_entities=False, no_network=True, load_dtd=False,
                              huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        for _, el in context:
            if reader.first:
                reader.check_document(el.getroottree())
            if el.tag == "header":
                reader.read_header(el)
                continue
            pair = reader.unit(el)
            el.clear(keep_tail=False)
            parent = el.getparent()
            while el.getprevious() is not None:
                del parent[0]
            if pair is not None:
                yield pair
        if reader.first:
            reader.check_document(context.root.getroottree())
    except etree.XMLSyntaxError as err:
        raise DataFormatError(path, err.lineno or 1, _syntax_message(err, path)) from None


def _primary(lang: str) -> str:
    return language_key(lang)


def _check_prolog(path: Path) -> None:
    """Refuse, before parsing, an encoding TMX does not allow and entity declarations."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(_PROLOG_BYTES)
    except FileNotFoundError:
        raise DataFormatError(path, None, "no such file; check the path") from None
    except IsADirectoryError:
        raise DataFormatError(path, None, "is a folder; give a .tmx file") from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    declared = _DECLARED.search(text[:400])
    if declared and declared.group(1).lower() not in _UTF:
        raise DataFormatError(path, 1, f"the file is in {declared.group(1)}, but TMX must be "
                              "UTF-8 or UTF-16; convert it (iconv -f "
                              f"{declared.group(1)} -t UTF-8) and fix the declaration")
    doctype = text.find("<!DOCTYPE")
    if doctype < 0:
        return
    close = text.find(">", doctype)
    bracket = text.find("[", doctype, close if close >= 0 else len(text))
    end = text.find("]>", bracket) if bracket >= 0 else close  # the internal subset's end
    entity = text.find("<!ENTITY", doctype, end if end >= 0 else len(text))
    if entity >= 0:  # declarations only ever come in the DOCTYPE
        raise _entity_error(path, text.count("\n", 0, entity) + 1)


def _entity_error(path: Path, line: int) -> DataFormatError:
    return DataFormatError(path, line, "the file declares XML entities (an entity bomb or an "
                           "external entity?); TMX needs none: remove the DOCTYPE's [...] part "
                           "and the entity references")


def _syntax_message(err: etree.XMLSyntaxError, path: Path) -> str:
    msg = str(err.msg or err)
    if "UTF-8" in msg or "encoding" in msg.lower():
        return (f"the file is not UTF-8 text ({msg}); convert it to UTF-8 "
                "(iconv -f LATIN1 -t UTF-8, or whatever its encoding is)")
    if "Resource limit" in msg or "huge" in msg.lower():
        return (f"{msg}: a text over 10 MB or markup nested too deep is no translation unit; "
                "split or fix it")
    if "ntity" in msg:
        return f"{msg}: entity references are not allowed in TMX; remove them"
    if "Premature end" in msg or (err.lineno or 0) >= _last_line(path):
        return f"the XML ends too early ({msg}): the file is truncated; export it again"
    return f"not well-formed XML ({msg}); fix the file"


def _last_line(path: Path) -> int:
    """The number of the file's last line (a syntax error there means a cut-off file)."""
    newlines, last = 0, b""
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return newlines if last == b"\n" else newlines + 1


class _Reader:
    """The state of one read: header facts, unit numbering, skip counts."""

    def __init__(self, path: Path, src: str, tgt: str, document: str, skip_bad: bool,
                 skipped: collections.Counter[str]) -> None:
        self.path, self.src, self.tgt = path, src, tgt
        self.document = DocumentMeta(document)
        self.skip_bad, self.skipped = skip_bad, skipped
        self.first = True
        self.datatype: str | None = None
        self.docs: dict[str, DocumentMeta] = {}
        self.cache: dict[tuple[Any, ...], DocumentMeta] = {}
        self.n = -1
        self.primary: dict[str, str] = {}

    def check_document(self, tree: etree._ElementTree) -> None:
        """Once, at the first element read: a TMX root and no entity declarations."""
        self.first = False
        root = tree.getroot()
        dtd = tree.docinfo.internalDTD
        if dtd is not None and any(True for _ in dtd.iterentities()):
            raise _entity_error(self.path, 1)
        if root is None or root.tag != "tmx":
            tag = root.tag if root is not None else "nothing"
            raise DataFormatError(self.path, root.sourceline if root is not None else 1,
                                  f"this is not a TMX file (its root element is <{tag}>, "
                                  "not <tmx>); give a .tmx file")

    def read_header(self, header: etree._Element) -> None:
        """The default datatype and the documents a diglot header describes."""
        self.datatype = header.get("datatype")
        for prop in header.iterchildren("prop"):
            if prop.get("type") != "x-document" or not (prop.text or "").startswith("{"):
                continue  # not ours: another tool's x-document is no concern of ours
            try:
                record = json.loads(prop.text)
                doc = DocumentMeta(str(record["name"]), record.get("title"),
                                   tuple(str(a) for a in record.get("authors") or ()),
                                   *(record.get(key) for key in _HEADER_DOC_KEYS))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise DataFormatError(self.path, prop.sourceline, "the header's x-document "
                                      "prop is not the JSON diglot writes; fix or remove it"
                                      ) from None
            self.docs[doc.name] = doc

    def unit(self, tu: etree._Element) -> Pair | None:
        """The pair of one ``tu``, or None when it is bad and skipped."""
        self.n += 1
        try:
            return self._unit(tu)
        except _BadUnit as bad:
            if not self.skip_bad:
                raise DataFormatError(self.path, tu.sourceline,
                                      f"{bad.message}; {_SKIP_HINT}") from None
            self.skipped[bad.reason] += 1
            return None

    def _unit(self, tu: etree._Element) -> Pair:
        props: dict[str, str] = {}  # "x-FIELD" -> text
        note = source = target = None
        reversed_ = False
        for child in tu:  # one pass, each child's proxy made once (~0.2 µs each)
            tag = child.tag
            if tag == "prop":
                kind = child.get("type")
                if kind and kind.startswith("x-"):
                    if len(child):
                        raise _entity(tu)
                    props[kind] = child.text or ""
            elif tag == "tuv":
                lang = child.get(XML_LANG) or child.get("lang")
                if not lang:
                    raise _BadUnit("tuv without xml:lang", f"{_name(tu)} has a <tuv> without "
                                   "xml:lang, so its language is unknown")
                primary = self.primary.get(lang)
                if primary is None:
                    primary = self.primary[lang] = _primary(lang)
                if source is None and primary == self.src:
                    source = (lang, self._text(tu, child))
                    reversed_ = target is not None
                elif target is None and primary == self.tgt:
                    target = (lang, self._text(tu, child))
            elif tag == "note" and note is None:
                note = child.text
        if source is None or target is None:
            lang = self.src if source is None else self.tgt
            raise _BadUnit("one language only", f"{_name(tu)} has no <tuv> in {lang!r}")
        if not source[1].strip() or not target[1].strip():
            raise _BadUnit("empty segment", f"{_name(tu)} has an empty segment")
        if props.get("x-status") in STATUSES:
            if reversed_:
                raise DataFormatError(self.path, tu.sourceline, f"diglot exported this unit "
                                      f"{self.tgt}→{self.src}; read the other way its machine "
                                      "text would pass for the original: import it with "
                                      f"--from {self.tgt} --to {self.src}")
            try:
                return self._ours(tu, props, note, source, target)
            except (ValueError, TypeError) as err:
                raise _BadUnit("bad provenance", f"{_name(tu)} has a provenance prop diglot "
                               f"cannot read ({err})") from None
        return self._theirs(tu, source, target)

    def _text(self, tu: etree._Element, tuv: etree._Element) -> str:
        seg = tuv[0] if len(tuv) == 1 else tuv.find("seg")  # a tuv is (note|prop)*, seg
        if seg is None or seg.tag != "seg":
            return ""
        if not len(seg):
            return seg.text or ""
        if any(True for _ in seg.iter(etree.Entity)):
            raise _entity(tu)
        datatype = tuv.get("datatype") or tu.get("datatype") or self.datatype
        return segment_text(seg, keeps_codes(datatype))

    def _ours(self, tu: etree._Element, p: dict[str, str], note: str | None,
              source: tuple[str, str], target: tuple[str, str]) -> Pair:
        """A unit diglot wrote: its provenance exactly as exported."""
        get = p.get
        name = get("x-document", "")
        score = get("x-align_score")
        paragraph = get("x-paragraph")
        return new_pair(
            tu.get("tuid") or f"{name}:{self.n}", self._document(name, p), source[0],
            target[0], source[1], target[1], get("x-section", ""),
            int(paragraph) if paragraph is not None else 0, _ints(get("x-sentences")),
            _ints(get("x-target_sentences")), get("x-align_method", "sentence"),
            float(score) if score else None, get("x-engine", "human"), get("x-model"),
            get("x-engine_version"), get("x-decoding", "{}"), get("x-glossary_version"),
            p["x-status"], _texts(get("x-reviewers")), get("x-created_by", ""),
            get("x-created_at", ""), get("x-changed_by"), get("x-changed_at"),
            _texts(get("x-flags")), note)

    def _document(self, name: str, p: dict[str, str]) -> DocumentMeta:
        """The header's record of the document, or the one the unit carries."""
        if _DOC_KEY_SET.isdisjoint(p):
            found = self.docs.get(name)
            if found is not None:
                return found
        values = tuple(p.get(key) for key in _DOC_KEYS)
        doc = self.cache.get((name, *values))
        if doc is None:
            doc = DocumentMeta(name, values[0], _texts(p.get("x-authors")), *values[2:])
            self.cache[(name, *values)] = doc
        return doc

    def _theirs(self, tu: etree._Element, source: tuple[str, str],
                target: tuple[str, str]) -> Pair:
        """A unit from another tool: a human translation, confirmed."""
        creator = tu.get("creationid") or ""
        changer = tu.get("changeid")
        reviewers = tuple(dict.fromkeys(x for x in (creator, changer) if x))
        return Pair(f"{self.document.name}:{self.n}", self.document, source[0], target[0],
                    source[1], target[1], sentences=(self.n,), align_method="import",
                    engine="human", status="confirmed", reviewers=reviewers,
                    created_by=creator, created_at=_iso_date(tu.get("creationdate")) or "",
                    changed_by=changer, changed_at=_iso_date(tu.get("changedate")))


#: The props of a unit's own document record, in `DocumentMeta` order after the name.
_DOC_KEYS = tuple(f"x-{key}" for key in _DOC_FIELDS)
_DOC_KEY_SET = frozenset(_DOC_KEYS)
_HEADER_DOC_KEYS = ("source", "source_license", "translation_license", "attribution")


def _ints(text: str | None) -> tuple[int, ...]:
    """A JSON list of ints (``[3]``, ``[3,4]``) as a tuple; () when absent."""
    if not text:
        return ()
    if text[:1] == "[" and text[-1:] == "]":  # int() checks each one
        inner = text[1:-1]
        if "," not in inner:
            return (int(inner),) if inner.strip() else ()
        return tuple(map(int, inner.split(",")))
    return _json_list(text, int)


def _texts(text: str | None) -> tuple[str, ...]:
    """A JSON list of strings as a tuple; () when absent."""
    return _json_list(text, str) if text else ()


@lru_cache(maxsize=4096)
def _json_list(text: str, kind: type) -> tuple[Any, ...]:
    """Reviewers and flags repeat from unit to unit: each list is parsed once."""
    values = json.loads(text)
    if not isinstance(values, list) or not all(isinstance(v, kind) for v in values):
        raise ValueError(f"{text!r} is not a JSON list of {kind.__name__}")
    return tuple(values)


class _BadUnit(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def _entity(tu: etree._Element) -> _BadUnit:
    return _BadUnit("entity reference", f"{_name(tu)} uses an entity reference that only "
                    "a DTD could define; TMX needs none: write the character itself")


def _name(tu: etree._Element) -> str:
    tuid = tu.get("tuid")
    return f"tu {tuid!r}" if tuid else "this tu"
