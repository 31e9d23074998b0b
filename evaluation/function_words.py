"""Cheap evidence of a text's language, before lingua: its function words and its letters.

Most of a book is plainly in the language it should be in: a French sentence of ten words has
three or four French articles, prepositions and pronouns, and no word that only Spanish,
Italian or English would use. Such a text is settled here, in microseconds and without
loading a model; lingua (~300 MB of models, about a second to load) only sees the texts this
test cannot settle: short ones, mixed ones, ones with few function words, ones whose function
words are shared with a close language (es/pt, fr/it), ones with letters the language does not
write, and every text that looks like another language.

The test only ever says "clearly in this language": it never names another one, so a text it
settles is one lingua would have found in that language too. Measured against lingua on every
text (FLORES dev en/fr/es, the FLORES outputs of 4 systems in 4 directions, the Manifesto
de/fr/en, Text+Berg dev de/fr, MAC dev en, the book's Apertium fr→es output): of the paragraphs
it settles, lingua would have moved none away from the engine; of 53,735 QA texts (15,880 of
which lingua flags), it settles 2 that lingua flags (an English Manifesto sentence lingua
reads as French, and "Hangeul es el solo alfabeto…", read as Portuguese); the planted copies
of tests/test_qa.py all still reach lingua. ``benchmarks/qa.py`` and
``benchmarks/source_lang.py`` count what it settles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from glossary.stopwords import BUILTIN

#: Function words that lingua's other candidates lack lists for here: Dutch (a drift target of
#: engines) and Latin (quoted in books). Short on purpose, like glossary/stopwords.py's lists.
_MORE = {
    "nl": """
        de het een en van in is dat op te zijn met voor niet aan er om ook als bij maar door uit
        dan nog wordt worden naar kan heeft hebben was werd deze dit die wat wie hoe over tot of
        zo geen meer zich hij zij ze we wij ik je jij u hun haar mijn ons onze al wel nu toen
        veel moet zal zou kunnen waren werden hem mij ons daar hier wanneer omdat tussen tegen
        zonder onder na sinds tijdens volgens elk elke alle andere
    """,
    "la": """
        et in est non ad cum ut sed qui quae quod quem quam cuius cui de ex e a ab per si nec
        neque aut vel enim autem esse sunt erat fuit hic haec hoc huius ille illa illud ipse
        ipsa ipsum se sibi suus sua suum suo suae atque ac etiam tamen nam ita sic dum quia ne
        post ante sub pro inter apud contra sine omnis omnia omnes nos vos ego tu eius eorum
        nihil iam nunc tum tunc quoque
    """,
}

#: Every language with a list; a candidate of the Latin script without one makes a text
#: undecidable here (its words could be that language's).
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    **BUILTIN, **{code: frozenset(words.split()) for code, words in _MORE.items()}}

#: The letters beyond a-z that each language writes in its own words; any other letter of the
#: Latin script in a text is evidence of another language.
LETTERS = {
    "en": "", "fr": "àâæçéèêëîïôœùûüÿ", "es": "áéíñóúü", "de": "äöüß",
    "it": "àèéìíîòóù", "pt": "àáâãçéêíóôõúü", "nl": "áéëïóöü", "la": "æœāēīōūȳ",
}

#: Fewest words a text needs before its function words are trusted.
MIN_WORDS = 5
#: Fewest function words of the language, and their lowest share of the text's words.
MIN_HITS, MIN_SHARE = 2, 0.2
#: Against each other candidate: fewest function words only the language has (not the other),
#: and how many times more of them than of the other's own function words.
MIN_OWN, MARGIN = 2, 4
#: Most words with letters the language does not write (a loanword, a lower-case name).
MAX_ALIEN = 0

_WORDS = re.compile(r"[^\W\d_]+")


#: Each language's bit, and each function word's languages as a mask of those bits: a text's
#: words are looked up once, whatever the number of candidates.
_BIT = {code: 1 << k for k, code in enumerate(FUNCTION_WORDS)}
_MASK: dict[str, int] = {}
for _code, _words in FUNCTION_WORDS.items():
    for _word in _words:
        _MASK[_word] = _MASK.get(_word, 0) | _BIT[_code]


@lru_cache(maxsize=64)
def _rivals(code: str, others: tuple[str, ...]) -> tuple[int, ...] | None:
    """The bit of each other candidate with a list; None when a Latin-script candidate has
    no list."""
    from translate.langs import resolve

    out = []
    for other in others:
        if other == code:
            continue
        if other not in _BIT:
            if resolve(other).script == "Latn":
                return None
            continue  # another script: ruled out by the letters (see `clearly_in`)
        out.append(_BIT[other])
    return tuple(out)


def words(text: str) -> list[str]:
    """The lower-cased words the test counts (apostrophes split ``l'école``)."""
    return _WORDS.findall(text.lower())


def clearly_in(text: str, code: str, candidates: Iterable[str], source: str | None = None
               ) -> bool:
    """Whether ``text`` is plainly in language ``code`` rather than any of ``candidates``.

    True only when every sign agrees: enough words, enough of ``code``'s function words,
    several of them that each other candidate lacks and few of that candidate's own, no
    letter ``code`` does not write (nor of another script), and, for a translation, few
    words left as they were in its source. False means "ask lingua", never "another
    language".

    Args:
        text: The words that tell the language (names, URLs and code left out).
        code: The language the text should be in (a diglot code).
        candidates: The languages lingua would choose among (diglot codes).
        source: For a translation, its source text: words the engine left untranslated
            (Apertium keeps the words it does not know) make a text lingua may read as
            the source's language, so a text with many of them is left to lingua.
    """
    return settled([text], code, candidates, None if source is None else [source])[0]


def settled(texts: Sequence[str], code: str, candidates: Iterable[str],
            sources: Sequence[str] | None = None) -> list[bool]:
    """`clearly_in` for each text (and its source, when ``sources`` is given)."""
    if code not in FUNCTION_WORDS:
        return [False] * len(texts)
    rivals = _rivals(code, tuple(sorted(set(candidates))))
    if rivals is None:
        return [False] * len(texts)
    out = []
    for k, text in enumerate(texts):
        tokens = words(text)
        ok = _decide(tokens, code, rivals)
        out.append(ok and (sources is None or not _copied(tokens, code, sources[k])))
    return out


#: Words of at least this many letters that are not function words count as content words.
CONTENT_LETTERS = 3
#: Share of a translation's content words found as they are in its source from which lingua
#: is asked (any such word with an accent counts as many: it is the source's spelling).
MAX_COPIED = 1 / 3


def _copied(tokens: Sequence[str], code: str, source: str) -> bool:
    """Whether the translation keeps enough of its source's words that lingua may name the
    source's language (measured on Apertium fr→es: texts lingua flags keep a third of
    their content words, or an accented French word, untranslated)."""
    mine = FUNCTION_WORDS[code]
    content = [t for t in tokens if len(t) >= CONTENT_LETTERS and t not in mine]
    if not content:
        return False
    theirs = set(words(source))
    kept = [t for t in content if t in theirs]
    return any(not t.isascii() for t in kept) or len(kept) >= MAX_COPIED * len(content)


def _decide(tokens: Sequence[str], code: str, rivals: tuple[int, ...]) -> bool:
    if len(tokens) < MIN_WORDS:
        return False
    letters = LETTERS[code]
    alien = 0
    for token in tokens:
        if not token.isascii() and any(c not in letters for c in token if not c.isascii()):
            alien += 1
            if alien > MAX_ALIEN:
                return False
    get = _MASK.get
    masks = Counter([get(t, 0) for t in tokens])
    mine = _BIT[code]
    if sum(n for m, n in masks.items() if m & mine) < max(MIN_HITS, MIN_SHARE * len(tokens)):
        return False
    for bit in rivals:
        ours = sum(n for m, n in masks.items() if m & mine and not m & bit)
        other = sum(n for m, n in masks.items() if m & bit and not m & mine)
        if ours < MIN_OWN or other * MARGIN > ours:
            return False
    return True
