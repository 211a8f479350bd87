"""``survey estimate``: estimate a path model on a response file; write JSON and/or a report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from survey.analysis.suite import ANALYSES, check_analyses
from survey.cli import cli
from survey.cli.options import encoding_option, platform_option
from survey.cli.report import FORMATS_HELP, formats_option
from survey.errors import SurveyError
from survey.estimators.bootstrap import INADMISSIBLE_POLICIES
from survey.study import METHOD_LABELS, METHODS, SamplingDesign, StudyResult, estimate_study

#: ``--inadmissible``, for every command that bootstraps CB-SEM.
inadmissible_option = click.option(
    "--inadmissible", type=click.Choice(INADMISSIBLE_POLICIES),
    default=INADMISSIBLE_POLICIES[0], show_default=True,
    help="Bootstrap resamples whose CB-SEM solution is inadmissible (a negative variance, a "
         "non-positive-definite covariance matrix): keep them, as lavaan does, or drop them. "
         "Counted and reported either way.")


def exclude_flagged_option(value: str | None) -> tuple[str, ...]:
    """``--exclude-flagged``: comma-separated quality rules, checked (survey.quality.RULES)."""
    from survey.quality import check_rules

    if not value:
        return ()
    try:
        return check_rules([v for v in value.split(",") if v.strip()])
    except SurveyError as exc:
        raise click.BadParameter(str(exc)) from None


def _exclude_help() -> str:
    from survey.quality import RULES

    return ("Leave out the respondents flagged by these response-quality rules, "
            f"comma-separated: {', '.join(RULES)} (see survey quality). The JSON's quality "
            "block and the report say how many each rule excluded and the headline index "
            "without the exclusion.")


#: ``--exclude-flagged``, for survey estimate and survey run.
exclude_flagged = click.option(
    "--exclude-flagged", "exclude_flagged", default=None, metavar="RULE,...",
    callback=lambda ctx, param, value: exclude_flagged_option(value), help=_exclude_help())


@cli.command()
@click.option("--questionnaire", "-q", required=True, type=click.Path(dir_okay=False),
              help="Questionnaire definition (YAML).")
@click.option("--model", "-m", required=True, type=click.Path(dir_okay=False),
              help="Path-model definition (YAML).")
@click.option("--data", "-d", required=True, type=click.Path(dir_okay=False),
              help="Responses: .csv (UTF-8 or GB18030), .xlsx, .xls, .sav or .parquet.")
@encoding_option
@platform_option
@click.option("--method", type=click.Choice(METHODS), default="pls", show_default=True,
              help="Estimator: PLS path modelling (the national indices' method), CB-SEM, "
                   "both side by side, consistent PLS (plsc: PLS corrected for measurement "
                   "error, Dijkstra & Henseler 2015; indices still from the PLS weights), or "
                   "all (PLS headline, PLSc and CB-SEM beside it).")
@click.option("--missing", type=click.Choice(["mean", "fiml", "listwise"]), default=None,
              help="Missing and don't-know answers [default: mean replacement for PLS, FIML "
                   "for CB-SEM].")
@click.option("--scheme", type=click.Choice(["path", "centroid", "factorial"]), default="path",
              show_default=True, help="PLS inner weighting scheme.")
@click.option("--hoc", type=click.Choice(["repeated", "two_stage", "disjoint"]),
              default="repeated", show_default=True,
              help="PLS higher-order constructs: repeated indicators, embedded or disjoint "
                   "two-stage.")
@click.option("--weights", "weights", default=None, metavar="COLUMN",
              help="Case-weight column of the data (weighted PLS; CB-SEM as lavaan's "
                   "sampling.weights, with robust SEs and the scaled chi-square).")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, show_default=True,
              help="Bootstrap resamples for SEs, p-values and intervals (0: none).")
@click.option("--seed", type=int, default=2026, show_default=True, help="Bootstrap seed.")
@click.option("--interval", type=click.Choice(["percentile", "bca"]), default="percentile",
              show_default=True, help="Bootstrap confidence interval.")
@inadmissible_option
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes for the bootstraps and the segments' permutation tests (results "
                   "are identical for any number; default: by the size of the work, e.g. a "
                   "pool for a CB-SEM bootstrap of hundreds of resamples, this process for a "
                   "PLS one).")
@click.option("--segment", "segments", multiple=True, metavar="COLUMN[=CUTS]",
              help="Split respondents by a column (repeatable); 'age=25,35,45,55' bands a "
                   "numeric column at those cut points.")
@click.option("--tiers", default=None, metavar="COLUMN",
              help="Spend or value column: customer value tiers (platinum 1 %, gold 4 %, iron "
                   "15 %, lead 80 %) as another segment.")
@click.option("--permutations", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Permutations for the segment comparisons (0: none).")
@click.option("--strata", default=None, metavar="COLUMN",
              help="Stratum column of the sampling design (for the indices' precision).")
@click.option("--fpc", default=None, metavar="COLUMN",
              help="Population size of each respondent's stratum (finite-population "
                   "correction).")
@click.option("--probability-sample", "probability", is_flag=True,
              help="The respondents are a probability sample: report margins of error.")
@click.option("--margins", default=None, type=click.Path(dir_okay=False),
              help="YAML of population margins {column: {level: share}}: rake the weights "
                   "to them.")
@exclude_flagged
@click.option("--analyses", default="all", show_default=True, metavar="LIST",
              callback=lambda ctx, param, value: analyses_option(value),
              help=f"Analyses beside the estimate, comma-separated: {', '.join(ANALYSES)}; "
                   "'all' or 'none'. The JSON lists those left out under analyses_off.")
@click.option("--predict/--no-predict", default=True, show_default=True,
              help="Out-of-sample prediction of the PLS estimate (the analysis 'prediction', "
                   "run with the others by default; --predict adds it to an --analyses list): "
                   "PLSpredict (Q²_predict, RMSE and MAE of every endogenous indicator against "
                   "the linear-model benchmark) and CVPAT, by repeated k-fold cross-validation "
                   "shuffled with --seed.")
@click.option("--predict-folds", type=click.IntRange(min=2), default=10, show_default=True,
              help="Folds k of the cross-validation (at most half the respondents).")
@click.option("--predict-repetitions", type=click.IntRange(min=1), default=10,
              show_default=True, help="Repetitions of the k-fold split.")
@click.option("--predict-approach", type=click.Choice(["direct", "earliest"]),
              default="direct", show_default=True,
              help="Predict an endogenous latent from its direct antecedents (seminr's "
                   "default) or from the exogenous latents only (earliest antecedents).")
@click.option("--compare-with", "compare_with", multiple=True, type=click.Path(dir_okay=False),
              metavar="MODEL.yaml",
              help="A rival path model (repeatable): compare the study's model with it on the "
                   "same respondents by the headline method (PLS: BIC and Geweke-Meese of the "
                   "target; CB-SEM: AIC, BIC and likelihood-ratio tests). Adds the JSON's "
                   "model_comparison block, a report section and an XLSX sheet.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False),
              help="Write the estimate as JSON here.")
@click.option("--report", "report_out", type=click.Path(dir_okay=False),
              help="Write the HTML report here.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write the client deliverables (--format) here, with the JSON contract and "
                   "the saved result (DATA's name + .result.gz) that survey report renders "
                   "again without estimating.")
@click.option("--format", "formats", default="html", show_default=True, metavar="LIST",
              callback=lambda ctx, param, value: formats_option(value),
              help="With --out: " + FORMATS_HELP)
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: the questionnaire's first language).")
@click.pass_context
def estimate(ctx: click.Context, questionnaire: str, model: str, data: str,
             encoding: str | None, platform: str, method: str,
             missing: str | None,
             scheme: str, hoc: str, weights: str | None, bootstrap: int, seed: int,
             interval: str, inadmissible: str, workers: int | None,
             segments: tuple[str, ...],
             tiers: str | None,
             permutations: int, strata: str | None, fpc: str | None, probability: bool,
             margins: str | None, exclude_flagged: tuple[str, ...],
             analyses: tuple[str, ...] | None, predict: bool,
             predict_folds: int, predict_repetitions: int, predict_approach: str,
             compare_with: tuple[str, ...],
             json_out: str | None,
             report_out: str | None, out_dir: str | None, formats: tuple[str, ...],
             lang: str | None) -> None:
    """Estimate MODEL on DATA collected with QUESTIONNAIRE."""
    console = Console(stderr=True)
    if (report_out or out_dir) and lang:
        # Before estimating: a language the questionnaire lacks would only be refused later.
        from survey.questionnaire import load_questionnaire
        from survey.report.render import report_language

        report_language(load_questionnaire(questionnaire), lang)
    with progress_bars(console) as progress:
        result = estimate_study(questionnaire, model, data, method=method, missing=missing,
                                scheme=scheme, hoc=hoc, weights=weights,
                                bootstrap=bootstrap or None, seed=seed, interval=interval,
                                inadmissible=inadmissible,
                                workers=workers, segments=segments, tiers=tiers,
                                permutations=permutations,
                                design=SamplingDesign(strata, fpc, probability, margins),
                                analyses=with_prediction(
                                    analyses, predict,
                                    ctx.get_parameter_source("predict")
                                    == click.core.ParameterSource.COMMANDLINE),
                                progress=progress, encoding=encoding,
                                prediction={"folds": predict_folds,
                                            "repetitions": predict_repetitions,
                                            "approach": predict_approach},
                                exclude_flagged=exclude_flagged, platform=platform,
                                compare_with=compare_with)
    write_outputs(result, json_out, report_out, lang)
    summarise(result, console)
    if out_dir:
        deliver_outputs(result, Path(out_dir), Path(data).stem, formats, lang, console)


def deliver_outputs(result: StudyResult, out: Path, stem: str, formats: Sequence[str],
                    lang: str | None, console: Console) -> None:
    """``stem.json`` (the contract), ``stem.result.gz`` (the saved result) and the
    deliverables ``stem_report[_lang].<format>`` in ``out``, each file listed with its size."""
    from survey.cli.report import print_delivered, report_name
    from survey.report.deliver import deliver, save_outputs

    contract, saved = save_outputs(result, out, stem)
    delivered = deliver(result, out, formats=formats, lang=lang, stem=report_name(stem, lang),
                        step=lambda fmt: console.print(f"Writing the {fmt.upper()}..."))
    console.print(f"JSON  {contract.resolve()}\nSaved {saved.resolve()} (survey report "
                  "renders it again)")
    print_delivered(delivered, console)


def analyses_option(value: str) -> tuple[str, ...] | None:
    """``--analyses``: 'all' (None: every analysis), 'none' (()) or a comma-separated list."""
    value = value.strip()
    if value == "all":
        return None
    if value == "none":
        return ()
    try:
        return check_analyses([v.strip() for v in value.split(",") if v.strip()])
    except SurveyError as exc:
        raise click.BadParameter(str(exc)) from None


def with_prediction(analyses: tuple[str, ...] | None, predict: bool, given: bool
                    ) -> tuple[str, ...] | None:
    """The analyses with 'prediction' added (``--predict`` given) or taken out
    (``--no-predict``); the default leaves ``--analyses`` as it is (all: prediction too)."""
    if not given:
        return analyses
    names = tuple(ANALYSES) if analyses is None else analyses
    if predict:
        return names if "prediction" in names else (*names, "prediction")
    return tuple(a for a in names if a != "prediction")


@contextmanager
def progress_bars(console: Console) -> Iterator[Callable[[str], Callable[[int, int], None]]]:
    """A factory of progress reports: ``factory(label)`` returns ``advance(done, total)``,
    counting the units the user asked for (resamples, cells, segment columns). On a terminal,
    one bar each; elsewhere (a log, a pipe, CI) no live display, which would leave stray
    blank lines, but a plain line when each step starts and when it ends."""
    if not console.is_terminal:
        def plain(label: str) -> Callable[[int, int], None]:
            console.print(f"{label}...", highlight=False)
            state = {"done": 0, "started": time.monotonic()}

            def advance(done: int, total: int) -> None:
                state["done"] += done
                if state["done"] >= total:
                    console.print(f"{label}: {total:,} done "
                                  f"({time.monotonic() - state['started']:.1f} s)",
                                  highlight=False)
            return advance

        yield plain
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bars:
        def factory(label: str) -> Callable[[int, int], None]:
            task = bars.add_task(label, total=None)

            def advance(done: int, total: int) -> None:
                bars.update(task, advance=done, total=total)
            return advance

        yield factory


def write_outputs(result: StudyResult, json_out: str | None, report_out: str | None,
                  lang: str | None) -> None:
    """Write the JSON contract and the HTML report where asked."""
    if json_out:
        result.write_json(json_out)
    if report_out:
        from survey.report import write_report

        write_report(result, report_out, lang=lang)


def summarise(result: StudyResult, console: Console) -> None:
    """A short human summary on stderr: counts, indices, fit, admissibility."""
    r = result.responses.report
    console.print(f"{r.n_rows} rows read: {r.n_accepted} accepted, {r.n_rejected} rejected, "
                  f"{r.n_screened_out} screened out.")
    for note in r.notes:
        console.print(f"  note: {note}", highlight=False)
    if result.quality is not None:
        summarise_exclusion(result, console)
    from survey.ingest import columns_summary

    for line in columns_summary(r):  # file headers are data: no rich markup
        console.print(f"  {line}", highlight=False, markup=False)
    lang = result.questionnaire.language
    for method, e in result.estimates.items():
        console.print(f"[bold]{METHOD_LABELS.get(method, method.upper())}[/] on n = {e.n} "
                      f"({e.missing}):")
        for idx in e.indices:
            label = result.questionnaire.constructs[idx.latent].label.get(lang)
            value = "n/a" if idx.value is None else f"{idx.value:5.1f}"
            ci = (f"  [{idx.ci_low:.1f}, {idx.ci_high:.1f}]"
                  if idx.ci_low is not None and idx.ci_high is not None else "")
            console.print(f"  {label} ({idx.latent}): {value}{ci}"
                          f"{'' if idx.valid else '  (invalid)'}")
        fit = e.fit
        if fit:
            console.print(f"  Fit: chi2 = {fit['chi2']:.2f}, df = {fit['df']}, CFI = "
                          f"{fit['cfi']:.3f}, TLI = {fit['tli']:.3f}, RMSEA = {fit['rmsea']:.3f}, "
                          f"SRMR = {fit['srmr']:.3f}")
            if fit.get("chi2_scaled") is not None:
                weighted = e.settings.get("weights_column")
                console.print(f"  Weighted by '{weighted}' (robust SEs): scaled chi2 = "
                              f"{fit['chi2_scaled']:.2f} (Yuan-Bentler, scaling factor "
                              f"{fit['scaling_factor']:.3f}), robust CFI = "
                              f"{fit['cfi_robust']:.3f}, robust RMSEA = "
                              f"{fit['rmsea_robust']:.3f}")
        if e.bootstrap is not None:
            s = e.bootstrap.summary()
            kept = (f", {sum(s['inadmissible_kept'].values())} inadmissible kept"
                    if s["inadmissible_kept"] else "")
            console.print(f"  Bootstrap: {s['ok']} of {s['resamples']} resamples used, "
                          f"{s['failed']} failed {s['failures'] or ''}{kept} (seed "
                          f"{s['seed']}, inadmissible resamples: {s['inadmissible']}); "
                          + ("inference from the bootstrap." if e.inference == "bootstrap"
                             else "no bootstrap inference (see below)."))
        plsc = e.settings.get("plsc")
        if plsc:
            rho = ", ".join(f"{k} {v:.3f}" for k, v in plsc["rho_a"].items()
                            if k not in plsc["uncorrected"])
            console.print(f"  PLSc reliabilities rho_A: {rho}; smallest eigenvalue of the "
                          f"corrected construct correlations {plsc['min_eigenvalue']:.4f}.",
                          highlight=False)
        if not e.admissible:
            console.print("  [bold red]The solution is inadmissible:[/]")
        for w in e.warnings:
            console.print(f"  - {w}")
    if result.comparison:
        summarise_comparison(result.comparison, console)
    summarise_prediction(result, console)
    if result.model_comparison is not None:
        summarise_model_comparison(result.model_comparison, console)


def summarise_prediction(result: StudyResult, console: Console) -> None:
    """One line per endogenous latent of PLSpredict's reading, and CVPAT overall, or why the
    prediction is not available (survey.analysis.prediction decides; this only prints)."""
    a = result.analysis
    p = a.prediction if a is not None and "prediction" in a.include else None
    if p is None:
        return
    s = p.settings
    head = (f"PLSpredict ({s.folds} folds x {s.repetitions} repetitions, seed {s.seed}, "
            f"{s.approach} antecedents)")
    if not p.available:
        console.print(f"{head}: not available. {p.reason}", highlight=False)
        return
    from survey.report.texts import PREDICTIVE_POWER, tr

    console.print(f"{head}, {p.repetitions_used} repetitions used:", highlight=False)
    for x in p.power:  # the report's words: 'no predictive power', not 'none predictive ...'
        console.print(f"  {x.latent}: {tr(PREDICTIVE_POWER, x.power, 'en')} (RMSE PLS < LM: "
                      f"{x.beats_rmse}/{x.n_items}; Q²_predict > 0: {x.q2_positive})",
                      highlight=False)
    for test in (p.cvpat_ia.overall, p.cvpat_lm.overall):
        pv = test.boot_p_value if test.boot_p_value is not None else test.p_value
        console.print(f"  CVPAT PLS vs {test.b.upper()}: loss {test.loss_a:.4f} vs "
                      f"{test.loss_b:.4f}, difference {test.difference:.4f}, one-sided p "
                      f"{'n/a' if pv is None else '< 0.0001' if pv < 1e-4 else f'{pv:.4f}'}",
                      highlight=False)


def summarise_model_comparison(mc, console: Console) -> None:
    """One line for --compare-with: the winner per criterion (or why there is none), then
    each rival left out and each withheld value with its reason (survey.analysis.
    model_selection decides them; this only prints them)."""
    from survey.report.texts import MODEL_COMPARISON_REASONS, tr

    method = "PLS" if mc.method == "pls" else "CB-SEM"
    on = f" on {mc.target}" if mc.target else ""
    if not mc.rows:
        console.print(f"Model comparison ({method}{on}): no rival could be compared.",
                      highlight=False, markup=False)
    else:
        lowest = "; ".join(f"lowest {c.upper()}: {m if m is not None else 'no single model'}"
                           for c, m in mc.selected.items())
        console.print(f"Model comparison ({method}{on}, {len(mc.rows)} models, n = "
                      f"{mc.sample.get('n_used')}): {lowest}.", highlight=False, markup=False)
    for x in mc.excluded:
        why = tr(MODEL_COMPARISON_REASONS, x.reason, "en")
        console.print(f"  {x.id} not compared: {why}"
                      + (f" ({x.detail})" if x.detail else ""), highlight=False, markup=False)
    for r in mc.rows:
        if r.withheld:
            console.print(f"  {r.id}: {tr(MODEL_COMPARISON_REASONS, r.withheld, 'en')}",
                          highlight=False, markup=False)
        if r.test is not None and r.test.reason:
            console.print(f"  {r.id} vs {r.test.general}: "
                          f"{tr(MODEL_COMPARISON_REASONS, r.test.reason, 'en')}",
                          highlight=False, markup=False)
    for note in mc.notes:
        console.print(f"  {tr(MODEL_COMPARISON_REASONS, note, 'en')}", highlight=False,
                      markup=False)


def summarise_comparison(rows, console: Console) -> None:
    """Where PLS and CB-SEM disagree: the rows whose ``reasons`` are not empty, with the
    reasons (survey.estimators.compare decides them; this only prints them)."""
    from survey.report.texts import REASONS, tr

    flagged = [c for c in rows if c["reasons"]]
    if not flagged:
        console.print(f"PLS and CB-SEM agree on all {len(rows)} compared numbers.")
        return
    console.print(f"PLS and CB-SEM disagree on {len(flagged)} of {len(rows)} compared numbers:")
    for c in flagged:
        name = {"path": f"path {c['a']} -> {c['b']}", "index": f"index {c['a']}",
                "r2": f"R² {c['a']}"}.get(c["kind"], f"{c['kind']} {c['a']}")
        digits = 1 if c["kind"] == "index" else 3
        why = ", ".join(tr(REASONS, code, "en") for code in c["reasons"])
        plsc = (f", PLSc {c['plsc']:.{digits}f}" if c.get("plsc") is not None else "")
        console.print(f"  {name}: PLS {c['pls']:.{digits}f}, CB-SEM {c['cbsem']:.{digits}f}"
                      f"{plsc} ({why})")


def summarise_exclusion(result: StudyResult, console: Console) -> None:
    """What --exclude-flagged left out, per rule, and the headline index without it."""
    x = result.quality
    assert x is not None
    per_rule = ", ".join(f"{r} {x.excluded_by(r)}" for r in x.rules)
    console.print(f"Quality: {len(x.excluded)} of {x.n_checked} accepted respondents excluded "
                  f"({per_rule}); {x.n_used} used.", highlight=False)
    for latent, with_, without in x.indices:
        if latent == x.target:
            shown = ("n/a" if with_ is None else f"{with_:.1f}",
                     "n/a" if without is None else f"{without:.1f}")
            console.print(f"  {latent} index: {shown[0]} with the exclusion, {shown[1]} "
                          "without it.", highlight=False)
