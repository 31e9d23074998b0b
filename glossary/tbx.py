"""TBX-Basic term bases: read TBX v2 (``martif``) and v3 (ISO 30042:2019, ``tbx``), write v2.

The XML is parsed with expat directly and a small tree builder that keeps each element's line,
so errors can name it. Entity declarations and external entities are refused, never expanded
(no "billion laughs", no reading ``/etc/passwd``); a plain ``<!DOCTYPE martif SYSTEM "...dtd">``
is fine. TBX is concept-oriented, so one file serves either direction of a pair.

diglot's flags have no TBX-Basic data category; they travel in an entry-level note::

    <note>diglot: case-sensitive; do-not-translate</note>
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from corpora.textio import write_atomic
from diglot.errors import ConfigError, DataFormatError
from glossary.termbase import Term, TermBase, validate
from glossary.text import words_key
from translate.langs import Language, resolve

_ENTRIES = ("termEntry", "conceptEntry")
_LANGSETS = ("langSet", "langSec")
_GROUPS = ("tig", "ntig", "termSec")
_STATUS = ("administrativeStatus", "normativeAuthorization")
_RANK = {"preferred": 0, "admitted": 1}  # unmarked 2, deprecated or superseded 3
_FORBIDDEN = ("deprecated", "superseded")
_FLAGS = {"case-sensitive": "case_sensitive", "do-not-translate": "dnt"}  # note: Term field
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class _El:
    """An XML element: local name, attributes, line, and child elements and text in order."""

    tag: str
    attrs: dict[str, str]
    line: int
    content: list[_El | str] = field(default_factory=list)

    def children(self, *tags: str) -> Iterator[_El]:
        return (c for c in self.content if isinstance(c, _El) and (not tags or c.tag in tags))

    def walk(self, stop: tuple[str, ...] = ()) -> Iterator[_El | str]:
        """Everything inside in document order, not looking inside elements named ``stop``."""
        stack = list(reversed(self.content))
        while stack:  # a loop, not recursion: a hostile file may nest deeper than the stack
            item = stack.pop()
            yield item
            if isinstance(item, _El) and item.tag not in stop:
                stack.extend(reversed(item.content))

    def find(self, *tags: str) -> Iterator[_El]:
        """Descendants named ``tags``, in document order, not looking inside a match."""
        return (el for el in self.walk(tags) if isinstance(el, _El) and el.tag in tags)

    def text(self) -> str:
        """All the text inside, with whitespace runs collapsed (pretty-printing is not content)."""
        return " ".join("".join(s for s in self.walk() if isinstance(s, str)).split())

    def kind(self) -> str:
        """The data category: a termNote's or descrip's type, else the tag (v3 DCT style)."""
        return self.attrs.get("type", "") if self.tag in ("termNote", "descrip") else self.tag


@dataclass(frozen=True)
class _Form:
    """One term of one language in an entry, with its status rank (0 preferred .. 3 forbidden)."""

    text: str
    rank: int
    pos: str


@dataclass(frozen=True)
class _Entry:
    """One termEntry/conceptEntry: forms and notes by ISO 639-3 code ("" for the entry's own)."""

    name: str
    line: int
    forms: dict[str, list[_Form]]
    notes: dict[str, list[str]]
    flags: frozenset[str]


def _parse(path: Path) -> _El:
    """Parse a file into a tree, refusing entities; expat reads the encoding declaration/BOM."""
    if not path.exists():
        raise DataFormatError(path, None, "no such file; check the path")
    if path.is_dir():
        raise DataFormatError(path, None, "is a folder, not a TBX file")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    stack: list[_El] = [_El("", {}, 0)]

    def start(tag: str, attrs: dict[str, str]) -> None:
        stack.append(_El(tag.rpartition(":")[2], attrs, parser.CurrentLineNumber))
        stack[-2].content.append(stack[-1])

    def refuse(message: str) -> Callable[..., NoReturn]:
        def handler(*args: object) -> NoReturn:
            raise DataFormatError(path, parser.CurrentLineNumber, message.format(*args))
        return handler

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _tag: stack.pop()
    parser.CharacterDataHandler = lambda text: stack[-1].content.append(text)
    parser.EntityDeclHandler = refuse(
        "declares XML entities (<!ENTITY {0} ...>); diglot does not expand entities, remove "
        "the DTD's internal subset")
    parser.ExternalEntityRefHandler = refuse(
        "refers to an external entity ({2}); diglot does not read them, remove the reference")
    parser.SkippedEntityHandler = refuse(
        "uses the undeclared entity &{0}; which diglot does not expand; write the character")
    try:
        parser.Parse(path.read_bytes(), True)
    except expat.ExpatError as exc:
        raise DataFormatError(path, exc.lineno, f"is not well-formed XML "
                              f"({expat.ErrorString(exc.code)}, column {exc.offset + 1}); "
                              "fix the markup there") from None
    except (LookupError, ValueError) as exc:  # an encoding Python has no single-byte codec for
        raise DataFormatError(path, 1, f"declares an encoding the XML parser cannot read ({exc}); "
                              "convert the file to UTF-8") from None
    except OSError as exc:
        raise DataFormatError(path, None, f"cannot be read ({exc.strerror})") from None
    return next(stack[0].children())


def _lang(el: _El, path: Path) -> Language | None:
    code = el.attrs.get("xml:lang") or el.attrs.get("lang")
    if code is None:
        return None
    try:
        return resolve(code)
    except ConfigError:
        raise DataFormatError(path, el.line, f"<{el.tag}> has xml:lang={code!r}, not a language "
                              "diglot knows; use an ISO 639 code such as 'en' or 'fr-FR'") from None


def _form(group: _El, path: Path) -> _Form:
    term = next(group.find("term"), None)
    if term is None:
        raise DataFormatError(path, group.line, f"<{group.tag}> has no <term>; add it or delete "
                              f"the <{group.tag}>")
    text = term.text()
    if not text:
        raise DataFormatError(path, term.line, f"empty <term>; fill it in or delete the "
                              f"<{group.tag}>")
    status, pos = "", ""
    for note in group.find("termNote", "partOfSpeech", *_STATUS):
        if note.kind() in _STATUS:
            status = status or note.text().lower()
        elif note.kind() == "partOfSpeech":
            pos = pos or note.text()
    rank = next((r for prefix, r in _RANK.items() if status.startswith(prefix)), 2)
    return _Form(text, 3 if status.startswith(_FORBIDDEN) else rank, pos)


def _notes(el: _El) -> Iterator[_El]:
    """Notes and definitions directly in ``el`` or in its descripGrp."""
    for child in el.children():
        for item in child.children() if child.tag == "descripGrp" else (child,):
            if item.tag == "note" or item.kind() == "definition":
                yield item


def _flags(note: _El, path: Path) -> set[str]:
    words = [w.strip().lower() for w in re.split("[;,]", note.text().partition(":")[2])]
    for word in words:
        if word and word not in _FLAGS:
            raise DataFormatError(path, note.line, f"unknown diglot flag {word!r} in <note>; "
                                  f"the flags are {' and '.join(_FLAGS)}")
    return {_FLAGS[w] for w in words if w}


def _entry(el: _El, path: Path, found: dict[str, Language]) -> _Entry:
    """Read one entry, adding the languages of its langSets to ``found``."""
    ident = el.attrs.get("id")
    forms: dict[str, list[_Form]] = {}
    notes: dict[str, list[str]] = {"": []}
    flags: set[str] = set()
    for note in _notes(el):
        if note.text().lower().startswith("diglot:"):
            flags |= _flags(note, path)
        elif note.text():
            notes[""].append(note.text())
    for langset in el.children(*_LANGSETS):
        lang = _lang(langset, path)
        if lang is None:
            raise DataFormatError(path, langset.line, f"<{langset.tag}> has no xml:lang; add "
                                  "the language code, e.g. xml:lang=\"en\"")
        found.setdefault(lang.iso3, lang)
        forms.setdefault(lang.iso3, []).extend(_form(g, path) for g in langset.find(*_GROUPS))
        notes.setdefault(lang.iso3, []).extend(n.text() for n in _notes(langset) if n.text())
    name = f"{el.tag} {ident!r}" if ident else f"{el.tag} without id"
    return _Entry(name, el.line, forms, notes, frozenset(flags))


def _pair(default: Language | None, found: dict[str, Language], src: Language | None,
          tgt: Language | None, path: Path) -> tuple[Language, Language, list[str]]:
    """The pair to read: the given languages, else the root's xml:lang and the other one."""
    have = ", ".join(lang.code for lang in found.values())
    for lang in (src, tgt):
        if lang is not None and lang.iso3 not in found:
            raise ConfigError(f"{path} has terms in {have}, not {lang.code}; choose the pair "
                              "with --from and --to among those languages")
    warnings: list[str] = []
    if src is None:
        others = [lang for lang in found.values() if tgt is None or lang.iso3 != tgt.iso3]
        if default is not None and default.iso3 in {lang.iso3 for lang in others}:
            src = default
        elif len(others) == 1 or (tgt is None and len(others) == 2):
            src = others[0]
            if tgt is None:
                warnings.append(f"{path}: took {src.code}, the first language in the file, as "
                                "the source (the root element's xml:lang does not say); give "
                                "--from to choose")
    if src is not None and tgt is None:
        others = [lang for lang in found.values() if lang.iso3 != src.iso3]
        tgt = others[0] if len(others) == 1 else None
    if src is None or tgt is None:
        raise ConfigError(f"{path} has terms in {have}; give --from and --to to choose the pair")
    return src, tgt, warnings


def _terms(entry: _Entry, src: Language, tgt: Language, path: Path,
           warnings: list[str]) -> list[Term]:
    """The entry's Terms: one per distinct source form, the preferred first; [] if skipped."""
    sources = sorted(entry.forms.get(src.iso3, []), key=lambda f: f.rank != 0)
    if not sources:  # counted once for the whole file by read_tbx
        return []
    targets = sorted(entry.forms.get(tgt.iso3, []), key=lambda f: f.rank)
    accepted = tuple(dict.fromkeys(f.text for f in targets if f.rank < 3))
    forbidden = tuple(dict.fromkeys(f.text for f in targets if f.rank == 3))
    dnt = "dnt" in entry.flags
    if not accepted and not dnt:
        what = f"only deprecated {tgt.code} terms" if forbidden else f"no {tgt.code} term"
        warnings.append(f"{path}:{entry.line}: {entry.name} has {what}; skipped")
        return []
    clash = set(accepted) & set(forbidden)
    if clash:
        raise DataFormatError(path, entry.line, f"{sorted(clash)[0]!r} is both accepted and "
                              "deprecated in this entry; keep one administrativeStatus")
    note = " / ".join(entry.notes[""] + entry.notes.get(src.iso3, [])
                      + (entry.notes.get(tgt.iso3, []) if tgt.iso3 != src.iso3 else []))
    terms: list[Term] = []
    seen: set[tuple[str, ...]] = set()
    for form in sources:  # synonyms validate would call repeats or conflicts are left out
        key = words_key(form.text)
        if key in seen or (terms and not key):
            continue
        seen.add(key)
        terms.append(Term(form.text, accepted or (form.text,), forbidden, note,
                          form.pos or sources[0].pos,
                          "case_sensitive" in entry.flags, dnt, entry.line))
    return terms


def read_tbx(path: Path, src: Language | None = None, tgt: Language | None = None) -> TermBase:
    """Read a TBX-Basic file (TBX v2 ``martif`` or v3 ``tbx``) as a term base for one pair.

    Args:
        path: The file, in any encoding expat reads from its declaration or BOM.
        src: Source language; by default the root element's ``xml:lang``.
        tgt: Target language; by default the file's other language.

    Returns:
        One Term per source form of each entry that has both languages; entries without a
        target term are reported in ``warnings``.

    Raises:
        DataFormatError: Not well-formed XML, entities, not TBX, no entries, an unknown
            ``xml:lang``, an empty term, conflicting entries (naming both lines).
        ConfigError: The file lacks ``src`` or ``tgt``, or has several languages and no pair
            was given.
    """
    root = _parse(path)
    if root.tag not in ("martif", "tbx"):
        raise DataFormatError(path, root.line, f"is not TBX (root element <{root.tag}>); give "
                              "a TBX-Basic file, or a TSV/CSV glossary")
    found: dict[str, Language] = {}
    entries = [_entry(el, path, found) for el in root.find(*_ENTRIES)]
    if not entries:
        raise DataFormatError(path, None, "has no <termEntry> or <conceptEntry>; add at least "
                              "one entry")
    src, tgt, warnings = _pair(_lang(root, path), found, src, tgt, path)
    terms = [t for e in entries for t in _terms(e, src, tgt, path, warnings)]
    missing = [e.line for e in entries if not e.forms.get(src.iso3)]
    if missing:
        warnings.append(f"{path}: entries with no {src.code} term: {len(missing)} (the first at "
                        f"line {missing[0]}); skipped")
    return validate(terms, src, tgt, path, tuple(warnings))


_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">
<martif type="TBX-Basic" xml:lang={lang}>
  <martifHeader>
    <fileDesc><sourceDesc><p>Exported by diglot from {origin}</p></sourceDesc></fileDesc>
    <encodingDesc><p type="XCSURI">TBXBasicXCSV02.xcs</p></encodingDesc>
  </martifHeader>
  <text>
    <body>"""


def _tag(lang: Language) -> str:
    return f"{lang.code}-{lang.region}" if lang.region else lang.code


def _entry_xml(term: Term, ident: int, base: TermBase, path: Path) -> list[str]:
    fields = (term.source, term.note, term.pos, *term.targets, *term.forbidden)
    bad = next((m for m in map(_NOT_XML.search, fields) if m), None)
    if bad:
        raise DataFormatError(base.path or path, term.line, f"{term.source!r} contains "
                              f"U+{ord(bad.group()):04X}, which XML cannot hold; remove it")
    out = [f'      <termEntry id="c{ident}">']
    out += [f"        <note>{escape(term.note)}</note>"] if term.note else []
    flags = [name for name, attr in _FLAGS.items() if getattr(term, attr)]
    out += [f"        <note>diglot: {'; '.join(flags)}</note>"] if flags else []
    pos = (f'<termNote type="partOfSpeech">{escape(term.pos)}</termNote>' if term.pos else "")
    out += [f"        <langSet xml:lang={quoteattr(_tag(base.src))}>",
            f"          <tig><term>{escape(term.source)}</term>{pos}</tig>",
            "        </langSet>",
            f"        <langSet xml:lang={quoteattr(_tag(base.tgt))}>"]
    statuses = [("preferredTerm" if i == 0 else "admittedTerm", t)
                for i, t in enumerate(term.targets)]
    for status, text in statuses + [("deprecatedTerm", t) for t in term.forbidden]:
        out.append(f"          <tig><term>{escape(text)}</term><termNote type="
                   f'"administrativeStatus">{status}-admn-sts</termNote></tig>')
    return out + ["        </langSet>", "      </termEntry>"]


def write_tbx(base: TermBase, path: Path) -> None:
    """Write a term base as TBX-Basic v2, read back by ``read_tbx`` to an equal term base.

    Target terms carry administrativeStatus: the first preferred, the others admitted, the
    forbidden ones deprecated. A do-not-translate term has its source form as its target term.

    Raises:
        DataFormatError: A term holds a control character XML 1.0 cannot represent.
    """
    origin = escape(base.path.name if base.path else "a diglot term base")
    lines = [_HEAD.format(lang=quoteattr(_tag(base.src)), origin=origin)]
    for n, term in enumerate(base.terms, 1):
        lines += _entry_xml(term, n, base, path)
    lines += ["    </body>", "  </text>", "</martif>"]
    write_atomic(path, "\n".join(lines) + "\n")
