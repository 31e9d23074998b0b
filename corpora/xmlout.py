"""Writing XML units as formatted strings, in chunks, with one check for what XML cannot hold.

The TMX and XLIFF writers format each unit as a string (lxml elements cost several times more
per pair). Looking for the characters XML 1.0 cannot hold (C0 controls, lone surrogates,
U+FFFE/U+FFFF) with a regular expression in every text of every unit cost more than formatting
it; here the writer formats a chunk of units on the assumption that they are clean, encodes the
chunk to UTF-8 (which it has to do anyway) and checks the bytes once: deleting the C0 bytes
must change nothing, encoding must not meet a surrogate, and the two non-characters must not
occur. A chunk that fails is formatted again by the writer's careful formatter, which refuses
the pair (TMX) or carries the character another way (XLIFF's ``<cp>``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO, TypeVar

__all__ = ["CHUNK", "write_chunks", "xml_bytes"]

#: Units formatted and written at once (about a megabyte of XML for diglot's units).
CHUNK = 1000
#: C0 controls XML 1.0 cannot hold (tab, line feed and carriage return it can).
_C0 = bytes(c for c in range(32) if c not in (9, 10, 13))

T = TypeVar("T")


def xml_bytes(text: str) -> bytes | None:
    """``text`` as UTF-8, or None when it holds a character XML 1.0 cannot hold.

    Args:
        text: Formatted XML (markup and escaped text).
    """
    if "\ufffe" in text or "\uffff" in text:  # one character in the str: 15x the bytes' speed
        return None
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return None
    if len(data.translate(None, _C0)) != len(data):
        return None
    return data


def write_chunks(handle: IO[bytes], items: Iterable[T], fast: Callable[[T], str],
                 careful: Callable[[T], str], chunk: int = CHUNK) -> int:
    """Format items as XML and write them, a chunk at a time.

    Args:
        handle: A binary file open for writing.
        items: What to format (pairs), in order.
        fast: Formats one item, assuming its texts hold only characters XML can hold.
        careful: Formats one item whatever it holds, or raises for what it cannot write.
        chunk: Items a chunk.

    Returns:
        The number of items written.
    """
    count, batch = 0, []
    for item in items:
        batch.append(item)
        if len(batch) >= chunk:
            handle.write(_chunk(batch, fast, careful))
            count += len(batch)
            batch = []
    if batch:
        handle.write(_chunk(batch, fast, careful))
        count += len(batch)
    return count


def _chunk(batch: list[T], fast: Callable[[T], str], careful: Callable[[T], str]) -> bytes:
    data = xml_bytes("".join([fast(item) for item in batch]))
    if data is None:
        data = "".join([careful(item) for item in batch]).encode()
    return data
