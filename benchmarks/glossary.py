"""Glossary: term usage and BLEU/chrF with and without enforcement, and check speed.

    .venv/bin/python benchmarks/glossary.py [--segments 100000] [--entries 10000]

**Term usage** (Dinu et al. 2019). The test glossary is built the way terminology-constrained
MT is evaluated: term pairs that occur in both the source and the reference of a parallel test
set. Here the pairs are proposed by ``glossary.extract`` from FLORES-200 dev (997 sentences,
eng–spa, ../shared/data/flores-dev) and kept when the source term is not written the same in
both languages (names and numbers need no glossary). A term occurrence counts when its source
term is in the source sentence and an accepted target form in the reference; the term usage
rate is the share of those occurrences whose target form is in the system output, matched in
any inflection. Apertium translates en→es and es→en without and with ``--glossary``
enforcement; BLEU and chrF (sacrebleu) are given on the sentences with a term occurrence (as
in Dinu et al.) and on all 997. Goal: usage ≥ 98 % with enforcement, BLEU not lower.

**Check speed.** ``glossary check`` with a 10,000-entry glossary over 100,000 segments (the
FLORES fr→en outputs of every system in ../shared/data, repeated). The entries are word
n-grams of the French source (so terms really occur, more often than in a real glossary) with
English n-grams as targets. The baseline is splitting every segment into words once, the
least any matcher must do, measured in the same run. Goal: ≥ 20,000 segments/s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "flores-dev"

from glossary.check import TermChecker, check_segments  # noqa: E402
from glossary.termbase import Term, TermBase, validate  # noqa: E402
from translate.langs import Language, resolve  # noqa: E402,F401


def lines(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").splitlines()


def dinu_glossary(sources: Sequence[str], references: Sequence[str], src: Language,
                  tgt: Language, size: int) -> TermBase:
    """Term pairs proposed from source and reference, names and numbers left out."""
    from glossary.extract import extract_candidates

    found = extract_candidates(list(zip(sources, references, strict=True)), src, tgt,
                               min_count=2, top=None)
    terms = [Term(c.source, (c.target,)) for c in found
             if c.source.lower() != c.target.lower()][:size]
    return validate(terms, src, tgt, None)


def term_occurrences(checker: TermChecker, sources: Sequence[str], references: Sequence[str]
                     ) -> list[dict[int, int]]:
    """Per sentence: term index -> occurrences whose target form is in the reference."""
    out = []
    for source, ref in zip(sources, references, strict=True):
        seg = checker.segment(source, ref)
        out.append({t: min(len(ms), len(seg.used[t])) for t, ms in seg.terms.items()
                    if seg.used.get(t)})
    return out


def usage(checker: TermChecker, sources: Sequence[str], outputs: Sequence[str],
          wanted: list[dict[int, int]]) -> float:
    total = honoured = 0
    for source, out, terms in zip(sources, outputs, wanted, strict=True):
        if not terms:
            continue
        used = checker.segment(source, out).used
        for t, n in terms.items():
            total += n
            honoured += min(n, len(used.get(t, ())))
    return honoured / total if total else 1.0


def translate(sources: list[str], src: Language, tgt: Language, base: TermBase | None,
              steps: tuple[str, ...] = ()) -> tuple[list[str], float, dict[str, int]]:
    from glossary.enforce import GlossaryEngine
    from translate.engine import Engine, open_engine

    engine: Engine = open_engine("apertium", src, tgt)
    if base is not None:
        engine = GlossaryEngine(engine, base, steps=steps)
    start = time.perf_counter()
    out: list[str] = []
    for i in range(0, len(sources), 64):
        out += [h.text for h in engine.translate_batch(sources[i:i + 64])]
    seconds = time.perf_counter() - start
    engine.close()
    return out, seconds, dict(getattr(engine, "stats", {}))


def scores(hyps: Sequence[str], refs: Sequence[str]) -> tuple[float, float, str]:
    from evaluation.metrics import corpus_scores

    bleu, chrf = corpus_scores(list(hyps), [list(refs)], ("bleu", "chrf"))
    return bleu.score, chrf.score, bleu.signature


def dinu(direction: tuple[str, str], size: int) -> None:
    names = {"en": "eng.dev", "es": "spa.dev"}
    src, tgt = resolve(direction[0]), resolve(direction[1])
    sources, refs = lines(names[direction[0]]), lines(names[direction[1]])
    base = dinu_glossary(sources, refs, src, tgt, size)
    checker = TermChecker(base)
    wanted = term_occurrences(checker, sources, refs)
    subset = [i for i, w in enumerate(wanted) if w]
    occurrences = sum(sum(w.values()) for w in wanted)
    print(f"\n{src.code}→{tgt.code}: {len(base)} term pairs, {occurrences} occurrences in "
          f"{len(subset)} of {len(sources)} sentences\n")
    print("| system | term usage | BLEU (term sentences) | chrF (term sentences) | "
          "BLEU (all) | chrF (all) | seconds |")
    print("|---|---|---|---|---|---|---|")
    rows = {}
    for name, glossary, steps in (("Apertium (baseline)", None, ()),
                                  ("+ glossary: substitution only", base, ("substitute",)),
                                  ("+ glossary: masking only", base, ("mask",)),
                                  ("**Apertium + glossary** (substitution, then masking)", base,
                                   ("substitute", "mask"))):
        out, seconds, stats = translate(sources, src, tgt, glossary, steps)
        rate = usage(checker, sources, out, wanted)
        b_sub, c_sub, _ = scores([out[i] for i in subset], [refs[i] for i in subset])
        b_all, c_all, sig = scores(out, refs)
        rows[name] = (rate, b_sub, b_all)
        print(f"| {name} | {rate:.1%} | {b_sub:.2f} | {c_sub:.2f} | {b_all:.2f} | "
              f"{c_all:.2f} | {seconds:.1f} |")
        if stats:
            steps = ", ".join(f"{k} {v}" for k, v in stats.items())
            print(f"|  enforcement: {steps} | | | | | | |")
    (rate0, bsub0, ball0), *_, (rate1, bsub1, ball1) = rows.values()
    print(f"\nsignature: {sig}")
    print(f"goal usage ≥ 98 %: {'met' if rate1 >= 0.98 else 'NOT met'} ({rate1:.1%}); "
          f"BLEU not lower on the term sentences (the test set of Dinu et al.): "
          f"{'met' if bsub1 >= bsub0 else 'NOT met'} "
          f"(term sentences {bsub0:.2f} → {bsub1:.2f}, all {ball0:.2f} → {ball1:.2f})")


def speed_glossary(sources: Sequence[str], targets: Sequence[str], entries: int) -> TermBase:
    """Word n-grams (1–4 words) of the source as terms, with real-text targets.

    Like terms, they neither start nor end with one of the 150 most frequent words of their
    language (function words), nor with a number.
    """
    from collections import Counter

    from glossary.text import WORD

    def grams(texts: Sequence[str]) -> list[str]:
        split = [[w.lower() for w in WORD.findall(t)] for t in texts]
        common = {w for w, _ in Counter(w for ws in split for w in ws).most_common(150)}
        found: dict[str, None] = {}
        for words in split:
            for n in (1, 2, 3, 4):
                for i in range(len(words) - n + 1):
                    gram = words[i:i + n]
                    if (gram[0] not in common and gram[-1] not in common
                            and gram[0].isalpha() and gram[-1].isalpha()):
                        found.setdefault(" ".join(gram), None)
        return list(found)

    rng = random.Random(7)
    src_grams, tgt_grams = grams(sources), grams(targets)
    rng.shuffle(src_grams)
    by_size: dict[int, list[str]] = {1: [], 2: [], 3: [], 4: []}
    for gram in src_grams:
        by_size[gram.count(" ") + 1].append(gram)
    # shaped like a real term base: most entries are multiword (30 % one word, 40 % two, 30 %
    # three), so single words do not cover the whole vocabulary of the checked text
    shaped = (by_size[1][:entries * 3 // 10] + by_size[2][:entries * 4 // 10]
              + by_size[3][:entries * 3 // 10])
    taken = set(shaped)
    rest = [g for g in by_size[3] + by_size[2] + by_size[4] if g not in taken]  # fill to size
    terms = [Term(s, (rng.choice(tgt_grams),)) for s in shaped + rest]
    base = validate(_unique(terms)[:entries], resolve("fr"), resolve("en"), None)
    return base


def _unique(terms: list[Term]) -> list[Term]:
    from glossary.text import words_key

    seen, out = set(), []
    for t in terms:
        key = words_key(t.source)
        if key and key not in seen:
            seen.add(key)
            out.append(t)
    return out


def speed(size: int, entries: int) -> None:
    from glossary.text import WORD

    systems = DATA / "systems" / "fr-en"
    sources = (systems / "flores-dev.fr").read_text(encoding="utf-8").splitlines()
    pairs: list[tuple[str, str]] = []
    for path in sorted(systems.glob("flores-dev.*.en")):
        pairs += list(zip(sources, path.read_text(encoding="utf-8").splitlines(), strict=True))
    rows = [(str(i), *pairs[i % len(pairs)]) for i in range(size)]
    english = [t for _, t in pairs]
    domain = ((DATA.parent / "manifesto" / "fr.md").read_text(encoding="utf-8").splitlines()
              + (DATA.parent / "textberg-dev" / "dev.fr").read_text(encoding="utf-8")
              .splitlines())
    start = time.perf_counter()
    words = sum(len(WORD.findall(s)) + len(WORD.findall(t)) for _, s, t in rows)
    baseline = time.perf_counter() - start
    print(f"\nglossary check over {size:,} segments ({words:,} words), {os.cpu_count()} cores"
          "\n")
    print("| glossary | entries | seconds | segments/s | term occurrences per segment | "
          "violations |")
    print("|---|---|---|---|---|---|")
    print(f"| baseline: split every segment into words | | {baseline:.2f} | "
          f"{size / baseline:,.0f} | | |")
    rates = []
    for name, texts in (
            ("domain: n-grams of the Manifesto and Text+Berg (French)", domain),
            ("worst case: n-grams of the checked source text itself", sources)):
        base = speed_glossary(texts, english, entries)
        checker = TermChecker(base)
        start = time.perf_counter()
        report = check_segments(checker, rows)
        seconds = time.perf_counter() - start
        rates.append(size / seconds)
        print(f"| {name} | {len(base):,} | {seconds:.2f} | **{size / seconds:,.0f}** | "
              f"{report.occurrences / size:.1f} | {report.violation_count:,} |")
    print(f"\ngoal ≥ 20,000 segments/s: {'met' if rates[0] >= 20_000 else 'NOT met'} "
          f"(domain glossary), {'met' if rates[1] >= 20_000 else 'NOT met'} (worst case)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--terms", type=int, default=300, help="test glossary size per pair")
    parser.add_argument("--part", choices=("all", "usage", "speed"), default="all")
    args = parser.parse_args()
    if args.part in ("all", "usage"):
        for direction in (("en", "es"), ("es", "en")):
            dinu(direction, args.terms)
    if args.part in ("all", "speed"):
        speed(args.segments, args.entries)


if __name__ == "__main__":
    main()
