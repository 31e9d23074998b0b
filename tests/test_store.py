import sqlite3
from pathlib import Path

import pytest

from corpora.ingest import parse_text
from corpora.schema import SCHEMA_VERSION
from corpora.store import Outcome, Store
from diglot.errors import StoreError

TEXT = "# Título\n\nUna frase. Otra frase.\n\n12\n"


def test_document_is_stored_once_with_blocks_and_segments(tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        first = store.add_document(doc, None, TEXT)
        assert store.add_document(doc, None, TEXT) == first
        rows = store.conn.execute("SELECT kind FROM blocks ORDER BY position").fetchall()
        assert [r[0] for r in rows] == ["heading", "paragraph", "paragraph"]
        assert store.conn.execute("SELECT COUNT(*) FROM segments").fetchone()[0] == 4
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_pending_done_failed_and_retry(tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        run = store.start_run(doc_id, "es", "en", "k", "e", None, {})
        work = store.work(doc_id, "en", "k")
        assert [w.text for w in work] == ["Título", "Una frase.", "Otra frase."]  # not "12"
        store.record(run, [Outcome(work[0].translation_id, "Title"),
                           Outcome(work[1].translation_id, None, "boom")])
        assert [w.text for w in store.work(doc_id, "en", "k")] == ["Una frase.", "Otra frase."]
        store.start_run(doc_id, "es", "en", "k", "e", None, {})  # a second run adds no rows
        rows = store.translations(doc_id, "en", "k")
        assert [(r.status, r.error, r.attempts) for r in rows] == [
            ("done", None, 1), ("failed", "boom", 1), ("pending", None, 0)]


def test_failed_batch_rolls_back(tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        store.start_run(doc_id, "es", "en", "k", "e", None, {})
        with pytest.raises(RuntimeError), store.transaction() as c:
            c.execute("UPDATE translations SET status = 'done', text = 'x'")
            raise RuntimeError("killed mid-batch")
        assert len(store.work(doc_id, "en", "k")) == 3


def test_locked_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store.open(path), \
            pytest.raises(StoreError, match=r"p\.db: store is locked by another"), \
            Store.open(path):
        pass


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    with Store.open(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match=r"newer than this diglot's .*upgrade diglot"), \
            Store.open(path):
        pass


def test_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a diglot project store"), Store.open(path):
        pass


def _beads(store: Store) -> list[tuple[int, str, str | None]]:
    return [(r[0], r[1], r[2]) for r in store.conn.execute(
        "SELECT id, src_segments, retired_at FROM links ORDER BY ord, id")]


def test_save_links_makes_the_bitext_and_keeps_ids_of_unchanged_beads(tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        bitext = store.save_links(doc_id, "en", "k", [([0], [0], None), ([2], [2], None)],
                                  "sentence")
        first = _beads(store)
        again = store.save_links(doc_id, "en", "k", [([0], [0], None), ([1], [1], None),
                                                     ([2], [2], None)], "sentence",
                                 glossary_path="/g.tsv", glossary_version="v1")
        assert again == bitext
        beads = _beads(store)
        assert [b[1] for b in beads] == ["[0]", "[1]", "[2]"]
        assert beads[0] == first[0] and beads[2] == first[1]  # same ids, a new one between
        assert store.conn.execute("SELECT document_id, tgt_lang, config_key, glossary_path, "
                                  "glossary_version FROM bitexts").fetchall() == [
            (doc_id, "en", "k", "/g.tsv", "v1")]
        assert store.conn.execute("SELECT COUNT(*) FROM links WHERE bitext_id = ?",
                                  (bitext,)).fetchone()[0] == 3


def test_save_links_after_review_keeps_beads_and_adds_only_uncovered_segments(
        tmp_path: Path) -> None:
    doc = parse_text(TEXT, "es", "t.md", "markdown")
    with Store.open(tmp_path / "p.db") as store:
        doc_id = store.add_document(doc, None, TEXT)
        store.save_links(doc_id, "en", "k", [([0], [0], None), ([1], [1], None)], "sentence")
        (a, _, _), (b, _, _) = _beads(store)
        # a reviewer merged bead b into a (the spec's merge: one active bead, one retired)
        store.conn.execute("UPDATE links SET src_segments = '[0, 1]', tgt_ids = '[0, 1]', "
                           "version = 2, status = 'confirmed' WHERE id = ?", (a,))
        store.conn.execute("UPDATE links SET retired_at = 'now' WHERE id = ?", (b,))
        store.save_links(doc_id, "en", "k", [([p], [p], 0.5) for p in range(3)], "sentence")
        assert _beads(store) == [(a, "[0, 1]", None), (b, "[1]", "now"),
                                 (_beads(store)[2][0], "[2]", None)]
        assert store.conn.execute("SELECT version, status FROM links WHERE id = ?",
                                  (a,)).fetchone() == (2, "confirmed")
