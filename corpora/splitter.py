"""Sentence splitting: one splitter for every language and every step of diglot.

Two maintained rule-based splitters propose the boundaries, and diglot's own rules veto the
ones a reader would not make:

- **pySBD** (Sadvilkar & Neumann 2020) for English, Spanish, French and German, where it passes
  more of its "golden rules" than sentencex (measured by ``benchmarks/segmentation.py``: lists,
  ellipses, numbers, quotations);
- **sentencex** (Wikimedia) for every other language: ~300 languages through fallback chains.

The vetoes (``_continues``): a boundary is not one when the next sentence would start with a
lower-case letter or a comma (``p. m. del``, ``S.A. invierte``, ``—¿Vienes? —preguntó ella``),
with a number or a Roman numeral after a known abbreviation (``aprox. 20``, ``s. XVIII``), with
a name after a title (``el Sr. Pérez``), after an ordinal number in the languages that write
ordinals with a dot (``vom 1. FC Köln``), after a lone initial (``M. Dupont``) or a quotation
closed inside the sentence (``“True” Socialism``), or when the next sentence would be only
punctuation (``etc. ?``). One boundary is added: after a quotation that ends its sentence
(``pays. » La Russie``).

The splitter is lossless: the sentences of a paragraph and their trailing whitespace join back
into exactly that paragraph (without its leading whitespace), which Markdown rebuilding,
Apertium's stream format and the aligner rely on. A single newline inside a paragraph is a
space to the splitter (CommonMark's soft break); a blank line or a new bulleted line always
ends a sentence.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import Any, NamedTuple

#: Languages pySBD splits (the others go to sentencex): the ones the segmentation benchmark
#: measured it better on. pySBD knows more languages; without a measurement they keep sentencex.
PYSBD_LANGUAGES = frozenset({"en", "es", "fr", "de"})

#: Languages that write ordinal numbers with a dot ("der 17. Versuch", "3. toukokuuta").
ORDINAL_DOT = frozenset({"de", "da", "nb", "nn", "no", "fi", "et", "cs", "sk", "sl", "hr", "sr",
                         "bs", "hu", "is", "fo", "lv", "tr", "pl", "lb", "gsw"})

#: Abbreviations that stand before a number or a Roman numeral, beyond pySBD's lists
#: (lower case, without the period): "aprox. 20", "s. XVIII", "approx. 20", "núm. 3".
NUMBER_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "": frozenset({"approx", "ca", "cf", "no", "nr", "nos", "p", "pp", "vol", "vols", "art",
                   "fig", "figs", "ch", "chap", "sec", "n", "nº", "n°", "no°", "op"}),
    "en": frozenset({"approx", "est", "vs", "ed", "eds", "par", "para", "ll", "c"}),
    "es": frozenset({"aprox", "s", "ss", "núm", "n", "pág", "págs", "cap", "tel", "vol", "art",
                     "arts", "párr", "párrf", "lib", "t", "c", "av", "avda"}),
    "ca": frozenset({"aprox", "s", "núm", "pàg", "cap", "art", "c", "av"}),
    "pt": frozenset({"aprox", "séc", "s", "n", "nº", "pág", "págs", "cap", "art", "av", "c",
                     "tel", "vol"}),
    "fr": frozenset({"env", "s", "p", "pp", "n", "no", "vol", "t", "chap", "art", "av", "apr",
                     "j.-c", "ch", "éd", "fig", "tél", "max", "min"}),
    "it": frozenset({"ca", "sec", "pag", "pagg", "cap", "art", "n", "tel", "vol", "c"}),
    "de": frozenset({"ca", "s", "nr", "abs", "bd", "bzw", "kap", "tel", "jh", "jhd", "ziff",
                     "abb", "tab", "vgl", "rd", "zi"}),
}

#: Titles before a name, beyond pySBD's lists ("el Sr. Pérez", "Hr. Meyer"): no sentence ends
#: after them when a capital follows.
TITLES: dict[str, frozenset[str]] = {
    "": frozenset({"mr", "mrs", "ms", "dr", "prof", "sr", "sra", "srta", "dra"}),
    "es": frozenset({"sres", "sras", "srtas", "lic", "ing", "arq", "gral", "dña", "excmo",
                     "excma", "ilmo", "ilma", "mons", "pbro", "sto", "sta", "fr", "profa",
                     "ed", "edit", "univ"}),
    "pt": frozenset({"srs", "sras", "profa", "eng", "exmo", "exma", "exa", "dom", "sto", "sta"}),
    "ca": frozenset({"srs", "mn", "dr", "dra"}),
    "fr": frozenset({"mme", "mmes", "mlle", "mlles", "mgr", "pr", "me", "ste", "st"}),
    "it": frozenset({"sig", "sigg", "sig.ra", "dott", "dott.ssa", "avv", "ing", "arch", "on"}),
    "de": frozenset({"hr", "hrn", "fr", "frl", "dipl", "st"}),
    "nl": frozenset({"dhr", "mevr", "mw", "drs", "ir", "mr"}),
}

_SOFT_BREAK = re.compile(r"\n(?:[ \t]*\n)*")
_BULLETS = "•⁃▪◦‣·●○■□"  # ("-", "*" and "+" lists are Markdown's blocks, never inside one)
#: A blank line, a newline before a bullet, or a line that is only a rule ("_____", "* * *").
_HARD_BREAK = re.compile(rf"\n[ \t]*\n\s*|\n\s*(?=[{_BULLETS}])"
                         r"|(?m:^[ \t]*(?:[^\w\s]|_)(?:[ \t]*(?:[^\w\s]|_)){2,}[ \t]*\n\s*)")
_INITIAL = re.compile(r"^\S{1,2}\.$")  # "M.", "J." — titles and initials, not sentences
_LAST_WORD = re.compile(r"([^\W\d_]+(?:\.[^\W\d_]+)*|n°|nº)\.$", re.IGNORECASE)
_ORDINAL = re.compile(r"(?:^|[\s(\[\-–])\d{1,3}\.$")
_OPENERS = "—–-«»\"“”‘’'(¿¡[ "
_CLOSERS = ".!?…»\"”’')]"
_TERMINAL = re.compile(r"[.!?…\n]|(?<!\S)\w{1,4}\)")  # ends, or a list item "2)"
_TAIL = ".!?…»\"”’')] \t\n"
#: A quotation that ends a sentence inside it, then a capital: pySBD keeps "pays. » La Russie"
#: together when the quotation marks have spaces inside (French).
_QUOTED_END = re.compile(r"[.!?…][ \u00a0\u202f]?[»”\"’']+[ \t\u00a0\u202f]+(?=[^\W\d_])")
_WORDLESS = re.compile(r"[\W_]*")
_ROMAN = re.compile(r"[IVXLCDM]+(?![^\W\d_])")


@lru_cache(maxsize=64)
def _iso1(lang: str) -> str:
    from translate.langs import resolve

    info = resolve(lang)
    return info.iso1 or info.iso3


@lru_cache(maxsize=16)
def _pysbd(lang: str) -> Any:
    import pysbd

    return pysbd.Segmenter(language=lang, clean=False)


class Abbreviations(NamedTuple):
    """A language's abbreviations, lower case, without the final period.

    Attributes:
        number: Those a number may follow ("aprox. 20", "Jan. 2020").
        numeral: Those a Roman numeral may follow ("s. XVIII", "vol. II").
        title: Titles before a name ("Sr. Pérez").
    """

    number: frozenset[str]
    numeral: frozenset[str]
    title: frozenset[str]


@lru_cache(maxsize=64)
def _abbreviations(lang: str) -> Abbreviations:
    """pySBD's lists for its languages, and ours."""
    numeral = set(NUMBER_ABBREVIATIONS[""] | NUMBER_ABBREVIATIONS.get(lang, frozenset()))
    number = set(numeral)
    title = set(TITLES[""] | TITLES.get(lang, frozenset()))
    if lang in PYSBD_LANGUAGES:
        from pysbd.languages import Language

        table = Language.get_language_code(lang).Abbreviation
        numeral.update(a.lower() for a in table.NUMBER_ABBREVIATIONS)
        number.update(a.lower() for a in table.ABBREVIATIONS + table.NUMBER_ABBREVIATIONS)
        title.update(a.lower() for a in table.PREPOSITIVE_ABBREVIATIONS)
    return Abbreviations(frozenset(number), frozenset(numeral), frozenset(title))


def _soften(text: str) -> str:
    """The text with each lone newline as a space (same length: offsets still hold); blank
    lines and newlines before a bullet stay."""
    def one(m: re.Match[str]) -> str:
        if m.group() != "\n" or text.startswith(tuple(_BULLETS), m.end()):
            return m.group()
        return " "

    return _SOFT_BREAK.sub(one, text)


def _offsets(pieces: list[str], text: str) -> list[int] | None:
    """Where each piece after the first starts in ``text``, found in order; None if one is not
    there (the splitter changed the text)."""
    starts: list[int] = []
    at = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        found = text.find(piece, at)
        if found < 0 or text[at:found].strip():
            return None
        starts.append(found)
        at = found + len(piece)
    return starts[1:]


def _base_cuts(body: str, lang: str) -> tuple[list[int], set[int]]:
    """Offsets where the base splitter starts a new sentence, and those of them that follow a
    blank line or start a bulleted line (no rule undoes those)."""
    soft = _soften(body)
    cuts: list[int] | None = None
    if lang in PYSBD_LANGUAGES and not _TERMINAL.search(soft.rstrip(_TAIL)):
        cuts = []  # nothing could end a sentence before the end: pySBD would say so, slower
    elif lang in PYSBD_LANGUAGES:
        cuts = _pysbd_cuts(soft, lang)
    if cuts is None:
        from sentencex import segment

        cuts = _offsets([p for p in segment(lang, soft) if p], soft) or []
    hard = {m.end() for m in _HARD_BREAK.finditer(body) if m.end() < len(body)}
    quoted = {m.end() for m in _QUOTED_END.finditer(body) if body[m.end()].isupper()}
    return sorted(set(cuts) | hard | quoted), hard


#: pySBD's abbreviation pass is quadratic in a paragraph's length (20,000 sentences in one
#: HTML paragraph took minutes): a long paragraph goes to it in windows of about this many
#: characters, cut where a sentence plainly ends (the rules below still check that cut).
PYSBD_WINDOW = 4000
_PLAIN_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+(?=[\"'“‘«(¿¡]?[A-ZÀ-ÖØ-Þ])")


def _pysbd_cuts(soft: str, lang: str) -> list[int] | None:
    """Where pySBD starts sentences in ``soft``, window by window; None when it fails."""
    cuts: list[int] = []
    start = 0
    while start < len(soft):
        end, plain = len(soft), False
        if end - start > PYSBD_WINDOW:
            ends = [m.end() for m in _PLAIN_END.finditer(soft, start + PYSBD_WINDOW // 2,
                                                         start + PYSBD_WINDOW)]
            end, plain = (ends[-1], True) if ends else (start + PYSBD_WINDOW, False)
            while not plain and end < len(soft) and not soft[end - 1].isspace():
                end += 1  # no plain sentence end: a window edge between words, not a cut
        piece = soft[start:end]
        try:
            # the processor alone: pySBD's own character spans cost a regex compile per sentence
            found = _offsets(list(_pysbd(lang).processor(piece).process()), piece)
        except Exception:  # noqa: BLE001 — a splitter bug must not stop a book; sentencex takes it
            return None
        if found is None:
            return None
        cuts += [start + c for c in found]
        if plain:
            cuts.append(end)
        start = end
    return cuts


def _continues(left: str, right: str, lang: str, abbreviations: Abbreviations) -> bool:
    """Whether the text goes on across a proposed boundary (``left`` ends with it, stripped;
    ``right`` is what follows)."""
    head = right.lstrip(_OPENERS)
    if head[:1] in (",", ";", ":"):
        return True  # no sentence starts with a comma: "<abbr>viz.</abbr>, the"
    left = _TRAILING_TAGS.sub("", left) if left.endswith(">") else left
    if not head or not left or left[-1] not in _CLOSERS:
        return False
    if head[0].islower() or head[0] in ",;:":  # "p. m. del", "—¿Vienes? —preguntó ella"
        return True
    core = left.rstrip(_CLOSERS[4:] + " \u00a0\u202f")  # French quotes have spaces inside
    if core != left and core[-1:] not in _CLOSERS[:4]:
        return True  # a quotation or bracket closed inside the sentence: '“True” Socialism'
    if _INITIAL.match(left):
        return True  # the sentence so far is one initial or title: "M. Dupont"
    if not left.endswith("."):
        return False
    # both patterns hold no whitespace and end at the end: the last word alone is searched
    # (a search of the whole sentence tries them at every offset); "^" is then that word's start
    last = left.rsplit(None, 1)[-1]
    if lang in ORDINAL_DOT and _ORDINAL.search(last):
        return True  # "vom 1. FC Köln", "aus dem 1. -3. Jahrhundert"
    word = _LAST_WORD.search(last)
    if word is None:
        return False
    before = word.group(1).lower()
    if head[0].isdigit():  # "aprox. 20", "Jan. 2020"
        return before in abbreviations.number
    if before in abbreviations.title and head[0].isupper():  # "el Sr. Pérez"
        return True
    # a Roman numeral only after a word that takes numbers: "s. XVIII", "vol. I", not "U.S. I"
    return _ROMAN.match(head) is not None and before in abbreviations.numeral


def _unbreakable(body: str) -> list[tuple[int, int]]:
    """Inline Markdown a cut must not fall in (only looked for when the text has markup)."""
    if not any(c in body for c in "`$<[\\"):
        return []
    from corpora.inline import unbreakable

    return unbreakable(body)


#: What may touch a sentence's end and still belong to it: tags, punctuation, digits and
#: footnote markers, no letter outside a tag (closing ``</a>``, ``*``, a note call
#: ``<sup><a href="#n1">1</a></sup>`` or ``[^1]``).
_END_TAGS = re.compile(r"(?:</[A-Za-z][A-Za-z0-9:-]*\s*>)+")
_TRAILING_TAGS = re.compile(r"(?:</[A-Za-z][A-Za-z0-9:-]*\s*>\s*)+$")
_ATTACHED = re.compile(r"(?:<[^<>]*>|\[\^[^\]\s]+\]|[^\w\s<,;:]|[\d_])+")


def _past_closers(body: str, cut: int) -> int:
    """A cut moved past the markup that touches the sentence before it: in
    ``<a href="x">Prologue.</a> Next`` the ``</a>`` ends the first sentence instead of being a
    sentence of its own (and the second's opener the first's); so does a note call right after
    the full stop. What follows must reach a space or the end with no letter outside a tag, so
    ``End. *Start*`` and ``left.—She`` keep their cuts."""
    if cut == 0 or body[cut - 1].isspace():
        return cut
    tags = _END_TAGS.match(body, cut)
    at = tags.end() if tags else cut  # "viz.</abbr>, etc.": the end tags at least
    found = _ATTACHED.match(body, at)
    end = found.end() if found else at
    if end < len(body) and not body[end].isspace():
        end = at
    while end < len(body) and body[end].isspace():
        end += 1
    return end


def split_sentences(text: str, lang: str) -> list[tuple[str, str]]:
    """Split a paragraph into sentences.

    Args:
        text: One paragraph (no block structure inside); single newlines in it are spaces.
        lang: Language code (any form ``translate.langs.resolve`` accepts).

    Returns:
        ``(sentence, trailing_whitespace)`` pairs; joining them gives back ``text`` without its
        leading whitespace.
    """
    body = text.lstrip()
    if not body:
        return []
    code = _iso1(lang)
    abbreviations = _abbreviations(code)
    starts = [0]
    cuts, hard = _base_cuts(body, code)
    cuts = sorted({c if c in hard else _past_closers(body, c) for c in cuts} - {len(body)})
    inside = _unbreakable(body)  # sorted by start, none inside another: ends rise too
    inside_starts = [a for a, _ in inside]
    for k, cut in enumerate(cuts):
        following = cuts[k + 1] if k + 1 < len(cuts) else len(body)
        if cut in hard:
            starts.append(cut)
        elif (n := bisect.bisect_left(inside_starts, cut)) and inside[n - 1][1] > cut:
            continue  # inside code, math, an HTML tag or a link: its halves would not parse
        elif _WORDLESS.fullmatch(body, cut, following):
            continue  # no sentence is only punctuation: "etc. ?" ends with its "?"
        elif not _continues(body[starts[-1]:cut].rstrip(), body[cut:], code, abbreviations):
            starts.append(cut)
    out: list[tuple[str, str]] = []
    for start, end in zip(starts, [*starts[1:], len(body)], strict=True):
        piece = body[start:end]
        stripped = piece.rstrip()
        out.append((stripped, piece[len(stripped):]))
    return out
