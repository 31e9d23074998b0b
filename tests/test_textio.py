import codecs
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpora.textio import iconv_name, read_lines, read_text, split_lines, write_atomic
from diglot.errors import DataFormatError

needs_iconv = pytest.mark.skipif(shutil.which("iconv") is None, reason="iconv is not installed")


def test_reads_utf8_and_strips_bom_and_crlf(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes("\ufeffHola\r\nmundo\r\n".encode())
    assert read_text(f) == "Hola\nmundo\n"


@pytest.mark.parametrize(("data", "match"), [
    (b"", r"a\.txt: is empty"),
    (b"  \n\n", r"a\.txt: is empty"),
    (b"ok\nbad\x00\x01\x02", r"a\.txt:2: looks binary"),
    ("Hola\nañadió\n".encode("utf-16"),
     r"a\.txt: is UTF-16 \(little-endian\), not UTF-8; convert it: iconv -f UTF-16 -t UTF-8 "),
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
    with pytest.raises(DataFormatError, match=r"a\.txt:2: is not UTF-8 \(detected CP1252\)"):
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


# -- line-based files: "\n" is the only line break ------------------------------------------

@pytest.mark.parametrize(("text", "lines"), [
    ("uno\ndos\n", ["uno", "dos"]),
    ("uno\ndos", ["uno", "dos"]),
    ("uno\n\ndos\n\n", ["uno", "", "dos", ""]),
    ("", []),
    ("a\u2028b\nc\u2029d\ne\x85f\ng\x0bh\x0ci\x1cj\rk\n",
     ["a\u2028b", "c\u2029d", "e\x85f", "g\x0bh\x0ci\x1cj\rk"]),
])
def test_split_lines_splits_on_newline_only(text: str, lines: list[str]) -> None:
    assert split_lines(text) == lines


def test_read_lines_keeps_unicode_separators_and_turns_crlf_into_lines(tmp_path: Path) -> None:
    f = tmp_path / "hyp.txt"
    f.write_bytes("Primera parte.\u2028Segunda parte.\r\nOtra\x0clínea\r\n".encode())
    assert read_lines(f) == ["Primera parte.\u2028Segunda parte.", "Otra\x0clínea"]


# -- the encoding error names an encoding iconv knows, and its command works ------------------

LATIN1_FR = ("Le garçon était à l'école où il a appris à lire.\n"
             "Ça coûte cher, à peu près dix euros.\n")
CP1252_FR = "« Voilà », dit-il : “c'est l'été” — ça coûte 20 €.\nL'œuvre est déjà là.\n"
GERMAN = "Größere Änderungen.\nDie Straße ist schön.\n"


@needs_iconv
@pytest.mark.parametrize(("name", "text", "encoding", "message"), [
    # the case: Latin-1 French was reported as iso8859_10, which iconv does not know
    ("essai.fr.md", LATIN1_FR, "latin-1",
     "essai.fr.md:1: is not UTF-8 (detected CP1252); convert it: iconv -f CP1252 -t UTF-8 "
     "{dir}/essai.fr.md > {dir}/essai.fr.utf8.md"),
    ("b.txt", CP1252_FR, "cp1252",
     "b.txt:1: is not UTF-8 (detected CP1252); convert it: iconv -f CP1252 -t UTF-8 "
     "{dir}/b.txt > {dir}/b.utf8.txt"),
    ("mi libro.md", GERMAN, "utf-16-le",
     "mi libro.md: is UTF-16LE without a byte-order mark, not UTF-8; convert it: iconv -f "
     "UTF-16LE -t UTF-8 '{dir}/mi libro.md' > '{dir}/mi libro.utf8.md'"),
    ("d.tsv", GERMAN, "utf-16-be",
     "d.tsv: is UTF-16BE without a byte-order mark, not UTF-8; convert it: iconv -f UTF-16BE "
     "-t UTF-8 {dir}/d.tsv > {dir}/d.utf8.tsv"),
    ("e.txt", GERMAN, "utf-16",
     "e.txt: is UTF-16 (little-endian), not UTF-8; convert it: iconv -f UTF-16 -t UTF-8 "
     "{dir}/e.txt > {dir}/e.utf8.txt"),
    # short Western files, where charset-normalizer alone said CP1006, UTF-16BE or BIG5
    ("c.es.md", "Canción\n", "latin-1",
     "c.es.md:1: is not UTF-8 (detected CP1252); convert it: iconv -f CP1252 -t UTF-8 "
     "{dir}/c.es.md > {dir}/c.es.utf8.md"),
    ("a.es.md", "Año\n", "latin-1",
     "a.es.md:1: is not UTF-8 (detected CP1252); convert it: iconv -f CP1252 -t UTF-8 "
     "{dir}/a.es.md > {dir}/a.es.utf8.md"),
    ("n.es.md", "El niño\n", "latin-1",
     "n.es.md:1: is not UTF-8 (detected CP1252); convert it: iconv -f CP1252 -t UTF-8 "
     "{dir}/n.es.md > {dir}/n.es.utf8.md"),
    # Cyrillic words are runs of non-ASCII bytes: left to charset-normalizer, which is right
    ("r.md", "Призрак бродит по Европе — призрак коммунизма. Все силы старой Европы "
     "объединились для священной травли этого призрака.\n", "cp1251",
     "r.md:1: is not UTF-8 (detected CP1251); convert it: iconv -f CP1251 -t UTF-8 "
     "{dir}/r.md > {dir}/r.utf8.md"),
    # a byte CP1252 leaves undefined: ISO-8859-1, which maps every byte
    ("k.es.md", "Texto con control \x81 y ñ.\n", "latin-1",
     "k.es.md:1: is not UTF-8 (detected ISO-8859-1); convert it: iconv -f ISO-8859-1 -t UTF-8 "
     "{dir}/k.es.md > {dir}/k.es.utf8.md"),
])
def test_the_suggested_iconv_command_converts_the_file(tmp_path: Path, name: str, text: str,
                                                       encoding: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    with pytest.raises(DataFormatError) as caught:
        read_text(path)
    assert str(caught.value) == f"{tmp_path}/" + message.format(dir=tmp_path)
    command = str(caught.value).split("convert it: ", 1)[1]
    subprocess.run(command, shell=True, check=True, capture_output=True)
    converted = path.with_name(path.stem + ".utf8" + path.suffix)
    assert read_text(converted) == text


def _iconv_names() -> set[str]:
    listing = subprocess.run(["iconv", "-l"], capture_output=True, text=True, check=True).stdout
    return {n.rstrip("/").upper() for n in listing.replace(",", " ").split()}


@needs_iconv
def test_every_encoding_charset_normalizer_reports_has_an_iconv_name() -> None:
    from charset_normalizer.constant import IANA_SUPPORTED

    # glibc's iconv lacks these (libiconv has some); the message still names them correctly
    lacking = {"cp720", "cp1006", "hz", "iso2022_jp_1", "iso2022_jp_2004", "iso2022_jp_ext",
               "mac-greek", "mac-turkish"}
    known = _iconv_names()
    names = {codecs.lookup(e).name for e in IANA_SUPPORTED} - lacking
    assert {n: iconv_name(n) for n in names if iconv_name(n).upper() not in known} == {}
    assert [iconv_name(n) for n in ("iso8859_10", "latin_1", "utf_16_le", "mac_roman")] == [
        "ISO-8859-10", "ISO-8859-1", "UTF-16LE", "MACINTOSH"]


# -- written files respect the umask --------------------------------------------------------

@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_the_umask_mode(tmp_path: Path, umask: None, mask: int,
                                      mode: int) -> None:
    os.umask(mask)
    out = tmp_path / "out.md"
    write_atomic(out, "uno\n")
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    os.umask(0o022)
    out = tmp_path / "out.md"
    out.write_text("viejo\n")
    out.chmod(0o640)
    write_atomic(out, "nuevo\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text() == "nuevo\n"
    assert not [p for p in tmp_path.iterdir() if re.match(r"\.out\.md\..*\.tmp", p.name)]
