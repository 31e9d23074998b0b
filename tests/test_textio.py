from pathlib import Path

import pytest

from corpora.textio import read_text, write_atomic
from diglot.errors import DataFormatError


def test_reads_utf8_and_strips_bom_and_crlf(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes("\ufeffHola\r\nmundo\r\n".encode())
    assert read_text(f) == "Hola\nmundo\n"


@pytest.mark.parametrize(("data", "match"), [
    (b"", r"a\.txt: is empty"),
    (b"  \n\n", r"a\.txt: is empty"),
    (b"ok\nbad\x00\x01\x02", r"a\.txt:2: looks binary"),
    ("Hola\nañadió\n".encode("utf-16"), r"a\.txt: is UTF-16-LE, not UTF-8; convert it: iconv"),
])
def test_bad_files_name_file_and_fix(tmp_path: Path, data: bytes, match: str) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(data)
    with pytest.raises(DataFormatError, match=match):
        read_text(f)


def test_latin1_names_detected_encoding_and_line(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes("Primera línea bien.\nSegunda: el niño comió piñas y más.\n".encode("cp1252")
                  .replace(b"Primera l\xednea", b"Primera linea"))
    with pytest.raises(DataFormatError, match=r"a\.txt:2: is not UTF-8 \(detected (cp|latin|iso)"):
        read_text(f)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="no such file"):
        read_text(tmp_path / "nope.md")
    with pytest.raises(DataFormatError, match="is a folder"):
        read_text(tmp_path)


def test_write_atomic_leaves_no_temp_files(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "out.md"
    write_atomic(out, "uno\n")
    write_atomic(out, "dos\n")
    assert out.read_text() == "dos\n"
    assert [p.name for p in out.parent.iterdir()] == ["out.md"]
