"""The real CLI in a subprocess: the main job, and every bad input's one-line error."""

import importlib.metadata
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from corpora.schema import SCHEMA_VERSION
from corpora.store import Store
from tests.conftest import SAMPLE, SAMPLE_REF, needs_apertium


def diglot(*args: str, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "diglot", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300,
                          env=None if env is None else {**os.environ, **env})


@needs_apertium
def test_run_writes_document_bitext_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--out", str(out),
                 "--reference", str(SAMPLE_REF))
    assert res.returncode == 0, res.stderr
    doc = (out / "ensayo.en.md").read_text(encoding="utf-8")
    # the front matter (title, author, licence) is copied as it is, then the body translated
    assert doc.startswith("---\ntitle: El trabajo y la lengua\n")
    assert "\n---\n\n# " in doc and "\n> " in doc and "\n- " in doc
    assert "[the repository](https://example.org/diglot) [1]" in doc and "`diglot/`" in doc
    pairs = (out / "ensayo.es-en.tsv").read_text(encoding="utf-8").splitlines()
    assert pairs[0].split("\t")[0] == "El trabajo y la lengua"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "done" and summary["failed"] == 0
    assert (summary["document"]["title"], summary["document"]["source_license"]) == (
        "El trabajo y la lengua", "CC-BY-4.0")
    assert "publish it: diglot export" in res.stdout and "(licence CC-BY-4.0)" in res.stdout
    assert summary["translated"] == len(pairs) == summary["segments"] - summary["untranslatable"]
    assert [s["metric"] for s in summary["scores"]] == ["bleu", "chrf"]
    assert "nrefs:1|case:mixed|eff:no|tok:13a" in res.stdout
    again = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--out", str(out))
    assert again.returncode == 0 and f"0 translated now, {len(pairs)} from the store" in \
        again.stdout
    assert (out / "ensayo.en.md").read_text(encoding="utf-8") == doc


@needs_apertium
def test_translate_writes_only_the_document(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("El perro come.\nLa casa es roja.\n", encoding="utf-8")
    res = diglot("translate", str(src), "--from", "es", "--to", "en")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "The dog eats.\nThe house is red.\n"


def _one_line_error(res: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert re.search(pattern, lines[0]), lines[0]


@pytest.mark.parametrize(("content", "pattern"), [
    (None, r"nope\.md: no such file"),
    (b"", r"bad\.md: is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", r"bad\.md:\d: looks binary"),
    ("Línea uno.\nAñadió dos.\n".encode("latin-1"),
     r"bad\.md:1: is not UTF-8 \(detected .*\); convert it: iconv"),
])
def test_bad_input_files(tmp_path: Path, content: bytes | None, pattern: str) -> None:
    path = tmp_path / ("nope.md" if content is None else "bad.md")
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out"
    _one_line_error(diglot("run", str(path), "--from", "es", "--to", "en", "--out", str(out)),
                    pattern)
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize(("args", "pattern"), [
    (["--from", "xx", "--to", "en"], r"unknown language code 'xx'"),
    (["--from", "es", "--to", "es"], r"both Spanish"),
    (["--from", "de", "--to", "fr"], r"no Apertium pair for de→fr"),
    (["--from", "es", "--to", "en", "--model", "./no/such/model"], r"no such model folder"),
])
def test_bad_options(tmp_path: Path, args: list[str], pattern: str) -> None:
    out = tmp_path / "out"
    _one_line_error(diglot("run", str(SAMPLE), *args, "--out", str(out)), pattern)
    assert not out.exists()


def test_model_folder_without_model(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    res = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--model",
                 str(tmp_path / "model"), "--out", str(tmp_path / "out"))
    _one_line_error(res, r"model: folder has no config.json")


@needs_apertium
def test_newer_and_locked_stores(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with Store.open(db):
        res = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--project", str(db),
                     "--out", str(tmp_path / "o"))
    _one_line_error(res, r"p\.db: store is locked by another diglot run")
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    res = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--project", str(db),
                 "--out", str(tmp_path / "o"))
    _one_line_error(res, r"p\.db: store has schema \d+, newer than this diglot's")


def test_help_is_fast_and_lists_commands() -> None:
    res = diglot("--help")
    assert res.returncode == 0
    assert all(cmd in res.stdout for cmd in ("run", "translate", "engines"))
    probe = subprocess.run([sys.executable, "-c", "import sys, diglot.cli; "
                            "print('torch' in sys.modules, 'transformers' in sys.modules, "
                            "'ctranslate2' in sys.modules)"],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "False False False"  # nothing heavy at import


@needs_apertium
def test_engines_lists_pairs_and_pivots() -> None:
    res = diglot("engines")
    assert res.returncode == 0
    assert "es→en" in res.stdout and "fr→es" in res.stdout
    assert "through a pivot: en→fr, fr→en" in res.stdout


@needs_apertium
def test_reference_with_other_structure_is_refused_before_work(tmp_path: Path) -> None:
    ref = tmp_path / "ref.md"
    ref.write_text("# Only a title\n\nAnd one paragraph.\n", encoding="utf-8")
    out = tmp_path / "out"
    res = diglot("run", str(SAMPLE), "--from", "es", "--to", "en", "--reference", str(ref),
                 "--out", str(out))
    _one_line_error(res, r"ref\.md: has 2 paragraphs but .*ensayo\.es\.md has 1\d; give a "
                         r"reference with the same paragraph structure")
    assert not out.exists()


# -- the version, the engines, the help -----------------------------------------------------

@pytest.mark.parametrize("args", [["--version"], ["--version", "run"], ["--debug", "--version"],
                                  ["--version", "engines"]])
def test_version_alone_prints_it(args: list[str]) -> None:
    res = diglot(*args)
    assert (res.returncode, res.stderr) == (0, "")
    assert res.stdout == f"diglot {importlib.metadata.version('diglot')}\n"


def test_engines_lists_ctranslate2_and_an_answering_llm_server() -> None:
    from tests.llmpeer import serving

    with serving() as peer:
        res = diglot("engines", "--base-url", peer.url)
    assert res.returncode == 0, res.stderr
    lines = {line.split()[0]: line for line in res.stdout.splitlines() if line[:1].isalpha()}
    assert set(lines) >= {"apertium", "transformers", "ctranslate2", "llm"}
    assert lines["llm"] == f"llm           ready: {peer.url} serves peer-model; --model NAME"
    version = importlib.metadata.version("ctranslate2")
    assert lines["ctranslate2"].startswith(f"ctranslate2   ready (ctranslate2 {version}, CPU")


def test_engines_says_when_no_llm_server_answers() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    res = diglot("engines", "--base-url", url)
    assert res.returncode == 0, res.stderr
    assert (f"llm           no server answers at {url} (start one: llama.cpp llama-server, "
            "Ollama, vLLM; or give --base-url)") in res.stdout.splitlines()


def _commands() -> dict[tuple[str, ...], list[str]]:
    """Every command path and its long option names (typer's click objects, duck-typed:
    typer may bring its own copy of click)."""
    import typer

    from diglot.cli import app

    found: dict[tuple[str, ...], list[str]] = {}

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        found[path] = [o for p in cmd.params if p.param_type_name == "option"
                       and not getattr(p, "hidden", False)  # an alias kept out of the help
                       for o in p.opts if o.startswith("--")]
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def test_no_help_text_is_cut_at_80_columns() -> None:
    commands = _commands()
    assert "--scorer" in commands["align", "pair"] and "--lang" in commands["score",]
    for path, options in commands.items():
        res = diglot(*path, "--help", env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
        assert res.returncode == 0, (path, res.stderr)
        assert "…" not in res.stdout, (path, [x for x in res.stdout.splitlines() if "…" in x])
        assert [o for o in options if o not in res.stdout] == [], path
    pair = diglot("align", "pair", "--help", env={"COLUMNS": "80"}).stdout
    assert "embedding+translation" in pair  # the last of --scorer's choices, once cut off


def test_help_states_defaults_that_are_not_literal_values() -> None:
    run = " ".join(diglot("run", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert ("Output folder (default: in the current folder, named after the input and the "
            "pair: ensayo.es.md → ensayo.es-en).") in run
    translate = " ".join(diglot("translate", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert ("Project store that keeps the translations, so a rerun resumes and reuses them "
            "(default: a temporary store, deleted at the end).") in translate


@needs_apertium
def test_translate_project_keeps_the_translations(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("El perro come.\nLa casa es roja.\n", encoding="utf-8")
    db = tmp_path / "keep.db"
    res = diglot("translate", str(src), "--from", "es", "--to", "en", "--project", str(db),
                 cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    conn = sqlite3.connect(db)
    stored = sorted(r[0] for r in conn.execute("SELECT text FROM translations"))
    conn.close()
    assert stored == ["The dog eats.", "The house is red."]
    res = diglot("translate", str(src), "--from", "es", "--to", "en", cwd=tmp_path)
    assert res.stdout == "The dog eats.\nThe house is red.\n"
    # without --project the store was temporary: nothing new beside the input
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("keep.db")) \
        == ["a.txt"]


@needs_apertium
def test_a_latin1_file_names_an_iconv_command_that_works(tmp_path: Path) -> None:
    path = tmp_path / "essai.fr.md"
    path.write_bytes("# L'été\n\nLe garçon était à l'école où il a appris à lire.\n"
                     .encode("latin-1"))
    res = diglot("translate", str(path), "--from", "fr", "--to", "es")
    _one_line_error(res, rf"essai\.fr\.md:1: is not UTF-8 \(detected CP1252\); convert it: "
                         rf"iconv -f CP1252 -t UTF-8 {tmp_path}/essai\.fr\.md > "
                         rf"{tmp_path}/essai\.fr\.utf8\.md$")
    subprocess.run(res.stderr.split("convert it: ")[1], shell=True, check=True)
    res = diglot("translate", str(tmp_path / "essai.fr.utf8.md"), "--from", "fr", "--to", "es")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("# ") and "escuela" in res.stdout
