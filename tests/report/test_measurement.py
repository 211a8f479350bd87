"""The measurement-quality section: every construct is assessed and every flag follows from the
numbers of the estimate (recomputed here from the estimate, with the published thresholds).

mobi (ECSI, PLS): weak expectation and loyalty blocks, a single-item construct (complaints) and
high HTMT; corp_rep: formative (mode B) constructs; airline: a higher-order construct.
"""

from __future__ import annotations

import math

import pytest
from bs4 import BeautifulSoup

from survey.report.texts import FLAGS, NA_REASONS, tr

MEASURES = ("alpha", "rho_a", "rho_c", "ave")
THRESHOLD = {"alpha": 0.70, "rho_a": 0.70, "rho_c": 0.70, "ave": 0.50}


def soup(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def flags(node, code: str) -> list:
    return node.find_all(attrs={"data-flag": code})


@pytest.fixture(scope="module")
def mobi(mobi_both, pages):
    return {lang: soup(pages("mobi_both", mobi_both, lang)[1]) for lang in ("zh", "en")}


def test_every_construct_has_a_reliability_row(mobi_both, mobi):
    for doc in mobi.values():
        rows = doc.find(id="reliability").find_all("tr", attrs={"data-construct": True})
        assert [r["data-construct"] for r in rows] == list(mobi_both.bound.constructs)


def test_reliability_flags_follow_the_numbers(mobi_both, mobi):
    est = mobi_both.estimate
    rows = {r["data-construct"]: r.find_all("td")[1:]
            for r in mobi["en"].find(id="reliability").find_all("tr", attrs={"data-construct": True})}
    flagged = 0
    for construct, cells in rows.items():
        for measure, td in zip(MEASURES, cells, strict=True):
            value = est.reliability[construct][measure]
            if value is None:
                assert td.get_text().startswith("–") and td.find("sup") is not None
                continue
            assert f"{value:.3f}" in td.get_text()
            low = value < THRESHOLD[measure]
            assert (td.get("data-flag") == measure) is low, (construct, measure, value)
            flagged += low
    assert flagged >= 3


def test_mobi_expectation_has_ave_below_half_and_it_is_flagged(mobi_both, mobi):
    ave = mobi_both.estimate.reliability["expectation"]["ave"]
    assert ave < 0.5
    for lang, doc in mobi.items():
        row = doc.find(id="reliability").find("tr", attrs={"data-construct": "expectation"})
        td = row.find(attrs={"data-flag": "ave"})
        assert td is not None and f"{ave:.3f}" in td.get_text()
        assert td["title"] == tr(FLAGS, "ave", lang)
    checklist = text(mobi["en"].find(id="checklist"))
    assert "AVE ≥ 0.50" in checklist and "Customer expectation" in checklist
    assert tr(FLAGS, "ave", "zh") == "AVE < 0.50：收敛效度不足"
    assert tr(FLAGS, "ave", "zh") in text(mobi["zh"].find(id="measurement"))


def test_single_item_measures_are_dashes_explained_once(mobi, mobi_both):
    assert mobi_both.estimate.reliability["complaints"]["alpha"] is None
    for lang, doc in mobi.items():
        row = doc.find(id="reliability").find("tr", attrs={"data-construct": "complaints"})
        marks = {sup.get_text() for sup in row.find_all("sup")}
        assert len(marks) == 1
        notes = doc.find(id="measurement").find("ul", class_="footnotes")
        assert text(notes).count(NA_REASONS["single"][lang]) == 1


def test_loading_flags_follow_the_numbers(mobi_both, mobi):
    est = mobi_both.estimate
    low = [x for x in est.loadings if x.std_estimate < 0.708]
    assert low, "mobi has weak items (e.g. CUSL2)"
    table = mobi["en"].find(id="loadings")
    assert len(flags(table, "loading")) == len(low)
    for x in low:
        body = table.find("tbody", attrs={"data-construct": x.latent})
        row = next(tr for tr in body.find_all("tr") if x.item in tr.get_text())
        assert row.find(attrs={"data-flag": "loading"}) is not None


def test_htmt_flags_and_bootstrap_upper_bounds(mobi_both, mobi):
    est = mobi_both.estimate
    values = [v for _, _, v in est.htmt]
    table = mobi["en"].find(id="htmt")
    assert len(flags(table, "htmt_90")) == sum(v >= 0.90 for v in values) > 0
    assert len(flags(table, "htmt_85")) == sum(0.85 <= v < 0.90 for v in values)
    values2 = [v for _, _, v in est.htmt2 if v is not None and math.isfinite(v)]
    assert len(flags(table, "htmt2_90")) == sum(v >= 0.90 for v in values2)
    assert len(flags(table, "htmt2_85")) == sum(0.85 <= v < 0.90 for v in values2)
    boot = est.bootstrap.table()
    upper = boot[boot.kind == "htmt"].pct_high
    assert len(flags(table, "htmt_upper")) == int((upper >= 0.90).sum()) > 0
    for u in upper:
        assert f"({u:.3f})" in table.get_text()
    assert "Upper bound" in text(mobi["en"].find(id="measurement")) or "upper bound" in text(
        mobi["en"].find(id="measurement"))


def test_fornell_larcker_flags_follow_the_numbers(mobi_both, mobi):
    est = mobi_both.estimate
    root = {c: math.sqrt(v["ave"]) for c, v in est.reliability.items() if v["ave"] is not None}
    expected = 0
    for a, b, r in est.latent_correlations:
        limits = [root[c] for c in (a, b) if c in root]
        expected += bool(limits) and abs(r) > min(limits)
    table = mobi["en"].find(id="fornell-larcker")
    assert len(flags(table, "fornell_larcker")) == expected > 0
    diagonal = table.find_all("td", class_="diag")
    assert [td.get_text().strip() for td in diagonal if td.get_text().strip() != "–"] == [
        f"{root[c]:.3f}" for c in mobi_both.bound.constructs if c in root]


def test_cross_loading_flags_follow_the_numbers(mobi_both, mobi):
    est = mobi_both.estimate
    q = mobi_both.questionnaire
    values = {(i, c): v for i, c, v in est.cross_loadings}
    expected = {i for i in mobi_both.bound.items
                if any(abs(v) > abs(values[(i, q.item(i).construct)])
                       for (j, c), v in values.items() if j == i and c != q.item(i).construct)}
    table = mobi["en"].find(id="cross-loadings")
    rows = table.find_all("tr", attrs={"data-item": True})
    assert len(rows) == len(mobi_both.bound.items)
    assert {r["data-item"] for r in rows if "flagged" in (r.get("class") or [])} == expected


def test_formative_constructs_get_weights_vif_and_no_reflective_criteria(corp_rep, pages):
    est = corp_rep.estimate
    formative = [c for c, m in corp_rep.bound.model.modes if m == "B"]
    assert len(formative) == 4
    for lang in ("zh", "en"):
        doc = soup(pages("corp_rep", corp_rep, lang)[1])
        table = doc.find(id="formative")
        assert [b["data-construct"] for b in table.find_all("tbody")] == formative
        for c in formative:
            body = table.find("tbody", attrs={"data-construct": c})
            for w in (w for w in est.weights if w.latent == c):
                assert w.item in body.get_text()
        outer = [v["vif"] for v in est.settings["outer_vif"]]
        items = [*flags(table, "vif_3"), *flags(doc.find(id="loadings"), "vif_3")]
        assert len(items) == sum(3 <= v < 5 for v in outer)
        assert not flags(table, "vif_5") and all(v < 5 for v in outer)
        model_paths = set(corp_rep.bound.model.paths)
        inner = [v for a, b, v in est.inner_vif if (a, b) in model_paths]
        assert len(flags(doc.find(id="path-table"), "vif_3")) == sum(3 <= v < 5 for v in inner)
        rel = doc.find(id="reliability")
        for c in formative:
            row = rel.find("tr", attrs={"data-construct": c})
            assert [td.get_text()[0] for td in row.find_all("td")[1:]] == ["–"] * 4
        assert NA_REASONS["formative"][lang] in text(doc.find(id="measurement"))
        # HTMT assumes reflective measurement: no pair with a formative construct.
        labels = {corp_rep.questionnaire.constructs[c].label.get(lang) for c in formative}
        header = [th.get_text() for th in doc.find(id="htmt").thead.find_all("th")]
        assert not labels & set(header)
        # The loadings table holds the reflective constructs only.
        loadings = [b["data-construct"] for b in doc.find(id="loadings").find_all("tbody")]
        assert not set(loadings) & set(formative)


def test_higher_order_construct(airline_both, pages):
    est = airline_both.estimate
    assert est.reliability["quality"]["rho_a"] is None
    dims = dict(airline_both.bound.second_order)["quality"]
    doc = soup(pages("airline_both", airline_both, "en")[1])
    assert NA_REASONS["hoc_rho_a"]["en"] in text(doc.find(id="measurement"))
    # quality and its own dimensions correlate by design: shown greyed, never flagged.
    fl = doc.find(id="fornell-larcker")
    greyed = fl.find_all("td", class_="na")
    assert len(greyed) == len(dims) and not any(td.get("data-flag") for td in greyed)
    # Inner and outer VIF: flagged from the numbers, the largest named.
    inner = [v for a, b, v in est.inner_vif if (a, b) in set(airline_both.bound.model.paths)]
    outer = [v["vif"] for v in est.settings["outer_vif"]]
    coll = doc.find(id="collinearity")
    assert f"{max(inner):.2f}" in coll.get_text() and f"{max(outer):.2f}" in coll.get_text()
    assert len(flags(doc.find(id="path-table"), "vif_3")) == sum(3 <= v < 5 for v in inner)


def test_every_flag_and_reason_exists_in_both_languages():
    from survey.report.texts import NOTES, REASON_TEXT, REASONS, UI

    for table in (FLAGS, NA_REASONS, REASONS, REASON_TEXT, NOTES, UI):
        for key, entry in table.items():
            assert set(entry) == {"zh", "en"} and all(entry.values()), key
