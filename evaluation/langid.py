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

    Raises:
        ConfigError: none of the expected languages has a model.
    """

    def __init__(self, expected: Iterable[Language]) -> None:
        wanted = [lang for lang in expected if supported(lang)]
        if not wanted:
            raise ConfigError("no language model for " + ", ".join(
                lang.name for lang in expected) + "; the language check is not available")
        codes = dict.fromkeys([lang.code for lang in wanted] + list(DRIFT))
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
