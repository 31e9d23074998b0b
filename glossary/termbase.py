"""Term bases: entries, reading and writing TSV/CSV (TBX lives in ``glossary.tbx``), validation.

A TSV or CSV glossary has a header. Its columns are named by role or the first two by language,
which also declares the pair::

    en<TAB>fr<TAB>forbidden<TAB>note<TAB>pos<TAB>case<TAB>dnt
    class struggle<TAB>lutte des classes<TAB>combat de classe<TAB>...

Several accepted or forbidden forms are separated by ``|`` (the first accepted one is
preferred). Lines starting with ``#`` are comments. Nothing is dropped quietly: a repeated entry
is a warning, a conflicting one an error naming both lines.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from corpora.textio import read_text, split_lines, write_atomic
from diglot.errors import ConfigError, DataFormatError
from glossary.text import Normalizer, words_key
from translate.langs import Language, resolve

SEP = "|"
_ROLES = {
    "source": {"source", "src", "term", "source_term"},
    "target": {"target", "targets", "tgt", "translation", "target_term", "accepted"},
    "forbidden": {"forbidden", "avoid", "deprecated", "do_not_use"},
    "note": {"note", "notes", "comment", "definition"},
    "pos": {"pos", "part_of_speech"},
    "case": {"case", "case_sensitive", "match_case"},
    "dnt": {"dnt", "do_not_translate", "keep"},
}
_TRUE = {"1", "yes", "y", "true", "x", "dnt", "case"}
_FALSE = {"", "0", "no", "n", "false", "-"}


@dataclass(frozen=True)
class Term:
    """One glossary entry.

    Attributes:
        source: The source-language term.
        targets: Accepted target forms, the preferred first; for a do-not-translate entry,
            the source term itself.
        forbidden: Target forms that must not be used for this term.
        note: Free text for translators (definition, context).
        pos: Part of speech, free text ("noun").
        case_sensitive: Match only with the same capitalisation ("US" is not "us").
        dnt: Do not translate: the term stays as written.
        line: Where it was read: the file's line, or the TBX element's line.
    """

    source: str
    targets: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    note: str = ""
    pos: str = ""
    case_sensitive: bool = False
    dnt: bool = False
    line: int | None = field(default=None, compare=False)

    @property
    def preferred(self) -> str:
        return self.targets[0]


@dataclass(frozen=True)
class TermBase:
    """The entries of one glossary for one language pair.

    Attributes:
        src: Source language.
        tgt: Target language.
        terms: The entries, in file order.
        path: The file it was read from, if any.
        warnings: What was odd but usable (repeated entries, ignored columns).
    """

    src: Language
    tgt: Language
    terms: tuple[Term, ...]
    path: Path | None = None
    warnings: tuple[str, ...] = ()

    @property
    def version(self) -> str:
        """A hash of the content (pair and entries, not order or file): recorded with runs."""
        rows = sorted(json.dumps([t.source, t.targets, t.forbidden, t.note, t.pos,
                                  t.case_sensitive, t.dnt], ensure_ascii=False)
                      for t in self.terms)
        blob = json.dumps([self.src.code, self.tgt.code, rows], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def __len__(self) -> int:
        return len(self.terms)

    def for_pair(self, src: Language, tgt: Language) -> TermBase:
        """This term base, refused unless it is for ``src``→``tgt``.

        Raises:
            ConfigError: It is for another pair.
        """
        if (self.src.iso3, self.tgt.iso3) == (src.iso3, tgt.iso3):
            return self
        where = f"{self.path} is" if self.path else "the glossary is"
        hint = (" (the reverse direction: swap its first two columns)"
                if (self.src.iso3, self.tgt.iso3) == (tgt.iso3, src.iso3) else "")
        raise ConfigError(f"{where} for {self.src.code}→{self.tgt.code}, not "
                          f"{src.code}→{tgt.code}{hint}; give a glossary for this pair")


def split_forms(cell: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.strip() for f in cell.split(SEP) if f.strip()))


def _flag(cell: str, path: Path, line: int, column: str) -> bool:
    value = cell.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise DataFormatError(path, line, f"column {column!r} has {cell!r}; write yes or no")


def _roles(header: list[str], path: Path, line: int) -> tuple[dict[str, int], list[Language],
                                                                  list[str]]:
    """Column index by role, the languages the header names, and warnings for ignored ones."""
    roles: dict[str, int] = {}
    languages: list[Language] = []
    ignored: list[str] = []
    for i, cell in enumerate(header):
        name = cell.strip().lower().replace("-", "_").replace(" ", "_")
        role = next((r for r, names in _ROLES.items() if name in names), None)
        if role is None and len(languages) < 2 and name:
            try:
                languages.append(resolve(cell.strip()))
                role = "source" if len(languages) == 1 else "target"
            except ConfigError:
                role = None
        if role is None:
            ignored.append(f"{path}:{line}: column {cell.strip()!r} is not a glossary field "
                           f"(known: {', '.join(sorted(_ROLES))}, or language codes); ignored")
        elif role in roles:
            raise DataFormatError(path, line, f"two {role} columns; keep one")
        else:
            roles[role] = i
    if "source" not in roles or ("target" not in roles and "dnt" not in roles):
        raise DataFormatError(
            path, line, "the header needs a source and a target column (e.g. 'source<TAB>target' "
            "or the language codes 'en<TAB>fr')")
    return roles, languages, ignored


def _rows(text: str, path: Path) -> Iterable[tuple[int, list[str]]]:
    """Non-empty, non-comment rows with their line numbers."""
    lines = split_lines(text)
    first = next((ln for ln in lines if ln.strip() and not ln.startswith("#")), "")
    comma = path.suffix.lower() == ".csv" or ("\t" not in first and "," in first)
    if not comma:
        for n, line in enumerate(lines, 1):
            if line.strip() and not line.startswith("#"):
                yield n, line.split("\t")
        return
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        for row in reader:
            if any(c.strip() for c in row) and not row[0].startswith("#"):
                yield reader.line_num, row
    except csv.Error as exc:
        raise DataFormatError(path, reader.line_num, f"is not valid CSV ({exc}); check the "
                              "quoting on this line") from None


def read_delimited(path: Path, src: Language | None = None,
                   tgt: Language | None = None) -> TermBase:
    """Read a TSV or CSV glossary with a header.

    Args:
        path: The file (``.csv`` is comma-separated, anything else tab-separated unless the
            header has commas and no tabs).
        src: Source language, needed when the header does not name the languages.
        tgt: Target language, likewise.

    Raises:
        DataFormatError: Unreadable file, bad header, short rows, empty terms, conflicts.
        ConfigError: The header names another language pair than ``src``→``tgt``.
    """
    rows = iter(_rows(read_text(path), path))
    header_line, header = next(rows)
    roles, languages, warnings = _roles(header, path, header_line)
    pair = _pair(languages, src, tgt, path)
    raw: list[Term] = []
    for n, row in rows:
        row = row + [""] * (len(header) - len(row))  # editors drop trailing empty cells
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            raise DataFormatError(path, n, f"has {len(row)} fields but the header has "
                                  f"{len(header)}; a tab or comma inside a term? (use | between "
                                  "several forms)")
        cell = {role: row[i] for role, i in roles.items()}
        raw.append(_term(cell, path, n))
    return validate(raw, *pair, path, tuple(warnings))


def _pair(languages: list[Language], src: Language | None, tgt: Language | None,
          path: Path) -> tuple[Language, Language]:
    if len(languages) == 2:
        if src is not None and tgt is not None:
            TermBase(languages[0], languages[1], (), path).for_pair(src, tgt)
        return languages[0], languages[1]
    if src is None or tgt is None:
        raise ConfigError(f"{path}: name the glossary's languages: give --from and --to, or "
                          "name its first two columns by language (e.g. en<TAB>fr)")
    return src, tgt


def _term(cell: dict[str, str], path: Path, line: int) -> Term:
    source = " ".join(cell["source"].split())
    if not source:
        raise DataFormatError(path, line, "empty source term; fill it in or delete the line")
    dnt = _flag(cell.get("dnt", ""), path, line, "dnt")
    targets = split_forms(cell.get("target", ""))
    if not targets and not dnt:
        raise DataFormatError(path, line, f"no target for {source!r}; give one, or mark it "
                              "dnt (do not translate)")
    forbidden = split_forms(cell.get("forbidden", ""))
    clash = set(targets) & set(forbidden)
    if clash:
        raise DataFormatError(path, line, f"{sorted(clash)[0]!r} is both accepted and "
                              "forbidden; keep it in one column")
    return Term(source, targets or (source,), forbidden, cell.get("note", "").strip(),
                cell.get("pos", "").strip(), _flag(cell.get("case", ""), path, line, "case"),
                dnt, line)


def validate(terms: Sequence[Term], src: Language, tgt: Language, path: Path | None,
             warnings: tuple[str, ...] = ()) -> TermBase:
    """Merge exact repeats (with a warning) and refuse conflicting entries.

    Two entries conflict when their sources are the same words (ignoring case and accents)
    but their targets or flags differ: no text could tell which one is meant, and the matcher
    has no part-of-speech tagger to try. Sources that only stem alike ("bourgeoisie",
    "bourgeois") are different entries; the matcher picks the closer one.

    Raises:
        DataFormatError: A conflict, naming both lines.
    """
    seen: dict[tuple[str, ...], Term] = {}
    stems: dict[tuple[str, ...], Term] = {}
    norm = Normalizer(src.name)
    kept: list[Term] = []
    notes = list(warnings)
    where = path or Path("glossary")
    for term in terms:
        key = words_key(term.source)
        alike = stems.setdefault(norm.phrase(term.source), term)
        if alike is not term and words_key(alike.source) != key:
            notes.append(f"{where}:{term.line}: {term.source!r} stems like {alike.source!r} "
                         f"(line {alike.line}); an occurrence goes to the one written closer")
        if not key:
            raise DataFormatError(where, term.line, f"source term {term.source!r} has no words; "
                                  "give a word or delete the entry")
        first = seen.get(key)
        if first is None:
            seen[key] = term
            kept.append(term)
        elif replace(first, source="", note="", line=None) == \
                replace(term, source="", note="", line=None):
            notes.append(f"{where}:{term.line}: repeats line {first.line} "
                         f"({term.source!r}); kept once")
        else:
            raise DataFormatError(
                where, term.line,
                f"{term.source!r} conflicts with line {first.line} ({first.source!r} → "
                f"{SEP.join(first.targets)}, here → {SEP.join(term.targets)}); merge them into "
                "one entry with the forms separated by |")
    return TermBase(src, tgt, tuple(kept), path, tuple(notes))


def read_termbase(path: Path, src: Language | None = None,
                  tgt: Language | None = None) -> TermBase:
    """Read a glossary in any supported format (by extension: .tbx, .csv, else TSV).

    Raises:
        DataFormatError: The file cannot be read as a glossary.
        ConfigError: It is for another pair, or names no languages and none are given.
    """
    if path.suffix.lower() in (".tbx", ".xml"):
        from glossary.tbx import read_tbx

        base = read_tbx(path, src, tgt)
    else:
        base = read_delimited(path, src, tgt)
    if src is not None and tgt is not None:
        base = base.for_pair(src, tgt)
    if not base.terms:
        raise DataFormatError(path, None, "has no entries; add at least one term")
    return base


def write_tsv(base: TermBase, path: Path) -> None:
    """Write a term base as TSV with language-code columns (read back by ``read_termbase``)."""
    def clean(s: str) -> str:
        return " ".join(s.split())

    lines = [f"{base.src.code}\t{base.tgt.code}\tforbidden\tnote\tpos\tcase\tdnt"]
    for t in base.terms:
        targets = "" if t.dnt and t.targets == (t.source,) else SEP.join(t.targets)
        lines.append("\t".join([clean(t.source), targets, SEP.join(t.forbidden), clean(t.note),
                                clean(t.pos), "yes" if t.case_sensitive else "",
                                "yes" if t.dnt else ""]))
    write_atomic(path, "\n".join(lines) + "\n")
