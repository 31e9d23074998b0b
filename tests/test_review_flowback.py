"""Reviews flow back: a re-run of a reviewed document writes the reviewed text.

Real Apertium, real SQLite. The reviews are written with SQL the way the review spec defines
them (an ``edits`` row with ``link_id``, ``version`` and ``kind``, the bead's version bumped; a
merge leaves one active bead over both source segments and retires the other), so these tests
hold whatever the review server does. Expected outputs are written by hand from Apertium's
translation of the sentences (``apertium -u spa-eng``).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from corpora.beads import BeadText, segment_texts
from corpora.ingest import block_texts, parse_text, render
from corpora.schema import MIGRATIONS
from corpora.store import Store
from diglot.pipeline import RunOptions, run
from tests.conftest import needs_apertium

DOC = "# El perro\n\nEl perro come. El gato duerme. Tengo 3 casas.\n\nFin del texto.\n"
#: segment positions: 0 heading, 1-3 the paragraph's sentences, 4 the last paragraph
MACHINE = "# The dog\n\nThe dog eats. The cat sleeps. Have 3 houses.\n\nEnd of the text.\n"
NOW = "2026-11-30T06:00:00.000+00:00"


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "perro.es.md"
    path.write_text(DOC, encoding="utf-8")
    return path


def _opts(doc: Path, glossary: Path | None = None) -> RunOptions:
    return RunOptions(doc, "es", "en", out=doc.parent / "out", glossary=glossary)


def _outputs(doc: Path) -> tuple[str, str]:
    out = doc.parent / "out"
    return ((out / "perro.en.md").read_text(encoding="utf-8"),
            (out / "perro.es-en.tsv").read_text(encoding="utf-8"))


def _connect(doc: Path) -> sqlite3.Connection:
    return sqlite3.connect(doc.parent / "out" / "diglot.db", isolation_level=None)


def _bead(conn: sqlite3.Connection, position: int, bitext: int = 1) -> int:
    row = conn.execute("SELECT id FROM links WHERE retired_at IS NULL AND src_segments = ? "
                       "AND bitext_id = ?", (json.dumps([position]), bitext)).fetchone()
    return int(row[0])


def _edit(conn: sqlite3.Connection, bead: int, text: str, kind: str = "edit") -> None:
    """A reviewer's edit of a bead as the spec writes it; a 1:1 bead's edit also names its
    translation, so the translation memory sees it."""
    version, src, key, tgt = conn.execute(
        "SELECT l.version, l.src_segments, l.config_key, l.tgt_lang FROM links l "
        "WHERE l.id = ?", (bead,)).fetchone()
    positions = json.loads(src)
    translation = None
    if len(positions) == 1:
        translation = conn.execute(
            "SELECT t.id FROM translations t JOIN segments s ON s.id = t.segment_id "
            "JOIN links l ON l.document_id = s.document_id WHERE l.id = ? AND s.position = ? "
            "AND t.tgt_lang = ? AND t.config_key = ?",
            (bead, positions[0], tgt, key)).fetchone()[0]
    conn.execute("INSERT INTO edits (translation_id, link_id, text, author, created_at, version,"
                 " base_version, kind) VALUES (?, ?, ?, 'ana', ?, ?, ?, ?)",
                 (translation, bead, text, NOW, version + 1, version, kind))
    conn.execute("UPDATE links SET version = version + 1 WHERE id = ?", (bead,))


def _merge(conn: sqlite3.Connection, first: int, second: int, text: str) -> None:
    """Merge bead ``second`` into ``first``: one active bead over both, the other retired."""
    (src1, tgt1), (src2, tgt2) = (conn.execute(
        "SELECT src_segments, tgt_ids FROM links WHERE id = ?", (b,)).fetchone()
        for b in (first, second))
    conn.execute("UPDATE links SET src_segments = ?, tgt_ids = ? WHERE id = ?",
                 (json.dumps(json.loads(src1) + json.loads(src2)),
                  json.dumps(json.loads(tgt1) + json.loads(tgt2)), first))
    conn.execute("UPDATE links SET retired_at = ?, version = version + 1 WHERE id = ?",
                 (NOW, second))
    conn.execute("INSERT INTO link_ops (bitext_id, op, detail, author, created_at) SELECT "
                 "bitext_id, 'merge', '{}', 'ana', ? FROM links WHERE id = ?", (NOW, first))
    _edit(conn, first, text, kind="merge")


def _status(conn: sqlite3.Connection, bead: int, status: str) -> None:
    """A status change as the spec writes it: on the bead, and in its bitext's log."""
    conn.execute("UPDATE links SET status = ?, status_by = 'ana', status_at = ?, "
                 "version = version + 1 WHERE id = ?", (status, NOW, bead))
    conn.execute("INSERT INTO link_ops (bitext_id, op, detail, author, created_at) SELECT "
                 "bitext_id, 'status', '{}', 'ana', ? FROM links WHERE id = ?", (NOW, bead))


@needs_apertium
def test_the_issue_a_translation_edit_reaches_a_rerun_of_its_own_document(doc: Path) -> None:
    """The issue: "a row in edits … did not reach a re-run of the document it was made in"
    (tried as a new user would: the same command again). The row is the one the translation
    memory already used for other documents: a translation-level edit."""
    command = [sys.executable, "-m", "diglot", "run", str(doc), "--from", "es", "--to", "en",
               "--out", str(doc.parent / "out")]
    subprocess.run(command, check=True, capture_output=True)
    assert _outputs(doc)[0] == MACHINE
    with _connect(doc) as conn:
        conn.execute("INSERT INTO edits (translation_id, text, author, created_at) SELECT t.id, "
                     "'The end.', 'reviewer', ? FROM translations t JOIN segments s ON "
                     "s.id = t.segment_id WHERE s.text = 'Fin del texto.'", (NOW,))
    again = subprocess.run(command, check=True, capture_output=True, text=True)
    assert "done" in again.stdout
    document, bitext = _outputs(doc)
    assert document == MACHINE.replace("End of the text.", "The end.")
    assert bitext.endswith("Fin del texto.\tThe end.\n")
    summary = json.loads((doc.parent / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["reviewed"] == 1 and summary["translated"] == 0


@needs_apertium
def test_edits_and_a_merge_reach_the_document_the_tsv_and_qa(doc: Path) -> None:
    first = run(_opts(doc))
    assert first.qa["flagged_segments"] == 0
    with _connect(doc) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM links ORDER BY ord")]
        _merge(conn, _bead(conn, 1), _bead(conn, 2), "The dog eats while the cat sleeps.")
        _edit(conn, _bead(conn, 3), "I have 4 houses.")
        conn.execute("UPDATE links SET status = 'confirmed', status_by = 'ana', status_at = ? "
                     "WHERE id = ?", (NOW, _bead(conn, 4)))
        conn.execute("INSERT INTO comments (link_id, author, text, created_at) VALUES "
                     "(?, 'bob', 'check the title', ?)", (_bead(conn, 0), NOW))
        before = conn.execute("SELECT id, src_segments, version, status, retired_at FROM links "
                              "ORDER BY ord, id").fetchall()
        edits = conn.execute("SELECT COUNT(*) FROM edits").fetchone()[0]
    summary = run(_opts(doc))
    document, bitext = _outputs(doc)
    assert document == ("# The dog\n\nThe dog eats while the cat sleeps. I have 4 houses.\n\n"
                        "End of the text.\n")
    assert bitext == ("El perro\tThe dog\n"
                      "El perro come. El gato duerme.\tThe dog eats while the cat sleeps.\n"
                      "Tengo 3 casas.\tI have 4 houses.\n"
                      "Fin del texto.\tEnd of the text.\n")
    assert summary.reviewed == 3  # two segments under the merged bead, one edited
    evaluation = json.loads((doc.parent / "out" / "evaluation.json").read_text("utf-8"))
    assert evaluation["segments"]["line 3.1"] == {
        "source": "El perro come. El gato duerme.",
        "target": "The dog eats while the cat sleeps.", "section": "El perro"}
    # merged into line 3.1, the second sentence is no item of its own (no empty target)
    assert list(evaluation["segments"]) == ["line 1.1", "line 3.1", "line 3.2", "line 5.1"]
    assert evaluation["segments"]["line 3.2"]["target"] == "I have 4 houses."
    assert [(f["item"], f["check"]) for f in evaluation["flags"]] == [("line 3.2", "numbers")]
    with _connect(doc) as conn:
        assert conn.execute("SELECT position, check_name, severity, message FROM flags"
                            ).fetchall() == [
            (3, "numbers", "error", "numbers differ from the source: missing 3; adds 4")]
        # the review survives the re-run: same beads, versions, states, edits and comments
        assert conn.execute("SELECT id, src_segments, version, status, retired_at FROM links "
                            "ORDER BY ord, id").fetchall() == before
        assert [row[0] for row in before] == ids
        assert conn.execute("SELECT COUNT(*) FROM edits").fetchone()[0] == edits
        assert conn.execute("SELECT COUNT(*) FROM comments").fetchone()[0] == 1
    # the reviewer fixes the number: the next run's QA flags are replaced, none left
    with _connect(doc) as conn:
        _edit(conn, _bead(conn, 3), "I have 3 houses.")
    run(_opts(doc))
    with _connect(doc) as conn:
        assert conn.execute("SELECT COUNT(*) FROM flags").fetchone()[0] == 0


@needs_apertium
def test_a_new_configuration_takes_a_reviewers_edit_before_the_engine(doc: Path) -> None:
    plain = run(_opts(doc))
    with _connect(doc) as conn:
        _edit(conn, _bead(conn, 2), "The cat is asleep.")
    glossary = doc.parent / "terms.es-en.tsv"
    glossary.write_text("es\ten\ntexto\ttext\n", encoding="utf-8")
    summary = run(_opts(doc, glossary))
    assert summary.config_key != plain.config_key  # the glossary's version is in the key
    # the engine translates every segment: the edit comes with the review carried over, so
    # the bead keeps the engine's text as its machine text and stays edited (trial 2, bug 1)
    assert summary.reviewed == 1 and summary.translated == 5
    assert _outputs(doc)[0] == MACHINE.replace("The cat sleeps.", "The cat is asleep.")
    with _connect(doc) as conn:
        bead = _bead(conn, 2, bitext=2)
        machine = conn.execute(
            "SELECT t.text FROM translations t JOIN segments s ON s.id = t.segment_id "
            "WHERE s.position = 2 AND t.config_key = ?", (summary.config_key,)).fetchone()[0]
        latest = conn.execute("SELECT text FROM edits WHERE link_id = ? ORDER BY id DESC",
                              (bead,)).fetchone()[0]
    assert (machine, latest) == ("The cat sleeps.", "The cat is asleep.")
    again = run(_opts(doc, glossary))
    # stored now as this run's translation; the review moved with the configuration, so
    # the edit is this bitext's bead's text (one segment, counted once)
    assert again.reviewed == 1 and again.reused == 5
    assert _outputs(doc)[0] == MACHINE.replace("The cat sleeps.", "The cat is asleep.")
    with _connect(doc) as conn:
        rows = conn.execute("SELECT id, glossary_path, glossary_version, superseded_by "
                            "FROM bitexts ORDER BY id").fetchall()
    assert rows == [(1, None, None, 2),
                    (2, str(glossary.resolve()), summary.glossary["version"], None)]


@needs_apertium
def test_a_term_added_to_the_glossary_carries_the_review_into_one_current_bitext(
        doc: Path) -> None:
    """Finding 3, as the trial did it: review (comment, confirm, merge, edit), add a term to
    the glossary file, the same `diglot run`: one current bitext, holding the review; the
    older one superseded and left as it was; the output has the reviewed text. Then the term
    is taken out again: the older configuration's bitext becomes current with the review as
    it is now, a later edit included (no outdated review comes back)."""
    glossary = doc.parent / "terms.es-en.tsv"
    glossary.write_text("es\ten\ntexto\ttext\n", encoding="utf-8")
    command = [sys.executable, "-m", "diglot", "run", str(doc), "--from", "es", "--to", "en",
               "--out", str(doc.parent / "out"), "--glossary", str(glossary)]
    subprocess.run(command, check=True, capture_output=True)
    with _connect(doc) as conn:
        conn.execute("INSERT INTO comments (link_id, author, text, created_at) VALUES "
                     "(?, 'bob', 'check the title', ?)", (_bead(conn, 0), NOW))
        _status(conn, _bead(conn, 1), "confirmed")  # "The dog eats.", as the engine wrote it
        merged = _bead(conn, 2)
        _merge(conn, merged, _bead(conn, 3), "The cat sleeps; I have 3 houses.")
        _status(conn, merged, "needs-work")
        _edit(conn, _bead(conn, 4), "The end.")
        _status(conn, _bead(conn, 4), "confirmed")
        old = conn.execute("SELECT * FROM links ORDER BY id").fetchall()
    with glossary.open("a", encoding="utf-8") as terms:
        terms.write("perro\thound\n")  # Apertium's "dog" becomes "hound" (see the heading)
    subprocess.run(command, check=True, capture_output=True)
    assert _outputs(doc) == (
        "# The hound\n\nThe dog eats. The cat sleeps; I have 3 houses.\n\nThe end.\n",
        "El perro\tThe hound\nEl perro come.\tThe dog eats.\n"
        "El gato duerme. Tengo 3 casas.\tThe cat sleeps; I have 3 houses.\n"
        "Fin del texto.\tThe end.\n")
    summary = json.loads((doc.parent / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["reviewed"] == 4  # segments 1 to 4: all but the unreviewed heading
    with _connect(doc) as conn:
        assert conn.execute("SELECT id, superseded_by FROM bitexts ORDER BY id").fetchall() == [
            (1, 2), (2, None)]
        assert conn.execute("SELECT * FROM links WHERE bitext_id = 1 ORDER BY id").fetchall() == old
        beads = conn.execute("SELECT id, src_segments, version, status, status_by, status_at "
                             "FROM links WHERE bitext_id = 2 AND retired_at IS NULL ORDER BY ord"
                             ).fetchall()
        assert [b[1:] for b in beads] == [
            ("[0]", 1, "unreviewed", None, None), ("[1]", 3, "confirmed", "ana", NOW),
            ("[2, 3]", 3, "needs-work", "ana", NOW), ("[4]", 3, "confirmed", "ana", NOW)]
        ids = [b[0] for b in beads]
        assert conn.execute("SELECT link_id, author, text, created_at FROM comments WHERE "
                            "link_id >= ?", (ids[0],)).fetchall() == [
            (ids[0], "bob", "check the title", NOW)]
        history = conn.execute("SELECT link_id, text, author, created_at, version, "
                               "base_version, kind FROM edits WHERE link_id >= ? ORDER BY id",
                               (ids[0],)).fetchall()
        carried = history[2][3]
        # the reviewers' rows as they wrote them; the confirmed bead keeps the text confirmed
        assert history == [
            (ids[2], "The cat sleeps; I have 3 houses.", "ana", NOW, 2, 1, "merge"),
            (ids[3], "The end.", "ana", NOW, 2, 1, "edit"),
            (ids[1], "The dog eats.", "diglot run", carried, 3, 2, "carry")]
        op, detail = conn.execute("SELECT op, detail FROM link_ops WHERE bitext_id = 2"
                                  ).fetchone()
        assert (op, json.loads(detail)["from"], json.loads(detail)["kept"]) == (
            "carry", 1, [ids[1]])
        _edit(conn, _bead(conn, 4, bitext=2), "The end of it.")
    glossary.write_text("es\ten\ntexto\ttext\n", encoding="utf-8")  # the term taken out
    subprocess.run(command, check=True, capture_output=True)
    assert _outputs(doc)[0] == (
        "# The dog\n\nThe dog eats. The cat sleeps; I have 3 houses.\n\nThe end of it.\n")
    with _connect(doc) as conn:
        assert conn.execute("SELECT id, superseded_by FROM bitexts ORDER BY id").fetchall() == [
            (1, None), (2, 1)]
        assert conn.execute("SELECT src_segments, status FROM links WHERE bitext_id = 1 AND "
                            "retired_at IS NULL ORDER BY ord").fetchall() == [
            ("[0]", "unreviewed"), ("[1]", "confirmed"), ("[2, 3]", "needs-work"),
            ("[4]", "confirmed")]
        assert conn.execute("SELECT COUNT(*) FROM links WHERE bitext_id = 1 AND retired_at IS "
                            "NOT NULL").fetchone()[0] == 5  # its own beads: kept, retired


@needs_apertium
def test_a_segment_finished_after_the_review_gets_a_bead_in_document_order(doc: Path) -> None:
    run(_opts(doc))
    with _connect(doc) as conn:
        # as if the first run had failed segment 2: no translation, no bead
        conn.execute("DELETE FROM links WHERE id = ?", (_bead(conn, 2),))
        conn.execute("UPDATE translations SET status = 'failed', text = NULL WHERE segment_id "
                     "= (SELECT id FROM segments WHERE position = 2)")
        _merge(conn, _bead(conn, 0), _bead(conn, 1), "The dog eats.")
        kept = conn.execute("SELECT id FROM links WHERE retired_at IS NULL ORDER BY ord"
                            ).fetchall()
    summary = run(_opts(doc))
    assert summary.translated == 1
    with _connect(doc) as conn:
        rows = conn.execute("SELECT id, src_segments FROM links WHERE retired_at IS NULL "
                            "ORDER BY ord").fetchall()
    assert [r[1] for r in rows] == ["[0, 1]", "[2]", "[3]", "[4]"]
    assert [r[0] for r in rows if r[1] != "[2]"] == [r[0] for r in kept]
    assert _outputs(doc)[0] == ("# The dog eats.\n\nThe cat sleeps. Have 3 houses.\n\n"
                                "End of the text.\n")


def test_a_schema_2_store_with_links_opens_with_bitexts(tmp_path: Path) -> None:
    """A store an older diglot wrote (schema 2, links without bitexts) gains a bitext per
    document, target and config; its beads keep their ids and serve the flow-back."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(f"{MIGRATIONS[0]}; {MIGRATIONS[1]}; PRAGMA user_version = 2;")
    conn.execute("INSERT INTO documents VALUES (1, 'a.md', NULL, 'x', 'markdown', 'es', ?)",
                 (NOW,))
    conn.execute("INSERT INTO blocks VALUES (1, 1, 0, 'paragraph', 0, 0, 1)")
    for position, (source, target) in enumerate([("Uno.", "One."), ("Dos.", "Two.")]):
        conn.execute("INSERT INTO segments VALUES (?, 1, 1, ?, 0, 'es', ?, 1)",
                     (position + 1, position, source))
        conn.execute("INSERT INTO translations (segment_id, tgt_lang, config_key, engine, "
                     "params, text, status, updated_at) VALUES (?, 'en', 'k', 'e', '{}', ?, "
                     "'done', ?)", (position + 1, target, NOW))
        conn.execute("INSERT INTO links (id, document_id, tgt_lang, config_key, position, "
                      "src_segments, tgt_kind, tgt_ids, method) VALUES (?, 1, 'en', 'k', ?, ?, "
                      "'translation', ?, 'sentence')",
                      (10 + position, position, f"[{position}]", f"[{position}]"))
    conn.close()
    with Store.open(path) as store:
        assert store.conn.execute("SELECT id, document_id, tgt_lang, config_key FROM bitexts"
                                  ).fetchall() == [(1, 1, "en", "k")]
        assert [(b.id, b.src, b.text) for b in store.beads(1)] == [
            (10, (0,), "One."), (11, (1,), "Two.")]
        assert store.save_links(1, "en", "k", [([0], [0], None), ([1], [1], None)],
                                "sentence") == 1
        assert [b.id for b in store.beads(1)] == [10, 11]


def _bead_text(id_: int, src: tuple[int, ...], text: str) -> BeadText:
    return BeadText(id_, src, src, text, text, edited=False, reviewed=False)


def test_segment_texts_put_a_bead_on_its_first_segment_and_join_beads_without_source(
        ) -> None:
    beads = [_bead_text(1, (), "Lead."), _bead_text(2, (0,), "A."),
             _bead_text(3, (1, 2), "B and C."), _bead_text(4, (), "Moved."),
             _bead_text(5, (3,), "")]
    assert segment_texts(beads) == {0: "Lead. A.", 1: "B and C. Moved.", 2: "", 3: ""}


def test_emptied_segments_leave_no_double_space() -> None:
    doc = parse_text("Uno. Dos. Tres.\n\nCuatro. Cinco.\n", "es", "a.md", "markdown")
    assert render(doc, {0: "One and two.", 1: "", 2: "Three.", 3: "", 4: "Four, five."}) == (
        "One and two. Three.\n\nFour, five.\n")
    assert render(doc, {0: "All.", 1: "", 2: "", 3: "", 4: ""}) == "All.\n\n\n"
    assert block_texts(doc, {0: "", 1: "Two.", 2: ""}) == ["Two.", "Cuatro. Cinco."]
