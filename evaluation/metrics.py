"""Corpus scores through sacrebleu, each with its signature; mismatched inputs are refused.

sacrebleu's Python API scores hypothesis and reference lists of different lengths without a
word; diglot checks first and names both sides and both counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from diglot.errors import DataFormatError

METRICS = ("bleu", "chrf")


@dataclass(frozen=True)
class Score:
    """A corpus-level score and the signature that makes it reproducible."""

    metric: str
    score: float
    signature: str

    def __str__(self) -> str:
        return f"{self.metric.upper()} {self.score:.1f}  ({self.signature})"


def corpus_scores(hypotheses: Sequence[str], references: Sequence[str],
                  metrics: Sequence[str] = METRICS, hyp_name: str = "hypothesis",
                  ref_name: str = "reference") -> list[Score]:
    """Score a system output against one reference.

    Args:
        hypotheses: System output, one segment per item.
        references: Reference translation, aligned item by item.
        metrics: Any of "bleu", "chrf", "ter".
        hyp_name: Name of the hypothesis side for error messages.
        ref_name: Name of the reference side (usually its file) for error messages.

    Raises:
        DataFormatError: The two sides have different numbers of segments, or are empty.
    """
    from sacrebleu.metrics import BLEU, CHRF, TER

    if len(hypotheses) != len(references):
        raise DataFormatError(
            ref_name, None,
            f"has {len(references)} segments but {hyp_name} has {len(hypotheses)}; give a "
            "reference with the same paragraph structure (one line per source line for text)")
    if not hypotheses:
        raise DataFormatError(ref_name, None, "has nothing to score against")
    makers = {"bleu": BLEU, "chrf": CHRF, "ter": TER}
    scores = []
    for name in metrics:
        metric = makers[name]()
        result = metric.corpus_score(list(hypotheses), [list(references)])
        scores.append(Score(name, float(result.score), str(metric.get_signature())))
    return scores
