"""Language identification for QA, through lingua (offline models, Rust, batched in parallel).

The detector only considers the languages that matter for a job: the expected ones plus the
languages that models drift into most often. A small candidate set is both faster and more
accurate on short texts than all 75 of lingua's languages.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, TypeVar, cast

from diglot.errors import ConfigError
from translate.langs import Language, resolve

#: Languages MT engines and LLMs most often answer in by mistake.
DRIFT = ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "zh")
#: Languages that books quote untranslated (mottos, maxims, titles), besides DRIFT: a source
#: segment in one of them is rightly copied as it is.
QUOTED = ("la",)
T = TypeVar("T")

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


# -- what lingua is asked, as plain data: run here, or in the worker process ----------------

def _detect(codes: tuple[str, ...], fast: bool, texts: list[str]) -> list[str | None]:
    found = detector(codes, fast).detect_languages_in_parallel_of(texts)
    return [None if lang is None else str(lang) for lang in found]


def _confidence(codes: tuple[str, ...], code: str, texts: list[str]) -> list[float]:
    return list(detector(codes).compute_language_confidence_in_parallel(texts, _lingua(code)))


def _top(codes: tuple[str, ...], texts: list[str]) -> list[tuple[str, float] | None]:
    found = detector(codes).compute_language_confidence_values_in_parallel(texts)
    return [(str(v[0].language), float(v[0].value)) if v else None for v in found]


def _warm(codes: tuple[str, ...]) -> None:
    detector(codes).compute_language_confidence_values(_WARM_TEXT)


_WORKER: Any = None  # a ProcessPoolExecutor of one process, between warm_up and release
#: Texts sent to lingua in this process's life, per call ("detect", "confidence", "top"):
#: what the function-word test left to it (benchmarks print it).
IDENTIFIED: Counter[str] = Counter()
_LOCK = threading.Lock()


def call(function: Callable[..., T], *args: Any) -> T:
    """Run one of this module's lingua calls (texts last) in the worker process when
    `warm_up` started one, else here (the same call, the same answer)."""
    return cast(T, submit(function, *args).result())


class Pending:
    """A lingua call under way in the worker process (`submit`); `result` waits for it."""

    def __init__(self, function: Callable[..., T], args: tuple[Any, ...],
                 future: Future[Any] | None) -> None:
        self._function, self._args, self._future = function, args, future
        self._done: Any = None if future is not None else function(*args)

    def result(self) -> Any:
        """The call's answer, waiting for the worker if need be (in this process if the
        worker died: killed for memory?)."""
        future, self._future = self._future, None
        if future is not None:
            try:
                self._done = future.result()
            except BrokenExecutor:
                _stop_worker()
                self._done = self._function(*self._args)
        return self._done


def submit(function: Callable[..., Any], *args: Any) -> Pending:
    """Start one of this module's lingua calls (texts last) and return at once: in the
    worker process when `warm_up` started one (the caller goes on while it runs), else it
    runs here before returning."""
    IDENTIFIED[function.__name__.lstrip("_")] += len(args[-1])
    worker = _WORKER
    if worker is not None:
        try:
            return Pending(function, args, worker.submit(function, *args))
        except (BrokenExecutor, RuntimeError):  # dead, or shut down meanwhile
            _stop_worker()
    return Pending(function, args, None)


def warm_up(expected: Iterable[Language], extra: Iterable[str] = QUOTED) -> bool:
    """Start lingua in a process of its own and load its models there, now, in parallel.

    For a run to call as soon as it knows its pair: the one-off load (about 2 s of CPU and
    ~200 MB) then happens on another core while the document is read and translated, and
    every identification of the run (the routing plan, QA) goes to that process until
    `release`. lingua holds the GIL while it loads and identifies, so a thread of this
    process could not do the same: it measured the main thread's Python work 300 times
    slower while lingua loaded beside it.

    The worker is started with ``spawn``: the program's main module must guard its entry
    point (``if __name__ == "__main__":``), as diglot's does.

    Args:
        expected: The job's languages (source and target).
        extra: More candidate codes, as for `LanguageIdentifier`.

    Returns:
        Whether a worker runs (False when no expected language has a model, or no process
        could be started: identification then happens in this process, as before).
    """
    global _WORKER
    try:
        codes = LanguageIdentifier(expected, extra).codes
    except ConfigError:
        return False
    with _LOCK:
        if _WORKER is None:
            try:
                _WORKER = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
            except (OSError, ValueError):
                return False
        _WORKER.submit(_warm, codes)
    return True


def _stop_worker() -> None:
    global _WORKER
    with _LOCK:
        worker, _WORKER = _WORKER, None
    if worker is not None:
        worker.shutdown(wait=True, cancel_futures=True)


def release() -> None:
    """Give back the memory of lingua's models: stop the worker process if `warm_up` started
    one, unload every model loaded in this process, and forget the detectors.

    For a run to call once its identification is done (after QA), and for a long-lived
    process (the review server): the models (~200 MB) would otherwise stay for the
    process's life. The next identification loads them again.
    """
    _stop_worker()
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
            found = call(_detect, self._codes, fast, [texts[k] for k in picked])
            for k, lang in zip(picked, found, strict=True):
                out[k] = None if lang is None else self._by_name.get(lang)
        return out

    def confidence(self, texts: Sequence[str], code: str) -> list[float]:
        """How likely each text is in language `code`, 0 to 1, relative to the others."""
        lang = _lingua(code)
        if lang is None or code not in self._codes or not texts:
            return [0.0] * len(texts)
        return call(_confidence, self._codes, code, list(texts))

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
