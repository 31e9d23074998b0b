"""The QA checks. Each is a small class with a name, a severity and `run(items, ctx)`.

Thresholds that depend on the language pair or the document (length ratios) are estimated
from the document itself with robust statistics, not fixed constants.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from evaluation.checks_lang import LANGID_MIN_LETTERS, CopiedCheck, UntranslatedCheck
from evaluation.checks_punct import IdentifierCheck, PunctuationCheck
from evaluation.checks_text import MIN_LETTERS, WORD, exemption, plain
from evaluation.numbers import ENTITY, mismatches, number_words, numbers
from evaluation.qa import Check, Context, Flag, Item

__all__ = ["LANGID_MIN_LETTERS", "MIN_LETTERS", "CopiedCheck", "EmptyCheck", "GlossaryCheck",
           "IdentifierCheck", "LengthCheck", "MarkupCheck", "NumbersCheck", "PunctuationCheck",
           "RepetitionCheck", "TruncatedCheck", "UntranslatedCheck", "default_checks",
           "exemption", "plain"]
_WORD = WORD


class EmptyCheck:
    """The target is empty although the source has text."""

    name = "empty"
    severity = "error"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        return [Flag(self.name, self.severity, it.id, "target is empty")
                for it in items if not it.target.strip() and _WORD.search(it.source)]


_CLOSERS = "\"'”’»›)]}*_ "
_TERMINAL = ".!?…。！？:;"


_END_TAGS = re.compile(r"(?:</?[A-Za-z][^<>]*>\s*)+$")


def _ends_sentence(text: str) -> bool:
    """Whether a text ends a sentence, read as the reader sees it: the inline tags at its end
    (``fin.</a>``, a note call) left out and entities decoded (``&gt;`` is no semicolon)."""
    if text.endswith(">"):
        text = _END_TAGS.sub("", text)
    stripped = plain(text).rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


class TruncatedCheck:
    """The source ends a sentence and the target stops mid-way (no final punctuation)."""

    name = "truncated"
    severity = "error"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        return [Flag(self.name, self.severity, it.id,
                     f"target stops mid-sentence: “…{it.target.strip()[-30:]}”")
                for it in items
                if it.target.strip() and _ends_sentence(it.source)
                and not _ends_sentence(it.target)
                and exemption(it.source, ctx.keep) is None]


class NumbersCheck:
    """Numbers of the source missing from the target or added to it, whatever their format."""

    name = "numbers"
    severity = "error"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        if ctx.source is None:
            return []
        src_words = number_words(ctx.source.code)
        tgt_words = number_words(ctx.target.code)
        flags = []
        for it in items:
            src_nums = numbers(it.source) if any(c.isdigit() for c in it.source) else []
            tgt_nums = numbers(it.target) if any(c.isdigit() for c in it.target) else []
            if not src_nums and not tgt_nums:
                continue
            lost, added = mismatches(src_nums, tgt_nums, _spelled(it.target, tgt_words),
                                     _spelled(it.source, src_words))
            if lost or added:
                parts = ([f"missing {', '.join(lost)}"] if lost else []) + (
                    [f"adds {', '.join(added)}"] if added else [])
                flags.append(Flag(self.name, self.severity, it.id,
                                  "numbers differ from the source: " + "; ".join(parts)))
        return flags


_ROMAN = re.compile(r"\b([IVXL]{2,}|[IVX](?=e\b|er\b|ème\b))(?:e|er|ème)?\b")
_ROMAN_VALUE = {"I": 1, "V": 5, "X": 10, "L": 50}


def _roman(numeral: str) -> float:
    values = [_ROMAN_VALUE[c] for c in numeral]
    return float(sum(-v if k + 1 < len(values) and v < values[k + 1] else v
                     for k, v in enumerate(values)))


def _spelled(text: str, words: Mapping[str, float]) -> frozenset[float]:
    """Numbers written without digits: small numbers in words, Roman numerals (XVIIIe)."""
    found = {words[w] for w in _WORD.findall(text.lower()) if w in words}
    return frozenset(found | {_roman(m.group(1)) for m in _ROMAN.finditer(text)})


class LengthCheck:
    """Target/source length ratios far outside this document's own distribution.

    The typical log ratio and its spread are the median and the median absolute deviation
    over the document, so the check adapts to the language pair; with fewer than
    `min_items` segments a prior of ratio 1 ± 30 % stands in.
    """

    name = "length"
    severity = "warning"

    def __init__(self, z: float = 4.5, min_chars: int = 20, min_items: int = 30) -> None:
        self.z = z
        self.min_chars = min_chars
        self.min_items = min_items

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        todo = [it for it in items if len(it.source) >= self.min_chars and it.target.strip()]
        if not todo:
            return []
        ratio = np.log([(len(it.target) + 1) / (len(it.source) + 1) for it in todo])
        if len(todo) >= self.min_items:
            centre = float(np.median(ratio))
            spread = max(1.4826 * float(np.median(np.abs(ratio - centre))), 0.05)
        else:
            centre, spread = 0.0, 0.3
        flags = []
        for it, r in zip(todo, ratio, strict=True):
            if abs(r - centre) > self.z * spread:
                flags.append(Flag(self.name, self.severity, it.id,
                                  f"target is {math.exp(r):.2f}× the source's length; "
                                  f"typical here is {math.exp(centre):.2f}×"))
        return flags


#: Words, and runs of sentence-final punctuation as tokens of their own (sentence ends).
_TOKEN = re.compile(r"\w+|[.!?…。！？]+")
_END = frozenset(".!?…。！？")


def _loop(tokens: list[str]) -> tuple[str, int] | None:
    """The longest run of an n-gram repeated back to back (n ≤ 6), if it looks like a loop:
    a word or two-word phrase three times in a row, a longer phrase twice within a sentence,
    any phrase three times across sentence ends ("Thank you. Thank you. Thank you.").

    A phrase said once more after a sentence end ("…l'usage équitable. L'usage équitable
    a été…") is ordinary prose: the sentence end is a token, so the two are no n-gram
    repeated back to back, and grams that hold one need three repeats.
    """
    best: tuple[str, int] | None = None
    size = len(tokens)
    for n in range(1, 7):
        i = 0
        while i + 2 * n <= size:
            gram = tokens[i:i + n]
            reps = 1
            while tokens[i + reps * n:i + (reps + 1) * n] == gram:
                reps += 1
            if reps == 1:
                i += 1
                continue
            ends = sum(t[0] in _END for t in gram)
            need = 3 if n <= 2 or ends else 2
            if reps >= need and ends < n and (best is None or reps * n > best[1]):
                best = (" ".join(t for t in gram if t[0] not in _END), reps)
            i += max(1, (reps - 1) * n)
    return best


class RepetitionCheck:
    """Hallucination loops: a word or phrase repeated back to back that the source lacks."""

    name = "repetition"
    severity = "error"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        flags = []
        for it in items:
            tokens = _TOKEN.findall(plain(it.target).lower())
            if len(tokens) - len(set(tokens)) < 2:
                continue
            found = _loop(tokens)
            if found and _loop(_TOKEN.findall(it.source.lower())) is None:
                flags.append(Flag(self.name, self.severity, it.id,
                                  f"“{found[0]}” repeated {found[1]} times in a row"))
        return flags


_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("«", "»"))
_MARKUP = ("**", "__", "`", "](")


def _quote_pairs(lang: str) -> tuple[tuple[str, str], ...]:
    # German and its neighbours open with „ and close with “; elsewhere “ opens.
    return (("„", "“"),) if lang in ("de", "cs", "sk", "da", "lt", "bg") else (("“", "”"),)


def _unbalanced(text: str, pairs: Sequence[tuple[str, str]]) -> list[str]:
    out = [f"{o}…{c} ({text.count(o)} {o}, {text.count(c)} {c})" for o, c in pairs
           if text.count(o) != text.count(c)]
    if text.count('"') % 2:
        out.append('straight quotes (odd number of ")')
    return out


class MarkupCheck:
    """Brackets and quotes left unbalanced, Markdown markup lost or added, and HTML entities
    (``&#39;``) that an engine or API escaped into the text."""

    name = "markup"
    severity = "warning"

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        src_pairs = _quote_pairs(ctx.source.code) if ctx.source else ()
        tgt_pairs = _PAIRS + _quote_pairs(ctx.target.code)
        flags = []
        for it in items:
            problems, target = [], it.target
            if "&" in target:
                escaped = sorted(set(ENTITY.findall(target)) - set(ENTITY.findall(it.source)))
                if escaped:
                    problems.append(f"HTML entities {' '.join(escaped)} in the target")
                    target = html.unescape(target)
            unbalanced = _unbalanced(target, tgt_pairs)
            if unbalanced and not (ctx.source and _unbalanced(it.source, _PAIRS + src_pairs)):
                # (an unbalanced source means a quotation spanning segments: not an error)
                problems += [f"unbalanced {p}" for p in unbalanced]
            problems += [f"Markdown {m} {it.source.count(m)}× in the source, "
                         f"{target.count(m)}× in the target" for m in _MARKUP
                         if ctx.source and it.source.count(m) != target.count(m)]
            if problems:
                flags.append(Flag(self.name, self.severity, it.id, "; ".join(problems)))
        return flags


class TermChecker(Protocol):
    """What the glossary capability provides: the term violations of one segment."""

    def violations(self, source: str, target: str) -> list[str]: ...


class GlossaryCheck:
    """Glossary violations, reported by a term checker (the glossary capability)."""

    name = "glossary"
    severity = "warning"

    def __init__(self, terms: TermChecker) -> None:
        self.terms = terms

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        return [Flag(self.name, self.severity, it.id, message)
                for it in items for message in self.terms.violations(it.source, it.target)]


def default_checks(ctx: Context, terms: TermChecker | None = None) -> list[Check]:
    """Every check that applies: all of them for a bitext, the language and repetition
    checks for a target-only document."""
    if ctx.source is None:
        return [UntranslatedCheck(), RepetitionCheck()]
    checks: list[Check] = [EmptyCheck(), CopiedCheck(), UntranslatedCheck(), TruncatedCheck(),
                            NumbersCheck(), LengthCheck(), RepetitionCheck(), MarkupCheck(),
                            PunctuationCheck(), IdentifierCheck()]
    if terms is not None:
        checks.append(GlossaryCheck(terms))
    return checks


def segment_checks() -> tuple[Check, ...]:
    """The checks that judge one segment by itself, without the rest of the document (no
    language identification, no length statistics): what is re-run on a reviewer's text."""
    return (EmptyCheck(), TruncatedCheck(), NumbersCheck(), RepetitionCheck(), MarkupCheck(),
            PunctuationCheck(), IdentifierCheck())
