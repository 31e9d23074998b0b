"""Reading user text files strictly: UTF-8 or a clear error, never silent mojibake.

Line-based files (one segment a line: hypotheses, references, bitexts, glossaries, gold
alignments) are split on ``\n`` alone, as sacrebleu and the Unix tools read them;
``str.splitlines`` would also cut at U+2028, U+2029, NEL, VT and FF, which occur inside real
segments.
"""

from __future__ import annotations

import codecs
import os
import re
import secrets
import shlex
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from diglot.errors import DataFormatError

_BOMS = {  # iconv's "UTF-16"/"UTF-32" read the byte-order mark and drop it
    b"\xff\xfe\x00\x00": ("UTF-32", "UTF-32 (little-endian)"),
    b"\x00\x00\xfe\xff": ("UTF-32", "UTF-32 (big-endian)"),
    b"\xff\xfe": ("UTF-16", "UTF-16 (little-endian)"),
    b"\xfe\xff": ("UTF-16", "UTF-16 (big-endian)"),
}

#: Python's canonical codec names (``codecs.lookup(x).name``) that iconv spells otherwise;
#: the rest become iconv names by upper-casing and ``_`` → ``-`` (checked against ``iconv -l``
#: of glibc in tests/test_textio.py).
_ICONV = {
    "mac-roman": "MACINTOSH", "mac-latin2": "MAC-CENTRALEUROPE", "mac-iceland": "MAC-IS",
    "mac-greek": "MACGREEK", "mac-turkish": "MACTURKISH", "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE", "utf-32-le": "UTF-32LE", "utf-32-be": "UTF-32BE",
    "kz1048": "RK1048", "ptcp154": "PT154", "hz": "HZ", "shift_jisx0213": "SHIFT_JISX0213",
    "shift_jis_2004": "SHIFT_JISX0213", "euc_jisx0213": "EUC-JISX0213",
    "euc_jis_2004": "EUC-JISX0213",
}


def iconv_name(encoding: str) -> str:
    """The name GNU iconv and libiconv know for one of Python's codec names.

    Args:
        encoding: A Python codec name or alias (``iso8859_10``, ``latin_1``, ``utf_16_le``).

    Returns:
        An iconv encoding name (``ISO-8859-10``, ``ISO-8859-1``, ``UTF-16LE``).
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding.upper()
    if name in _ICONV:
        return _ICONV[name]
    if name.startswith(("iso8859-", "iso2022_")):
        return "ISO-" + name[3:7] + "-" + name[8:].upper().replace("_", "-")
    return name.upper().replace("_", "-")


def split_lines(text: str) -> list[str]:
    """The lines of a line-based file's text, split on ``\\n`` alone.

    A final ``\\n`` ends the last line rather than starting an empty one, as for
    ``str.splitlines``; unlike it, U+2028, U+2029, NEL, VT, FF and a lone CR stay inside the
    line, as sacrebleu, ``wc -l`` and ``cut`` count lines.

    Args:
        text: The file's text, line ends already ``\\n``.

    Returns:
        One string per line, without its ``\\n``; ``[]`` for "".
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def read_lines(path: Path) -> list[str]:
    """The lines of a line-based UTF-8 file (one segment a line), split as `split_lines` does.

    CRLF line ends count as ``\\n``; a lone CR is kept inside its line, as sacrebleu keeps it.

    Raises:
        DataFormatError: As `read_text`.
    """
    return split_lines(_decode(path).replace("\r\n", "\n"))


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, refusing empty, binary and other-encoding input.

    Args:
        path: The file to read.

    Returns:
        The text with a UTF-8 byte-order mark removed and line ends (CRLF and, as CommonMark
        has it, a lone CR) normalised to "\\n".

    Raises:
        DataFormatError: The file is missing, empty, binary or not UTF-8 (the detected encoding
            and an iconv command that converts it are in the message).
    """
    return _decode(path).replace("\r\n", "\n").replace("\r", "\n")


def _decode(path: Path) -> str:
    if not path.exists():
        raise DataFormatError(path, None, "no such file; check the path")
    if path.is_dir():
        raise DataFormatError(path, None, "is a folder, not a text file")
    data = path.read_bytes()
    for bom, (name, described) in _BOMS.items():
        if data.startswith(bom):
            raise DataFormatError(path, None, f"is {described}, not UTF-8; {_convert(path, name)}")
    if b"\x00" in data:
        wide = _utf16_without_bom(data)
        if wide is not None:
            raise DataFormatError(path, None, f"is {wide} without a byte-order mark, not UTF-8; "
                                  + _convert(path, wide))
        line = _line_of(data, data.index(b"\x00"))
        raise DataFormatError(path, line, "looks binary (NUL byte); give a plain-text or .md file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        enc = _guess_encoding(data)
        where = _line_of(data, exc.start)
        if enc is None:
            raise DataFormatError(path, where, "is not UTF-8 and its encoding is unknown; save "
                                  "it as UTF-8") from None
        raise DataFormatError(path, where, f"is not UTF-8 (detected {enc}); "
                              + _convert(path, enc)) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DataFormatError(path, None, "is empty; give a file with text in it")
    return text


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _convert(path: Path, encoding: str) -> str:
    """The fix: an iconv command, quoted for a POSIX shell, writing a UTF-8 copy beside the
    file. The copy keeps the file's extension last (``a.fr.md`` → ``a.fr.utf8.md``), since
    diglot reads the format from it."""
    target = path.with_name(f"{path.stem}.utf8{path.suffix}")
    return (f"convert it: iconv -f {encoding} -t UTF-8 {shlex.quote(str(path))} > "
            f"{shlex.quote(str(target))}")


def _utf16_without_bom(data: bytes) -> str | None:
    """"UTF-16LE"/"UTF-16BE" when NUL bytes are the high halves of UTF-16 code units (text
    mostly below U+0100, as Western text is) and the whole decodes to printable text."""
    if len(data) < 4 or len(data) % 2:
        return None
    for name, high in (("UTF-16LE", data[1::2]), ("UTF-16BE", data[0::2])):
        if high.count(0) < 0.5 * len(high):
            continue
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if all(c.isprintable() or c.isspace() for c in text):
            return name
    return None


def _guess_encoding(data: bytes) -> str | None:
    """The iconv name of the encoding charset-normalizer finds, or None.

    On short Western text its first choice is often a rare code page (cp1257, ISO-8859-10)
    that turns a French "à" into "ą" or "ā"; windows-1252, the encoding of most non-UTF-8
    Western text and a superset of ISO-8859-1's letters, wins whenever charset-normalizer
    counts it among the candidates and it decodes every byte.
    """
    from charset_normalizer import from_bytes

    western = _western(data)
    if western is not None:
        return western
    found = from_bytes(data[:200_000])
    best = found.best()
    if best is None:
        return None
    candidates = {codecs.lookup(m.encoding).name for m in found}
    candidates |= {codecs.lookup(e).name for e in best.could_be_from_charset}
    if "cp1252" in candidates:
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            return "CP1252"
    return iconv_name(best.encoding)


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _western(data: bytes) -> str | None:
    """CP1252 (or ISO-8859-1 where CP1252 leaves a byte undefined) when every run of non-ASCII
    bytes is one or two bytes long: accented letters inside ASCII words, as Western European
    text in a single-byte encoding has them. Charset-normalizer has too little to go on in a
    short file ("Canción" came out as CP1006, "Año" as UTF-16BE); Cyrillic or Greek words and
    CJK text are runs of several non-ASCII bytes, which this leaves to it.
    """
    runs = [len(m.group()) for m in _HIGH_RUN.finditer(data[:200_000])]
    if not runs or max(runs) > 2:
        return None
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "ISO-8859-1"
    return "CP1252"


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a half-written one.

    A new file gets the permissions any new file gets (0666 less the umask); a file replaced
    keeps its own.
    """
    with atomic_output(path) as fh:
        fh.write(text)


@contextmanager
def atomic_output(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A file beside `path`, written as a stream, that replaces `path` when the block ends
    without an error (and is removed when it ends with one): readers see the old or the new
    content, never a half-written one, and a killed writer leaves no file under the name.

    Args:
        path: The file to write; missing parent folders are made.
        binary: Open for bytes instead of UTF-8 text with "\\n" line ends.

    Yields:
        The open temporary file. A new file gets 0666 less the umask; a file replaced keeps
        its permissions.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(path)
    try:
        with (os.fdopen(fd, "wb") if binary
              else os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temp_beside(path: Path) -> tuple[int, Path]:
    """A new hidden file next to `path`, open for writing.

    Created with ``os.open(..., 0o666)`` so the kernel applies the umask (``mkstemp`` would
    make it 0600 whatever the umask).
    """
    try:
        keep: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        keep = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if keep is not None:
            os.fchmod(fd, keep)
        return fd, tmp
