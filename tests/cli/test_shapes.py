"""Every command on every valid study shape, through the real CLI.

A :class:`Shape` describes a study: how many drivers feed satisfaction (3 constructs:
quality -> satisfaction -> loyalty, up to 12), with or without brands, segments (a profile
question and an age band), gauges, stated importance, expectation pairs, the complaint block,
a second-order construct, a single-item construct, a formative construct, mixed scales (1-10,
1-5, 0-10), a rated question outside the model, screening, one wave or several.
:func:`write_study` writes its questionnaire YAML, path-model YAML and one response file per
wave and brand, drawn with :func:`survey.simulate.simulate_responses` from a known population
(deterministic seeds). Each shape then goes through validate, estimate (PLS, CB-SEM, both;
JSON, report, bootstrap, segments, permutations), sample, init, ingest, waves and run, and
the outputs are checked: every command exits 0, or 2 with one line naming the problem where
the input cannot support the request, and never shows a traceback. Hypothesis then draws
further combinations of the features (a fixed, derandomized handful) for validate and a PLS
estimate.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.cli import cli
from survey.estimators.bootstrap import MIN_USABLE
from survey.pathmodel import BoundModel, bind, load_model
from survey.questionnaire import load_questionnaire
from survey.simulate import Population, simulate_responses
from survey.store import Study

#: Driver constructs, in the order a shape takes them (before satisfaction and loyalty).
DRIVERS = ("quality", "image", "value", "service", "access", "staff", "digital", "trust",
           "comfort", "price")
BRANDS = ("A", "B")
#: Words of the English labels: a report must show every one of the model's constructs.
LABELS = {"quality": "Perceived quality", "image": "Brand image", "value": "Perceived value",
          "service": "Service desk", "access": "Ease of access", "staff": "Staff manner",
          "digital": "Digital channels", "trust": "Trustworthiness", "comfort": "Comfort level",
          "price": "Price fairness", "expectation": "Expected quality",
          "satisfaction": "Overall satisfaction", "loyalty": "Customer loyalty",
          "quality_core": "Core service", "quality_extra": "Extra service"}
CONTRACT_KEYS = {"method", "n", "n_dropped", "missing", "converged", "admissible", "warnings",
                 "paths", "loadings", "weights", "r2", "effects", "indices", "reliability",
                 "htmt", "fit"}


@dataclass(frozen=True)
class Shape:
    """A study shape. ``drivers`` constructs feed satisfaction (1: three constructs)."""

    id: str
    drivers: int = 1
    brands: bool = False
    waves: int = 1
    segments: bool = False
    screening: bool = False
    gauges: bool = False
    complaints: bool = False
    importance: bool = False
    expects: bool = False
    second_order: bool = False
    single_item: bool = False
    #: Mixed scales: drivers after the first on 1-5, loyalty on 0-10 (a recommend question).
    scales: bool = False
    #: The last driver is formative (PLS mode B).
    formative: bool = False
    #: A construct the model does not use: a 0-10 recommend question (the recommend gauge
    #: when the shape has gauges), answered with don't-knows and blanks.
    outside: bool = False
    n: int = 200
    errors: int = 0
    # What the battery runs on it besides validate, estimate (pls with a bootstrap, cbsem),
    # init, ingest, waves: the method whose report is written, 'both' side by side, a CB-SEM
    # bootstrap, the sampling design to draw a sample with, the --by of each run and the
    # --by of a run that must fail (cells too small for the model) in one line.
    report: str = "pls"
    both: bool = False
    cbsem_bootstrap: int = 0
    sample: str | None = None
    runs: tuple[tuple[str, ...], ...] = ((),)
    failing_run: tuple[str, ...] | None = None

    @property
    def driver_ids(self) -> tuple[str, ...]:
        ids = list(DRIVERS[:self.drivers])
        if self.expects:  # CCSI-like: expectation before quality
            ids.insert(0, "expectation")
        return tuple(ids)

    @property
    def constructs(self) -> int:
        return (len(self.driver_ids) + 2 + (2 if self.second_order else 0)
                + (1 if self.outside else 0))

    @property
    def segment_args(self) -> tuple[str, ...]:
        return ("--segment", "region", "--segment", "age=30,45") if self.segments else ()


def _label(word: str) -> str:
    # Chinese first (the questionnaire's main language), English second.
    return f"{{zh: 中文{word.replace(' ', '')}, en: {word}}}"


#: Scales by id: (min, max, don't-know code) and the population's mean answer on it.
SCALES = {"ten": (1, 10, 99, 7.0), "five": (1, 5, 9, 3.6), "eleven": (0, 10, 99, 7.0)}


def _scale(construct: str, shape: Shape) -> str:
    if not shape.scales:
        return "ten"
    if construct == "loyalty":
        return "eleven"
    drivers = shape.driver_ids
    return "five" if construct in drivers[1:] or construct == "quality_extra" else "ten"


def _items(construct: str, shape: Shape) -> tuple[str, ...]:
    if shape.single_item and construct == shape.driver_ids[-1]:
        return (f"{construct}_1",)
    return tuple(f"{construct}_{k}" for k in (1, 2, 3))


def questionnaire_yaml(shape: Shape) -> str:
    lines = [f"id: {shape.id}", f"title: {_label('Shape ' + shape.id)}", "languages: [zh, en]",
             "scales:"]
    lines += [f"  {sid}: {{min: {lo}, max: {hi}, dont_know: {dk}}}"
              for sid, (lo, hi, dk, _) in SCALES.items()]
    if shape.screening:
        lines += ["screening:",
                  f"  - {{id: customer, type: single, label: {_label('Customer')}, "
                  f"options: {{1: {_label('Yes')}, 2: {_label('No')}}}, qualify: [1]}}"]
    if shape.segments:
        lines += ["demographics:",
                  f"  - {{id: age, type: integer, min: 18, max: 99, label: {_label('Age')}}}",
                  f"  - {{id: region, type: single, label: {_label('Region')}, options: "
                  f"{{1: {_label('North')}, 2: {_label('South')}, 3: {_label('West')}}}}}"]
    questions = []
    if shape.complaints:
        questions += [
            f"  - {{id: complained, type: single, label: {_label('Complained')}, "
            f"options: {{1: {_label('Yes')}, 2: {_label('No')}}}}}",
            f"  - {{id: complaint_outcome, type: single, label: {_label('Outcome')}, "
            f"options: {{1: {_label('Quickly')}, 2: {_label('Resolved')}, "
            f"3: {_label('Not resolved')}}}}}"]
    if shape.gauges:
        questions += [f"  - {{id: spend, type: number, min: 0, label: {_label('Spend')}}}"]
    if questions:
        lines += ["questions:", *questions]
    if shape.importance:
        lines += ["importance:", "  scale: ten", "  items:"]
        lines += [f"    imp_{d}: {{of: {d}, text: {_label('How important ' + d)}}}"
                  for d in shape.driver_ids]
    if shape.gauges:
        loyalty = _items("loyalty", shape)
        recommend = "advocacy_1" if shape.outside else loyalty[0]
        lines += ["gauges:", "  overall: satisfaction_1", f"  recommend: {recommend}",
                  f"  repurchase: {loyalty[-1]}", "  value: spend"]
        if shape.complaints:
            lines += ["  complained: {question: complained, yes: [1]}",
                      "  complaint_outcome: complaint_outcome"]
    lines.append("constructs:")
    measured = [*shape.driver_ids, "satisfaction", "loyalty"]
    if shape.second_order:
        measured = [c for c in measured if c != "quality"] + ["quality_core", "quality_extra"]
    expected = [d for d in shape.driver_ids if d != "expectation"]
    for construct in measured:
        lines += [f"  {construct}:", f"    label: {_label(LABELS[construct])}",
                  f"    scale: {_scale(construct, shape)}", "    items:"]
        for k, item in enumerate(_items(construct, shape)):
            text = _label(f"{LABELS[construct]} question {k + 1}")
            if construct == "expectation":
                # Each expectation item is paired with a driver (the first: quality).
                text = (f"{{text: {text}, short: {_label(f'Expected {k + 1}')}, "
                        f"expects: {expected[k % len(expected)]}}}")
            lines.append(f"      {item}: {text}")
    if shape.second_order:
        lines += ["  quality:", f"    label: {_label(LABELS['quality'])}",
                  "    dimensions: [quality_core, quality_extra]"]
    if shape.outside:
        lines += ["  advocacy:", f"    label: {_label('Advocacy')}", "    scale: eleven",
                  f"    items: {{advocacy_1: {_label('Would you recommend us')}}}"]
    return "\n".join(lines) + "\n"


def model_paths(shape: Shape) -> list[tuple[str, str]]:
    drivers = shape.driver_ids
    paths = [(d, "satisfaction") for d in drivers]
    # The first driver also causes the next two (expectation -> quality, quality -> image...).
    paths += [(drivers[0], d) for d in drivers[1:3]]
    return paths + [("satisfaction", "loyalty")]


def model_yaml(shape: Shape) -> str:
    latents = [*shape.driver_ids, "satisfaction", "loyalty"]
    return "\n".join([
        f"id: m_{shape.id}", f"name: {_label('Model ' + shape.id)}",
        f"latents: [{', '.join(latents)}]", "paths:",
        *(f"  - {a} -> {b}" for a, b in model_paths(shape)),
        "target: satisfaction",
        f"modes: {{{shape.driver_ids[-1]}: B}}" if shape.formative else "modes: {}"]) + "\n"


def population(shape: Shape, wave: int, brand: int) -> Population:
    """Paths that leave every latent some unexplained variance; later waves and the second
    brand move one driver's items (a change for the wave comparisons to find)."""
    drivers = shape.driver_ids
    paths = {(d, "satisfaction"): 0.6 / math.sqrt(len(drivers)) for d in drivers}
    paths |= {(drivers[0], d): 0.35 for d in drivers[1:3]}
    paths[("satisfaction", "loyalty")] = 0.65
    moved = drivers[-1] if not (shape.second_order and drivers[-1] == "quality") else "quality_core"
    means = {}
    measured = [*drivers, "satisfaction", "loyalty", "quality_core", "quality_extra"]
    for construct in measured:
        shift = 0.5 * wave - 0.4 * brand if construct == moved else 0.0
        mean = SCALES[_scale(construct, shape)][3]
        means |= {i: mean + shift for i in _items(construct, shape)}
    return Population(paths=paths, item_means=means, dont_know_rate=0.01,
                      screened_out_rate=0.05 if shape.screening else 0.0)


@dataclass(frozen=True)
class StudyFiles:
    questionnaire: Path
    model: Path
    #: (wave, brand) -> response file; brand '' without brands.
    files: dict[tuple[str, str], Path]
    bound: BoundModel


def write_study(shape: Shape, folder: Path) -> StudyFiles:
    """The shape's questionnaire, model and response files (one per wave and brand)."""
    folder.mkdir(parents=True, exist_ok=True)
    q, m = folder / "questionnaire.yaml", folder / "model.yaml"
    q.write_text(questionnaire_yaml(shape), encoding="utf-8")
    m.write_text(model_yaml(shape), encoding="utf-8")
    bound = bind(load_model(m), load_questionnaire(q))
    files = {}
    for w in range(shape.waves):
        for b, brand in enumerate(BRANDS if shape.brands else ("",)):
            wave = f"2026W{w + 1}"
            seed = 1000 * w + 10 * b + len(shape.id)
            frame = simulate_responses(bound, population(shape, w, b), n=shape.n, seed=seed,
                                       data_entry_errors=shape.errors)
            if shape.outside:  # not in the model, so not simulated: 0-10, 99, blanks
                answers = np.random.default_rng(seed).integers(0, 11, len(frame))
                frame["advocacy_1"] = np.where(answers < 1, "99", answers.astype(str))
                frame.loc[frame.index[::17], "advocacy_1"] = ""
            path = folder / f"{wave}{'_' + brand if brand else ''}.csv"
            frame.to_csv(path, index=False, encoding="utf-8")
            files[(wave, brand)] = path
    return StudyFiles(q, m, files, bound)


# --------------------------------------------------------------------------- running the CLI


def run(*args: object, expect: int = 0) -> str:
    """Run the CLI in-process; a traceback (any exception but exit) fails the test."""
    r = CliRunner().invoke(cli, [str(a) for a in args])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    assert r.exit_code == expect, f"survey {' '.join(map(str, args))}\n{r.output}"
    if expect == 2:  # a user error: one line on stderr, last, after the steps' plain
        # progress lines (not a terminal), no traceback, no blank line
        lines = r.output.splitlines()
        assert lines[-1].startswith("error: ") and "" not in lines, r.output
        assert not any(x.startswith("error: ") for x in lines[:-1]), r.output
        assert all(x.endswith("...") or " done (" in x for x in lines[:-1]), r.output
    return r.output


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def check_estimate(doc: dict, shape: Shape, files: StudyFiles, method: str,
                   bootstrap: bool, segmented: bool) -> None:
    """The JSON of ``survey estimate``: the contract's keys, every parameter of the model,
    finite numbers where they are defined, and the blocks the shape's questionnaire feeds."""
    bound = files.bound
    assert CONTRACT_KEYS <= set(doc)
    estimates = {"both": ("pls", "cbsem")}.get(method, (method,))
    assert doc["method"] == estimates[0]
    if method == "both":
        assert doc["alternatives"]["cbsem"]["method"] == "cbsem" and doc["comparison"]
    for e in [doc, *doc.get("alternatives", {}).values()]:
        assert e["converged"] and 0 < e["n"] <= shape.n
        assert {(p["from"], p["to"]) for p in e["paths"]} == set(bound.model.paths)
        # Inference from the bootstrap when it had enough usable resamples, else none (and
        # said why); CB-SEM without a bootstrap from the information matrix (Wald).
        expected = ("bootstrap" if bootstrap and e["bootstrap"]["usability"]["level"] != "none"
                    else "none" if bootstrap else "wald" if e["method"] == "cbsem" else "none")
        assert e["inference"] == expected, (e["method"], e["inference"])
        if bootstrap and expected == "none":
            assert "bootstrap_unusable" in [w["code"] for w in e["warning_codes"]]
        for p in e["paths"]:
            assert _finite(p["estimate"]), p
            if expected != "none":
                assert _finite(p["se"]) and p["se"] > 0, p
                assert _finite(p["ci_low"]) and p["ci_low"] <= p["ci_high"], p
            else:
                assert p["se"] is None and p["ci_low"] is None and p["p_value"] is None, p
        assert set(bound.items) <= {x["item"] for x in e["loadings"]}
        assert all(_finite(x["estimate"]) for x in e["loadings"])
        # A second-order construct's dimensions are explained by it: they have an R² too.
        assert set(bound.model.endogenous) <= set(e["r2"]) <= set(bound.constructs)
        # R² is undefined (null) only for a negative disturbance variance, flagged by name.
        negative = {w["params"]["variable"] for w in e["warning_codes"] if w["code"] == "heywood"}
        assert all(_finite(v) and 0 <= v <= 1 for k, v in e["r2"].items()
                   if v is not None or k not in negative), (e["r2"], e["warnings"])
        assert set(bound.constructs) <= set(e["indices"])
        assert all(_finite(v) and 0 <= v <= 100 for v in e["indices"].values()), e["indices"]
        for construct, items in bound.measurement:
            if len(items) > 1:
                assert _finite(e["reliability"][construct]["alpha"]), construct
        if e["method"] == "cbsem":
            assert all(_finite(e["fit"][k]) for k in ("chi2", "df", "cfi", "tli", "rmsea",
                                                       "srmr")), e["fit"]
    assert doc["ipma"] and all(_finite(p["importance"]) for p in doc["ipma"])
    if shape.gauges:
        assert _finite(doc["gauges"]["overall"]["mean"])
        recommend = doc["gauges"]["recommend"]
        # Answered on its own scale: don't-knows (99) and blanks are not answers.
        assert 0 <= recommend["mean"] <= 10
        assert recommend["n"] < doc["n"] or not shape.outside
        if shape.complaints:
            assert doc["gauges"]["complaint_funnel"]["n"] > 0
    if shape.expects:
        assert doc["satisfaction_ratio"]
        assert all(_finite(r["ratio"]) for r in doc["satisfaction_ratio"])
    # Stated importance of every driver; a second-order quality's rating is not one of its
    # dimensions' (the drivers there), and expectation is no driver: the reason says so.
    rated = [d for d in shape.driver_ids if d != "expectation"
             and not (shape.second_order and d == "quality")]
    dual = doc["methods"]["dual_evaluation"]
    assert dual["available"] == (shape.importance and bool(rated)), dual
    if not dual["available"]:
        assert dual["reason_code"] == ("no_importance_of_drivers" if shape.importance
                                       else "no_importance_items")
    if segmented:
        assert {s["segment"] for s in doc["segments"]} == {"region", "age_band"}
        for s in doc["segments"]:
            # A level too small for the model is named with the reason, never dropped.
            assert (s["estimated"] and all(_finite(v) for v in s["indices"].values())
                    or not s["estimated"] and s["note"]), s


def check_report(path: Path, files: StudyFiles, doc: dict | None = None) -> None:
    """The report of an estimate (its JSON ``doc``) or of a run: every construct named, and
    why a method did not run."""
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    missing = [c for c in files.bound.constructs if LABELS[c] not in html]
    assert not missing, f"{path.name} lacks the labels of {missing}"
    if doc and doc["methods"]["dual_evaluation"].get("reason_code") == "no_importance_of_drivers":
        assert "none of which is a driver compared here" in html


def estimate(shape: Shape, files: StudyFiles, out: Path, method: str, *extra: object,
             data: Path | None = None, report: bool = False, bootstrap: int = 0) -> dict:
    data = data or next(iter(files.files.values()))
    json_out, html_out = out / f"{method}.json", out / f"{method}.html"
    args = ["estimate", "-q", files.questionnaire, "-m", files.model, "-d", data,
            "--method", method, "--bootstrap", bootstrap, "--permutations", 5,
            "--json", json_out, *extra]
    if report:
        args += ["--report", html_out, "--lang", "en"]
    run(*args)
    doc = json.loads(json_out.read_text(encoding="utf-8"))
    check_estimate(doc, shape, files, method, bool(bootstrap), "--segment" in extra)
    if report:
        check_report(html_out, files, doc)
    return doc


def track_study(shape: Shape, files: StudyFiles, folder: Path) -> Path:
    """init, ingest every file, waves: the study folder."""
    study = folder / "study"
    out = run("init", study, "--questionnaire", files.questionnaire, "--model", files.model)
    assert f"model 'm_{shape.id}'" in out
    accepted = 0
    for (wave, brand), path in files.files.items():
        out = run("ingest", study, path, "--wave", wave, *(("--brand", brand) if brand else ()))
        counts = re.search(r"stored as wave '(.+?)'.*: (\d+) accepted, (\d+) rejected", out)
        # simulate_responses writes '11', '0', '7分' ...: '0' is a valid answer on 0-10.
        assert counts and counts[1] == wave, out
        assert 0 < int(counts[3]) <= shape.errors if shape.errors else int(counts[3]) == 0
        accepted += int(counts[2])
    assert run("ingest", study, path, "--wave", wave,
               *(("--brand", brand) if brand else ())).rstrip().endswith("nothing to do.")
    out = run("waves", study)
    assert out.rstrip().endswith(f"{len(files.files)} waves and brands, {accepted} accepted "
                                 "respondents."), out
    return study


def run_tracking(shape: Shape, files: StudyFiles, study: Path, folder: Path,
                 *by: str) -> dict:
    """``survey run`` and its checks: the report, the JSON and the run the store keeps."""
    before = len(Study.open(study).runs())
    out_dir = folder / f"run{before}"
    # Without --by a run splits by brand: a study without brands is then not split at all.
    args = ["--by", ",".join(by)] if by else []
    out = run("run", study, *args, "--workers", 0, "--bootstrap", 30, "--permutations", 10,
              "--out", out_dir, "--lang", "en")
    doc = json.loads((out_dir / "tracking.json").read_text(encoding="utf-8"))
    assert f"{len(doc['cells']) - len(doc['failures'])} cells estimated" in out
    split = [b.partition("=")[0] + ("_band" if "=" in b else "") for b in by or ["brand"]]
    assert doc["by"] == [b for b in split if b != "brand" or shape.brands]
    assert all(set(c) >= {"wave", *doc["by"]} for c in doc["cells"])
    assert shape.brands or "brand=" not in out
    check_report(out_dir / "tracking_report.html", files)
    runs = Study.open(study).runs()
    assert len(runs) == before + 1
    tables = Study.open(study).run_tables(runs.iloc[-1]["run_id"])
    assert set(tables) == {"cells", "indices", "paths", "changes", "improvement"}
    ok = tables["cells"][tables["cells"]["status"] == "ok"]
    assert len(tables["indices"]) == len(ok) * len(files.bound.constructs)
    assert tables["indices"]["index"].between(0, 100).all()
    assert len(tables["paths"]) == len(ok) * len(files.bound.model.paths)
    if len(ok) == len(tables["cells"]):  # every consecutive pair of waves is compared
        assert len(doc["steps"]) == len(ok) // shape.waves * (shape.waves - 1)
    for name in ("changes", "improvement"):  # every table keeps its columns, rows or not
        assert {"wave_from", "wave_to"} <= set(tables[name].columns)
    return doc


# --------------------------------------------------------------------------- the battery

SHAPES = [
    # The smallest study: quality -> satisfaction -> loyalty, nothing else, one wave.
    Shape("three", report="both", both=True, cbsem_bootstrap=20, sample="srs"),
    # Several waves without brands: the first wave has no driver to improve first.
    Shape("three_waves", waves=3, n=150, report="cbsem"),
    # Everything at once: expectation pairs, a second-order quality, brands, segments,
    # screening, gauges with the complaint block, stated importance, data-entry errors, a
    # recommend question outside the model.
    Shape("everything", drivers=4, brands=True, waves=2, segments=True, screening=True,
          gauges=True, complaints=True, importance=True, expects=True, second_order=True,
          outside=True, errors=2, both=True, sample="stratified", runs=(("brand",),)),
    # Twelve constructs with a single-item one: segments too small for the model.
    Shape("twelve", drivers=10, waves=2, segments=True, single_item=True,
          runs=((),), failing_run=("region",)),
    # A second-order construct and brands, one wave; gauges without the complaint block;
    # scales 1-10, 1-5 and 0-10 side by side; a recommend question outside the model; the
    # only stated importance rating is of the second-order construct (not of a driver).
    Shape("second_order", drivers=1, brands=True, second_order=True, gauges=True,
          scales=True, outside=True, importance=True, report="cbsem", runs=(("brand",),)),
    # A single-item formative driver, stated importance, the complaint questions without
    # gauges, segments, two waves.
    Shape("single_item", drivers=3, waves=2, single_item=True, formative=True, importance=True,
          complaints=True, segments=True, sample="systematic", n=250,
          runs=(("age=30,45",),)),
    # Expectation pairs without brands, screening; the default run (--by brand) of a study
    # without brands on two waves: not split.
    Shape("expectations", drivers=2, expects=True, waves=2, screening=True, report="both",
          both=True),
]


@pytest.mark.parametrize("shape", SHAPES, ids=[s.id for s in SHAPES])
def test_every_command_on_the_shape(shape, tmp_path):
    files = write_study(shape, tmp_path / "files")
    out = run("validate", files.questionnaire, files.model)
    assert (f"{shape.constructs} constructs" in out
            and f"{len(files.bound.model.paths)} paths" in out), out

    estimate(shape, files, tmp_path, "pls", *shape.segment_args, bootstrap=MIN_USABLE,
             report=shape.report == "pls")
    estimate(shape, files, tmp_path, "cbsem", bootstrap=shape.cbsem_bootstrap,
             report=shape.report == "cbsem")
    if shape.both:
        estimate(shape, files, tmp_path, "both", report=shape.report == "both")
    if shape.sample:
        check_sample(shape, files, tmp_path)

    study = track_study(shape, files, tmp_path)
    for by in shape.runs:
        run_tracking(shape, files, study, tmp_path, *by)
    if shape.failing_run:
        out = run("run", study, "--by", ",".join(shape.failing_run), "--workers", 0,
                  "--bootstrap", 10, "--permutations", 0, expect=2)
        assert "None of the" in out and "fewer than the" in out
        assert len(Study.open(study).runs()) == len(shape.runs)


def check_sample(shape: Shape, files: StudyFiles, folder: Path) -> None:
    """``survey sample`` from a wave's file taken as the frame, then the sample estimated
    with its design weights as a probability sample: margins of error are given."""
    frame, drawn = next(iter(files.files.values())), folder / "sample.csv"
    strata = ("--strata", "region") if shape.sample == "stratified" else ()
    out = run("sample", frame, "--design", shape.sample, "--n", shape.n // 2 + 50, "--seed", 3,
              *strata, "--out", drawn)
    assert f"{shape.n // 2 + 50} rows written" in out
    design = ["--weights", "design_weight", "--probability-sample", "--fpc", "fpc"]
    if shape.sample == "stratified":
        design += ["--strata", "stratum"]
    (folder / "sampled").mkdir()
    doc = estimate(shape, files, folder / "sampled", "pls", *design, data=drawn)
    precision = doc["precision"]["satisfaction"]
    assert precision["probability"] and _finite(precision["moe"]) and precision["moe"] > 0


# --------------------------------------------------------------------------- any shape

FLAGS = ("brands", "segments", "screening", "gauges", "complaints", "importance", "expects",
         "second_order", "single_item", "scales", "formative", "outside")


@st.composite
def shapes(draw) -> Shape:
    flags = {f: draw(st.booleans()) for f in FLAGS}
    return Shape("any", drivers=draw(st.sampled_from((1, 2, 3, 5, 10))),
                 n=150, errors=draw(st.sampled_from((0, 3))),
                 **flags)


@settings(max_examples=8, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=shapes())
def test_any_shape_validates_and_estimates(shape, tmp_path_factory):
    """Combinations of the shapes' features the battery above does not list: validate and
    a PLS estimate (JSON checked) on each, deterministically (derandomized)."""
    folder = tmp_path_factory.mktemp("any")
    files = write_study(shape, folder)
    run("validate", files.questionnaire, files.model)
    estimate(shape, files, folder, "pls", *shape.segment_args)
