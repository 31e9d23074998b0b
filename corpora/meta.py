"""Whose text a document is and under which licences: read from the input (YAML front matter),
from a ``--meta FILE.toml``, or set with ``diglot meta``; kept in the store's ``document_meta``
table under the document's name; checked before anything is published.

Licences are SPDX expressions, parsed and normalised by the ``license-expression`` library
(AboutCode) against the SPDX licence list it ships (https://spdx.org/licenses/).
"""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from corpora.document import Document
from corpora.pairs import DocumentMeta
from diglot.errors import ConfigError, DataFormatError

#: Keys a metadata file or front matter may use, and the `DocumentMeta` field each sets.
KEYS: dict[str, str] = {
    "title": "title", "author": "authors", "authors": "authors", "source": "source",
    "url": "source", "source_url": "source", "license": "source_license",
    "licence": "source_license", "source_license": "source_license",
    "source_licence": "source_license", "translation_license": "translation_license",
    "translation_licence": "translation_license",
    "attribution": "attribution",
}
FIELDS = ("title", "authors", "source", "source_license", "translation_license", "attribution")

#: Licences whose works may share a corpus file with works under any other licence: public
#: domain dedications and attribution-only licences (their terms are met by carrying each
#: pair's licence and attribution).
PERMISSIVE = frozenset({
    "CC0-1.0", "CC-PDDC", "PDDL-1.0", "Unlicense", "CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5",
    "CC-BY-3.0", "CC-BY-4.0", "ODC-By-1.0", "MIT", "Apache-2.0", "BSD-2-Clause",
    "BSD-3-Clause", "ISC", "Zlib", "0BSD",
})


@lru_cache(maxsize=1)
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def normalise_license(expression: str, where: str) -> str:
    """An SPDX licence expression in its canonical spelling (``cc-by-sa-4.0`` → ``CC-BY-SA-4.0``).

    ``LicenseRef-…`` identifiers (SPDX's form for a licence not on its list) are accepted.

    Args:
        expression: The expression as given.
        where: What gave it, for the message (``--license``, ``ensayo.md front matter``).

    Raises:
        ConfigError: The expression does not parse or names a licence SPDX does not list.
    """
    from license_expression import ExpressionError

    hint = ("use an identifier from https://spdx.org/licenses/ such as CC-BY-SA-4.0, "
            "CC-BY-4.0, CC0-1.0 or CC-BY-NC-4.0 (or LicenseRef-NAME for one not listed)")
    try:
        parsed = _licensing().parse(expression.strip(), validate=False, strict=True)
    except ExpressionError as exc:
        raise ConfigError(f"{where}: {expression!r} is not an SPDX licence expression ({exc}); "
                          f"{hint}") from None
    if parsed is None:
        raise ConfigError(f"{where}: the licence is empty; give an SPDX identifier such as "
                          "CC-BY-SA-4.0")
    unknown = [k for k in _licensing().unknown_license_keys(parsed)
               if not k.startswith("LicenseRef-")]
    if unknown:
        raise ConfigError(f"{where}: {expression!r} is not an SPDX licence expression "
                          f"(unknown: {', '.join(unknown)}); {hint}")
    return str(parsed.render())


def same_license(a: str, b: str) -> bool:
    """Whether two SPDX expressions say the same (``MIT OR X`` and ``X OR MIT`` do)."""
    return a == b or bool(_licensing().is_equivalent(a, b))


def license_keys(expression: str) -> list[str]:
    """The SPDX identifiers an expression names (``MIT OR Apache-2.0`` → both)."""
    return list(_licensing().license_keys(_licensing().parse(expression)))


def meta_values(raw: Mapping[str, Any], where: str, strict: bool,
                clearing: bool = False) -> dict[str, Any]:
    """`DocumentMeta` fields from a mapping of metadata keys (front matter, a TOML file).

    Args:
        raw: Keys as `KEYS` names them; ``author``/``authors`` a string or a list of strings.
        where: What the mapping came from, for messages.
        strict: Refuse keys `KEYS` does not name (a TOML file written for diglot); front
            matter holds other keys (date, tags) and they are passed over.
        clearing: An empty value clears the field (``diglot meta --license ""``).

    Raises:
        ConfigError: An unknown key (strict), a value of the wrong type, a bad licence.
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = KEYS.get(str(key).lower())
        if name is None:
            if strict:
                raise ConfigError(f"{where}: unknown key {key!r}; the keys are "
                                  f"{', '.join(sorted(KEYS))}")
            continue
        if value is None:
            continue
        if clearing and value in ("", [""]):
            out[name] = ""
            continue
        if name == "authors":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
                raise ConfigError(f"{where}: {key} must be a name or a list of names")
            out[name] = tuple(a.strip() for a in items if a.strip())
            continue
        if not isinstance(value, (str, int, float)):
            raise ConfigError(f"{where}: {key} must be text, not {type(value).__name__}")
        text = str(value).strip()
        label = where if where.startswith("--") else f"{where}: {key}"  # an option names itself
        out[name] = normalise_license(text, label) if name.endswith("license") else text
    return out


def read_meta_file(path: Path) -> dict[str, Any]:
    """`DocumentMeta` fields from a TOML file (``title = "…"``, ``license = "CC-BY-SA-4.0"``).

    Raises:
        DataFormatError: The file is not valid TOML (with its line).
        ConfigError: An unknown key or a bad value.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataFormatError(path, None, "is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        # the line is in the message ("(at line 2, column 11)"); an attribute from 3.14 on
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise DataFormatError(path, line, f"is not valid TOML ({exc}); write key = \"value\" "
                              "lines, e.g. license = \"CC-BY-SA-4.0\"") from None
    return meta_values(raw, str(path), strict=True)


def front_matter_meta(lines: Sequence[str], end: int, path: Path) -> dict[str, Any]:
    """`DocumentMeta` fields from a Markdown file's YAML front matter.

    Args:
        lines: The file's lines.
        end: Number of lines the front matter takes (``corpora.markdown.front_matter_end``);
            0 when there is none.
        path: The file, for messages.

    Raises:
        DataFormatError: The front matter is not valid YAML (with its line).
        ConfigError: A bad value, e.g. a licence SPDX does not know.
    """
    if end < 2 or lines[0].strip() != "---":
        return {}
    import yaml

    try:
        raw = yaml.safe_load("\n".join(lines[1:end - 1]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise DataFormatError(path, line, f"front matter is not valid YAML ({exc}); fix it, "
                              "or move the metadata to a --meta FILE.toml") from None
    if not isinstance(raw, dict):
        return {}
    return meta_values(raw, f"{path} front matter", strict=False)


def input_meta(doc: Document, path: Path, meta_file: Path | None) -> dict[str, Any]:
    """The metadata a run's input gives: what the book declares (an EPUB's OPF, a DOCX's
    properties, an HTML page's ``<meta>``: ``Document.meta``) or its front matter, then a
    ``--meta`` file (which wins).

    Raises:
        DataFormatError, ConfigError: as `front_matter_meta` and `read_meta_file`.
    """
    values: dict[str, Any] = declared_meta(doc, path)
    front = next((b for b in doc.blocks if b.kind == "front_matter"), None)
    if front is not None:
        values.update(front_matter_meta(doc.lines, front.end, path))
    if meta_file is not None:
        values.update(read_meta_file(meta_file))
    return values


def declared_meta(doc: Document, path: Path) -> dict[str, Any]:
    """`DocumentMeta` fields from what a book file declares (``Document.meta``; a repeated
    ``authors`` key is one author each). A licence that is not an SPDX expression is left out:
    a book's rights statement is prose as often as not, and ``diglot meta`` sets it."""
    raw: dict[str, Any] = {}
    for key, value in doc.meta:
        if key in ("author", "authors"):
            raw.setdefault("authors", []).append(value)
        else:
            raw[key] = value
    try:
        return meta_values(raw, f"{path} metadata", strict=False)
    except ConfigError:
        kept = {k: v for k, v in raw.items() if not k.endswith("license")}
        return meta_values(kept, f"{path} metadata", strict=False)


# the store -----------------------------------------------------------------------------------

def save_meta(conn: sqlite3.Connection, name: str, values: Mapping[str, Any],
              origin: str) -> DocumentMeta:
    """Set some metadata fields of a document (the others keep their stored values).

    Args:
        conn: The store.
        name: The document's name.
        values: `DocumentMeta` fields to set (``authors`` a tuple); "" clears a field.
        origin: Where the values came from (``front matter``, ``meta file``, ``diglot meta``,
            ``import``).

    Returns:
        The document's metadata after the change.
    """
    current = load_meta(conn, name)
    merged = {f: getattr(current, f) for f in FIELDS}
    merged.update({k: (v if v != "" else None) for k, v in values.items() if k in FIELDS})
    if merged["authors"] is None:
        merged["authors"] = ()
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    conn.execute(
        "INSERT INTO document_meta (name, title, authors, source, source_license, "
        "translation_license, attribution, origin, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET title = excluded.title, authors = excluded.authors, "
        "source = excluded.source, source_license = excluded.source_license, "
        "translation_license = excluded.translation_license, "
        "attribution = excluded.attribution, origin = excluded.origin, "
        "updated_at = excluded.updated_at",
        (name, merged["title"], json.dumps(list(merged["authors"] or ()), ensure_ascii=False),
         merged["source"], merged["source_license"], merged["translation_license"],
         merged["attribution"], origin, now))
    return load_meta(conn, name)


def load_meta(conn: sqlite3.Connection, name: str) -> DocumentMeta:
    """A document's metadata; a `DocumentMeta` with only its name when none is stored."""
    row = conn.execute("SELECT title, authors, source, source_license, translation_license, "
                       "attribution FROM document_meta WHERE name = ?", (name,)).fetchone()
    if row is None:
        return DocumentMeta(name)
    title, authors, source, source_license, translation_license, attribution = row
    return DocumentMeta(name, title, tuple(json.loads(authors)), source, source_license,
                        translation_license, attribution)


def document_names(conn: sqlite3.Connection) -> list[str]:
    """Names of the documents in the store that have a current bitext, in store order."""
    rows = conn.execute("SELECT d.name FROM documents d WHERE EXISTS (SELECT 1 FROM bitexts b "
                        "WHERE b.document_id = d.id AND b.superseded_by IS NULL) "
                        "GROUP BY d.name ORDER BY MIN(d.id)").fetchall()
    return [r[0] for r in rows]


# licences of a whole export ------------------------------------------------------------------

def combined_license(documents: Iterable[DocumentMeta]) -> str | None:
    """The licence of one file holding pairs of all these documents.

    Documents under public-domain or attribution-only licences (`PERMISSIVE`) mix with any
    other; beyond those, one file holds one licence (ShareAlike, NonCommercial and other
    terms are not merged: CC-BY-NC-4.0 with CC-BY-SA-4.0 cannot share a file).

    Returns:
        The licences joined with AND (each pair still carries its own), None when no
        document has one.

    Raises:
        ConfigError: Documents under licences that may not be merged; the message names them
            and says how to split the export with --license.
    """
    by_license: dict[str, list[str]] = {}
    for doc in documents:
        if doc.license:
            by_license.setdefault(doc.license, []).append(doc.name)
    restrictive = [lic for lic in sorted(by_license)
                   if not all(k in PERMISSIVE for k in license_keys(lic))]
    if len(restrictive) > 1:
        named = "; ".join(f"{lic}: {', '.join(by_license[lic][:3])}"
                          + (" …" if len(by_license[lic]) > 3 else "") for lic in restrictive)
        runs = " and ".join(f"--license {shlex.quote(lic)}" for lic in restrictive)
        raise ConfigError(f"documents under licences that may not be merged into one file "
                          f"({named}); export them apart: one export with {runs} each")
    return " AND ".join(sorted(by_license)) or None


#: Dedications to the public domain: text under them may go into any other document.
PUBLIC_DOMAIN = frozenset({"CC0-1.0", "CC-PDDC", "PDDL-1.0", "Unlicense"})


def reusable_in(conn: sqlite3.Connection, document_id: int) -> Callable[[str], bool]:
    """Whether a person's translation from another document may be reused in this one by the
    translation memory: when that document has no licence recorded (the user's own memory),
    is in the public domain, or is under the same licence as this one. A NonCommercial
    memory never becomes part of a CC BY translation this way.

    Args:
        conn: The store.
        document_id: The document being translated.

    Returns:
        A predicate on the other document's name.
    """
    row = conn.execute("SELECT name FROM documents WHERE id = ?", (document_id,)).fetchone()
    here = load_meta(conn, row[0]).license if row else None
    answers: dict[str, bool] = {}

    def reusable(name: str) -> bool:
        if name not in answers:
            there = load_meta(conn, name).license
            answers[name] = (there is None
                             or all(k in PUBLIC_DOMAIN for k in license_keys(there))
                             or (here is not None and same_license(there, here)))
        return answers[name]

    return reusable


def no_derivatives(doc: DocumentMeta) -> bool:
    """Whether a document's original forbids adaptations (a CC ``-ND-`` licence) and no
    translation licence says the rights holder allowed this one."""
    return bool(doc.source_license) and not doc.translation_license and any(
        "-ND" in key for key in license_keys(doc.source_license or ""))


def attribution_text(documents: Iterable[DocumentMeta]) -> str:
    """One credit line per document: its attribution, else title, authors, source, licence."""
    lines = []
    for doc in documents:
        if doc.attribution:
            lines.append(doc.attribution)
            continue
        parts = [f"\u201c{doc.title}\u201d" if doc.title else doc.name]
        if doc.authors:
            parts.append("by " + ", ".join(doc.authors))
        if doc.source:
            parts.append(f"({doc.source})")
        if doc.license:
            parts.append(f"licensed {doc.license}")
        lines.append(" ".join(parts))
    return "\n".join(lines)
