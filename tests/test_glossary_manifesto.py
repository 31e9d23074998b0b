"""The glossary check on a real human translation: the Communist Manifesto, section I, in
Laura Lafargue's French and Samuel Moore's English, aligned by diglot, against a hand-written
glossary of its core terms (benchmarks/data/manifesto.fr-en.tsv)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT, SHARED, needs_shared
from tests.test_cli import diglot

GLOSSARY = ROOT / "benchmarks" / "data" / "manifesto.fr-en.tsv"


def _section_one(tmp_path: Path) -> Path:
    """Section I of both texts (read from ../shared, cut here, never copied into the repo)."""
    fr = (SHARED / "manifesto" / "fr.md").read_text(encoding="utf-8").splitlines()[23:138]
    en = (SHARED / "manifesto" / "en.md").read_text(encoding="utf-8").splitlines()[31:157]
    assert fr[0].startswith("# I. Bourgeois") and en[0].startswith("## I. Bourgeois")
    (tmp_path / "fr.md").write_text("\n".join(fr) + "\n", encoding="utf-8")
    (tmp_path / "en.md").write_text("\n".join(en) + "\n", encoding="utf-8")
    out = tmp_path / "aligned.tsv"
    res = diglot("align", "pair", str(tmp_path / "fr.md"), str(tmp_path / "en.md"), "--from",
                 "fr", "--to", "en", "--out", str(out), "--cache", str(tmp_path / "cache.db"),
                 "--overlap", "1")  # one embedding a sentence: the default 4 costs 4x the time
    assert res.returncode == 0, res.stderr
    return out


@needs_shared
def test_check_finds_moores_real_inconsistencies(tmp_path: Path) -> None:
    res = diglot("glossary", "check", str(_section_one(tmp_path)), "--glossary", str(GLOSSARY),
                 "--json")
    assert res.returncode == 1  # there are violations
    report = json.loads(res.stdout)
    # Moore renders "ouvriers" as labourers, workers, workmen and workpeople in one section
    forms = {i["term"]: set(i["forms"]) for i in report["inconsistencies"]}
    assert {"labourer", "worker", "workman"} <= forms["ouvrier"]
    found = {(v["term"], v["kind"], v["found"]) for v in report["violations"]}
    # "les petits fabricants ... combattent la Bourgeoisie ... en tant que classe moyenne":
    # Moore writes "middle class" where the glossary forbids it for the bourgeoisie
    assert ("bourgeoisie", "forbidden", "middle class") in found
    # Lafargue's "prolétaires" is Moore's collective "proletariat" in several sentences
    assert sum(v["term"] == "prolétaire" for v in report["violations"]) >= 3
    # few false alarms: most occurrences of the core terms are rendered as listed
    assert report["usage"] >= 0.8 and len(report["violations"]) <= 40
