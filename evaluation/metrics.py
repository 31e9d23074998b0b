"""Scores through sacrebleu, each with its signature; mismatched inputs are refused.

sacrebleu's Python API scores hypothesis and reference lists of different lengths without a
word; diglot checks first and names both files and both counts. Corpus scores are sacrebleu's
own (`corpus_score`), so they equal its command line on the same files; segment scores use
`sentence_score` with the settings sacrebleu recommends for single sentences (BLEU with
effective order).

BLEU splits text into words with a tokenizer; as sacrebleu's ``-l`` does, the target language
chooses it (sacrebleu's own table in `sacrebleu.metrics.BLEU`: zh → ``zh``, ja → ``ja-mecab``,
ko → ``ko-mecab``, others ``13a``) unless one is named, and the signature shows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpora import textio
from diglot.errors import ConfigError, DataFormatError

if TYPE_CHECKING:
    from sacrebleu.metrics.base import Metric

#: Metrics sacrebleu computes; chrF++ is chrF with word bigrams.
METRICS = ("bleu", "chrf", "chrf++", "ter")
DEFAULT_METRICS = ("bleu", "chrf")
#: Higher is better for all but TER (an edit rate).
LOWER_IS_BETTER = frozenset({"ter"})


@dataclass(frozen=True)
class Score:
    """A corpus-level score and the signature that makes it reproducible.

    `warning` says why the number may mislead (BLEU of text without spaces split at spaces).
    """

    metric: str
    score: float
    signature: str
    warning: str | None = None

    def __str__(self) -> str:
        return f"{_label(self.metric)} {self.score:.1f}  ({self.signature})"


def _label(metric: str) -> str:
    return {"bleu": "BLEU", "chrf": "chrF2", "chrf++": "chrF2++", "ter": "TER"}.get(
        metric, metric.upper())


def parse_metrics(spec: str | Sequence[str]) -> tuple[str, ...]:
    """Metric names from "bleu,chrf" or a list; unknown names are a `ConfigError`."""
    names = [n.strip().lower() for n in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise ConfigError(f"unknown metric {', '.join(unknown) or '(none)'}: use any of "
                          f"{','.join(METRICS)}")
    return tuple(dict.fromkeys(names))


def make_metric(name: str, *, segment: bool = False, tokenize: str | None = None,
                lang: str | None = None) -> Metric:
    """A fresh sacrebleu metric object.

    Args:
        name: One of `METRICS`.
        segment: Sentence-level settings (BLEU with effective order).
        tokenize: BLEU's tokenizer, one of sacrebleu's (``13a``, ``zh``, ``ja-mecab``,
            ``ko-mecab``, ``char``, ``intl``, ``none``...); None: chosen by `lang`.
        lang: The target language (any code `translate.langs.resolve` knows), as sacrebleu's
            ``-l``: it chooses BLEU's tokenizer when `tokenize` is None.

    Raises:
        ConfigError: Unknown metric, tokenizer or language, or a tokenizer whose package is
            not installed (the message names the pip extra).
    """
    from sacrebleu.metrics import CHRF, TER

    if name == "bleu":
        return _bleu(segment, tokenize, lang)
    if name == "chrf":
        return CHRF()
    if name == "chrf++":
        return CHRF(word_order=2)
    if name == "ter":
        return TER()
    raise ConfigError(f"unknown metric {name!r}: use any of {','.join(METRICS)}")


def _bleu(segment: bool, tokenize: str | None, lang: str | None) -> Metric:
    import logging

    from sacrebleu.metrics import BLEU

    if tokenize is not None and tokenize not in BLEU.TOKENIZERS:
        raise ConfigError(f"unknown BLEU tokenizer {tokenize!r}: use one of "
                          f"{', '.join(BLEU.TOKENIZERS)}")
    trg_lang = bleu_lang(lang)
    logger = logging.getLogger("sacrebleu")  # its "you should use the zh tokenizer" notes
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return BLEU(effective_order=segment, tokenize=tokenize, trg_lang=trg_lang)
    except RuntimeError as exc:  # sacrebleu's MeCab tokenizers without MeCab installed
        found = re.search(r"pip install (\S+)", str(exc))
        fix = f"pip install '{found[1]}'" if found else "see sacrebleu's README"
        name = tokenize or getattr(BLEU, "_TOKENIZER_MAP", {}).get(trg_lang, trg_lang)
        what = (f"BLEU's {name} tokenizer" if tokenize else
                f"BLEU for {lang} uses sacrebleu's {name} tokenizer, which")
        raise ConfigError(f"{what} needs packages that are not installed: {fix} (or give "
                          "--tokenize char)") from None
    finally:
        logger.setLevel(level)


def bleu_lang(code: str | None) -> str:
    """The code sacrebleu's BLEU takes as ``trg_lang`` (ISO 639-1) for a user's language code.

    Raises:
        ConfigError: A code `translate.langs.resolve` does not know.
    """
    if not code:
        return ""
    from translate.langs import resolve

    found = resolve(code)
    return found.iso1 or found.iso3


#: Tokenizers that split words at spaces (and punctuation) only.
_SPACE_TOKENIZERS = ("13a", "intl", "none")
#: Scripts written without spaces between words: Han, kana, Thai, Lao, Tibetan, Myanmar, Khmer.
_UNSPACED = re.compile("[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
                       "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
                       "\U00020000-\U0003ffff]")


def spacing_warning(hypotheses: Sequence[str], signature: str) -> str | None:
    """A warning when BLEU splits words at spaces but the text has almost none.

    With ``13a`` a Chinese, Japanese or Thai line is one or two "words", so BLEU counts
    whole-line matches and comes out near 0. The test: most non-space characters are in
    scripts written without spaces, or the runs between spaces average over 20 characters
    (words of European languages average 5 to 8).

    Args:
        hypotheses: The system output.
        signature: The BLEU signature (its ``tok:`` field names the tokenizer).

    Returns:
        The warning, or None.
    """
    tok = re.search(r"tok:([^|]+)", signature)
    if tok is None or tok[1] not in _SPACE_TOKENIZERS:
        return None
    runs = [run for line in hypotheses for run in line.split()]
    chars = sum(len(run) for run in runs)
    if not chars:
        return None
    unspaced = sum(len(_UNSPACED.findall(line)) for line in hypotheses)
    if unspaced <= chars / 2 and chars <= 20 * len(runs):
        return None
    return (f"BLEU with the {tok[1]} tokenizer splits words at spaces, and this text has "
            "almost none; give the target language (--lang zh, ja, ko) or --tokenize zh/char")


def read_lines(path: Path) -> list[str]:
    """The segments of a file, one a line, as sacrebleu's command line reads them.

    Lines are split on ``\n`` alone (`corpora.textio.read_lines`) and lose their trailing
    whitespace, as sacrebleu's ``line.rstrip()`` does.
    """
    return [line.rstrip() for line in textio.read_lines(path)]


def check_parallel(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                   hyp_name: str | Path, ref_names: Sequence[str | Path]) -> None:
    """Refuse references whose line count differs from the hypothesis'.

    Raises:
        DataFormatError: A reference (named) has a different number of segments, or the
            hypothesis is empty.
    """
    if not references:
        raise ConfigError("give at least one reference")
    for ref, name in zip(references, ref_names, strict=True):
        if len(ref) != len(hypotheses):
            raise DataFormatError(
                name, None,
                f"has {len(ref)} segments but {hyp_name} has {len(hypotheses)}; give files "
                "with one segment a line, line N of each the same segment")
    if not hypotheses:
        raise DataFormatError(hyp_name, None, "has nothing to score")


def corpus_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                  metrics: Sequence[str] = DEFAULT_METRICS, hyp_name: str | Path = "hypothesis",
                  ref_names: Sequence[str | Path] | None = None, *,
                  tokenize: str | None = None, lang: str | None = None) -> list[Score]:
    """Score a system output against one or more references.

    Args:
        hypotheses: System output, one segment per item.
        references: One list per reference translation, each aligned item by item.
        metrics: Any of `METRICS`.
        hyp_name: Name of the hypothesis (its file) for error messages.
        ref_names: Names of the references, for error messages.
        tokenize: BLEU's tokenizer (see `make_metric`); None: chosen by `lang`.
        lang: The target language, as sacrebleu's ``-l``.

    Returns:
        One `Score` per metric, in the order given; BLEU's carries a `warning` when its
        tokenizer splits at spaces and the hypothesis has almost none (`spacing_warning`).

    Raises:
        DataFormatError: A reference has a different number of segments, or nothing to score.
        ConfigError: See `make_metric`.
    """
    names = list(ref_names or [f"reference {k + 1}" for k in range(len(references))])
    check_parallel(hypotheses, references, hyp_name, names)
    refs = [list(r) for r in references]
    scores = []
    for name in metrics:
        metric = make_metric(name, tokenize=tokenize, lang=lang)
        result = metric.corpus_score(list(hypotheses), refs)
        signature = str(metric.get_signature())
        warning = spacing_warning(hypotheses, signature) if name == "bleu" else None
        scores.append(Score(name, float(result.score), signature, warning))
    return scores


def segment_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                   metrics: Sequence[str] = DEFAULT_METRICS, *, tokenize: str | None = None,
                   lang: str | None = None) -> dict[str, list[float]]:
    """Per-segment scores, shape {metric: [score of segment k]}; inputs as `corpus_scores`."""
    out: dict[str, list[float]] = {}
    for name in metrics:
        metric = make_metric(name, segment=True, tokenize=tokenize, lang=lang)
        out[name] = [float(metric.sentence_score(h, [r[k] for r in references]).score)
                     for k, h in enumerate(hypotheses)]
    return out


@dataclass(frozen=True)
class Comparison:
    """One system's score in a paired test against the baseline (the first system).

    `mean` and `ci` (half-width of the 95 % interval) come from bootstrap resampling;
    `p_value` is None for the baseline itself; `warning` as in `Score`.
    """

    system: str
    metric: str
    score: float
    p_value: float | None
    mean: float | None
    ci: float | None
    signature: str
    warning: str | None = None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05


def compare_systems(references: Sequence[Sequence[str]],
                    systems: Sequence[tuple[str, Sequence[str]]],
                    metrics: Sequence[str] = DEFAULT_METRICS, test: str = "bs",
                    samples: int = 0, ref_names: Sequence[str | Path] | None = None, *,
                    tokenize: str | None = None, lang: str | None = None,
                    ) -> list[Comparison]:
    """Paired significance test of each system against the first (sacrebleu's own tests).

    Args:
        references: One list per reference translation.
        systems: (name, hypotheses) pairs; the first is the baseline.
        metrics: Any of `METRICS`.
        test: "bs" (paired bootstrap resampling, Koehn 2004) or "ar" (approximate
            randomisation, Riezler & Maxwell 2005).
        samples: Resamples or trials (0: sacrebleu's defaults, 1000 and 10000).
        ref_names: Names of the references, for error messages.
        tokenize: BLEU's tokenizer (see `make_metric`); None: chosen by `lang`.
        lang: The target language, as sacrebleu's ``-l``.

    Returns:
        One `Comparison` per system and metric, systems in the given order.

    Raises:
        DataFormatError: Any file has a different number of segments from the others.
        ConfigError: Fewer than two systems, an unknown test, or see `make_metric`.
    """
    from sacrebleu.significance import PairedTest

    if len(systems) < 2:
        raise ConfigError("give a baseline and at least one more system to compare")
    if test not in ("bs", "ar"):
        raise ConfigError(f"unknown test {test!r}: use bs (bootstrap) or ar (randomisation)")
    names = list(ref_names or [f"reference {k + 1}" for k in range(len(references))])
    for name, hyps in systems:
        check_parallel(hyps, references, name, names)
    refs = [list(r) for r in references]
    paired = PairedTest([(n, list(h)) for n, h in systems],
                        {m: make_metric(m, tokenize=tokenize, lang=lang) for m in metrics},
                        refs, test_type=test,
                        n_samples=samples, n_ar_confidence=0 if test == "ar" else -1)
    signatures, table = _quiet(paired)
    labels = [k for k in table if k != "System"]  # sacrebleu's names (BLEU, chrF2), in order
    out = []
    for metric, label in zip(metrics, labels, strict=True):
        results: list[Any] = table[label]
        for (name, hyps), result in zip(systems, results, strict=True):
            p_value = _float(result.p_value)
            if p_value is not None and list(hyps) == list(systems[0][1]):
                # sacrebleu (after MultEval) counts only strictly larger shuffled differences,
                # so identical outputs come out "significant"; they are not different at all.
                p_value = 1.0
            signature = str(signatures[label])
            warning = spacing_warning(hyps, signature) if metric == "bleu" else None
            out.append(Comparison(name, metric, float(result.score), p_value,
                                  _float(result.mean), _float(result.ci), signature, warning))
    return out


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _quiet(paired: Any) -> Any:
    """Run a sacrebleu paired test without its progress logging."""
    import logging

    logger = logging.getLogger("sacrebleu")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        return paired()
    finally:
        logger.setLevel(level)
