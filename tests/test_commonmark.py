"""The CommonMark structural invariant over every example of the spec (issue 14).

Each example goes through diglot's ingest → segment → engine → render path with an engine that
changes every word behind diglot's inline masking, and with an identity engine (see
``tests/mdcheck.py``). The HTML of source and output must have the same elements, attributes
(not title/alt), comments and nesting; the identity engine must give the input back byte for
byte. The examples listed in ``tests/mdcheck.py`` (``STRUCTURE_EXCLUDED`` and
``IDENTITY_EXCLUDED``) are out of scope, each with its reason; any other failure is a
regression. ``benchmarks/commonmark.py`` prints the counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE, SHARED
from tests.mdcheck import (
    IDENTITY_EXCLUDED,
    STRUCTURE_EXCLUDED,
    Example,
    MaskingEngine,
    change_words,
    check,
    read_examples,
)

SPEC = SHARED / "commonmark" / "spec.txt"


def _examples() -> list[Example]:
    return read_examples(SPEC) if SPEC.is_file() else []


@pytest.mark.skipif(not SPEC.is_file(), reason="../shared/data/commonmark/spec.txt is absent "
                    "(the shared data folder is beside the project in CI only)")
def test_every_spec_example_keeps_its_structure() -> None:
    examples = _examples()
    assert len(examples) > 600
    word, same = MaskingEngine(change_words), MaskingEngine(lambda text: text)
    broken, changed = [], []
    for example in examples:
        outcome = check(example, word, same)
        if not outcome.structure and example.number not in STRUCTURE_EXCLUDED:
            broken.append(f"{example.number} ({example.section}): {example.markdown!r} -> "
                          f"{outcome.output!r}")
        if not outcome.identity and example.number not in IDENTITY_EXCLUDED:
            changed.append(f"{example.number} ({example.section}): {example.markdown!r}")
        if not outcome.identity_untidied:  # ingest and render alone lose nothing, ever
            changed.append(f"{example.number} untidied ({example.section}): "
                           f"{example.markdown!r}")
    assert not broken, "structure changed:\n" + "\n".join(broken)
    assert not changed, "identity engine changed the text:\n" + "\n".join(changed)


def test_the_checker_sees_a_broken_structure() -> None:
    """The comparison itself: a lost link, a changed href or emphasis fails; text does not."""
    from markdown_it import MarkdownIt

    from tests.mdcheck import shape

    md = MarkdownIt("commonmark")
    same = shape(md.render("[a](/u 't') *b*\n"))
    assert shape(md.render("[XY](/u 'other') *ZZ*\n")) == same
    assert shape(md.render("[a](/v) *b*\n")) != same
    assert shape(md.render("[a] *b*\n")) != same
    assert shape(md.render("[a](/u) b\n")) != same
    assert change_words("Un [a](/x) día") == "Nu [A](/X) AÍD"


@pytest.mark.parametrize("path,lang", [(SAMPLE, "es"), (SHARED / "manifesto" / "de.md", "de")])
def test_real_documents_keep_their_structure(path: Path, lang: str) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/data is beside the project in CI only)")
    from markdown_it import MarkdownIt

    from tests.mdcheck import shape, translate_markdown

    md = MarkdownIt("commonmark")
    text = path.read_text(encoding="utf-8")
    out = translate_markdown(text, MaskingEngine(change_words, src=lang))
    assert out != text and shape(md.render(out)) == shape(md.render(text))
