"""Spacing of engine output by the target language's typography.

Engines leave spacing artefacts: Apertium drops a word and keeps both spaces around it
(``publishes  with``), copies the source's French spaces before ``: ? ! ;`` into English
(``Hello : here``), and translating *into* French keeps the source's tight ``Quoi?``. `tidy`
fixes spacing only: it never adds, drops or changes a character other than a space, and never
touches protected Markdown (code spans, URLs, inline HTML, link targets, emphasis markup), which
`corpora.inline.tokenize` tells apart.

Rules, after the Imprimerie nationale's *Lexique des règles typographiques* (2002) for French
and the Chicago Manual of Style / Ortografía de la lengua española (RAE 2010) for the others:

- every language: one space between words, none at the ends, none inside parentheses, none
  after Spanish ``¿ ¡``, none before ``,`` or a full stop (an ellipsis ``...`` is left alone);
- French: a no-break space before ``: ; ! ?`` (U+00A0 before the colon, the narrow U+202F
  before the others, as CLDR's French data does) and U+00A0 inside ``« »``;
- other languages: no space before ``: ; ! ?``; Spanish, Catalan, Italian, Portuguese and
  English close ``« »`` up (German and Danish point them the other way, so they are left be).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from corpora.inline import tokenize
from translate.langs import Language, resolve

NBSP = "\u00a0"
NNBSP = "\u202f"
_H = "[ \t\u00a0\u202f]"  # horizontal spaces: a segment never holds a line break
#: Languages that put a space before two-part punctuation (French, and Breton like it).
SPACED = frozenset({"fr", "br"})
#: Languages whose guillemets open with « and close with », set tight to the words.
TIGHT_GUILLEMETS = frozenset({"es", "ca", "gl", "it", "pt", "en"})

_RUN = re.compile(f"{_H}{{2,}}")
# What may follow punctuation for a space before it to be taken as a spacing slip: a space,
# the end, a closing quote or bracket, emphasis or more punctuation (`:)` and `.5` are not).
_AFTER = r"(?=$|[\s\"'”’»)\]*_.,;:!?])"
_BEFORE_COMMA = re.compile(rf"(?<=\S){_H}+(?=,{_AFTER}|\.(?!\.){_AFTER})")
_BEFORE_TWO_PART = re.compile(rf"(?<=\S){_H}+(?=[;:!?]{_AFTER})")
_INSIDE_PARENS = re.compile(rf"(?<=[(¿¡]){_H}+(?=[^\s)])|(?<=[^\s(]){_H}+(?=\))")
_SPACES = " \t\u00a0\u202f"  # _H's characters
# Where a rule can change anything: a space after an opening bracket or guillemet, or before
# a space, a closer, a comma, a stop or two-part punctuation (a space at an end is checked
# apart); French also adds spaces where there were none, at `; : ! ?` and guillemets. Text
# without any is left as it is: one search instead of every rule's.
_TOUCHED = re.compile(rf"[(¿¡«]{_H}|{_H}[ \t\u00a0\u202f),.;:!?»]")
_TOUCHED_SPACED = re.compile(rf"[;:!?«»]|[(¿¡«]{_H}|{_H}[ \t\u00a0\u202f),.;:!?»]")


def _spaced_punctuation(ph: str) -> re.Pattern[str]:
    # the first of a run like `?!` gets the space; not after an opening bracket: `(?)`
    return re.compile(rf"(?<=[^\s;:!?«(\[]){_H}*([;:!?]+)(?=$|[\s\"'”’»)\]*_]|{ph})")


def _french(text: str, ph: str) -> str:
    text = _spaced_punctuation(ph).sub(
        lambda m: (NBSP if m.group(1)[0] == ":" else NNBSP) + m.group(1), text)
    text = re.sub(rf"«{_H}*(?=[^\s»])", "«" + NBSP, text)
    return re.sub(rf"(?<=[^\s«]){_H}*»", NBSP + "»", text)


def _closed_up(text: str, guillemets: bool) -> str:
    text = _BEFORE_TWO_PART.sub("", text)
    if guillemets:
        text = re.sub(rf"«{_H}+(?=[^\s»])", "«", text)
        text = re.sub(rf"(?<=[^\s«]){_H}+»", "»", text)
    return text


def _collapse(m: re.Match[str]) -> str:
    run = m.group(0)
    return next((c for c in run if c in (NBSP, NNBSP)), " ")


def _touched(text: str, code: str) -> bool:
    """Whether some rule could change the text (False: every rule leaves it as it is)."""
    if text and (text[0] in _SPACES or text[-1] in _SPACES):
        return True
    return bool((_TOUCHED_SPACED if code in SPACED else _TOUCHED).search(text))


def _rules(code: str) -> Callable[[str, str], str]:
    def apply(text: str, ph: str) -> str:
        text = _RUN.sub(_collapse, text).strip(" \t\u00a0\u202f")
        text = _INSIDE_PARENS.sub("", text)
        text = _BEFORE_COMMA.sub("", text)
        if code in SPACED:
            return _french(text, ph)
        return _closed_up(text, code in TIGHT_GUILLEMETS)

    return apply


def tidy(text: str, lang: Language | str) -> str:
    """Normalise the spacing of a translated segment for its language.

    Args:
        text: One segment as an engine returned it, with its inline Markdown.
        lang: The language it is in (a `Language` or a code such as "fr", "fra").

    Returns:
        The text with only its spaces changed; protected pieces are kept byte for byte.

    Raises:
        ConfigError: `lang` is a code diglot does not know.
    """
    return _tidied(text, (lang if isinstance(lang, Language) else resolve(lang)).code)


@lru_cache(maxsize=1024)
def _tidied(text: str, code: str) -> str:
    """``tidy``'s answer, kept: the pipeline tidies what an engine tidied already (Apertium
    does), most often the very same text."""
    pieces = tokenize(text)
    literals = [p.text for p in pieces if p.kind != "text"]
    # a placeholder the text does not hold, from the private use area
    ph = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    masked = "".join(p.text if p.kind == "text" else ph for p in pieces)
    if not _touched(masked, code):
        return text
    spaced = _rules(code)(masked, ph)
    if spaced == masked:  # nothing to respace (a text tidied before: the pipeline's second pass)
        return text
    out = _unmask(spaced, ph, literals)
    if _protected(out) == literals:
        return out
    # a space dropped next to a URL let it run on into the text ("x.org/?a ,,b"): only runs
    # of spaces are collapsed then, which cannot join anything
    out = _unmask(_RUN.sub(_collapse, masked).strip(" \t\u00a0\u202f"), ph, literals)
    return out if _protected(out) == literals else text


def _unmask(text: str, ph: str, literals: list[str]) -> str:
    parts = text.split(ph)
    return parts[0] + "".join(lit + rest for lit, rest in zip(literals, parts[1:], strict=True))


def _protected(text: str) -> list[str]:
    return [p.text for p in tokenize(text) if p.kind != "text"]
