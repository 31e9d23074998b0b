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
