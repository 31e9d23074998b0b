"""The source-language check (translate/routing.py): what it finds, what it wrongly moves, and
what it costs.

    .venv/bin/python benchmarks/source_lang.py [--no-timing]

1. **Recall and precision** of the paragraphs moved away from the engine on a real mixed essay:
   chapter I of the Manifesto's French translation with 9 paragraphs of its English
   translation between them (tests/mixed_essay.py; which are English is known by
   construction), translated fr→en.
2. **False positives** on monolingual real texts, where every moved paragraph is an error: the
   Manifesto in French, English and German (Markdown paragraphs, headings and list items) and
   FLORES-200 dev in French, Spanish and English (997 single sentences each, as plain-text
   lines: the hardest case, one sentence a paragraph).
   Both tables are given for a few thresholds (fewest words, lowest lingua confidence); the
   row marked * is the default. (lingua identifies every paragraph for these tables.)
3. **Function words first**: the paragraphs the plan settles by their function words, which
   lingua never sees, and how many of them lingua would have moved (must be 0).
4. **Time**: ``diglot translate`` of the essay through Apertium fr→en (pivot es) with the
   check off (the baseline) and on, in this run, per segment; and the identification alone
   in CPU time, which a loaded machine does not blur as it blurs wall time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpora.document import Document  # noqa: E402
from corpora.ingest import parse_text  # noqa: E402
from tests.mixed_essay import MANIFESTO, essay  # noqa: E402
from translate import routing  # noqa: E402
from translate.langs import Language, resolve  # noqa: E402

FLORES = ROOT.parent / "shared" / "data" / "flores-dev"
GRID = [(4, 0.5), (4, 0.8), (8, 0.5), (8, 0.7), (8, 0.8), (8, 0.9), (8, 0.99), (12, 0.8)]


def _identified(doc: Document, src: Language, tgt: Language
                ) -> list[tuple[int, int, str, float]]:
    """Per translatable block: (first line, words, language, confidence), all identified."""
    blocks = routing.block_prose(doc)
    order = sorted(blocks)
    found = routing.identify([blocks[b][1] for b in order], routing.candidates(src, tgt))
    return [(doc.blocks[b].start, routing.words(blocks[b][1]), lang, conf)
            for b, (lang, conf) in zip(order, found, strict=True)]


def _moved(rows: list[tuple[int, int, str, float]], src: Language, tgt: Language,
           min_words: int, min_conf: float) -> list[bool]:
    return [routing.decide(lang, conf, n, src, tgt, lambda _: True, min_words, min_conf)
            != routing.ENGINE for _, n, lang, conf in rows]


def detection() -> None:
    text, labels = essay()
    src, tgt = resolve("fr"), resolve("en")
    doc = parse_text(text, "fr", "essai.fr.md", "markdown")
    starts, line = [], 0
    for para in text.split("\n\n"):
        starts.append(line)
        line += para.count("\n") + 2
    rows = _identified(doc, src, tgt)
    # a paragraph is English if it starts a labelled English paragraph (lists may split one)
    english = {s for s, lab in zip(starts, labels, strict=True) if lab == "en"}
    truth = [r[0] in english for r in rows]
    print(f"## Mixed essay: {len(labels)} paragraphs ({labels.count('en')} English), "
          f"{len(rows)} blocks, fr→en\n")
    print("| min words | min confidence | moved | true | precision | recall |")
    print("|---|---|---|---|---|---|")
    for min_words, min_conf in GRID:
        moved = _moved(rows, src, tgt, min_words, min_conf)
        hits = sum(m and t for m, t in zip(moved, truth, strict=True))
        mark = " *" if (min_words, min_conf) == (routing.MIN_WORDS,
                                                   routing.MIN_CONFIDENCE) else ""
        prec = hits / sum(moved) if any(moved) else 1.0
        print(f"| {min_words}{mark} | {min_conf} | {sum(moved)} | {hits} | {prec:.3f} | "
              f"{hits / sum(truth):.3f} |")
    print()


def _monolingual() -> list[tuple[str, Document, Language, Language]]:
    out = []
    for name, lang, tgt in (("fr.md", "fr", "en"), ("en.md", "en", "es"), ("de.md", "de", "en")):
        text = (MANIFESTO / name).read_text(encoding="utf-8")
        out.append((f"Manifesto {name}", parse_text(text, lang, name, "markdown"),
                    resolve(lang), resolve(tgt)))
    for name, lang, tgt in (("fra.dev", "fr", "en"), ("spa.dev", "es", "en"),
                            ("eng.dev", "en", "es")):
        text = (FLORES / name).read_text(encoding="utf-8")
        out.append((f"FLORES {name}", parse_text(text, lang, name, "text"), resolve(lang),
                    resolve(tgt)))
    return out


def false_positives() -> None:
    corpora = [(name, rows, src, tgt) for name, doc, src, tgt in _monolingual()
               for rows in [_identified(doc, src, tgt)]]
    print("## False positives on monolingual texts (paragraphs wrongly moved)\n")
    print("| min words | min confidence | " + " | ".join(c[0] for c in corpora) + " |")
    print("|---|---|" + "---|" * len(corpora))
    print("| paragraphs | | " + " | ".join(str(len(c[1])) for c in corpora) + " |")
    for min_words, min_conf in GRID:
        cells = []
        for _, rows, src, tgt in corpora:
            moved = _moved(rows, src, tgt, min_words, min_conf)
            cells.append(f"{sum(moved)} ({sum(moved) / len(rows):.2%})")
        mark = " *" if (min_words, min_conf) == (routing.MIN_WORDS,
                                                   routing.MIN_CONFIDENCE) else ""
        print(f"| {min_words}{mark} | {min_conf} | " + " | ".join(cells) + " |")
    for name, rows, src, tgt in corpora:
        moved = _moved(rows, src, tgt, routing.MIN_WORDS, routing.MIN_CONFIDENCE)
        for (line, n, lang, conf), m in zip(rows, moved, strict=True):
            if m:
                print(f"- default moves {name} line {line + 1}: {lang} {conf:.2f} ({n} words)")
    print()


def cheap_evidence() -> None:
    """How many paragraphs the function words settle (lingua never sees them), and whether
    lingua would have moved any of them (it must not)."""
    text, _ = essay()
    corpora = [("mixed essay", parse_text(text, "fr", "essai.fr.md", "markdown"), resolve("fr"),
                resolve("en")), *_monolingual()]
    print("## Function words first: the paragraphs lingua never sees\n")
    print("| text | paragraphs | settled by function words | identified by lingua | short | "
          "settled, yet lingua would move |")
    print("|---|---|---|---|---|---|")
    for name, doc, src, tgt in corpora:
        full = {b: row for b, row in zip(sorted(routing.block_prose(doc)),
                                         _identified(doc, src, tgt), strict=True)}
        found = routing.identified(doc, src, tgt)
        evidence = [row[4] for row in found.values()]
        wrong = [b for b, row in found.items() if row[4] == "function words"
                 and _moved([full[b]], src, tgt, routing.MIN_WORDS, routing.MIN_CONFIDENCE)[0]]
        print(f"| {name} | {len(found)} | {evidence.count('function words')} | "
              f"{evidence.count('lingua')} | {evidence.count('short')} | {len(wrong)} |")
    print()


def timing(repeats: int = 3) -> None:
    from diglot.pipeline import RunOptions, translate_only

    text, _ = essay()
    print("## Time: translate the essay fr→en with Apertium (pivot es)\n")
    print(f"Best of {repeats} runs each, alternated, after one warm-up run (imports, Apertium's "
          "first start, lingua's models); every run has a fresh store, so nothing comes from "
          "the memory.\n")
    print("| check | seconds | segments | sent to the engine | ms per segment | ratio |")
    print("|---|---|---|---|---|---|")
    best: dict[bool, float] = {}
    sent: dict[bool, int] = {}
    todo = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "essai.fr.md"
        path.write_text(text, encoding="utf-8")
        for k, check in enumerate([False] + [False, True] * repeats):
            start = time.perf_counter()
            _, summary = translate_only(RunOptions(path, "fr", "en", source_lang_check=check),
                                        None)
            took = time.perf_counter() - start
            if k == 0:
                continue
            best[check] = min(best.get(check, took), took)
            todo = summary.segments - summary.untranslatable
            sent[check] = summary.source_languages.get("segments", {}).get("engine", todo)
    for check in (False, True):
        print(f"| {'on' if check else 'off (baseline)'} | {best[check]:.2f} | {todo} | "
              f"{sent[check]} | {best[check] / todo * 1000:.1f} | "
              f"{best[check] / best[False]:.2f} |")
    doc = parse_text(text, "fr", "essai.fr.md", "markdown")
    start, cpu = time.perf_counter(), time.process_time()
    routing.plan(doc, resolve("fr"), resolve("en"), lambda _: True)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"\nIdentification alone (routing.plan, models loaded; CPU counts lingua's threads): "
          f"{took:.3f} s wall, {cpu:.3f} s CPU, {cpu / todo * 1000:.2f} ms CPU per segment\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-timing", action="store_true", help="skip the Apertium runs")
    args = parser.parse_args()
    if not MANIFESTO.is_dir():
        sys.exit(f"{MANIFESTO} is absent: the benchmark needs ../shared/data")
    detection()
    false_positives()
    cheap_evidence()
    if not args.no_timing:
        timing()


if __name__ == "__main__":
    main()
