"""The study store through its Python API: what is stored, no-ops, replacing, versioning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.errors import ModelSpecError, QuestionnaireError, ResponseValidationError
from survey.ingest import read_responses
from survey.store import DATABASE, StoreError, Study

from .conftest import HEADER, ROWS, assert_same, snapshot, write_csv

# --------------------------------------------------------------------------- creating


def test_create_keeps_versioned_copies_of_the_definitions(study, questionnaire, model):
    assert (study.path / DATABASE).is_file()
    defs = study.definitions().set_index("kind")
    assert defs.loc["questionnaire", "version"] == 1 and defs.loc["model", "version"] == 1
    copy = study.path / "definitions" / "questionnaire-v1.yaml"
    assert copy.read_bytes() == questionnaire.read_bytes()
    import hashlib

    assert defs.loc["questionnaire", "sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert (study.path / "definitions" / "model-v1.yaml").read_bytes() == model.read_bytes()
    assert study.questionnaire().id == "mini" and study.model().id == "mini"


def test_existing_study_is_refused_unless_force(study, questionnaire, model, tmp_path):
    study.ingest(write_csv(tmp_path / "w1.csv"), wave="w1")
    with pytest.raises(StoreError, match="A study already exists here. Use --force"):
        Study.create(study.path, questionnaire=questionnaire, model=model)
    assert len(Study.open(study.path).waves()) == 1
    Study.create(study.path, questionnaire=questionnaire, model=model, force=True)
    assert Study.open(study.path).waves().empty
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".study")]  # no leftovers


def test_a_folder_that_is_not_a_study_is_never_replaced(tmp_path, questionnaire, model):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious")
    with pytest.raises(StoreError, match="not empty and is not a study"):
        Study.create(folder, questionnaire=questionnaire, model=model, force=True)
    assert (folder / "thesis.docx").read_text() == "precious"


def test_invalid_definitions_create_nothing(tmp_path, questionnaire):
    bad = tmp_path / "bad_model.yaml"
    bad.write_text("id: m\nname: {zh: 模型, en: Model}\nlatents: [image, nothere]\n"
                   "paths: [image -> nothere]\ntarget: nothere\n", encoding="utf-8")
    with pytest.raises(ModelSpecError, match="nothere"):
        Study.create(tmp_path / "s", questionnaire=questionnaire, model=bad)
    assert list(tmp_path.iterdir()) == [bad]


def test_open_refuses_a_folder_without_a_study(tmp_path):
    with pytest.raises(StoreError, match="Not a study folder"):
        Study.open(tmp_path)


# --------------------------------------------------------------------------- ingesting


def test_ingest_stores_what_read_responses_reads(study, tmp_path):
    path = write_csv(tmp_path / "wave1.csv")
    result = study.ingest(path, wave="2026Q1", brand="acme")
    expected = read_responses(path, study.questionnaire())
    assert result.status == "ingested"
    assert (result.n_rows, result.n_accepted, result.n_rejected, result.n_screened_out) == (5, 3, 1, 1)
    stored = study.responses()
    assert list(stored.columns[:2]) == ["wave", "brand"]
    assert set(stored["wave"]) == {"2026Q1"} and set(stored["brand"]) == {"acme"}
    pd.testing.assert_frame_equal(stored.drop(columns=["wave", "brand"]), expected.data)
    rejects = study.rejects()
    stored_columns = ["row", "column", "value", "reason", "message"]
    pd.testing.assert_frame_equal(rejects[stored_columns].astype({"row": "int64"}),
                                  expected.rejects[stored_columns])
    assert rejects["source_sha256"].tolist() == [result.sha256]
    screened = study.screened_out()
    assert screened["row"].tolist() == [4] and screened["answers"].tolist() == [{"flown": "2"}]
    waves = study.waves()
    assert waves[["wave", "brand", "file_name", "n_accepted", "n_rejected", "n_screened_out",
                  "questionnaire_version"]].values.tolist() == [
        ["2026Q1", "acme", "wave1.csv", 3, 1, 1, 1]]


def test_items_are_doubles_with_null_and_other_columns_text(study, tmp_path):
    import duckdb

    study.ingest(write_csv(tmp_path / "w.csv"), wave="w")
    con = duckdb.connect(str(study.database), read_only=True)
    types = dict(con.execute("SELECT name, type FROM pragma_table_info('responses')").fetchall())
    nulls = con.execute('SELECT COUNT(*) FROM responses WHERE im1 IS NULL').fetchone()[0]
    nans = con.execute("SELECT COUNT(*) FROM responses WHERE isnan(im1)").fetchone()[0]
    con.close()
    assert {types[c] for c in ("im1", "im2", "sa1", "sa2")} == {"DOUBLE"}
    assert {types[c] for c in ("flown", "age", "visited", "comment")} == {"VARCHAR"}
    assert (nulls, nans) == (1, 0)  # the don't-know answer is NULL, never NaN


def test_reingesting_the_same_file_is_a_noop(study, tmp_path):
    path = write_csv(tmp_path / "w.csv")
    first = study.ingest(path, wave="w1")
    before = snapshot(study)
    again = study.ingest(path, wave="w1")
    assert again.status == "unchanged" and again.ingest_id == first.ingest_id
    assert "Already stored as wave 'w1'" in again.message and "nothing to do" in again.message
    assert_same(before, snapshot(study))


def test_the_same_file_as_another_wave_is_refused(study, tmp_path):
    path = write_csv(tmp_path / "w.csv")
    study.ingest(path, wave="w1")
    before = snapshot(study)
    with pytest.raises(StoreError, match=r"already stored as wave 'w1'"):
        study.ingest(path, wave="w2")
    assert_same(before, snapshot(study))


def test_a_wave_holding_another_file_needs_replace(study, tmp_path):
    study.ingest(write_csv(tmp_path / "a.csv"), wave="w1", brand="acme")
    other = write_csv(tmp_path / "b.csv", ROWS[:2])
    before = snapshot(study)
    with pytest.raises(StoreError) as exc:
        study.ingest(other, wave="w1", brand="acme")
    assert "Wave 'w1' brand 'acme' already holds a.csv" in str(exc.value)
    assert "Use --replace to replace it with b.csv" in str(exc.value)
    assert_same(before, snapshot(study))
    result = study.ingest(other, wave="w1", brand="acme", replace=True)
    assert result.status == "replaced" and result.replaced_file == "a.csv"
    assert study.responses().index.tolist() == [2, 3]
    assert study.rejects().empty and study.screened_out().empty
    history = study.waves(history=True)
    assert history["status"].tolist() == ["replaced", "current"]
    assert study.waves()["file_name"].tolist() == ["b.csv"]


def test_other_brands_and_waves_are_untouched_by_replace(study, tmp_path):
    study.ingest(write_csv(tmp_path / "a.csv"), wave="w1", brand="acme")
    study.ingest(write_csv(tmp_path / "b.csv", ROWS[:4]), wave="w1", brand="zenith")
    study.ingest(write_csv(tmp_path / "c.csv", ROWS[:1]), wave="w1", brand="acme", replace=True)
    counts = study.responses().groupby("brand").size().to_dict()
    assert counts == {"acme": 1, "zenith": 3}
    assert len(study.responses(brands=["zenith"])) == 3 and study.responses(waves=[]).empty


def test_file_level_problems_fail_with_the_name_and_change_nothing(study, tmp_path):
    study.ingest(write_csv(tmp_path / "w.csv"), wave="w1")
    before = snapshot(study)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    wrong = tmp_path / "wave.json"
    wrong.write_text("{}")
    missing = write_csv(tmp_path / "missing.csv", [r.rsplit(",", 1)[0] for r in ROWS],
                        header=HEADER.rsplit(",", 1)[0])
    for path, message in [(empty, "empty.csv: The file is empty (0 bytes)."),
                          (wrong, "wave.json: Unknown file type '.json'"),
                          (missing, "missing.csv: Required column 'sa2' is missing"),
                          (tmp_path / "nope.csv", "nope.csv: File not found.")]:
        with pytest.raises(ResponseValidationError) as exc:
            study.ingest(path, wave="w2")
        assert message in str(exc.value)
    assert_same(before, snapshot(study))


@pytest.mark.parametrize("label", ["../x", "..\\x", "CON", "NUL", "a/b", "/etc/passwd", "C:\\x"])
def test_wave_and_brand_names_never_become_paths(study, tmp_path, label):
    outside = sorted(p.name for p in tmp_path.parent.iterdir())
    inside = sorted(str(p) for p in tmp_path.rglob("*"))
    study.ingest(write_csv(tmp_path / "w.csv"), wave=label, brand=label)
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == outside
    new = sorted(set(str(p) for p in tmp_path.rglob("*")) - set(inside))
    assert all(not p.endswith(".wal") for p in new), new  # nothing new but the database's own
    assert study.waves()[["wave", "brand"]].values.tolist() == [[label, label]]


@pytest.mark.parametrize("label", ["", " w1", "w1\n", "x" * 101, "a\tb"])
def test_unusable_wave_labels_are_refused(study, tmp_path, label):
    with pytest.raises(StoreError, match="is not a valid label"):
        study.ingest(write_csv(tmp_path / "w.csv"), wave=label)


def test_columns_the_store_keeps_for_itself_are_refused(study, tmp_path):
    path = write_csv(tmp_path / "w.csv", [r + ",x" for r in ROWS], header=HEADER + ",Wave")
    with pytest.raises(StoreError, match="Column 'Wave' has the name of a column the study "
                                         "keeps for itself"):
        study.ingest(path, wave="w1")
    assert study.waves().empty


def test_a_truncated_csv_fails_with_its_name(study, tmp_path):
    study.ingest(write_csv(tmp_path / "w.csv"), wave="w1")
    before = snapshot(study)
    cut = tmp_path / "cut.csv"
    cut.write_bytes(write_csv(tmp_path / "full.csv").read_bytes()[:-12])
    with pytest.raises(StoreError, match=r"cut.csv: The last row has 4 of 9 fields"):
        study.ingest(cut, wave="w2")
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes(b'\n'.join([HEADER.encode(), b'1,34,1,2026-09-01,"a long, quoted'
                                                    b' comment that was cut']))
    with pytest.raises(ResponseValidationError, match="quoted.csv: The file could not be read"):
        study.ingest(quoted, wave="w2")
    assert_same(before, snapshot(study))


def test_truncated_xlsx_and_sav_fail_with_their_names(study, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.read_csv(write_csv(tmp_path / "w.csv"))
    frame.to_excel(tmp_path / "good.xlsx", index=False)
    pyreadstat.write_sav(frame, str(tmp_path / "good.sav"))
    before = snapshot(study)
    for kind in ("xlsx", "sav"):
        bad = tmp_path / f"bad.{kind}"
        bad.write_bytes((tmp_path / f"good.{kind}").read_bytes()[:300])
        with pytest.raises(ResponseValidationError,
                           match=f"bad.{kind}: The file could not be read as {kind.upper()}"):
            study.ingest(bad, wave="w2")
    assert_same(before, snapshot(study))
    assert study.ingest(tmp_path / "good.sav", wave="w3").n_accepted == 3


# --------------------------------------------------------------------------- versions


def _questionnaire_variant(questionnaire, tmp_path, name, edit) -> object:
    path = tmp_path / name
    path.write_text(edit(questionnaire.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_a_new_questionnaire_version_adds_and_drops_items(study, questionnaire, tmp_path):
    study.ingest(write_csv(tmp_path / "w1.csv"), wave="w1")
    # version 2: sa2 no longer asked, sa3 new
    v2 = _questionnaire_variant(questionnaire, tmp_path, "v2.yaml",
                                lambda t: t.replace("sa2: {zh: 问题四, en: Question four}",
                                                    "sa3: {zh: 问题五, en: Question five}"))
    rows = [r + ",5" for r in ROWS]
    result = study.ingest(write_csv(tmp_path / "w2.csv", rows, header=HEADER + ",sa3"),
                          wave="w2", questionnaire=v2)
    assert result.questionnaire_version == 2
    assert any("new items (empty for earlier waves): sa3" in n for n in result.notes)
    assert any("no longer asked (kept for earlier waves): sa2" in n for n in result.notes)
    assert any("'sa2' was a rated item of an earlier questionnaire version" in n
               for n in result.notes)
    stored = study.responses()
    w1, w2 = stored[stored.wave == "w1"], stored[stored.wave == "w2"]
    assert w1["sa3"].isna().all() and w1["sa2"].notna().any()   # new item: NULL before it
    assert w2["sa2"].isna().all() and (w2["sa3"] == 5).all()    # dropped item: column kept
    assert study.questionnaire().item("sa3") and study.questionnaire(1).item("sa2")
    assert (study.path / "definitions" / "questionnaire-v2.yaml").read_bytes() == v2.read_bytes()
    assert study.waves()["questionnaire_version"].tolist() == [1, 2]


def test_an_item_whose_scale_changed_is_refused(study, questionnaire, tmp_path):
    study.ingest(write_csv(tmp_path / "w1.csv"), wave="w1")
    before = snapshot(study)
    v2 = _questionnaire_variant(questionnaire, tmp_path, "v2.yaml",
                                lambda t: t.replace("ten: {min: 1, max: 10, dont_know: 99}",
                                                    "ten: {min: 0, max: 10, dont_know: 99}"))
    with pytest.raises(QuestionnaireError) as exc:
        study.ingest(write_csv(tmp_path / "w2.csv", ROWS[:2]), wave="w2", questionnaire=v2)
    assert ("Item 'im1' is on the 0-10 scale here but on the 1-10 scale in questionnaire "
            "version 1") in str(exc.value)
    assert "give it a new id" in str(exc.value)
    assert_same(before, snapshot(study))


def test_a_continuous_scale_may_not_turn_back_into_points(questionnaire, model, tmp_path):
    """Answers stored on a continuous scale (7.5) need not be points of a rating scale; the
    reverse change (points to continuous) keeps every stored answer valid."""
    continuous = _questionnaire_variant(
        questionnaire, tmp_path, "v1.yaml",
        lambda t: t.replace("ten: {min: 1, max: 10, dont_know: 99}",
                            "ten: {min: 1, max: 10, dont_know: 99, continuous: true}"))
    study = Study.create(tmp_path / "study", questionnaire=continuous, model=model,
                         lock_timeout=5)
    study.ingest(write_csv(tmp_path / "w1.csv", ["1,34,1,2026-09-01,good,7.5,8,9,8.25"]),
                 wave="w1")
    assert study.responses()["im1"].tolist() == [7.5]
    before = snapshot(study)
    with pytest.raises(QuestionnaireError) as exc:
        study.ingest(write_csv(tmp_path / "w2.csv", ROWS[:1]), wave="w2",
                     questionnaire=questionnaire)
    assert ("Item 'im1' is on the 1-10 scale here but on the 1-10 continuous scale in "
            "questionnaire version 1") in str(exc.value)
    assert_same(before, snapshot(study))


def test_the_same_questionnaire_again_is_not_a_new_version(study, questionnaire, tmp_path):
    result = study.ingest(write_csv(tmp_path / "w1.csv"), wave="w1", questionnaire=questionnaire)
    assert result.questionnaire_version == 1 and len(study.definitions()) == 2


def test_a_deleted_definition_copy_is_restored(study):
    copy = study.path / "definitions" / "questionnaire-v1.yaml"
    text = copy.read_bytes()
    copy.unlink()
    assert study.questionnaire().id == "mini" and copy.read_bytes() == text


def test_models_are_versioned_too(study, model, tmp_path):
    assert study.add_model(model) == 1  # the same file: no new version
    changed = tmp_path / "model2.yaml"
    changed.write_text(model.read_text(encoding="utf-8").replace("Mini model", "Mini model 2"),
                       encoding="utf-8")
    assert study.add_model(changed) == 2 and study.model().name.get("en") == "Mini model 2"
    assert study.model(1).name.get("en") == "Mini model"


# --------------------------------------------------------------------------- runs


def test_runs_store_a_manifest_and_tables(study):
    paths = pd.DataFrame({"from": ["image"], "to": ["satisfaction"], "estimate": [0.5],
                          "ci_low": [np.nan]})
    indices = pd.Series({"satisfaction": 74.2, "image": 70.1}, name="index").rename_axis(
        "latent").to_frame()
    study.save_run("2026Q1-pls", {"method": "pls", "waves": ["2026Q1"], "seed": 1},
                   {"paths": paths, "indices": indices})
    runs = study.runs()
    assert runs["run_id"].tolist() == ["2026Q1-pls"]
    assert runs["manifest"].iloc[0] == {"method": "pls", "waves": ["2026Q1"], "seed": 1}
    assert runs["tables"].iloc[0] == ["indices", "paths"]
    tables = study.run_tables("2026Q1-pls")
    pd.testing.assert_frame_equal(tables["paths"], paths, check_dtype=False)
    pd.testing.assert_frame_equal(tables["indices"], indices, check_dtype=False)
    with pytest.raises(StoreError, match="Run '2026Q1-pls' already exists"):
        study.save_run("2026Q1-pls", {}, {})
    with pytest.raises(StoreError, match="No run 'nope'"):
        study.run_tables("nope")


def test_runs_store_tables_without_rows_and_without_columns(study):
    """A run whose improvement check found nothing to check still stores every table: one
    without rows keeps its columns, one without columns is kept with its row count."""
    no_rows = pd.DataFrame({"wave_from": pd.Series([], dtype="str"),
                            "change": pd.Series([], dtype="float64"),
                            "verdict": pd.Series([], dtype=object)})
    no_columns = pd.DataFrame()
    study.save_run("r1", {}, {"improvement": no_rows, "nothing": no_columns,
                              "cells": pd.DataFrame({"error": [None, None],
                                                     "significant": [False, None]})})
    tables = study.run_tables("r1")
    assert study.runs()["tables"].iloc[0] == ["cells", "improvement", "nothing"]
    assert list(tables["improvement"].columns) == ["wave_from", "change", "verdict"]
    assert tables["improvement"].empty and tables["nothing"].shape == (0, 0)
    # A column of nothing but missing values is stored as text, not as DuckDB's NULL type.
    assert tables["cells"]["error"].isna().all() and len(tables["cells"]) == 2
    # A flag with gaps stays a flag: stored as the text 'False' it would read back as true.
    assert tables["cells"]["significant"].iloc[0] is False
    assert pd.isna(tables["cells"]["significant"].iloc[1])


def test_an_ingest_that_lands_meanwhile_is_taken_into_account(study, tmp_path, monkeypatch):
    """Validation runs before the lock is taken; whatever another ingest stored meanwhile
    (here: the study's first columns) is planned for again under the lock."""
    import survey.store.incoming as store

    real = store.incoming_arrays
    meanwhile = write_csv(tmp_path / "other.csv", ROWS[:2])

    def other_ingest_first(coded):
        monkeypatch.setattr(store, "incoming_arrays", real)
        Study.open(study.path).ingest(meanwhile, wave="w0")
        return real(coded)

    monkeypatch.setattr(store, "incoming_arrays", other_ingest_first)
    study.ingest(write_csv(tmp_path / "w1.csv"), wave="w1")
    assert study.waves()["wave"].tolist() == ["w0", "w1"]
    assert study.responses().groupby("wave").size().to_dict() == {"w0": 2, "w1": 3}
