"""Test books built with real tools (pandoc, LibreOffice) from the Manifesto Markdown.

The EPUB and DOCX tests use these instead of hand-written zips, so they see what a real
producer writes (pandoc's EPUB 2 and EPUB 3 layouts, its NCX, nav and footnotes).
Each builder skips the calling test with the reason when the tool or the shared data is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path
from struct import pack

import pytest

from tests.conftest import SHARED

MANIFESTO = SHARED / "manifesto"

needs_pandoc = pytest.mark.skipif(shutil.which("pandoc") is None,
                                  reason="pandoc is not installed (apt-get install pandoc)")


def manifesto_md(lang: str = "fr", chapters: int = 2) -> str:
    """The first `chapters` top-level sections of the Manifesto in `lang` (fr or de), with its
    bracketed note marks (``[1]``) turned into Markdown footnotes, and a small image, so that
    pandoc makes real notes, a figure and a link.

    Skips the calling test when ../shared/data is absent.
    """
    path = MANIFESTO / f"{lang}.md"
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/data is beside the project in CI only)")
    text = path.read_text(encoding="utf-8")
    notes = dict(re.findall(r"(?m)^\[(\d+)\] (.+)$", text))
    heads = [m.start() for m in re.finditer(r"(?m)^# ", text)]
    body = text[:heads[chapters]] if len(heads) > chapters else text
    used: list[str] = []

    def mark(m: re.Match[str]) -> str:
        if m.group(1) not in notes:
            return m.group(0)
        used.append(m.group(1))
        return f"[^{m.group(1)}]"

    body = re.sub(r"\s+\[(\d+)\]", mark, body)
    defs = "".join(f"\n[^{n}]: {notes[n]}\n" for n in dict.fromkeys(used))
    figure = ("\n![Le spectre](spectre.png)\n\nVoir aussi "
              "[le texte allemand](https://de.wikisource.org/wiki/Manifest_der_Kommunistischen_"
              "Partei).\n")
    return body + figure + defs


def tiny_png(path: Path, width: int = 4, height: int = 3) -> Path:
    """A valid grey PNG image (written with zlib, no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    path.write_bytes(png)
    return path


def _pandoc(md_text: str, out: Path, to: str, extra: tuple[str, ...] = ()) -> Path:
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed (apt-get install pandoc)")
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.with_suffix(".md")
    src.write_text(md_text, encoding="utf-8")
    tiny_png(out.parent / "spectre.png")
    subprocess.run(["pandoc", "--quiet", src.name, "-t", to, "-o", out.name, *extra],
                   cwd=out.parent, check=True, capture_output=True, timeout=120)
    return out


#: Dublin Core for `pandoc_epub`'s ``dublin_core``: an ISBN (pandoc writes EPUB 2's
#: ``opf:scheme="ISBN"``, EPUB 3's ``identifier-type`` refinement) and a licence.
ISBN_CC0 = ('<dc:identifier id="isbn" opf:scheme="ISBN">978-2-07-040011-0</dc:identifier>\n'
            "<dc:rights>CC0-1.0</dc:rights>\n")


def pandoc_epub(md_text: str, out: Path, version: int = 3, lang: str = "fr",
                dublin_core: str | None = None) -> Path:
    """An EPUB (`version` 2 or 3) of a Markdown text made by pandoc: title page, one XHTML
    file per chapter, nav document (EPUB 3), NCX, stylesheet, the text's images; with
    `dublin_core` elements (e.g. `ISBN_CC0`) in its metadata (``--epub-metadata``)."""
    extra = ["--metadata", f"lang={lang}"]
    if dublin_core is not None:
        meta = out.with_suffix(".dc.xml")
        out.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(dublin_core, encoding="utf-8")
        extra.append(f"--epub-metadata={meta.name}")
    return _pandoc(md_text, out, "epub3" if version == 3 else "epub2", tuple(extra))


def pandoc_docx(md_text: str, out: Path) -> Path:
    """A DOCX of a Markdown text made by pandoc (headings by style, footnotes, a hyperlink,
    emphasis runs, an image)."""
    return _pandoc(md_text, out, "docx")


def soffice_convert(path: Path, to: str, outdir: Path) -> Path:
    """`path` converted by LibreOffice headless (``soffice --convert-to to``) into `outdir`.

    Skips the calling test when LibreOffice is not installed.
    """
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"  # its own profile: parallel runs do not share a lock
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", to, "--outdir", str(outdir), str(path)],
                   check=True, capture_output=True, timeout=180)
    return outdir / f"{path.stem}.{to.split(':')[0]}"
