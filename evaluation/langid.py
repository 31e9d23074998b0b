"""Language identification for QA, through lingua (offline models, Rust, batched in parallel).

The detector only considers the languages that matter for a job: the expected ones plus the
languages that models drift into most often. A small candidate set is both faster and more
accurate on short texts than all 75 of lingua's languages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from diglot.errors import ConfigError
from translate.langs import Language, resolve

#: Languages MT engines and LLMs most often answer in by mistake.
DRIFT = ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "zh")
#: Languages that books quote untranslated (mottos, maxims, titles), besides DRIFT: a source
#: segment in one of them is rightly copied as it is.
QUOTED = ("la",)
#: Below this share of the identifier's confidence a text is taken to be in another language.
MAX_CONFIDENCE = 0.2


def _lingua(code: str) -> Any | None:
    from lingua import IsoCode639_1, IsoCode639_3
    from lingua import Language as LinguaLanguage

    lang = resolve(code)
    try:
        if lang.iso1:
            return LinguaLanguage.from_iso_code_639_1(IsoCode639_1.from_str(lang.iso1))
        return LinguaLanguage.from_iso_code_639_3(IsoCode639_3.from_str(lang.iso3))
    except ValueError:
        return None


def supported(lang: Language) -> bool:
    """Whether the identifier has a model for `lang`."""
    return _lingua(lang.code) is not None


#: From this many characters on, lingua's low-accuracy mode (trigrams only, 3× faster) is
#: as reliable as the full models (its documentation and our FLORES measurements agree).
LONG_TEXT = 120


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...], fast: bool = False) -> Any:
    from lingua import LanguageDetectorBuilder

    langs = [lang for lang in (_lingua(c) for c in codes) if lang is not None]
    builder = LanguageDetectorBuilder.from_languages(*langs)
    return (builder.with_low_accuracy_mode() if fast else builder).build()


class LanguageIdentifier:
    """Names the language of texts among the expected languages and the common drift targets.

    Args:
        expected: languages that may legitimately appear (at least one must be supported).
        extra: more candidate language codes, e.g. `QUOTED` to recognise quotations.

    Raises:
        ConfigError: none of the expected languages has a model.
    """

    def __init__(self, expected: Iterable[Language], extra: Iterable[str] = ()) -> None:
        expected = list(expected)
        wanted = [lang for lang in expected if supported(lang)]
        if not wanted:
            raise ConfigError("no language model for " + ", ".join(
                lang.name for lang in expected) + "; the language check is not available")
        codes = dict.fromkeys([lang.code for lang in wanted] + list(DRIFT) + [
            c for c in extra if _lingua(c) is not None])
        self._codes = tuple(codes)
        self._by_name = {str(_lingua(c)): resolve(c).code for c in self._codes}

    def detect(self, texts: Sequence[str]) -> list[str | None]:
        """Each text's language code, or None where it cannot tell; batched over all cores."""
        out: list[str | None] = [None] * len(texts)
        for fast in (False, True):
            picked = [k for k, t in enumerate(texts) if (len(t) >= LONG_TEXT) == fast]
            found = _detector(self._codes, fast).detect_languages_in_parallel_of(
                [texts[k] for k in picked])
            for k, lang in zip(picked, found, strict=True):
                out[k] = None if lang is None else self._by_name.get(str(lang))
        return out

    def confidence(self, texts: Sequence[str], code: str) -> list[float]:
        """How likely each text is in language `code`, 0 to 1, relative to the others."""
        lang = _lingua(code)
        if lang is None or code not in self._codes:
            return [0.0] * len(texts)
        return list(_detector(self._codes).compute_language_confidence_in_parallel(
            list(texts), lang))

    def other_than(self, texts: Sequence[str], code: str,
                   max_confidence: float = MAX_CONFIDENCE) -> list[str | None]:
        """For each text, the language it is in when that is clearly not `code`, else None.

        "Clearly" means the identifier names another language and gives `code` less than
        `max_confidence`; a text it cannot tell (too short, mixed) counts as in `code`.
        Costs two passes of the full models: meant for the few texts already suspect.

        Args:
            texts: the texts, e.g. source segments (names and URLs best left out).
            code: the language they are declared to be in (a code of `resolve`).
            max_confidence: the confidence in `code` below which another language is named.

        Returns:
            One language code or None per text, in order.
        """
        if code not in self._codes:  # no model for it: nothing can be told apart from it
            return [None] * len(texts)
        found = self.detect(texts)
        picked = [k for k, lang in enumerate(found) if lang is not None and lang != code]
        chance = self.confidence([texts[k] for k in picked], code)
        out: list[str | None] = [None] * len(texts)
        for k, p in zip(picked, chance, strict=True):
            out[k] = found[k] if p < max_confidence else None
        return out
