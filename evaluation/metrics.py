"""Scores through sacrebleu, each with its signature; mismatched inputs are refused.

sacrebleu's Python API scores hypothesis and reference lists of different lengths without a
word; diglot checks first and names both files and both counts. Corpus scores are sacrebleu's
own (`corpus_score`), so they equal its command line on the same files; segment scores use
`sentence_score` with the settings sacrebleu recommends for single sentences (BLEU with
effective order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpora.textio import read_text
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
    """A corpus-level score and the signature that makes it reproducible."""

    metric: str
    score: float
    signature: str

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


def make_metric(name: str, *, segment: bool = False) -> Metric:
    """A fresh sacrebleu metric object; `segment` selects sentence-level settings."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    if name == "bleu":
        return BLEU(effective_order=segment)
    if name == "chrf":
        return CHRF()
    if name == "chrf++":
        return CHRF(word_order=2)
    if name == "ter":
        return TER()
    raise ConfigError(f"unknown metric {name!r}: use any of {','.join(METRICS)}")


def read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 text file, as sacrebleu's command line reads them."""
    return read_text(path).splitlines()


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
                  ref_names: Sequence[str | Path] | None = None) -> list[Score]:
    """Score a system output against one or more references.

    Args:
        hypotheses: System output, one segment per item.
        references: One list per reference translation, each aligned item by item.
        metrics: Any of `METRICS`.
        hyp_name: Name of the hypothesis (its file) for error messages.
        ref_names: Names of the references, for error messages.

    Raises:
        DataFormatError: A reference has a different number of segments, or nothing to score.
    """
    names = list(ref_names or [f"reference {k + 1}" for k in range(len(references))])
    check_parallel(hypotheses, references, hyp_name, names)
    refs = [list(r) for r in references]
    scores = []
    for name in metrics:
        metric = make_metric(name)
        result = metric.corpus_score(list(hypotheses), refs)
        scores.append(Score(name, float(result.score), str(metric.get_signature())))
    return scores


def segment_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                   metrics: Sequence[str] = DEFAULT_METRICS) -> dict[str, list[float]]:
    """Per-segment scores, shape {metric: [score of segment k]}; inputs as `corpus_scores`."""
    out: dict[str, list[float]] = {}
    for name in metrics:
        metric = make_metric(name, segment=True)
        out[name] = [float(metric.sentence_score(h, [r[k] for r in references]).score)
                     for k, h in enumerate(hypotheses)]
    return out


@dataclass(frozen=True)
class Comparison:
    """One system's score in a paired test against the baseline (the first system).

    `mean` and `ci` (half-width of the 95 % interval) come from bootstrap resampling;
    `p_value` is None for the baseline itself.
    """

    system: str
    metric: str
    score: float
    p_value: float | None
    mean: float | None
    ci: float | None
    signature: str

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < 0.05


def compare_systems(references: Sequence[Sequence[str]],
                    systems: Sequence[tuple[str, Sequence[str]]],
                    metrics: Sequence[str] = DEFAULT_METRICS, test: str = "bs",
                    samples: int = 0, ref_names: Sequence[str | Path] | None = None,
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

    Returns:
        One `Comparison` per system and metric, systems in the given order.

    Raises:
        DataFormatError: Any file has a different number of segments from the others.
        ConfigError: Fewer than two systems or an unknown test.
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
                        {m: make_metric(m) for m in metrics}, refs, test_type=test,
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
            out.append(Comparison(name, metric, float(result.score), p_value,
                                  _float(result.mean), _float(result.ci),
                                  str(signatures[label])))
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
