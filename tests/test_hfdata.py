"""Hugging Face export: datasets itself loads the Parquet and the save_to_disk copy with the
same rows and features, the card's YAML is what the Hub reads, and licences map to Hub ids."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from corpora.hfdata import PARQUET, hub_license, size_category, write_hf
from corpora.pairs import DocumentMeta, ExportHeader, Pair, from_provenance
from diglot.errors import ConfigError

datasets = pytest.importorskip("datasets", reason="the corpus extra (datasets) is not installed")

DOC = DocumentMeta("ensayo.es.md", "El trabajo y la lengua", ("Ana Pérez", "Bo Li"),
                   "https://example.org/ensayo", "CC-BY-SA-4.0", "CC-BY-SA-4.0",
                   "Ana Pérez and Bo Li, CC BY-SA 4.0")
NOTES = DocumentMeta("notas.es.md", None, (), None, "CC0-1.0", None, None)
PAIRS = [
    Pair("ensayo.es.md:0", DOC, "es", "en", "El trabajo.", "Work.", "Intro", 0, (0,), (0,),
         "sentence", 0.91, "apertium", "es-en", "apertium 3.8.3", '{"beams":4}', None,
         "machine", (), "apertium/es-en", "2026-11-30T08:00:00Z"),
    Pair("ensayo.es.md:1", DOC, "es", "en", "La lengua | y *más*.", "Language | and *more*.",
         "Intro", 1, (1, 2), (1,), "review", None, "apertium", "es-en", "apertium 3.8.3",
         '{"beams":4}', "g1", "edited", ("bo",), "apertium/es-en", "2026-11-30T08:00:00Z",
         "bo", "2026-11-30T09:00:00Z", ("numbers:error",), "retry"),
    Pair("notas.es.md:0", NOTES, "es", "en", "Nota.", "Note.", "", 0, (0,), (0,), "import",
         None, "human", None, None, "{}", None, "confirmed", ("Ana Pérez",), "Ana Pérez",
         "2026-11-29T00:00:00Z"),
]
HEADER = ExportHeader("es", "en", (DOC, NOTES), "CC-BY-SA-4.0 AND CC0-1.0",
                      "Ana Pérez and Bo Li, CC BY-SA 4.0", "0.1.0", "2026-11-30T10:00:00Z")

# the second row, written by hand from the column description
ROW_1 = {
    "id": "ensayo.es.md:1",
    "translation": {"es": "La lengua | y *más*.", "en": "Language | and *more*."},
    "src_lang": "es", "tgt_lang": "en", "document": "ensayo.es.md",
    "title": "El trabajo y la lengua", "authors": ["Ana Pérez", "Bo Li"],
    "source_ref": "https://example.org/ensayo", "license": "CC-BY-SA-4.0",
    "source_license": "CC-BY-SA-4.0", "translation_license": "CC-BY-SA-4.0",
    "attribution": "Ana Pérez and Bo Li, CC BY-SA 4.0", "section": "Intro", "paragraph": 1,
    "sentences": [1, 2], "target_sentences": [1], "align_method": "review",
    "align_score": None, "engine": "apertium", "model": "es-en",
    "engine_version": "apertium 3.8.3", "decoding": '{"beams":4}', "glossary_version": "g1",
    "status": "edited", "reviewers": ["bo"], "created_by": "apertium/es-en",
    "created_at": "2026-11-30T08:00:00Z", "changed_by": "bo",
    "changed_at": "2026-11-30T09:00:00Z", "flags": ["numbers:error"], "note": "retry"}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hf") / "corpus"
    assert write_hf(iter(PAIRS), out, HEADER, batch_size=2) == 3  # two batches
    return out


def card_yaml(out: Path) -> dict:
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_folder_layout(export: Path) -> None:
    assert sorted(str(p.relative_to(export)) for p in export.rglob("*") if p.is_file()) == [
        "README.md", PARQUET, "disk/data-00000-of-00001.arrow", "disk/dataset_info.json",
        "disk/state.json"]
    assert [p.name for p in export.parent.iterdir()] == ["corpus"]  # no temp folder left


def test_load_from_disk_and_load_dataset_give_the_same_rows(export: Path,
                                                            tmp_path: Path) -> None:
    disk = datasets.load_from_disk(str(export / "disk"))
    parquet = datasets.load_dataset("parquet", data_files=str(export / PARQUET),
                                    split="train", cache_dir=str(tmp_path / "cache"))
    assert disk.num_rows == parquet.num_rows == 3
    assert disk.features == parquet.features
    feature = disk.features["translation"]
    assert isinstance(feature, datasets.Translation)
    assert sorted(feature.languages) == ["en", "es"]
    assert disk.to_list() == parquet.to_list()
    assert disk[1] == ROW_1
    assert disk[0]["align_score"] == 0.91 and disk[2]["title"] is None
    assert disk.info.license == "CC-BY-SA-4.0 AND CC0-1.0"


def test_rows_give_back_the_pairs(export: Path) -> None:
    """from_provenance (the shared inverse) rebuilds every pair from a loaded row."""
    rows = datasets.load_from_disk(str(export / "disk")).to_list()
    back = [from_provenance(r["id"], r["translation"]["es"], r["translation"]["en"], r)
            for r in rows]
    assert back == PAIRS


def test_card_yaml_is_what_the_hub_reads(export: Path) -> None:
    assert card_yaml(export) == {
        "license": ["cc-by-sa-4.0", "cc0-1.0"],
        "language": ["es", "en"],
        "multilinguality": ["translation"],
        "task_categories": ["translation"],
        "size_categories": ["n<1K"],
        "pretty_name": "diglot parallel corpus (es–en)",
        "configs": [{"config_name": "default",
                     "data_files": [{"split": "train", "path": "data/train-*.parquet"}]}],
    }


def test_card_body_states_sources_engines_and_review(export: Path) -> None:
    body = (export / "README.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    for expected in [
            "3 es→en translation pairs exported by diglot 0.1.0 on 2026-11-30T10:00:00Z",
            "Licence: CC-BY-SA-4.0 AND CC0-1.0.",
            "- **El trabajo y la lengua** (`ensayo.es.md`, 2 pairs)",
            "  - authors: Ana Pérez, Bo Li",
            "  - source: https://example.org/ensayo",
            "  - original licence: CC-BY-SA-4.0; translation licence: CC-BY-SA-4.0",
            "  - attribution: Ana Pérez and Bo Li, CC BY-SA 4.0",
            "## Attribution\n\n- Ana Pérez and Bo Li, CC BY-SA 4.0\n",
            "- **notas.es.md** (`notas.es.md`, 1 pairs)",
            "| apertium | es-en | 2 |", "| human | — | 1 |",
            "| machine | 1 |", "| edited | 1 |", "| confirmed | 1 |"]:
        assert expected in body, expected


def test_one_document_names_the_card_and_an_unknown_licence(tmp_path: Path) -> None:
    header = ExportHeader("fr-FR", "en", (NOTES,), "LicenseRef-Proprietary", "", "0.1.0",
                          "2026-11-30T10:00:00Z")
    pair = Pair("n:0", NOTES, "fr-FR", "en", "Oui.", "Yes.")
    write_hf([pair], tmp_path / "one", header, pretty_name="Notes")
    meta = card_yaml(tmp_path / "one")
    assert meta["license"] == "other" and meta["license_name"] == "licenseref-proprietary"
    assert "license_link" not in meta
    assert meta["language"] == ["fr", "en"] and meta["language_details"] == ["fr-FR", "en"]
    assert meta["pretty_name"] == "Notes"
    row = datasets.load_from_disk(str(tmp_path / "one" / "disk"))[0]
    assert row["translation"] == {"fr-FR": "Oui.", "en": "Yes."}


@pytest.mark.parametrize(("expression", "keys"), [
    ("CC-BY-SA-4.0", {"license": "cc-by-sa-4.0"}),
    ("MIT", {"license": "mit"}),
    ("GPL-3.0-or-later", {"license": "gpl-3.0"}),
    ("ODC-By-1.0", {"license": "odc-by"}),
    ("GPL-2.0-only WITH Classpath-exception-2.0", {"license": "gpl-2.0"}),
    ("(MIT OR Apache-2.0)", {"license": ["mit", "apache-2.0"]}),
    ("CC-BY-SA-2.5", {"license": "other", "license_name": "cc-by-sa-2.5",
                      "license_link": "https://spdx.org/licenses/CC-BY-SA-2.5.html"}),
    ("CC-BY-4.0 AND Beerware", {"license": "other", "license_name": "cc-by-4.0-and-beerware",
                                "license_link": "https://spdx.org/licenses/Beerware.html"}),
    (None, {"license": "unknown"}),
])
def test_hub_license(expression: str | None, keys: dict) -> None:
    assert hub_license(expression) == keys


@pytest.mark.parametrize(("count", "bucket"), [
    (0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (99_999, "10K<n<100K"),
    (100_000, "100K<n<1M"), (1_000_000, "1M<n<10M")])
def test_size_category(count: int, bucket: str) -> None:
    assert size_category(count) == bucket


def test_export_replaces_an_old_folder_only_when_complete(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    write_hf(PAIRS[:1], out, HEADER)

    def broken():
        yield PAIRS[0]
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        write_hf(broken(), out, HEADER, batch_size=1)
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]
    assert datasets.load_from_disk(str(out / "disk")).num_rows == 1
    write_hf(PAIRS, out, HEADER)
    assert datasets.load_from_disk(str(out / "disk")).num_rows == 3
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]


def test_empty_export_is_refused(tmp_path: Path) -> None:
    """datasets cannot load an empty save_to_disk folder, so none is written."""
    with pytest.raises(ConfigError, match=r"empty: no pairs to export"):
        write_hf([], tmp_path / "empty", HEADER)
    assert list(tmp_path.iterdir()) == []


def test_same_languages_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must differ"):
        write_hf(PAIRS, tmp_path / "x", ExportHeader("es", "ES", (), None, "", "0", ""))


def test_importing_hfdata_loads_neither_datasets_nor_pyarrow() -> None:
    code = ("import sys, corpora.hfdata, corpora.tabular; "
            "print(sorted(m for m in ('datasets', 'pyarrow', 'yaml') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)
    assert done.stdout.strip() == "[]"
