"""What `diglot import` keeps of a pair's provenance in the store: the packed array of
`corpora.importer.pack_provenance`, read back exactly by an export, with a review made after the
import laid over it; stores imported into before (the flat JSON record) still export the same."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from corpora.importer import import_file, pack_provenance, unpack_provenance
from corpora.pairs import DocumentMeta, ExportHeader, Pair, provenance
from corpora.provenance import current_bitexts, store_pairs
from corpora.store import Store
from corpora.tabular import write_jsonl
from diglot.errors import ConfigError, DataFormatError
from diglot.review import Actor
from diglot.review.service import ReviewService

DOC = DocumentMeta("ensayo.es.md", "El trabajo", ("Ana Pérez", "Luis Gil"), "https://x.org/e",
                   "CC-BY-4.0", "CC-BY-SA-4.0", "Ana Pérez, CC BY 4.0")
PAIRS = [
    Pair("ensayo.es.md:0", DOC, "es-ES", "en", "El trabajo y la lengua", "Labour and language",
         section="Título «uno»", paragraph=3, sentences=(0, 1), target_sentences=(0,),
         align_method="vecalign", align_score=0.123456789, engine="apertium", model="es-en",
         engine_version="apertium 3.8.3", decoding='{"beams":4}', glossary_version="g1",
         status="confirmed", reviewers=("ana", "luis"), created_by="apertium/es-en",
         created_at="2026-11-01T01:00:00.000+00:00", changed_by="luis",
         changed_at="2026-11-02T00:00:00.000+00:00", flags=("numbers:error", "qa:warn"),
         note="retried\twith \"quotes\" \\ and\nlines"),
    Pair("ensayo.es.md:2", DOC, "es-ES", "en", "Segunda frase.", "Second sentence.",
         section="Título «uno»", paragraph=4, sentences=(2,), target_sentences=(1, 2),
         engine="apertium", model="es-en", status="machine",
         created_by="apertium/es-en", created_at="2026-11-01T01:00:00.000+00:00"),
    Pair("ensayo.es.md:3", DOC, "es-ES", "en", "Tercera 🙂.", "Third 🙂.", paragraph=4,
         sentences=(3,), target_sentences=(3,), align_score=1.0, engine="human",
         status="edited", reviewers=("eva",), created_by="eva", changed_by="eva",
         changed_at="2026-11-03T00:00:00.000+00:00"),
]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.id)
def test_a_packed_provenance_gives_back_the_same_pair(pair: Pair) -> None:
    packed = pack_provenance(pair)
    assert packed.startswith("[1,") and "Ana Pérez" not in packed  # the document lives apart
    assert unpack_provenance(json.loads(packed), DOC, pair.source, pair.target) == pair


def test_a_packed_provenance_of_another_layout_is_refused() -> None:
    values = json.loads(pack_provenance(PAIRS[0]))
    with pytest.raises(ValueError, match=r"version \[2\] with 23 values; this diglot reads "
                                         r"version 1"):
        unpack_provenance([2, *values[1:]], DOC, "a", "b")
    with pytest.raises(ValueError, match=r"with 22 values"):
        unpack_provenance(values[:-1], DOC, "a", "b")


def _imported(tmp_path: Path) -> Path:
    header = ExportHeader("es", "en", (DOC,), "CC-BY-SA-4.0", DOC.attribution or "", "0.1",
                          "2026-11-30T00:00:00+00:00")
    out = tmp_path / "c.jsonl"
    write_jsonl(PAIRS, out, header)
    db = tmp_path / "p.db"
    with Store.open(db) as store:
        report = import_file(store, out, "es", "en")
    assert report.pairs == 3
    return db


def _exported(db: Path) -> list[Pair]:
    with Store.open(db) as store:
        (ref,) = current_bitexts(store.conn)
        return list(store_pairs(store.conn, ref, DOC))


def test_an_imported_pair_is_stored_packed_and_exported_exactly(tmp_path: Path) -> None:
    db = _imported(tmp_path)
    with sqlite3.connect(db) as conn:
        stored = [row[0] for row in conn.execute("SELECT provenance FROM links ORDER BY id")]
    assert [json.loads(s)[:2] for s in stored] == [[1, p.id] for p in PAIRS]
    assert _exported(db) == PAIRS


def test_a_store_imported_into_before_exports_its_flat_records_the_same(tmp_path: Path) -> None:
    db = _imported(tmp_path)
    with sqlite3.connect(db) as conn:  # the flat record the importer wrote before packing
        for link_id, pair in zip((1, 2, 3), PAIRS, strict=True):
            record = {"id": pair.id, **{k: v for k, v in provenance(pair).items() if k not in (
                "title", "authors", "source_ref", "license", "source_license",
                "translation_license", "attribution")}}
            conn.execute("UPDATE links SET provenance = ? WHERE id = ?",
                         (json.dumps(record, ensure_ascii=False), link_id))
    assert _exported(db) == PAIRS


def test_a_review_after_the_import_is_laid_over_the_imported_provenance(tmp_path: Path) -> None:
    db = _imported(tmp_path)
    service = ReviewService(db)
    try:
        beads = service.beads(1, limit=10).beads
        service.set_status(1, beads[1].id, "confirmed", beads[1].version,
                           Actor("olga", "reviewer"), text="The second sentence.")
    finally:
        service.close()
    first, second, third = _exported(db)
    assert (first, third) == (PAIRS[0], PAIRS[2])  # untouched here: as the file had them
    assert (second.target, second.status, second.reviewers, second.changed_by) == (
        "The second sentence.", "confirmed", ("olga",), "olga")
    assert second.changed_at and second.changed_at > "2026-11-03T00:00:00.000+00:00"
    kept = ("id", "src_lang", "sentences", "target_sentences", "engine", "model", "created_by",
            "created_at", "section", "paragraph")
    assert [getattr(second, k) for k in kept] == [getattr(PAIRS[1], k) for k in kept]


def _many(tmp_path: Path, n: int, bad_line: str = "") -> Path:
    """A JSONL export of ``n`` pairs (more than one chunk of inserts), and an extra line at the
    end when given."""
    header = ExportHeader("es", "en", (DOC,), "CC-BY-SA-4.0", "", "0.1",
                          "2026-11-30T00:00:00+00:00")
    out = tmp_path / "many.jsonl"
    pairs = (replace(PAIRS[1], id=f"ensayo.es.md:{k}", sentences=(k,), source=f"Frase {k}.",
                     target=f"Sentence {k}.") for k in range(n))
    write_jsonl(pairs, out, header)
    if bad_line:
        with open(out, "a", encoding="utf-8") as f:
            f.write(bad_line + "\n")
    return out


def test_a_bad_unit_after_thousands_imports_nothing(tmp_path: Path) -> None:
    out = _many(tmp_path, 5000, '{"id": "x", "source": "sin destino"}')
    with Store.open(tmp_path / "p.db") as store:
        with pytest.raises(DataFormatError, match=r"many.jsonl:5001"):
            import_file(store, out, "es", "en")
        assert store.conn.execute("SELECT COUNT(*) FROM links").fetchone() == (0,)
        assert store.conn.execute("SELECT COUNT(*) FROM documents").fetchone() == (0,)


def test_an_import_the_store_refuses_adds_nothing(tmp_path: Path) -> None:
    out = _many(tmp_path, 5000)
    with Store.open(tmp_path / "p.db") as store:
        assert import_file(store, out, "es", "en").pairs == 5000
        (tmp_path / "again.jsonl").write_bytes(out.read_bytes() + b"\n")
        with pytest.raises(ConfigError, match=r"holds a document named 'ensayo.es.md' already"):
            import_file(store, tmp_path / "again.jsonl", "es", "en")
        assert store.conn.execute("SELECT COUNT(*) FROM links").fetchone() == (5000,)
