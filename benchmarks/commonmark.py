"""CommonMark structural invariant: how many spec examples keep their structure through diglot.

Every example of ``../shared/data/commonmark/spec.txt`` goes through diglot's ingest → segment →
engine → render path (see ``tests/mdcheck.py``) twice: with an engine that changes every word
(letters reversed, case swapped) behind diglot's inline masking, and with an identity engine.
The HTML of source and output (markdown-it-py, CommonMark preset) must have the same elements,
attributes (not ``title``/``alt``), comments and nesting; with the identity engine the output must
equal the input byte for byte. The baseline is the same measurement on an older commit (default:
the tree before issue 14), checked out in a temporary git worktree and run in a subprocess.

Usage::

    .venv/bin/python benchmarks/commonmark.py            # table, baseline included
    .venv/bin/python benchmarks/commonmark.py --no-base  # this tree only
    .venv/bin/python benchmarks/commonmark.py --list     # also the failing examples
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "data" / "commonmark" / "spec.txt"
BASE = "0520a24"  # the last commit before issue 14's changes


def _mdcheck(root: Path) -> ModuleType:
    """tests/mdcheck.py of this tree, importing diglot's modules from ``root``."""
    sys.path.insert(0, str(root))
    spec = importlib.util.spec_from_file_location("mdcheck", ROOT / "tests" / "mdcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mdcheck"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def measure(root: Path, spec: Path) -> dict[int, dict[str, object]]:
    """Per example number: section, structure, code_text and identity results."""
    mdcheck = _mdcheck(root)
    examples = mdcheck.read_examples(spec)
    return {o.example.number: {"section": o.example.section, "structure": o.structure,
                               "code_text": o.code_text, "identity": o.identity,
                               "identity_untidied": o.identity_untidied}
            for o in mdcheck.check_all(examples)}


def measure_base(rev: str, spec: Path) -> dict[int, dict[str, object]] | None:
    """The same measurement on commit ``rev``, in a throwaway worktree; None if git fails."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        add = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree),
                              rev], capture_output=True, text=True)
        if add.returncode:
            print(f"baseline skipped: {add.stderr.strip()}", file=sys.stderr)
            return None
        try:
            run = subprocess.run([sys.executable, __file__, "--json", "--root", str(tree),
                                  "--spec", str(spec)], capture_output=True, text=True,
                                 check=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           capture_output=True)
    return {int(k): v for k, v in json.loads(run.stdout).items()}


def _count(results: dict[int, dict[str, object]] | None, key: str) -> str:
    if results is None:
        return "—"
    return str(sum(bool(r[key]) for r in results.values()))


def table(now: dict[int, dict[str, object]], base: dict[int, dict[str, object]] | None,
          rev: str) -> str:
    rows = [f"CommonMark spec examples: {len(now)} (baseline: commit {rev})", "",
            "| check | baseline | now |", "|---|---:|---:|"]
    for key, label in [("structure", "structure holds, word-changing engine"),
                       ("code_text", "… and code text identical"),
                       ("identity", "byte-identical, identity engine"),
                       ("identity_untidied", "… before the pipeline's typography clean-up")]:
        rows.append(f"| {label} | {_count(base, key)} | {_count(now, key)} |")
    sections = Counter(str(r["section"]) for r in now.values())
    rows += ["", "Failures by spec section (structure / identity):", "",
             "| section | examples | baseline | now |", "|---|---:|---:|---:|"]
    for section, n in sections.items():
        cells = []
        for results in (base, now):
            if results is None:
                cells.append("—")
                continue
            picked = [r for r in results.values() if r["section"] == section]
            cells.append(f"{sum(not r['structure'] for r in picked)} / "
                         f"{sum(not r['identity'] for r in picked)}")
        if cells != ["0 / 0", "0 / 0"]:
            rows.append(f"| {section} | {n} | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--base", default=BASE, help="baseline commit (default: %(default)s)")
    parser.add_argument("--no-base", action="store_true", help="measure this tree only")
    parser.add_argument("--list", action="store_true", help="list the failing examples")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.spec.is_file():
        sys.exit(f"{args.spec}: not found (the CommonMark spec lives in ../shared/data)")
    now = measure(args.root, args.spec)
    if args.json:
        print(json.dumps(now))
        return
    base = None if args.no_base else measure_base(args.base, args.spec)
    print(table(now, base, args.base))
    if args.list:
        mdcheck = sys.modules["mdcheck"]
        for key, excluded in (("structure", mdcheck.STRUCTURE_EXCLUDED),
                              ("identity", mdcheck.IDENTITY_EXCLUDED)):
            failed = [n for n, r in now.items() if not r[key]]
            print(f"\n{key} fails ({len(failed)}):")
            by_reason: dict[str, list[int]] = {}
            for n in failed:
                by_reason.setdefault(excluded.get(n, "NOT EXCLUDED: a regression"), []).append(n)
            for reason, numbers in by_reason.items():
                print(f"- {', '.join(map(str, numbers))}: {reason}")


if __name__ == "__main__":
    main()
