"""Study results the report tests share, estimated once per session with small bootstraps.

The airline CCSI wave with PLS and CB-SEM is the expensive one (one CB-SEM fit); PLS-only and
CB-SEM-only results are its two estimates taken one at a time, so no estimator runs twice.
"""

from __future__ import annotations

import dataclasses

import pytest

from survey.estimators.bootstrap import MIN_USABLE
from survey.report import build_context, render_report
from survey.study import StudyResult, estimate_study

#: Small but real bootstraps: the fewest resamples that carry intervals (the usable-resample
#: rule), fast enough for every test run.
RESAMPLES = MIN_USABLE


def _only(result: StudyResult, method: str) -> StudyResult:
    """``result`` as if only ``method`` had been run."""
    manifest = {**result.manifest, "method": method}
    return dataclasses.replace(result, estimates={method: result.estimates[method]},
                               comparison=(), manifest=manifest)


@pytest.fixture(scope="session")
def airline_both(root) -> StudyResult:
    return estimate_study(root / "questionnaires/airline.yaml", root / "models/ccsi.yaml",
                          root / "examples/airline_wave1.csv", method="both",
                          bootstrap={"pls": RESAMPLES}, seed=1)


@pytest.fixture(scope="session")
def airline_pls(airline_both) -> StudyResult:
    return _only(airline_both, "pls")


@pytest.fixture(scope="session")
def airline_cbsem(airline_both) -> StudyResult:
    return _only(airline_both, "cbsem")


@pytest.fixture(scope="session")
def mobi_both(root, mobi_csv) -> StudyResult:
    return estimate_study(root / "questionnaires/mobi.yaml", root / "models/ecsi.yaml", mobi_csv,
                          method="both", bootstrap={"pls": RESAMPLES}, seed=1)


@pytest.fixture(scope="session")
def mobi_heywood_both(root, tmp_path_factory) -> StudyResult:
    """ECSI on mobi with 10 % of the answers missing (tests/reference/data/mobi_mcar10.csv):
    CB-SEM under FIML estimates two disturbance variances negative, as lavaan does, an
    inadmissible solution; PLS beside it is fine."""
    import pandas as pd

    path = tmp_path_factory.mktemp("heywood") / "mobi_mcar10.csv"
    pd.read_csv(root / "tests/reference/data/mobi_mcar10.csv").to_csv(path, index=False)
    return estimate_study(root / "questionnaires/mobi.yaml", root / "models/ecsi.yaml", path,
                          method="both", bootstrap={"pls": RESAMPLES}, seed=1)


@pytest.fixture(scope="session")
def corp_rep(root, mobi_csv) -> StudyResult:
    """Hair et al.'s corporate-reputation model: four formative (mode B) constructs."""
    data = root / "tests/reference/data"
    return estimate_study(data / "corp_rep.yaml", data / "corp_rep_model.yaml",
                          mobi_csv.parent / "corp_rep_data.csv", method="pls",
                          missing="listwise", bootstrap=RESAMPLES, seed=1)


@pytest.fixture(scope="session")
def pages():
    """Rendered reports, cached by (name, language): ``pages(name, result, lang)``."""
    cache: dict[tuple[str, str], tuple[dict, str]] = {}

    def get(name: str, result: StudyResult, lang: str) -> tuple[dict, str]:
        if (name, lang) not in cache:
            context = build_context(result, lang)
            cache[(name, lang)] = (context, render_report(context))
        return cache[(name, lang)]

    return get


#: Debian's Chromium (installed by .ci/run); playwright's own browser download cannot work here.
CHROMIUM = "/usr/bin/chromium"


@dataclasses.dataclass(frozen=True)
class BrowserView:
    """What a page did in Chromium: console errors and failed requests, the size of each
    element a selector matched, and the value of an extra script."""

    errors: list
    failed: list
    sizes: list
    extra: object


@pytest.fixture(scope="session")
def chromium():
    """``open(path, sizes_of="svg", script=None, screenshot=None) -> BrowserView``: load a
    report in headless Chromium (network off), as a reader would."""
    import shutil
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: install Debian's chromium (.ci/run)."

    def open_page(path, *, sizes_of: str = "svg", script: str | None = None,
                  screenshot=None) -> BrowserView:
        errors: list[str] = []
        failed: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(Path(path).as_uri())
            sizes = page.eval_on_selector_all(sizes_of, "els => els.map(e => ["
                                              "e.getBoundingClientRect().width, "
                                              "e.getBoundingClientRect().height])")
            extra = page.evaluate(script) if script else None
            if screenshot:
                page.screenshot(path=str(screenshot), full_page=True)
            browser.close()
        return BrowserView(errors, failed, sizes, extra)

    return open_page
