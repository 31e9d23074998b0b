"""The aligner core and the gold scorer: properties, hand-computed cases, published semantics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from align.anchors import (
    CheapSkips,
    band_through,
    match_outline,
    monotone_chain,
    mutual_neighbours,
    unmatched_share,
)
from align.dp import Band, Bead, align, band_around, bead_types, best_path
from align.gold import format_links, parse_links, read_links, score_alignments
from align.scorers import GaleChurch, _char_ngrams, chrf
from diglot.errors import DataFormatError
from tests.conftest import SHARED, needs_shared


@dataclass
class TableScores:
    """Bead scores drawn from a seeded generator: any table the DP might meet."""

    n_src: int
    n_tgt: int
    seed: int
    tables: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    def score(self, a: int, b: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        if (a, b) not in self.tables:
            rng = np.random.default_rng([self.seed, a, b])
            self.tables[(a, b)] = rng.normal(size=(self.n_src + 1, self.n_tgt + 1))
        return self.tables[(a, b)][i, j]

    def coarsen(self) -> TableScores:
        return TableScores((self.n_src + 1) // 2, (self.n_tgt + 1) // 2, self.seed + 1)


def _check_cover(beads: list[Bead], n: int, m: int) -> None:
    assert [k for b in beads for k in b.src] == list(range(n))
    assert [k for b in beads for k in b.tgt] == list(range(m))
    assert all(b.src or b.tgt for b in beads)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 2**16), st.integers(1, 4))
def test_every_sentence_is_covered_once_in_order(n: int, m: int, seed: int, max_n: int) -> None:
    types = bead_types(max_n, max_n + 1)
    beads = best_path(TableScores(n, m, seed), types)
    _check_cover(beads, n, m)
    assert all((len(b.src), len(b.tgt)) in types for b in beads)


@settings(max_examples=25, deadline=None)
@given(st.integers(5, 150), st.integers(5, 150), st.integers(0, 2**16))
def test_coarse_to_fine_search_covers_everything(n: int, m: int, seed: int) -> None:
    beads = align(TableScores(n, m, seed), bead_types(2), margin=3, max_cells=200)
    _check_cover(beads, n, m)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]),
                        min_size=1, max_size=80), min_size=1, max_size=60))
def test_identical_inputs_give_the_diagonal(sentences: list[str]) -> None:
    scores = GaleChurch().prepare(sentences, sentences)
    for beads in (best_path(scores, bead_types(3, 4)),
                  align(scores, bead_types(3, 4), margin=2, max_cells=50)):
        assert [(b.src, b.tgt) for b in beads] == [((k,), (k,)) for k in range(len(sentences))]


def test_the_best_path_beats_every_other_path_on_a_small_table() -> None:
    scores = TableScores(4, 3, 7)
    types = bead_types(2)
    best = sum(b.score for b in best_path(scores, types))
    for path in _all_paths(4, 3, types):
        total = sum(float(scores.score(a, b, np.array([i]), np.array([j]))[0])
                    for (a, b), i, j in path)
        assert total <= best + 1e-9


def _all_paths(n: int, m: int, types: list[tuple[int, int]]
               ) -> list[list[tuple[tuple[int, int], int, int]]]:
    if n == m == 0:
        return [[]]
    out = []
    for a, b in types:
        if a <= n and b <= m:
            out += [[*p, ((a, b), n, m)] for p in _all_paths(n - a, m - b, types)]
    return out


def test_band_must_hold_both_corners_and_types_are_checked() -> None:
    scores = TableScores(3, 3, 1)
    with pytest.raises(ValueError, match="must contain"):
        best_path(scores, bead_types(1), Band(np.array([1, 1, 1, 1]), np.array([3, 3, 3, 3])))
    with pytest.raises(ValueError, match="unsupported bead type"):
        best_path(scores, [(1, 1), (0, 2)])


def test_band_around_a_coarse_path_contains_the_projected_path() -> None:
    coarse = [Bead((0,), (0,)), Bead((1,), (1, 2)), Bead((2,), ())]
    band = band_around(coarse, 2, 6, 6, margin=1)
    assert band.lo[0] == 0 and band.hi[-1] == 6
    assert all(np.diff(band.lo) >= 0) and all(np.diff(band.hi) >= 0)
    assert band.lo[2] <= 2 <= band.hi[2] and band.lo[4] <= 6 <= band.hi[4]


@needs_shared
def test_gold_scored_against_itself_is_perfect() -> None:
    gold = read_links(SHARED / "textberg-dev/dev.defr", 468, 554)
    scores = score_alignments([(gold, gold)])
    assert (scores.f1_strict, scores.f1_lax) == (1.0, 1.0)
    assert scores.predicted == scores.gold == 422


def test_shifted_links_give_the_hand_computed_scores() -> None:
    gold = parse_links("[0]:[0]\n[1]:[1]\n[2]:[2,3]\n")
    pred = parse_links("[0]:[0]\n[1]:[1,2]\n[2]:[3]\n")
    s = score_alignments([(gold, pred)])
    # Strict: only [0]:[0] matches, on both sides. Lax: [1]:[1,2] overlaps gold [1]:[1] and
    # [2]:[3] overlaps gold [2]:[2,3]; seen from gold, every gold link overlaps a prediction.
    assert s.precision_strict == pytest.approx(1 / 3) and s.recall_strict == pytest.approx(1 / 3)
    assert s.precision_lax == 1.0 and s.recall_lax == 1.0
    assert s.f1_strict == pytest.approx(1 / 3)


def test_empty_sided_links_count_for_precision_not_recall() -> None:
    gold = parse_links("[0]:[0]\n[]:[1]\n[1]:[2]\n")
    pred = parse_links("[0]:[0]\n[1]:[1,2]\n")
    s = score_alignments([(gold, pred)])
    assert s.precision_strict == 0.5 and s.recall_strict == 0.5
    pred_with_gap = parse_links("[0]:[0]\n[]:[1]\n[1]:[2]\n")
    assert score_alignments([(gold, pred_with_gap)]).f1_strict == 1.0


def test_links_round_trip_and_bad_lines_name_the_line(tmp_path: Path) -> None:
    text = "[0]:[0]\n[1, 2]:[1]\n[]:[2]\n[3]:[]\n"
    assert format_links(parse_links(text)) == text.replace(", ", ",")
    bad = tmp_path / "bad.align"
    bad.write_text("[0]:[0]\n0 - 1\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad.align:2: not an alignment link"):
        read_links(bad)
    out = tmp_path / "range.align"
    out.write_text("[0]:[0]\n[1]:[5]\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"range.align:2: target index 5 is out of range"):
        read_links(out, 2, 3)


def test_chrf_agrees_with_sacrebleu() -> None:
    from sacrebleu.metrics import CHRF

    hyp, ref = "Le chat est assis sur le tapis.", "Le chat s'est assis sur le tapis rouge."
    ours = chrf(_char_ngrams(hyp), _char_ngrams(ref))
    assert ours * 100 == pytest.approx(CHRF().sentence_score(hyp, [ref]).score, abs=0.01)


# --- the anchored search -------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.integers(0, 2**16),
       st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59)), max_size=12),
       st.integers(0, 5))
def test_anchored_search_covers_every_sentence_once(n: int, m: int, seed: int,
                                                    raw: list[tuple[int, int]],
                                                    margin: int) -> None:
    # Any anchors at all (wrong ones included), any margin: the band holds a full path.
    anchors = monotone_chain(sorted({(i % n, j % m) for i, j in raw}))
    band = band_through(anchors, n, m, margin)
    assert band.lo[0] == 0 and band.hi[-1] == m
    assert all(np.diff(band.lo) >= 0) and all(np.diff(band.hi) >= 0)
    lengths = np.random.default_rng(seed).integers(1, 200, size=n + m)
    share = unmatched_share(anchors, lengths[:n], lengths[n:])
    scores = CheapSkips(TableScores(n, m, seed), *share, link_cost=0.3)
    beads = align(scores, bead_types(3, 4), band=band)
    _check_cover(beads, n, m)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=80))
def test_the_anchor_chain_increases_on_both_sides_and_is_longest(
        raw: list[tuple[int, int]]) -> None:
    pairs = sorted({i: (i, j) for i, j in raw}.values())
    chain = monotone_chain(pairs)
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in zip(chain, chain[1:], strict=False))
    assert set(chain) <= set(pairs)
    if len(pairs) <= 10:  # brute force: no increasing subset is longer
        from itertools import combinations
        longest = max((k for k in range(len(pairs) + 1) for c in combinations(pairs, k)
                       if all(a[1] < b[1] for a, b in zip(c, c[1:], strict=False))), default=0)
        assert len(chain) == longest


def test_mutual_neighbours_of_a_shuffled_copy_are_the_shuffle() -> None:
    rng = np.random.default_rng(3)
    vs = rng.normal(size=(30, 16))
    vs /= np.linalg.norm(vs, axis=1, keepdims=True)
    order = rng.permutation(30)
    pairs = mutual_neighbours(vs, vs[order], min_cos=0.9)
    assert [(i, j) for i, j, _ in pairs] == sorted((int(order[j]), j) for j in range(30))


def test_a_gap_one_side_lacks_makes_its_skips_free() -> None:
    # Anchors 0-0 … 9-9, then 30 source sentences with no target, then 40-10 … 49-19.
    anchors = [(k, k) for k in range(10)] + [(k, k - 30) for k in range(40, 50)]
    share_s, share_t = unmatched_share(anchors, np.full(50, 40), np.full(20, 50))
    assert share_s[10:40].tolist() == [1.0] * 30 and share_s[:10].sum() == 0 == share_t.sum()
    scores = CheapSkips(TableScores(50, 20, 0), share_s, share_t)
    skips = scores.score(1, 0, np.array([5, 20]), np.array([5, 10]))
    raw = TableScores(50, 20, 0).score(1, 0, np.array([5, 20]), np.array([5, 10]))
    assert skips[0] == raw[0] and skips[1] == max(raw[1], 0.0)
    band = band_through(anchors, 50, 20, margin=1)
    assert band.hi[25] - band.lo[25] <= 3  # the gap's rows may only skip


def test_outline_headings_pair_by_meaning_and_skip_extras() -> None:
    eye = np.eye(5)
    # Source headings 0-4; the target has 1, 3, 4 (in that order) and one of its own.
    hs = eye
    ht = np.stack([eye[1], eye[3], np.ones(5) / np.sqrt(5), eye[4]])
    assert match_outline(hs, ht) == [(1, 0), (3, 1), (4, 3)]
