"""The checks that a target is translated at all: `copied` and `untranslated`.

Not every copy is a fault. A book quotes Latin (``Veni, vidi, vici.``), French mottos in a
Spanish text, English paragraphs in a French one: a target identical to a source that is not
in the declared source language is what a translator does too, so it is noted (``info``),
never an error. The source's language is identified only for the few segments that would be
flagged, so the cost stays with the suspects (see benchmarks/qa.py). Targets whose function
words plainly say they are in the target language (evaluation/function_words.py) are not
identified at all: lingua sees only the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from diglot.errors import ConfigError
from evaluation.checks_text import (
    exemption,
    language_sample,
    norm,
    plain,
    word_count,
)
from evaluation.function_words import settled
from evaluation.qa import Context, Flag, Item
from translate.langs import resolve

#: Language guesses on fewer letters than this (names left out) are too unreliable to report.
LANGID_MIN_LETTERS = 20
#: A source sample with fewer letters than this is not worth identifying (a word or two).
SOURCE_MIN_LETTERS = 10
#: A copied segment of fewer words than this may well be a title, a motto or a name one
#: could not recognise as such: a warning, not an error.
SHORT_WORDS = 5


def is_copy(item: Item) -> bool:
    """Whether the target is the source copied verbatim (case and spacing aside)."""
    return bool(item.target.strip()) and norm(item.source) == norm(plain(item.target))


def _name(code: str) -> str:
    return resolve(code).name


@lru_cache(maxsize=4)
def _source_languages(samples: tuple[str, ...], src: str, tgt: str) -> tuple[str | None, ...]:
    from evaluation.langid import QUOTED, LanguageIdentifier

    ident = LanguageIdentifier([resolve(src), resolve(tgt)], extra=QUOTED)
    todo = [k for k, s in enumerate(samples) if sum(map(str.isalpha, s)) >= SOURCE_MIN_LETTERS]
    found = ident.other_than([samples[k] for k in todo], resolve(src).code)
    out: list[str | None] = [None] * len(samples)
    for k, lang in zip(todo, found, strict=True):
        out[k] = lang
    return tuple(out)


def source_languages(items: Sequence[Item], ctx: Context) -> list[str | None]:
    """For each item, the language its source is in when that is clearly not the declared
    source language (a quotation, a passage left in the original), else None (also where
    neither language of the pair has a language model: nothing can be told then)."""
    if ctx.source is None or not items:
        return [None] * len(items)
    samples = tuple(language_sample(it.source, ctx.keep) for it in items)
    try:
        return list(_source_languages(samples, ctx.source.code, ctx.target.code))
    except ConfigError:
        return [None] * len(items)


def copy_verdicts(items: Sequence[Item], ctx: Context, identify: bool = True,
                  ) -> dict[str, tuple[str, str]]:
    """How serious each verbatim copy is: item id -> (severity, message).

    Exempt copies (names, references, kept terms, too little text) are left out; a copy of a
    source in another language than the declared one is "info"; a copy of fewer than
    `SHORT_WORDS` words a "warning"; any other copy an "error".

    Args:
        items: the segments (only copies are looked at).
        ctx: the language pair and keep list.
        identify: whether to identify the copied sources' language (off: no "info").
    """
    todo = [it for it in items if is_copy(it) and exemption(it.source, ctx.keep) is None]
    langs = source_languages(todo, ctx) if identify else [None] * len(todo)
    verdicts = {}
    for it, lang in zip(todo, langs, strict=True):
        if lang is not None and ctx.target.code == lang:
            verdicts[it.id] = ("info", f"the source is already in {_name(lang)}: copied as "
                                       "it is")
        elif lang is not None:
            verdicts[it.id] = ("info", f"the source reads as {_name(lang)}, not "
                                       f"{_name(ctx.source.code) if ctx.source else '?'}: a "
                                       "quotation copied as it is")
        elif word_count(it.source) < SHORT_WORDS:
            verdicts[it.id] = ("warning", "target is the source copied verbatim (a short "
                                          "text: a title, name or motto may stay as it is)")
        else:
            verdicts[it.id] = ("error", "target is the source copied verbatim")
    return verdicts


class CopiedCheck:
    """The target is the source copied verbatim (untranslated passthrough).

    An error for a sentence, a warning for a short text, a note where the source is not in
    the declared source language; nothing for names, references and kept terms.

    Args:
        identify_source: identify the language of copied sources (off saves its time, and
            every copy of five words or more is an error).
    """

    name = "copied"
    severity = "error"

    def __init__(self, identify_source: bool = True) -> None:
        self.identify_source = identify_source

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        found = copy_verdicts(items, ctx, self.identify_source)
        return [Flag(self.name, severity, item, message)
                for item, (severity, message) in found.items()]


class UntranslatedCheck:
    """The target is in the source language or another wrong language.

    Exempt: URLs, code, references, numbers, names-only segments and kept terms, and texts
    too short for a reliable language guess. A guess other than the target language is only
    reported when the identifier gives the target language little chance (below
    `max_confidence`). Where the target is a copy, it is as serious as the copy (see
    `copy_verdicts`); where the source itself is not in the declared source language (a
    passage in a third language the engine changed), a warning, not an error.

    Args:
        max_confidence: the target language's confidence below which a text is suspect.
        identify_source: identify the language of the suspects' sources (off: no "info").
        function_words: settle targets plainly in the target language by their function
            words, without lingua (off: lingua identifies every target, as before).
    """

    name = "untranslated"
    severity = "error"

    def __init__(self, max_confidence: float = 0.2, identify_source: bool = True,
                 function_words: bool = True) -> None:
        self.max_confidence = max_confidence
        self.identify_source = identify_source
        self.function_words = function_words

    def run(self, items: Sequence[Item], ctx: Context) -> list[Flag]:
        suspects = self._suspects(items, ctx)
        names = {ctx.target.code: ctx.target.name}
        if ctx.source:
            names[ctx.source.code] = f"{ctx.source.name} (the source language)"
        copies = copy_verdicts([it for it, _ in suspects], ctx, self.identify_source)
        rest = [it for it, _ in suspects if it.id not in copies and not is_copy(it)]
        others = source_languages(rest, ctx) if self.identify_source else [None] * len(rest)
        kept = {it.id: lang for it, lang in zip(rest, others, strict=True) if lang}
        flags = []
        for it, lang in suspects:
            message = f"target reads as {names.get(lang, _name(lang))}, not {ctx.target.name}"
            if it.id in copies:
                if copies[it.id][0] != "info":  # (the copied check notes those)
                    flags.append(Flag(self.name, copies[it.id][0], it.id, message))
            elif it.id in kept:  # a passage in another language, changed by the engine
                flags.append(Flag(self.name, "warning", it.id, message + "; its source "
                                  f"reads as {_name(kept[it.id])}, not "
                                  f"{_name(ctx.source.code) if ctx.source else '?'}"))
            elif not is_copy(it):
                flags.append(Flag(self.name, self.severity, it.id, message))
        return flags

    def _suspects(self, items: Sequence[Item], ctx: Context) -> list[tuple[Item, str]]:
        """The items whose target reads as another language than the target's, with it."""
        from evaluation.langid import LanguageIdentifier

        expected = [ctx.target] + ([ctx.source] if ctx.source else [])
        ident = LanguageIdentifier(expected)
        todo = [(it, language_sample(it.target, ctx.keep)) for it in items
                if exemption(plain(it.target), ctx.keep) is None]
        todo = [(it, text) for it, text in todo
                if sum(map(str.isalpha, text)) >= LANGID_MIN_LETTERS]
        if self.function_words:  # plainly in the target language: lingua not asked
            known = settled([text for _, text in todo], ctx.target.code, ident.codes,
                            [it.source for it, _ in todo] if ctx.source else None)
            todo = [pair for pair, ok in zip(todo, known, strict=True) if not ok]
        found = ident.detect([text for _, text in todo])
        suspects = [(it, text, lang) for (it, text), lang in zip(todo, found, strict=True)
                    if lang is not None and lang != ctx.target.code]
        chance = ident.confidence([text for _, text, _ in suspects], ctx.target.code)
        return [(it, lang) for (it, _, lang), p in zip(suspects, chance, strict=True)
                if p < self.max_confidence]
