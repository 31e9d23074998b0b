"""A real mixed-language essay for the source-language check: French with English paragraphs.

Built from ../shared/data/manifesto at test time (the data stay outside the repository): the
French chapter I of Laura Lafargue's 1886 translation, with paragraphs of Samuel Moore's 1888
English translation put between its paragraphs, as a machine-translated book keeps paragraphs
it left in the original. Which paragraphs are English is known by construction: the list below
was picked by hand (long and short ones, one with a footnote marker, one a footnote text).
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SHARED

MANIFESTO = SHARED / "manifesto"

#: The 9 English paragraphs, by their first words, picked by hand from en.md's chapter I.
ENGLISH = (
    "The history of all hitherto existing society[^2]",
    "[^2]: That is, all written history.",
    "Modern industry has established the world market",
    "We see, therefore, how the modern bourgeoisie",
    "Each step in the development of the bourgeoisie",
    "The bourgeoisie, historically, has played a most revolutionary part.",
    "The bourgeoisie has torn away from the family its sentimental veil",
    "The need of a constantly expanding market",
    "The bourgeoisie has subjected the country to the rule of the towns.",
)


def paragraphs(name: str) -> list[str]:
    """The blank-line-separated paragraphs of a Manifesto file, stripped."""
    text = (MANIFESTO / name).read_text(encoding="utf-8")
    return [p.strip("\n") for p in text.split("\n\n") if p.strip()]


def paragraph(name: str, start: str) -> str:
    """The one paragraph of a Manifesto file that begins with ``start``."""
    found = [p for p in paragraphs(name) if p.startswith(start)]
    if len(found) != 1:
        raise LookupError(f"{name}: {len(found)} paragraphs start with {start!r}")
    return found[0]


def french_chapter() -> list[str]:
    """Chapter I of the French translation: its heading and every paragraph up to chapter II."""
    paras = paragraphs("fr.md")
    first = next(k for k, p in enumerate(paras) if p.startswith("# I. Bourgeois"))
    last = next(k for k, p in enumerate(paras) if p.startswith("# II. "))
    return paras[first:last]


def essay(every: int = 6) -> tuple[str, list[str]]:
    """The mixed essay as Markdown, and each paragraph's language ("fr" or "en") in order.

    Args:
        every: An English paragraph is put after every ``every`` French ones.
    """
    english = [paragraph("en.md", start) for start in ENGLISH]
    out: list[tuple[str, str]] = []
    for k, para in enumerate(french_chapter()):
        out.append((para, "fr"))
        if k % every == every - 1 and english:
            out.append((english.pop(0), "en"))
    out += [(p, "en") for p in english]
    return "\n\n".join(p for p, _ in out) + "\n", [lang for _, lang in out]


def write_essay(folder: Path) -> tuple[Path, list[str]]:
    """The essay written to ``folder/essai.fr.md``; returns the path and the labels."""
    text, labels = essay()
    path = folder / "essai.fr.md"
    path.write_text(text, encoding="utf-8")
    return path, labels
