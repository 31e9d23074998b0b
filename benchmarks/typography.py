"""Spacing of Apertium output before and after `translate.typography.tidy`, on FLORES dev.

    .venv/bin/python benchmarks/typography.py

Runs Debian's `apertium` command on the 997 FLORES dev sentences (es→en, fr→en through
Spanish, en→fr through Spanish) and prints, for the raw output (the baseline, measured in the
same run) and the tidied one: lines with a double space, lines with a plain space before
``, . ; : ! ?`` and BLEU/chrF against the FLORES reference (sacrebleu defaults). Goal: no
double space and no stray space, scores unchanged (BLEU's 13a tokenizer and chrF both ignore
spacing, so any change there would mean tidy changed words).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "flores-dev"
PAIRS = [("es-en", "spa.dev", ["spa-eng"], "eng.dev", "en"),
         ("fr-en", "fra.dev", ["fr-es", "spa-eng"], "eng.dev", "en"),
         ("en-fr", "eng.dev", ["eng-spa", "es-fr"], "fra.dev", "fr")]


def apertium(text: str, modes: list[str]) -> list[str]:
    for mode in modes:
        text = subprocess.run(["apertium", mode], input=text, capture_output=True, text=True,
                              check=True).stdout
    return text.splitlines()


def main() -> None:
    import sacrebleu

    from translate.typography import tidy

    print("| pair | output | lines with a double space | space before , . ; : ! ? "
          "| BLEU | chrF |\n|---|---|---|---|---|---|")
    for pair, src, modes, ref, lang in PAIRS:
        raw = apertium((DATA / src).read_text(encoding="utf-8"), modes)
        refs = (DATA / ref).read_text(encoding="utf-8").splitlines()
        for name, hyp in (("raw Apertium", raw), ("tidy", [tidy(h, lang) for h in raw])):
            double = sum("  " in h for h in hyp)
            stray = sum(bool(re.search(r" [,.;:!?](\s|$)", h)) for h in hyp)
            bleu = sacrebleu.corpus_bleu(hyp, [refs]).score
            chrf = sacrebleu.corpus_chrf(hyp, [refs]).score
            print(f"| {pair} | {name} | {double} | {stray} | {bleu:.2f} | {chrf:.2f} |")


if __name__ == "__main__":
    main()
