"""Language identification for QA, through lingua (offline models, Rust, batched in parallel).

The detector only considers the languages that matter for a job: the expected ones plus the
languages that models drift into most often. A small candidate set is both faster and more
accurate on short texts than all 75 of lingua's languages.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
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


def detector(codes: tuple[str, ...], fast: bool = False) -> Any:
    """lingua's detector for these candidate languages (diglot codes), built once.

    Its models load on first use and stay, shared by every detector, until `release`.
    """
    key = (codes, fast)
    found = _DETECTORS.get(key)
    if found is None:
        from lingua import LanguageDetectorBuilder

        langs = [lang for lang in (_lingua(c) for c in codes) if lang is not None]
        builder = LanguageDetectorBuilder.from_languages(*langs)
        found = _DETECTORS[key] = (builder.with_low_accuracy_mode() if fast
                                   else builder).build()
    return found


_DETECTORS: dict[tuple[tuple[str, ...], bool], Any] = {}

#: A sentence of the Latin script: identifying it loads the models of every Latin-script
#: candidate (lingua's rule-based filter keeps them all), which is what a book needs.
_WARM_TEXT = "The models of every candidate language load when a first text is identified."


def warm_up(expected: Iterable[Language], extra: Iterable[str] = QUOTED
            ) -> threading.Thread | None:
    """Load lingua's full models for a job's languages in a background thread, now.

    For a run to call as soon as it knows its pair, so that the one-off load (about a second
    of CPU, ~200 MB) happens while the engine works rather than before QA or routing. The
    candidates are those of ``LanguageIdentifier(expected, extra)`` and of the routing plan:
    the models are shared by every detector of the process. lingua holds the GIL while it
    loads, so the load overlaps an engine in another process (Apertium, a server) or waiting
    on I/O, not Python work of this process.

    Args:
        expected: The job's languages (source and target).
        extra: More candidate codes, as for `LanguageIdentifier`.

    Returns:
        The started thread (join it to wait for the models), or None when no expected
        language has a model (nothing to load).
    """
    try:
        codes = LanguageIdentifier(expected, extra).codes
    except ConfigError:
        return None
    thread = threading.Thread(target=_load, args=(codes,), name="lingua-warm-up", daemon=True)
    thread.start()
    return thread


def _load(codes: tuple[str, ...]) -> None:
    with _LOCK:
        detector(codes).compute_language_confidence_values(_WARM_TEXT)


_LOCK = threading.Lock()


def release() -> None:
    """Unload every model lingua loaded and forget the detectors, giving the memory back.

    For a long-lived process (the review server) once a run's identification is done: the
    models (~200 MB) would otherwise stay for the process's life. The next identification
    loads them again.
    """
    with _LOCK:
        for found in _DETECTORS.values():
            found.unload_language_models()
        _DETECTORS.clear()
    try:  # glibc keeps freed memory in the process unless asked to give it back
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


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

    @property
    def codes(self) -> tuple[str, ...]:
        """The candidate languages (diglot codes) the identifier chooses among."""
        return self._codes

    def detect(self, texts: Sequence[str]) -> list[str | None]:
        """Each text's language code, or None where it cannot tell; batched over all cores."""
        out: list[str | None] = [None] * len(texts)
        for fast in (False, True):
            picked = [k for k, t in enumerate(texts) if (len(t) >= LONG_TEXT) == fast]
            if not picked:  # (no detector built, no model loaded)
                continue
            found = detector(self._codes, fast).detect_languages_in_parallel_of(
                [texts[k] for k in picked])
            for k, lang in zip(picked, found, strict=True):
                out[k] = None if lang is None else self._by_name.get(str(lang))
        return out

    def confidence(self, texts: Sequence[str], code: str) -> list[float]:
        """How likely each text is in language `code`, 0 to 1, relative to the others."""
        lang = _lingua(code)
        if lang is None or code not in self._codes or not texts:
            return [0.0] * len(texts)
        return list(detector(self._codes).compute_language_confidence_in_parallel(
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
