"""Fixtures of the study-store tests: a small questionnaire and model, response files, a study,
and a snapshot of every table of a study (to prove that a failed change changed nothing)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from survey.store import DATABASE, Study

DATA = Path(__file__).resolve().parent.parent / "inputs" / "data"
HEADER = "flown,age,gender,visited,comment,im1,im2,sa1,sa2"
ROWS = [
    "1,34,1,2026-09-01,good,7,8,9,8",
    "1,45,2,2026-09-02,,99,6,7,",
    "2,50,1,2026-09-03,never flew,,,,",
    "1,29,2,2026-09-04,ok,5,5,6,6",
    "1,30,1,2026-09-05,x,11,5,5,5",
]
MODEL = """\
id: mini
name: {zh: 小模型, en: Mini model}
latents: [image, satisfaction]
paths:
  - image -> satisfaction
target: satisfaction
"""


@pytest.fixture(scope="session")
def questionnaire() -> Path:
    return DATA / "mini.yaml"


@pytest.fixture
def model(tmp_path) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(MODEL, encoding="utf-8")
    return path


@pytest.fixture
def study(tmp_path, questionnaire, model) -> Study:
    return Study.create(tmp_path / "study", questionnaire=questionnaire, model=model,
                        lock_timeout=5)


def write_csv(path: Path, rows=ROWS, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def snapshot(study: Study) -> dict[str, pd.DataFrame]:
    """Every table of the study's database, sorted, plus the list of files in the folder."""
    con = duckdb.connect(str(study.path / DATABASE), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() "
                                           "ORDER BY table_name").fetchall()]
        out = {}
        for name in names:
            frame = con.sql(f'SELECT * FROM "{name}"').df()
            out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True) \
                if len(frame.columns) else frame
    finally:
        con.close()
    out["_files"] = pd.DataFrame({"file": sorted(str(p.relative_to(study.path))
                                                 for p in study.path.rglob("*")
                                                 if not p.name.endswith(".wal"))})
    return out


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
