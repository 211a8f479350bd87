"""``survey compare-models``: competing path models on the same respondents, side by side.

PLS: the BIC and Geweke-Meese criteria of the target construct's equation (Sharma et al. 2019)
with their weights; CB-SEM: chi-square, df, AIC, BIC (lavaan's convention) and the
likelihood-ratio test of each nested pair (survey.analysis.model_selection decides every
number and every refusal; this only prints them).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from survey.cli import COMMANDS, cli
from survey.cli.options import encoding_option


@cli.command("compare-models", help=COMMANDS["compare-models"])
@click.argument("questionnaire", type=click.Path(dir_okay=False))
@click.argument("data", type=click.Path(dir_okay=False))
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--method", type=click.Choice(["pls", "cbsem"]), default="pls",
              show_default=True, help="Estimator of every model.")
@click.option("--target", default=None, metavar="CONSTRUCT",
              help="PLS: the endogenous construct the models are compared on (default: the "
                   "first model's target).")
@click.option("--missing", type=click.Choice(["mean", "fiml", "listwise"]), default=None,
              help="Missing and don't-know answers [default: mean replacement for PLS, FIML "
                   "for CB-SEM]; listwise keeps those who answered every item of every "
                   "model.")
@click.option("--scheme", type=click.Choice(["path", "centroid", "factorial"]), default="path",
              show_default=True, help="PLS inner weighting scheme.")
@click.option("--weights", default=None, metavar="COLUMN",
              help="Case-weight column (CB-SEM: robust, with the Satorra-Bentler scaled "
                   "difference test).")
@encoding_option
@click.option("--json", "json_out", type=click.Path(dir_okay=False),
              help="Write the comparison as JSON here.")
@click.option("--report", "report_out", type=click.Path(dir_okay=False),
              help="Write the comparison as an HTML page here.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: the questionnaire's first language).")
def compare_models(questionnaire: str, data: str, models: tuple[str, ...], method: str,
                   target: str | None, missing: str | None, scheme: str,
                   weights: str | None, encoding: str | None, json_out: str | None,
                   report_out: str | None, lang: str | None) -> None:
    from survey.analysis.model_selection import compare_model_files
    from survey.errors import ModelSpecError
    from survey.questionnaire import load_questionnaire

    if len(models) < 2:
        raise ModelSpecError(f"Give two models or more to compare. Got {len(models)} "
                             "instead.")
    q = load_questionnaire(questionnaire)
    if report_out and lang:
        from survey.report.render import report_language

        report_language(q, lang)  # before estimating: a missing language fails now
    console = Console()
    if not console.is_terminal:
        # A pipe or a log has no width: rich's 80 columns would cut the model names.
        console = Console(width=200)
    err = Console(stderr=True)
    err.print(f"Estimating {len(models)} models by "
              f"{'PLS' if method == 'pls' else 'CB-SEM'}...", highlight=False)
    result = compare_model_files(q, data, list(models), method=method, target=target,
                                 missing=missing, weights=weights, scheme=scheme,
                                 encoding=encoding)
    print_comparison(result, console)
    if json_out:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(json_out).write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2),
                                  encoding="utf-8")
        err.print(f"JSON   {Path(json_out).resolve()}", highlight=False)
    if report_out:
        from survey.report.model_comparison import write_comparison_report

        path = write_comparison_report(result, q, report_out, lang)
        err.print(f"Report {path.resolve()}", highlight=False)


def _num(value, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def print_comparison(mc, console: Console) -> None:
    """The table, the winner per criterion, the sample and every reason a value is missing."""
    from rich.table import Table

    from survey.report.render import format_p
    from survey.report.texts import MODEL_COMPARISON_REASONS, MODEL_COMPARISON_UI, tr

    s = mc.sample
    table = Table(title=("PLS model comparison on " + str(mc.target)) if mc.method == "pls"
                  else "CB-SEM model comparison (lavaan's AIC/BIC)")
    table.add_column("model")
    table.add_column("n", justify="right")
    if mc.method == "pls":
        cols = [("R² of target", "r2", 3), ("k", "predictors", 0), ("BIC", "bic", 2),
                ("GM", "gm", 2), ("BIC weight", "bic_weight", 3), ("GM weight", "gm_weight", 3)]
    else:
        cols = [("chi²", "chi2", 2), ("df", "df", 0), ("AIC", "aic", 2), ("BIC", "bic", 2),
                ("AIC weight", "aic_weight", 3), ("BIC weight", "bic_weight", 3)]
    for head, _, _ in cols:
        table.add_column(head, justify="right")
    if mc.method == "cbsem":
        for head in ("Δχ²", "Δdf", "p", "against"):
            table.add_column(head, justify="right" if head != "against" else "left")
    for r in mc.rows:
        cells = [r.id, str(r.n)] + [_num(getattr(r, key), d) for _, key, d in cols]
        if mc.method == "cbsem":
            t = r.test
            nested = t is not None and t.nested
            cells += [_num(t.chi2 if nested else None, 2), _num(t.df if nested else None, 0),
                      format_p(None if t is None else t.p_value),
                      "" if t is None else t.general]
        table.add_row(*cells)
    console.print(table)
    for criterion, model in mc.selected.items():
        console.print(f"Lowest {criterion.upper()}: {model}" if model is not None else
                      f"Lowest {criterion.upper()}: no single model (a value is missing, or "
                      "models tie).", highlight=False)
    rule = tr(MODEL_COMPARISON_UI, f"rule_{s.get('rule', 'mean_all')}", "en")
    console.print(f"{s.get('n_used')} of {s.get('n_total')} respondents used for every model "
                  f"({rule}); {s.get('n_dropped', 0)} left out.", highlight=False)
    if mc.weighted and mc.method == "cbsem":
        console.print("Weighted: Satorra-Bentler (2001) scaled chi-square differences.",
                      highlight=False)
    for r in mc.rows:
        if r.withheld:
            console.print(f"  {r.id}: {tr(MODEL_COMPARISON_REASONS, r.withheld, 'en')}",
                          highlight=False)
        if r.test is not None and r.test.reason:
            console.print(f"  {r.id} vs {r.test.general}: "
                          f"{tr(MODEL_COMPARISON_REASONS, r.test.reason, 'en')}",
                          highlight=False)
    for r in mc.rows:
        if not r.converged or not r.admissible:
            state = "did not converge" if not r.converged else "has an inadmissible solution"
            console.print(f"  {r.id} {state}:", highlight=False)
            for text in r.warnings:
                console.print(f"    - {text}", highlight=False)
    for note in mc.notes:
        console.print(f"  {tr(MODEL_COMPARISON_REASONS, note, 'en')}", highlight=False)

