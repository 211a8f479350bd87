"""The triangulation section's agreement line (survey.report.analyses): it opens with the
priority rule's drivers in the rule's order, never reorders them, and words each method's
verdict from the analysis (agree / differ) in both languages."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from survey.analysis.triangulation import Agreement, DriverTriangulation
from survey.report.analyses import _agreement_line
from survey.report.texts import TRIANGULATION_UI, grammar, tr

NAMES = SimpleNamespace(driver=lambda d: d.upper())


def line(agreement: Agreement, lang: str) -> str:
    tri = DriverTriangulation(True, "overall", "item", 100, agreement=agreement)
    w = {k: tr(TRIANGULATION_UI, k, lang) for k in TRIANGULATION_UI}
    return _agreement_line(tri, NAMES, lang, w, grammar("sentence_gap", lang))


AGREE = {"agree": ["cabin", "crew"], "differ": [], "top": "image"}
SPLIT = {"agree": ["cabin"], "differ": ["crew"], "top": "image"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rule_first_then_verdicts(lang):
    text = line(Agreement(("cabin", "crew"), "improve_first",
                          {"regression": SPLIT, "relative_weights": AGREE, "shapley": AGREE}),
                lang)
    rule = tr(TRIANGULATION_UI, "rule_first", lang).format(names="CABIN" + (
        "、" if lang == "zh" else ", ") + "CREW")
    assert text.startswith(rule)
    assert "IMAGE" in text  # the disagreeing method's own top driver is named
    assert text.count("CREW") == 2  # in the rule, and where regression differs


def test_all_agree_is_one_sentence():
    text = line(Agreement(("cabin",), "first", {"regression": AGREE, "shapley": AGREE}), "en")
    assert text.startswith("No driver is in the IPMA's improve-first area")
    assert "Regression, Shapley values all rate them at or above" in text


def test_without_ipma_the_line_says_so():
    tri = DriverTriangulation(True, "overall", "item", 100)
    w = {k: tr(TRIANGULATION_UI, k, "en") for k in TRIANGULATION_UI}
    assert _agreement_line(tri, NAMES, "en", w, " ") == w["no_agreement"]
