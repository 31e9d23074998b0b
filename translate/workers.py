"""Several processes of one engine, for engines that run one batch at a time (transformers).

``WorkerPool`` implements the ``Engine`` protocol: a call's segments are dealt out to the
workers by length (each gets as many long sentences as short ones), translated in parallel and
put back in input order, so the pipeline commits and resumes exactly as with one engine. Each
worker is a fresh process (``spawn``: a fork of a process that runs torch's thread pool can
hang) with its share of the cores, and loads its own copy of the model.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from translate.engine import Engine, EngineConfig, Hypothesis, open_engine
from translate.langs import Language

_engine: Engine | None = None
_opening: tuple[str, Language, Language, dict[str, Any]] | None = None


def _start(name: str, src: Language, tgt: Language, threads: int,
           options: dict[str, Any]) -> None:
    global _opening
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import torch

    torch.set_num_threads(threads)
    _opening = (name, src, tgt, options)


def _worker_engine() -> Engine:
    """This process's engine, opened by its first task: an error there (a bad model path)
    goes back to the caller as that task's exception, where one in the pool's initializer
    would only break the pool."""
    global _engine
    if _engine is None:
        assert _opening is not None  # set by _start in this process
        name, src, tgt, options = _opening
        _engine = open_engine(name, src, tgt, **options)
    return _engine


def _config() -> EngineConfig:
    return _worker_engine().config


def _translate(segments: list[str]) -> list[Hypothesis]:
    return _worker_engine().translate_batch(segments)


class WorkerPool:
    """``workers`` processes, each running the engine ``name`` on a share of the cores.

    Args:
        name: Registry name of the engine each worker opens.
        src: Source language.
        tgt: Target language.
        workers: Number of processes (at least 2 to be of use).
        **options: The engine's options, as ``open_engine`` takes them.
    """

    def __init__(self, name: str, src: Language, tgt: Language, workers: int,
                 **options: Any) -> None:
        self.src, self.tgt, self.workers = src, tgt, workers
        threads = max(1, len(os.sched_getaffinity(0)) // workers)
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start,
                                        initargs=(name, src, tgt, threads, options))
        try:
            self._config = self.pool.submit(_config).result()  # fails here if it cannot open
        except BaseException:
            self.pool.shutdown(cancel_futures=True)
            raise
        self.preferred_batch = 32 * workers

    @property
    def config(self) -> EngineConfig:
        return self._config

    def translate_batch(self, segments: Sequence[str]) -> list[Hypothesis]:
        order = sorted(range(len(segments)), key=lambda i: len(segments[i]))
        shares = [order[k::self.workers] for k in range(self.workers)]
        futures = [self.pool.submit(_translate, [segments[i] for i in share])
                   for share in shares if share]
        out: list[Hypothesis | None] = [None] * len(segments)
        for share, future in zip([s for s in shares if s], futures, strict=True):
            for i, hyp in zip(share, future.result(), strict=True):
                out[i] = hyp
        return [h for h in out if h is not None]

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)
