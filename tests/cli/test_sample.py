"""``survey sample`` end to end: frame file in, sample with design weights out."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from survey.cli import cli

REGIONS = {"华北": 40, "华南": 30, "西北": 20, "东北": 10}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture()
def frame() -> pd.DataFrame:
    rows = [(f"0{i:03d}", region) for region, size in REGIONS.items() for i in range(size)]
    return pd.DataFrame({"customer": [f"c{i:03d}" for i in range(len(rows))],
                         "phone": [p for p, _ in rows], "region": [r for _, r in rows]})


@pytest.fixture()
def gb_csv(frame, tmp_path):
    path = tmp_path / "客户名单.csv"  # a GB18030 export, as Excel "ANSI" saves it in China
    path.write_bytes(frame.to_csv(index=False).encode("gb18030"))
    return path


def test_stratified_sample_from_gb18030_csv(gb_csv, tmp_path):
    out = tmp_path / "sample.csv"
    r = run("sample", str(gb_csv), "--design", "stratified", "--n", "20", "--strata", "region",
            "--seed", "7", "--out", str(out))
    assert r.exit_code == 0, r.output
    s = pd.read_csv(out, dtype={"phone": str}, encoding="utf-8")
    assert len(s) == 20
    assert list(s.columns) == ["customer", "phone", "region", "selection_prob", "design_weight",
                               "stratum", "fpc"]
    assert s["phone"].str.startswith("0").all()  # text kept as text
    assert s.groupby("stratum")["design_weight"].sum().to_dict() == pytest.approx(REGIONS)
    assert s.groupby("stratum").size().to_dict() == {"华北": 8, "华南": 6, "西北": 4, "东北": 2}
    assert f"{gb_csv}: drew n=20 of N=100 units (stratified by 'region', proportional " \
           "allocation, seed 7)." in r.output
    assert "华北  N_h=     40  n_h=     8  weight 5" in r.output
    assert "Design weights 5 to 5, sum 100." in r.output
    # same seed, same bytes
    again = tmp_path / "again.csv"
    run("sample", str(gb_csv), "--design", "stratified", "--n", "20", "--strata", "region",
        "--seed", "7", "--out", str(again))
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize("design", ["srs", "systematic"])
def test_unstratified_designs_from_xlsx_and_parquet(frame, tmp_path, design):
    xlsx, parquet = tmp_path / "frame.xlsx", tmp_path / "frame.parquet"
    frame.to_excel(xlsx, index=False)
    frame.to_parquet(parquet)
    for path in (xlsx, parquet):
        out = tmp_path / f"{path.stem}-{design}.csv"
        r = run("sample", str(path), "--design", design, "--n", "30", "--seed", "1",
                "--out", str(out))
        assert r.exit_code == 0, r.output
        s = pd.read_csv(out)
        assert len(s) == 30 and s["customer"].is_unique
        assert s["design_weight"].sum() == pytest.approx(100)
        assert (s["fpc"] == 100).all()
        assert f"drew n=30 of N=100 units ({design}, seed 1)" in r.output


@pytest.mark.parametrize(("args", "message"), [
    (["--design", "srs", "--n", "101"],
     "The sample size n cannot exceed the 100 units of the frame"),
    (["--design", "srs", "--n", "0"], "The sample size n must be at least 1. Got 0 instead."),
    (["--design", "stratified", "--n", "10", "--strata", "area"],
     "Strata column 'area' is not in the frame. Expected one of ['customer', 'phone', 'region']."),
    (["--design", "stratified", "--n", "60", "--strata", "region", "--allocation", "equal"],
     "column 'region': stratum '东北' has 10 units but the equal allocation asks for 15."),
    (["--design", "stratified", "--n", "10"], "A stratified design needs a strata column."),
])
def test_bad_request_exits_2_with_one_line(gb_csv, tmp_path, args, message):
    out = tmp_path / "never.csv"
    r = run("sample", str(gb_csv), *args, "--seed", "1", "--out", str(out))
    assert r.exit_code == 2
    assert message in r.output
    assert r.output.startswith(f"error: {gb_csv}: ") and r.output.count("\n") == 1
    assert "Traceback" not in r.output and not out.exists()


def test_unreadable_frames_name_the_file(tmp_path):
    latin = tmp_path / "latin1.csv"
    # "é" then a newline is neither UTF-8 nor GB18030 (most latin-1 text decodes as GB18030).
    latin.write_bytes("customer,region\nc1,café\nc2,x\n".encode("latin-1"))
    r = run("sample", str(latin), "--design", "srs", "--n", "1", "--seed", "1", "--out",
            str(tmp_path / "o.csv"))
    assert r.exit_code == 2
    # The file, the line and what to do (issue 12: a Windows-1252 file is never read as
    # GB18030 mojibake).
    assert f"{latin}:2: The file is neither UTF-8 nor GB18030 text" in r.output
    assert "cp1252" in r.output
    # ... and read as what it is when its encoding is given.
    r = run("sample", str(latin), "--design", "srs", "--n", "2", "--seed", "1", "--out",
            str(tmp_path / "o.csv"), "--encoding", "latin-1")
    assert r.exit_code == 0, r.output
    assert "café" in (tmp_path / "o.csv").read_text(encoding="utf-8")
    missing = tmp_path / "nope.csv"
    r = run("sample", str(missing), "--design", "srs", "--n", "1", "--seed", "1", "--out",
            str(tmp_path / "o.csv"))
    assert r.exit_code == 2 and f"{missing}: File not found." in r.output


def test_missing_stratum_cells_are_listed(frame, tmp_path):
    frame.loc[[4, 9], "region"] = ""
    path = tmp_path / "holes.csv"
    frame.to_csv(path, index=False)
    r = run("sample", str(path), "--design", "stratified", "--n", "10", "--strata", "region",
            "--seed", "1", "--out", str(tmp_path / "o.csv"))
    assert r.exit_code == 2
    assert f"{path}:6: column 'region': the unit has no stratum." in r.output
    assert f"{path}:11: column 'region': the unit has no stratum." in r.output


def test_frame_text_that_would_run_as_a_formula_is_neutralised(tmp_path):
    """A frame's text cells starting like a spreadsheet formula are written as text ('=...);
    numbers that start with a sign stay numbers."""
    hostile = ["=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd",
               "-2+3+cmd|' /C calc'!A0", "\t=1+1", "plain"]
    frame = pd.DataFrame({"customer": [f"c{i}" for i in range(12)],
                          "note": hostile * 2, "balance": ["-5", "+3.5"] * 6})
    path = tmp_path / "frame.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "sample.csv"
    r = run("sample", str(path), "--design", "srs", "--n", "12", "--seed", "1", "--out", str(out))
    assert r.exit_code == 0, r.output
    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    for cell in raw["note"]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert cell == "plain" or cell.startswith("'")
    assert sorted(set(raw["note"])) == sorted({"plain", *("'" + h for h in hostile[:-1])})
    assert not any(c.startswith("'") for c in raw["balance"])
    assert sorted(pd.to_numeric(raw["balance"]).unique()) == [-5.0, 3.5]
