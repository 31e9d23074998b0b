"""Streaming batches: read ahead, sort by length within a window, cut by a token budget.

The pattern of CTranslate2's ``_batch_iterator``: sorting by length keeps padding low, the window
keeps memory bounded on a whole book, and results come back in input order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


def token_batches(items: Iterable[T], length: Callable[[T], int], max_tokens: int,
                  max_batch: int = 256, window: int = 1024) -> Iterator[list[tuple[int, T]]]:
    """Group items into batches whose padded size stays under a token budget.

    Args:
        items: The inputs, in order.
        length: Token count of one item.
        max_tokens: Budget per batch: longest item length times batch size.
        max_batch: Most items in one batch.
        window: How many items are read ahead and sorted together.

    Yields:
        Lists of ``(input index, item)``; every index appears in exactly one batch.
    """
    it = iter(items)
    offset = 0
    while chunk := list(islice(it, window)):
        order = sorted(range(len(chunk)), key=lambda i: length(chunk[i]), reverse=True)
        batch: list[tuple[int, T]] = []
        longest = 0
        for i in order:
            size = max(length(chunk[i]), 1)
            if batch and (max(longest, size) * (len(batch) + 1) > max_tokens
                          or len(batch) >= max_batch):
                yield batch
                batch, longest = [], 0
            batch.append((offset + i, chunk[i]))
            longest = max(longest, size)
        if batch:
            yield batch
        offset += len(chunk)


def map_batched(fn: Callable[[list[T]], Sequence[R]], items: Sequence[T],
                length: Callable[[T], int], max_tokens: int, max_batch: int = 256) -> list[R]:
    """Apply a batch function over length-sorted token batches, results in input order."""
    out: list[R | None] = [None] * len(items)
    for batch in token_batches(items, length, max_tokens, max_batch):
        results = fn([item for _, item in batch])
        for (index, _), result in zip(batch, results, strict=True):
            out[index] = result
    if any(r is None for r in out):
        raise RuntimeError("batching lost a result")  # a bug in this module, not user input
    return cast("list[R]", out)
