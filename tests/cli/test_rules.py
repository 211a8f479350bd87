"""One rule for each reading, and the console, the JSON and the report say the same (issue 8).

* A wave-over-wave change is significant when the permutation p-value is below alpha and the
  bootstrap interval of the change excludes 0; "not conclusive" when the two disagree
  (survey.analysis.waves.CHANGE_RULE). p-values below alpha never print as alpha.
* PLS and CB-SEM agree on an R² when the two differ by less than R2_GAP
  (survey.estimators.compare); the console and the report print the rows' ``reasons``.
* An estimate on fewer respondents than survey.estimators.sample_size.minimum_n carries the
  ``small_sample`` notice, for each method of ``survey estimate`` and for the tracking cells.

Each test runs the real CLI (or the tracking run behind ``survey run``) on small data with few
resamples, and checks the JSON, the console text and the rendered report against each other.
"""

from __future__ import annotations

import dataclasses
import io
import json

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from rich.console import Console

from survey.analysis.waves import CHANGE_RULE, SignificanceRule
from survey.cli import cli
from survey.cli.run import summarise
from survey.cli.simulate import airline_ccsi
from survey.estimators.bootstrap import MIN_USABLE
from survey.estimators.compare import R2_GAP
from survey.estimators.sample_size import minimum_n
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.report.render import format_p
from survey.report.texts import TRACKING_UI
from survey.report.tracking import build_tracking_context, render_tracking_report
from survey.simulate import AIRLINE_CCSI, TRACKING_STUDY, simulate_responses
from survey.tracking import track

#: A permutation p-value just below alpha: "0.050" or "0.0500" beside "significant" was the bug.
EDGE_P = 0.04996


def run(*args, env=None):
    r = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env)
    assert r.exit_code == 0, r.output
    return r.output


def flat(text: str) -> str:
    """Console text with rich's line wrapping undone."""
    return " ".join(text.split())


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --------------------------------------------------------------------------- 1. changes


def rule_says(p: float | None, lo: float | None, hi: float | None) -> str:
    """The rule as the issue states it, written out independently of the code."""
    p_says = None if p is None else p < 0.05
    ci_says = None if lo is None else (lo > 0 or hi < 0)
    said = [x for x in (p_says, ci_says) if x is not None]
    if not said:
        return "untested"
    return ("significant" if all(said) else "not_significant" if not any(said)
            else "inconclusive")


@pytest.mark.parametrize("p,lo,hi", [
    (0.01, 1.0, 3.0), (0.2, -1.0, 3.0), (EDGE_P, -0.2, 3.1), (0.2, 0.5, 3.0),
    (None, 0.5, 3.0), (None, -0.5, 3.0), (0.01, None, None), (0.05, None, None),
    (None, None, None), (0.05, 0.5, 3.0),
])
def test_the_change_rule(p, lo, hi):
    assert CHANGE_RULE.alpha == 0.05 and CHANGE_RULE.level == 0.95
    assert CHANGE_RULE.decide(p, lo, hi) == rule_says(p, lo, hi)
    assert SignificanceRule(level=0.9).decide(0.08, 0.1, 1.0) == "significant"


@pytest.mark.parametrize("value,text", [
    (EDGE_P, "0.04996"), (0.04995, "0.04995"), (0.0499999999999, "< 0.05"), (0.05, "0.050"),
    (0.05004, "0.050"), (0.0196, "0.020"), (0.00099, "< 0.001"), (1.0, "1.000"), (None, "–"),
])
def test_a_p_value_below_alpha_never_prints_as_alpha(value, text):
    assert format_p(value) == text


def test_survey_run_calls_a_change_what_its_verdict_says(root, tmp_path, monkeypatch):
    """Every permutation p-value is set to 0.04996 (just below alpha): a change whose interval
    holds 0 is then "not conclusive", in the JSON, on the console and in the report, and no p
    prints as 0.050 or 0.0500."""
    import survey.analysis.segments as segments

    real = segments.compare_levels

    def at_the_edge(*args, **kwargs):
        pair = real(*args, **kwargs)
        return dataclasses.replace(pair, tests=tuple(dataclasses.replace(t, p_value=EDGE_P)
                                                     for t in pair.tests))

    monkeypatch.setattr(segments, "compare_levels", at_the_edge)
    bound = airline_ccsi()
    study = tmp_path / "study"
    run("init", study, "--questionnaire", root / "questionnaires/airline.yaml", "--model",
        root / "models/ccsi.yaml")
    for k, wave in enumerate(("2026Q1", "2026Q2")):
        path = tmp_path / f"{wave}.csv"
        simulate_responses(bound, TRACKING_STUDY[(wave, "A")], n=120, seed=40 + k).to_csv(
            path, index=False)
        run("ingest", study, path, "--wave", wave, "--brand", "A")
    output = flat(run("run", study, "--bootstrap", "50", "--permutations", "50", "--workers",
                      "0", "--out", tmp_path / "out", "--lang", "en"))
    doc = json.loads((tmp_path / "out" / "tracking.json").read_text(encoding="utf-8"))
    page = soup(tmp_path / "out" / "tracking_report.html")

    # The JSON: the rule and its parameters, and each change's significance by that rule.
    assert doc["settings"]["significance_rule"] == {"code": "p_and_interval", "alpha": 0.05,
                                                    "level": 0.95}
    changes = doc["changes"]
    assert {c["p_value"] for c in changes} == {EDGE_P}
    for c in changes:
        assert c["significance"] == rule_says(c["p_value"], c["ci_low"], c["ci_high"])
        assert c["significant"] == (c["significance"] == "significant")
        if c["ci_low"] <= 0 <= c["ci_high"]:
            assert not c["significant"]  # the reported contradiction
    verdicts = {c["verdict"] for c in changes}
    assert "inconclusive" in verdicts and verdicts & {"rise", "fall"}

    # The console: each index change listed under its verdict, both numbers shown.
    assert "significant when p < 0.05 and the 95% interval of the change excludes 0" in output
    line = output[output.index("brand=A: 2026Q1 -> 2026Q2:"):]
    words = {"rise": "up:", "fall": "down:", "inconclusive": "not conclusive:",
             "not_comparable": "not comparable:"}
    for c in changes:
        if c["kind"] != "index":
            continue
        shown = (c["a"] if c["verdict"] == "not_comparable"
                 else f"{c['a']} {c['change']:+.1f} [{c['ci_low']:.1f}, {c['ci_high']:.1f}], "
                      f"p 0.04996")
        assert shown in line, c
        assert words[c["verdict"]] in line
    assert "0.0500" not in output and "p 0.050," not in output

    # The report: each row carries the change's verdict and says the same.
    ui = TRACKING_UI
    for c in changes:
        row = page.find("details", class_="all-paths").find(
            "tr", attrs={"data-kind": "path", "data-a": c["a"], "data-b": c["b"]}) \
            if c["kind"] == "path" else page.find("table", class_="index-changes").find(
            "tr", attrs={"data-kind": "index", "data-a": c["a"]})
        cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
        assert row["data-verdict"] == c["verdict"]
        assert cells[5] == "0.04996"
        assert cells[6] == ui[f"significance_{c['significance']}"]["en"]
    moved = [c for c in changes if c["kind"] == "path"
             and c["verdict"] in ("rise", "fall", "inconclusive")]
    listed = page.find("table", class_="significant-paths")
    assert len(listed.find_all("tr", attrs={"data-kind": "path"}) if listed else []) == len(moved)
    summary = page.find("div", class_="step-summary").get_text(" ", strip=True)
    assert ("Not conclusive" in summary) == any(c["verdict"] == "inconclusive"
                                                for c in changes if c["kind"] == "index")


# --------------------------------------------------------------------------- 2. PLS vs CB-SEM


def test_pls_and_cbsem_r2_agree_only_within_the_gap(root, tmp_path):
    data = tmp_path / "wave.csv"
    simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=400, seed=5).to_csv(data, index=False)
    out = flat(run("estimate", "-q", root / "questionnaires/airline.yaml", "-m",
                   root / "models/ccsi.yaml", "-d", data, "--method", "both", "--json",
                   tmp_path / "both.json", "--report", tmp_path / "both.html", "--lang", "en"))
    rows = json.loads((tmp_path / "both.json").read_text(encoding="utf-8"))["comparison"]
    r2 = [r for r in rows if r["kind"] == "r2"]
    for r in r2:
        assert r["reasons"] == (["size"] if abs(r["difference"]) >= R2_GAP else [])
    # PLS satisfaction 0.51 against CB-SEM 0.66 on these data: once called agreeing.
    assert [r["a"] for r in r2 if r["reasons"]] == ["quality", "value", "satisfaction",
                                                   "loyalty"]

    flagged = [r for r in rows if r["reasons"]]
    assert f"PLS and CB-SEM disagree on {len(flagged)} of {len(rows)} compared numbers" in out
    for r in r2:
        line = f"R² {r['a']}: PLS {r['pls']:.3f}, CB-SEM {r['cbsem']:.3f} (large gap)"
        assert (line in out) == bool(r["reasons"])

    section = soup(tmp_path / "both.html").find(id="comparison")
    assert f"{len(flagged)} rows disagree" in section.get_text(" ", strip=True)
    for r in rows:
        tr = section.find("tr", attrs={"data-key": f"{r['kind']}:{r['a']}:{r['b']}"})
        assert tr["data-flagged"] == ("1" if r["reasons"] else "0")
        last = tr.find_all("td")[-1]
        assert [x["data-reason"] for x in last.find_all("span", class_="tag")] == r["reasons"]
        assert (last.get_text(strip=True) == "agree") == (not r["reasons"])
    legend = section.find("ul", class_="legend-list").get_text(" ", strip=True)
    assert "The R² differ by 0.10 or more" in legend


# --------------------------------------------------------------------------- 3. small samples


def test_survey_estimate_warns_below_each_methods_minimum(root, tmp_path):
    """28 respondents of the 4-item mini model: PLS (minimum 30) warns. 80 airline
    respondents (40 items) with both estimators: only CB-SEM (minimum 100) warns."""
    mini_q = root / "tests/inputs/data/mini.yaml"
    mini_m = root / "tests/cli/mini_model.yaml"
    mini = bind(load_model(mini_m), load_questionnaire(mini_q))
    airline = airline_ccsi()
    assert (minimum_n(mini, "pls"), minimum_n(airline, "pls"),
            minimum_n(airline, "cbsem")) == (30, 41, 100)
    mini_population = dataclasses.replace(AIRLINE_CCSI,
                                          paths={("image", "satisfaction"): 0.6})
    cases = ((mini, mini_q, mini_m, mini_population, 28, "pls", 1, ["pls"], 1),
             (airline, root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
              AIRLINE_CCSI, 80, "both", 2, ["cbsem"], 4))
    for bound, q_path, m_path, population, n, method, seed, expected, predictors in cases:
        data = tmp_path / f"w{n}.csv"
        simulate_responses(bound, population, n=n, seed=seed).to_csv(data, index=False)
        out = flat(run("estimate", "-q", q_path, "-m", m_path, "-d", data, "--method", method,
                       "--json", tmp_path / f"{n}.json", "--report", tmp_path / f"{n}.html",
                       "--lang", "en"))
        doc = json.loads((tmp_path / f"{n}.json").read_text(encoding="utf-8"))
        estimates = {doc["method"]: doc, **doc.get("alternatives", {})}
        alert = soup(tmp_path / f"{n}.html").find(id="sample-size-alert")
        warned = []
        for m, est in estimates.items():
            small = [w for w in est["warning_codes"] if w["code"] == "small_sample"]
            if est["n"] >= minimum_n(bound, m):
                assert not small
                continue
            warned.append(m)
            assert small == [{"code": "small_sample", "params": {
                "n": est["n"], "minimum": minimum_n(bound, m),
                "floor": 30 if m == "pls" else 100, "predictors": predictors,
                "items": len(bound.items)}}]
            sentence = next(w for w in est["warnings"] if w.startswith("Small sample"))
            assert f"uses {n} respondents, fewer than the {minimum_n(bound, m)}" in sentence
            assert sentence in out
            assert sentence in alert.get_text(" ", strip=True)
        assert warned == expected
        assert out.count("Small sample") == len(warned)
        assert len(alert.find_all("p", attrs={"data-notice": "small_sample"})) == len(warned)


def test_survey_estimate_refuses_no_more_respondents_than_items(root, tmp_path):
    """28 airline respondents for 40 items: the item covariance matrix is singular, no
    estimator can run (lavaan refuses too); one line saying n, the items and what to do."""
    data = tmp_path / "w28.csv"
    simulate_responses(airline_ccsi(), AIRLINE_CCSI, n=28, seed=1).to_csv(data, index=False)
    for method in ("pls", "cbsem"):
        r = CliRunner().invoke(cli, ["estimate", "-q", str(root / "questionnaires/airline.yaml"),
                                     "-m", str(root / "models/ccsi.yaml"), "-d", str(data),
                                     "--method", method, "--json", str(tmp_path / "x.json")])
        assert r.exit_code == 2 and "Traceback" not in r.output
        assert f"Only 28 respondents are usable ({'mean' if method == 'pls' else 'fiml'}" \
               in flat(r.output)
        assert "for 40 items" in r.output and "Collect more responses" in flat(r.output)
        assert not (tmp_path / "x.json").exists()


def test_a_tracking_cell_below_the_minimum_carries_the_notice(root):
    """Cells of 40 respondents (enough for the mini model's 30) where listwise deletion leaves
    25 in the second wave: that cell is estimated and says it is small, in the JSON, on the
    console of ``survey run`` and in the tracking report."""
    q = load_questionnaire(root / "tests/inputs/data/mini.yaml")
    model = root / "tests" / "cli" / "mini_model.yaml"
    bound = bind(load_model(model), q)
    rng = np.random.default_rng(3)
    frames = []
    for wave, gaps in (("W1", 0), ("W2", 15)):
        image = rng.normal(size=40)
        sat = 0.6 * image + 0.8 * rng.normal(size=40)
        items = {i: np.clip(np.rint(6 + 1.2 * f + rng.normal(size=40)), 1, 10)
                 for i, f in (("im1", image), ("im2", image), ("sa1", sat), ("sa2", sat))}
        frame = pd.DataFrame(items).assign(wave=wave, brand="A")
        frame.loc[: gaps - 1, "sa2"] = np.nan
        frames.append(frame)
    tracking = track(bound, pd.concat(frames, ignore_index=True), waves=["W1", "W2"],
                     by=["brand"], missing="listwise", bootstrap=MIN_USABLE, permutations=0,
                     workers=0)
    assert tracking.settings["minimum_n"] == minimum_n(bound) == 30

    doc = tracking.to_json()
    assert [w["cell"] for w in doc["cell_warnings"]] == [{"wave": "W2", "brand": "A"}]
    small = [w for w in doc["cell_warnings"][0]["warning_codes"] if w["code"] == "small_sample"]
    assert small == [{"code": "small_sample",
                      "params": {"n": 25, "minimum": 30, "floor": 30, "predictors": 1,
                                 "items": 4}}]
    sentence = next(w for w in doc["cell_warnings"][0]["warnings"]
                    if w.startswith("Small sample"))

    buffer = io.StringIO()
    summarise(tracking, Console(file=buffer, width=1000))
    assert f"warning wave=W2, brand=A: {sentence}" in buffer.getvalue()

    for lang in ("en", "zh"):
        page = BeautifulSoup(render_tracking_report(build_tracking_context(tracking, bound,
                                                                          lang)),
                             "html.parser")
        tags = page.find(id="trend-table").find_all("span", attrs={"data-notice": "small_sample"})
        text = tracking.cells[1].estimate.notices[-1].text(lang)
        assert [t["title"] for t in tags] == [text]
        assert text in page.find(id="failed-cells").get_text(" ", strip=True)
        summary = page.find(id="summary").get_text(" ", strip=True)
        assert TRACKING_UI["minimum_n_text"][lang].format(n=30) in summary
