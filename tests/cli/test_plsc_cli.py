"""Consistent PLS through the real CLI on generated study shapes (tests/cli/test_shapes.py).

``--method all``: PLS headline, PLSc and CB-SEM beside it; the JSON's ``alternatives.plsc``
block, the comparison rows' ``plsc`` column (the PLSc paths themselves), the report's PLSc
column and method notes, the console summary. ``--method plsc`` alone on a shape with a
formative construct (left uncorrected) and a Chinese report. What PLSc refuses (higher-order
constructs, segments) fails with one line and exit 2.
"""

from __future__ import annotations

import json

import pytest
from test_shapes import Shape, run, write_study


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """Three constructs (quality -> satisfaction -> loyalty), no brand, n = 300."""
    return write_study(Shape("plsc3", drivers=1, n=300), tmp_path_factory.mktemp("plsc3"))


def test_method_all_shows_plsc_beside_pls_and_cbsem(three, tmp_path):
    out_json, out_html = tmp_path / "all.json", tmp_path / "all.html"
    (data,) = three.files.values()
    log = run("estimate", "-q", three.questionnaire, "-m", three.model, "-d", data,
              "--method", "all", "--bootstrap", 200, "--json", out_json, "--report", out_html,
              "--lang", "en")
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert doc["method"] == "pls" and doc["manifest"]["method"] == "all"
    plsc = doc["alternatives"]["plsc"]
    assert plsc["method"] == "plsc" and set(doc["alternatives"]) == {"plsc", "cbsem"}
    assert plsc["admissible"] is True and plsc["inference"] == "bootstrap"
    assert set(plsc["settings"]["plsc"]["rho_a"]) == {"quality", "satisfaction", "loyalty"}
    assert all(0 < v <= 1 for v in plsc["settings"]["plsc"]["rho_a"].values())
    # Indices are the PLS ones (the PLS outer weights), paths are not.
    assert plsc["indices"] == doc["indices"]
    by_path = {(p["from"], p["to"]): p for p in plsc["paths"]}
    rows = [r for r in doc["comparison"] if r["kind"] == "path"]
    assert rows and all(r["plsc"] == by_path[(r["a"], r["b"])]["std_estimate"] for r in rows)
    assert all(r["significant_plsc"] == (by_path[(r["a"], r["b"])]["p_value"] < 0.05)
               for r in rows)
    # Under a reflective population the PLSc paths are larger than PLS's (disattenuated).
    pls_paths = {(p["from"], p["to"]): p["estimate"] for p in doc["paths"]}
    assert all(abs(by_path[k]["estimate"]) > abs(v) for k, v in pls_paths.items())
    html = out_html.read_text(encoding="utf-8")
    assert 'id="comparison-plsc"' in html and 'class="num plsc"' in html
    assert "Consistent partial least squares (PLSc" in html
    assert "still computed from the PLS outer weights" in html
    assert "PLSc on n = " in log and "PLSc reliabilities rho_A" in log


def test_method_plsc_alone_with_a_composite_and_a_chinese_report(tmp_path):
    files = write_study(Shape("plscb", drivers=3, formative=True, n=300), tmp_path / "s")
    (data,) = files.files.values()
    out_json, out_html = tmp_path / "plsc.json", tmp_path / "plsc.html"
    run("estimate", "-q", files.questionnaire, "-m", files.model, "-d", data, "--method",
        "plsc", "--json", out_json, "--report", out_html, "--lang", "zh")
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    assert doc["method"] == "plsc" and "alternatives" not in doc
    formative = [c for c, m in doc["settings"]["modes"].items() if m == "B"]
    assert formative and set(formative) <= set(doc["settings"]["plsc"]["uncorrected"])
    assert all(doc["settings"]["plsc"]["rho_a"][c] == 1.0 for c in formative)
    html = out_html.read_text(encoding="utf-8")
    assert "一致性偏最小二乘（PLSc" in html and "0-100 指数仍由 PLS 外部权重计算" in html


def test_plsc_refuses_higher_order_constructs_and_segments(tmp_path, three):
    hoc = write_study(Shape("plschoc", drivers=1, second_order=True, n=200), tmp_path / "h")
    (data,) = hoc.files.values()
    out = run("estimate", "-q", hoc.questionnaire, "-m", hoc.model, "-d", data, "--method",
              "plsc", expect=2)
    assert "higher-order constructs" in out and "--method pls" in out
    # With --method all too, before PLS or CB-SEM is estimated (no progress line at all).
    out = run("estimate", "-q", hoc.questionnaire, "-m", hoc.model, "-d", data, "--method",
              "all", "--bootstrap", 200, expect=2)
    assert "higher-order constructs" in out and "bootstrap" not in out
    (data,) = three.files.values()
    out = run("estimate", "-q", three.questionnaire, "-m", three.model, "-d", data,
              "--method", "plsc", "--segment", "region", expect=2)
    assert "not with PLSc" in out and "--method all" in out
