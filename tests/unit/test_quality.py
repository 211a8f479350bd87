"""Response quality flags (survey.quality) on a generated study with planted rows.

Each rule must find exactly the rows planted for it (fixture ``planted_quality`` in
tests/conftest.py) and, on the clean simulated respondents, nothing beyond what the rule's
definition implies: the definition is computed here again, independently, from the raw file
(pandas on the CSV's cells, not the module's code). Durations are checked against closed-form
seconds; excluding flagged respondents must change the estimate's n by exactly the excluded
rows and give the same estimate as removing those rows from the file by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.errors import QuestionnaireError, ResponseValidationError, SurveyError
from survey.ingest import read_responses
from survey.quality import RULES, check_quality, check_rules
from survey.questionnaire import load_questionnaire


def flagged(flags, rule: str) -> set[int]:
    return set(flags.flags.loc[flags.flags["rule"] == rule, "row"].astype(int))


def by_definition(frame: pd.DataFrame, items: list[str], blocks: dict[str, list[str]]
                  ) -> dict[str, set[int]]:
    """The straight-liner and don't-know rules computed from the raw cells: a respondent
    whose answered items (not 9) are all equal within every construct with >= 3 answers, and
    one with more than 15 % of the items at the don't-know code 9."""
    raw = frame[items].astype(int)
    answered = raw.where(raw != 9)
    straight = pd.Series(True, index=frame.index)
    eligible = pd.Series(0, index=frame.index)
    for cols in blocks.values():
        block = answered[cols]
        ok = block.notna().sum(axis=1) >= 3
        eligible += ok
        straight &= ~ok | (block.nunique(axis=1) == 1)
    dk = (raw == 9).sum(axis=1) / len(items) > 0.15
    return {"straightliner": {p + 2 for p in frame.index[straight & (eligible > 0)]},
            "dont_know": {p + 2 for p in frame.index[dk]}}


@pytest.fixture
def checked(planted_quality):
    q = load_questionnaire(planted_quality.questionnaire)
    responses = read_responses(planted_quality.data, q)
    return planted_quality, q, responses, check_quality(responses, q)


def test_each_rule_finds_exactly_the_planted_rows(checked):
    study, q, responses, flags = checked
    assert responses.report.n_accepted == 200  # ingest kept every planted row
    blocks = {c: [i.id for i in q.constructs[c].items] for c in q.constructs}
    expected = by_definition(study.frame, study.items, blocks)
    for rule in ("speeder", "duplicate", "attention"):
        assert flagged(flags, rule) == study.planted[rule], rule
    # Straight-lining and don't-knows: the planted rows, plus whatever clean simulated rows
    # meet the definition by chance (the population's 1 % don't-know rate gives one row 2 of
    # 12 don't-knows: 17 % > 15 %, flagged by definition).
    assert study.planted["straightliner"] <= flagged(flags, "straightliner")
    assert flagged(flags, "straightliner") == expected["straightliner"]
    assert study.planted["dont_know"] <= flagged(flags, "dont_know")
    assert flagged(flags, "dont_know") == expected["dont_know"]
    assert 182 not in study.planted["dont_know"] and 182 in flagged(flags, "dont_know")
    summary = flags.summary().set_index("rule")
    assert list(summary.index) == list(RULES)
    assert summary.loc["speeder", "flagged"] == 3
    assert summary.loc["speeder", "share"] == pytest.approx(3 / 200)


def test_reasons_name_the_evidence(checked):
    study, _, _, flags = checked
    f = flags.flags.set_index(["row", "rule"])
    durations = study.frame["所用时间"].str.rstrip("秒").astype(float)
    median = durations.median()
    assert f.loc[(7, "speeder"), "value"] == 85.0
    assert f"median {median:.0f} s" in f.loc[(7, "speeder"), "reason"]
    assert f.loc[(92, "duplicate"), "reason"] == "same answers and profile as row 12"
    assert f.loc[(92, "duplicate"), "value"] == 12
    assert f.loc[(142, "duplicate"), "reason"] == "same 来自IP '10.0.20.7' as row 22"
    assert "blank, expected 3" in f.loc[(101, "attention"), "reason"]
    assert f.loc[(46, "dont_know"), "value"] == pytest.approx(4 / 12)


def test_clean_simulated_data_has_no_flags_beyond_the_definitions(planted_quality, tmp_path):
    """Without the planted rows: no speeder (durations 300-900 s, cut-off at least 90 s), no
    duplicate (distinct IPs; 12 answers and the profile never coincide here), no failed check;
    straight-liners and don't-knows exactly as their definitions say."""
    study = planted_quality
    planted = set().union(*study.planted.values()) | {12, 22}  # the originals of the copies
    clean = study.frame.drop(index=[r - 2 for r in planted]).reset_index(drop=True)
    path = tmp_path / "clean.csv"
    clean.to_csv(path, index=False)
    q = load_questionnaire(study.questionnaire)
    flags = check_quality(read_responses(path, q), q)
    blocks = {c: [i.id for i in q.constructs[c].items] for c in q.constructs}
    expected = by_definition(clean, study.items, blocks)
    for rule in ("speeder", "duplicate", "attention"):
        assert flagged(flags, rule) == set(), rule
    assert flagged(flags, "straightliner") == expected["straightliner"] == set()
    assert flagged(flags, "dont_know") == expected["dont_know"]


@pytest.mark.parametrize(("cell", "seconds"), [
    ("412", 412), ("412秒", 412), ("412 s", 412), ("6分52秒", 412), ("1小时2分3秒", 3723),
    ("00:06:52", 412), ("6:52", 412), ("1:00:00", 3600), ("7.5", 7.5)])
def test_duration_cells_read_as_seconds(cell, seconds):
    from survey.quality import durations
    from survey.questionnaire import QualityChecks

    data = pd.DataFrame({"所用时间": [cell, ""]}, index=[2, 3])
    got, basis = durations(data, QualityChecks(), "f.csv")
    assert got[2] == seconds and np.isnan(got[3])
    assert basis == "column '所用时间'"


def test_start_and_end_timestamps_give_the_duration():
    """Kobo's start/end (ISO 8601 with a time zone) and Qualtrics' StartDate/EndDate."""
    from survey.quality import durations
    from survey.questionnaire import QualityChecks

    kobo = pd.DataFrame({"start": ["2026-09-01T10:00:00.000+08:00", "2026-09-01T23:59:30+08:00"],
                         "end": ["2026-09-01T10:07:30.500+08:00", "2026-09-02T00:00:10+08:00"]},
                        index=[2, 3])
    got, _ = durations(kobo, QualityChecks(), "kobo.csv")
    assert list(got) == [450.5, 40.0]
    qualtrics = pd.DataFrame({"StartDate": ["2026-09-01 10:00:00"],
                              "EndDate": ["2026-09-01 10:01:40"]}, index=[4])
    got, basis = durations(qualtrics, QualityChecks(), "q.csv")
    assert got[4] == 100.0 and basis == "columns 'StartDate' to 'EndDate'"


def test_thresholds_come_from_the_questionnaire(planted_quality, tmp_path):
    """speeder share 0.6 flags every duration under 60 % of the median; straight-lining in
    2 of 3 grids (share 0.6) flags a row planted to straight-line two grids."""
    study = planted_quality
    text = study.questionnaire.read_text(encoding="utf-8").replace(
        "quality:\n", "quality:\n  speeder: {share: 0.6}\n  straightliner: {share: 0.6}\n")
    qfile = tmp_path / "q2.yaml"
    qfile.write_text(text, encoding="utf-8")
    frame = study.frame.copy()
    frame.loc[150, ["s1", "s2", "s3", "s4", "v1", "v2", "v3", "v4"]] = [2] * 4 + [6] * 4
    frame.loc[150, ["f1", "f2", "f3", "f4"]] = [1, 2, 3, 4]
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    q = load_questionnaire(qfile)
    flags = check_quality(read_responses(path, q), q)
    seconds = frame["所用时间"].str.rstrip("秒").astype(float)
    assert flagged(flags, "speeder") == {p + 2 for p in frame.index[seconds < 0.6 * seconds.median()]}
    assert len(flagged(flags, "speeder")) > 3
    assert 152 in flagged(flags, "straightliner")


def test_excluding_flagged_respondents_changes_n_by_exactly_those_rows(planted_quality):
    """PLS without bootstrap: the estimate with --exclude-flagged equals the estimate on the
    file with those rows removed by hand (n and every index), and the JSON block's
    "without" indices equal the estimate on every respondent."""
    from survey.study import estimate_study

    study = planted_quality
    args = (study.questionnaire, study.model)
    every = estimate_study(*args, study.data, analyses=())
    result = estimate_study(*args, study.data, analyses=(),
                            exclude_flagged=("speeder", "straightliner"))
    dropped = study.planted["speeder"] | study.planted["straightliner"]
    assert result.estimate.n == every.estimate.n - len(dropped) == 193
    by_hand = estimate_study(*args, study.frame.drop(index=[r - 2 for r in dropped]),
                             analyses=())
    assert result.estimate.n == by_hand.estimate.n
    for a, b in zip(result.estimate.indices, by_hand.estimate.indices, strict=True):
        assert a.value == pytest.approx(b.value, abs=1e-9)
    doc = result.to_json()["quality"]
    assert doc["excluded_rules"] == ["speeder", "straightliner"]
    assert doc["n_excluded"] == 7 and doc["n_used"] == 193 and doc["n_checked"] == 200
    assert sorted(doc["excluded_rows"]) == sorted(dropped)
    rules = {r["rule"]: r for r in doc["rules"]}
    assert rules["speeder"]["excluded"] == 3 and rules["straightliner"]["excluded"] == 4
    assert rules["attention"]["flagged"] == 3 and rules["attention"]["excluded"] == 0
    whole = {i.latent: i.value for i in every.estimate.indices}
    for row in doc["indices"]:
        assert row["without_exclusion"] == pytest.approx(whole[row["latent"]], abs=1e-9)
    assert result.manifest["settings"]["exclude_flagged"] == ["speeder", "straightliner"]
    assert "exclude_flagged" not in every.manifest["settings"]
    assert "quality" not in every.to_json()


def test_unknown_rule_is_refused():
    with pytest.raises(SurveyError, match=r"Unknown quality rule 'speeders'. Expected one of"):
        check_rules(["speeders"])


def test_a_rule_that_cannot_apply_is_refused_not_skipped(planted_quality, tmp_path):
    from survey.study import estimate_study

    study = planted_quality
    path = tmp_path / "no_time.csv"
    study.frame.drop(columns=["所用时间"]).to_csv(path, index=False)
    with pytest.raises(SurveyError, match=r"cannot exclude 'speeder' respondents: no duration "
                                          r"column"):
        estimate_study(study.questionnaire, study.model, path, analyses=(),
                       exclude_flagged=("speeder",))


def test_a_duration_column_that_is_not_a_duration_names_row_and_column(planted_quality,
                                                                          tmp_path):
    study = planted_quality
    frame = study.frame.copy()
    frame.loc[3, "所用时间"] = "fast"
    frame.loc[9, "所用时间"] = "-5"
    path = tmp_path / "bad_time.csv"
    frame.to_csv(path, index=False)
    q = load_questionnaire(study.questionnaire)
    with pytest.raises(ResponseValidationError) as err:
        check_quality(read_responses(path, q), q)
    text = str(err.value)
    assert f"{path}:5: column '所用时间': value 'fast' is not a duration. Expected seconds" in text
    assert f"{path}:11: column '所用时间': value '-5' is not a duration" in text


def test_end_before_start_is_refused():
    from survey.quality import durations
    from survey.questionnaire import QualityChecks

    data = pd.DataFrame({"StartDate": ["2026-09-01 10:00:00", "yesterday"],
                         "EndDate": ["2026-09-01 09:00:00", "2026-09-01 09:00:00"]},
                        index=[2, 3])
    with pytest.raises(ResponseValidationError) as err:
        durations(data, QualityChecks(), "q.csv")
    assert "q.csv:2: column 'EndDate': the interview ends (2026-09-01 09:00:00) before" in str(
        err.value)
    assert "q.csv:3: column 'StartDate': value 'yesterday' is not a date and time" in str(
        err.value)


def test_a_declared_column_missing_from_the_data_names_the_yaml_key(planted_quality,
                                                                     tmp_path):
    study = planted_quality
    text = study.questionnaire.read_text(encoding="utf-8").replace(
        "quality:\n", "quality:\n  duration: Duration (in seconds)\n")
    qfile = tmp_path / "q3.yaml"
    qfile.write_text(text, encoding="utf-8")
    q = load_questionnaire(qfile)
    with pytest.raises(ResponseValidationError,
                       match=r"Column 'Duration \(in seconds\)' \(.*q3.yaml: quality.duration\) "
                             r"is not in the data"):
        check_quality(read_responses(study.data, q), q)


@pytest.mark.parametrize(("block", "where", "message"), [
    ("  speeder: {share: 2}\n", "quality.speeder.share", "Expected a number from 0.01 to 1"),
    ("  straightliner: {min_items: 1}\n", "quality.straightliner.min_items",
     "Expected a whole number from 2"),
    ("  attention:\n    - {column: s1, pass: [3]}\n", "quality.attention.0.column",
     "'s1' is an item of constructs.service"),
    ("  attention:\n    - {column: chk}\n", "quality.attention.0", "Expected {column: COLUMN"),
    ("  duration: {start: a}\n", "quality.duration", "Expected the column of the interview"),
    ("  speed: {share: 0.3}\n", "quality.speed", "Unknown key 'speed'"),
    ("  straightliner: {grids: [[s1, age]]}\n", "quality.straightliner.grids.0",
     "'age' is not a rated item of this questionnaire"),
])
def test_bad_quality_blocks_name_their_yaml_path(planted_quality, tmp_path, block, where,
                                                 message):
    text = planted_quality.questionnaire.read_text(encoding="utf-8")
    qfile = tmp_path / "bad.yaml"
    # The block alone (the fixture's attention check would be a duplicate key).
    qfile.write_text(text[:text.index("quality:")] + "quality:\n" + block, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as err:
        load_questionnaire(qfile)
    assert "bad.yaml:" in str(err.value)
    assert where in str(err.value) and message in str(err.value)


def test_the_api_gives_the_flags_and_the_exclusion(planted_quality):
    import survey

    s = planted_quality
    flags = survey.quality_flags(s.questionnaire, s.data)
    assert set(flags.rows(["attention"])) == s.planted["attention"]
    res = survey.estimate(s.questionnaire, s.model, s.frame, analyses=[],
                          exclude_flagged=["duplicate"])
    table = res.quality.set_index("rule")
    assert table.loc["duplicate", "excluded"] == 2 and res.n == 198
    assert res.quality.attrs["n_used"] == 198
    plain = survey.estimate(s.questionnaire, s.model, s.frame, analyses=[])
    with pytest.raises(SurveyError, match="No quality rule was applied"):
        plain.quality  # noqa: B018


def test_too_few_durations_make_no_median(planted_quality, tmp_path):
    """Fewer than MIN_DURATIONS known durations: the speeder rule is not applied (and saying
    it excluded nobody would mislead, so --exclude-flagged speeder is refused)."""
    from survey.quality import MIN_DURATIONS
    from survey.study import estimate_study

    s = planted_quality
    frame = s.frame.copy()
    frame.loc[MIN_DURATIONS - 1:, "所用时间"] = ""
    path = tmp_path / "few.csv"
    frame.to_csv(path, index=False)
    q = load_questionnaire(s.questionnaire)
    rule = check_quality(read_responses(path, q), q).rule("speeder")
    assert not rule.available and rule.flagged == 0
    assert rule.note.startswith(f"{MIN_DURATIONS - 1} known durations")
    with pytest.raises(SurveyError, match="cannot exclude 'speeder' respondents: 9 known"):
        estimate_study(s.questionnaire, s.model, path, analyses=(),
                       exclude_flagged=("speeder",))


def test_a_numeric_duration_column_is_seconds_and_negative_is_refused():
    """An Excel or Parquet column of numbers (Qualtrics' Duration (in seconds))."""
    from survey.quality import durations
    from survey.questionnaire import QualityChecks

    data = pd.DataFrame({"Duration (in seconds)": [412.0, np.nan, -3.0]}, index=[2, 3, 4])
    with pytest.raises(ResponseValidationError, match=r"x.xlsx:4: column 'Duration \(in "
                                                      r"seconds\)': value '-3' is not a "
                                                      r"duration \(negative\)"):
        durations(data, QualityChecks(), "x.xlsx")
    got, _ = durations(data.iloc[:2], QualityChecks(), "x.xlsx")
    assert got[2] == 412.0 and np.isnan(got[3])


def test_excluding_everyone_stops_with_a_message(planted_quality, tmp_path):
    """A small wave (n = 12) where every respondent straight-lines: nothing is left to
    estimate, and the error says so instead of estimating on nobody."""
    from survey.study import estimate_study

    s = planted_quality
    frame = s.frame.iloc[:12].copy()
    frame[s.items] = np.repeat(np.arange(12)[:, None] % 7 + 1, len(s.items), axis=1)
    path = tmp_path / "all_straight.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SurveyError, match="no respondent is left to estimate: the 12 accepted "
                                          "respondents are all flagged by straightliner"):
        estimate_study(s.questionnaire, s.model, path, analyses=(),
                       exclude_flagged=("straightliner",))


def test_declared_question_grids_replace_the_constructs(planted_quality, tmp_path):
    """A grid shown on one screen across constructs (s3, s4, v1, v2): a respondent with one
    answer there and varied answers elsewhere is a straight-liner of that grid only."""
    s = planted_quality
    text = s.questionnaire.read_text(encoding="utf-8").replace(
        "quality:\n", "quality:\n  straightliner: {grids: [[s3, s4, v1, v2]]}\n")
    qfile = tmp_path / "grid.yaml"
    qfile.write_text(text, encoding="utf-8")
    frame = s.frame.copy()
    frame.loc[100, ["s3", "s4", "v1", "v2"]] = 6
    frame.loc[100, ["s1", "s2", "v3", "v4"]] = [1, 2, 3, 4]
    path = tmp_path / "grid.csv"
    frame.to_csv(path, index=False)
    q = load_questionnaire(qfile)
    flags = check_quality(read_responses(path, q), q)
    raw = frame[["s3", "s4", "v1", "v2"]].astype(int)
    answered = raw.where(raw != 9)
    expected = {p + 2 for p in frame.index[(answered.notna().sum(axis=1) >= 3)
                                           & (answered.nunique(axis=1) == 1)]}
    assert 102 in flagged(flags, "straightliner") == expected
    assert "1 grids of 3 or more items" in flags.rule("straightliner").note


def test_every_reason_has_both_languages_with_the_same_fields():
    """survey quality --lang: each sentence of survey.quality.REASONS exists in zh and en and
    asks for the same fields (a field only one language fills would lose a fact)."""
    from string import Formatter

    from survey.quality import LANGUAGES, REASONS

    for key, texts in REASONS.items():
        assert set(texts) == set(LANGUAGES), key
        fields = {lang: sorted(f for _, f, _, _ in Formatter().parse(text) if f)
                  for lang, text in texts.items()}
        assert fields["zh"] == fields["en"], key


def test_reasons_in_chinese_carry_the_english_numbers(checked):
    """The same respondents and values whatever the language; only the sentences differ."""
    import re

    from survey.quality import check_quality

    _, q, responses, flags = checked
    zh = check_quality(responses, q, lang="zh")
    assert zh.flags[["row", "rule", "value"]].equals(flags.flags[["row", "rule", "value"]])
    assert [r.flagged for r in zh.rules] == [r.flagged for r in flags.rules]
    number = re.compile(r"\d+(?:\.\d+)?")
    for a, b in zip(zh.flags["reason"], flags.flags["reason"], strict=True):
        assert a != b and sorted(number.findall(a)) == sorted(number.findall(b))
    for a, b in zip(zh.rules, flags.rules, strict=True):
        assert sorted(number.findall(a.note)) == sorted(number.findall(b.note))
    with pytest.raises(SurveyError, match="Unknown language 'fr'"):
        check_quality(responses, q, lang="fr")
