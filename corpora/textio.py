"""Reading user text files strictly: UTF-8 or a clear error, never silent mojibake."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from diglot.errors import DataFormatError

_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32-LE",
    b"\x00\x00\xfe\xff": "UTF-32-BE",
    b"\xff\xfe": "UTF-16-LE",
    b"\xfe\xff": "UTF-16-BE",
}


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _guess_encoding(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best is not None else "unknown"


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, refusing empty, binary and other-encoding input.

    Args:
        path: The file to read.

    Returns:
        The text with a UTF-8 byte-order mark removed and line ends normalised to "\\n".

    Raises:
        DataFormatError: The file is missing, empty, binary or not UTF-8 (the detected encoding
            and an iconv command are in the message).
    """
    if not path.exists():
        raise DataFormatError(path, None, "no such file; check the path")
    if path.is_dir():
        raise DataFormatError(path, None, "is a folder, not a text file")
    data = path.read_bytes()
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            raise DataFormatError(
                path, None,
                f"is {name}, not UTF-8; convert it: iconv -f {name} -t UTF-8 {path} > {path}.utf8",
            )
    if b"\x00" in data:
        line = _line_of(data, data.index(b"\x00"))
        raise DataFormatError(path, line, "looks binary (NUL byte); give a plain-text or .md file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        enc = _guess_encoding(data)
        raise DataFormatError(
            path, line,
            f"is not UTF-8 (detected {enc}); convert it: iconv -f {enc} -t UTF-8 {path} > "
            f"{path}.utf8",
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DataFormatError(path, None, "is empty; give a file with text in it")
    return text


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a half-written one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
