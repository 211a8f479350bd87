"""``survey estimate``: estimate a path model on a response file; write JSON and/or a report."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from survey.cli import cli
from survey.study import METHODS, StudyResult, estimate_study


@cli.command()
@click.option("--questionnaire", "-q", required=True, type=click.Path(dir_okay=False),
              help="Questionnaire definition (YAML).")
@click.option("--model", "-m", required=True, type=click.Path(dir_okay=False),
              help="Path-model definition (YAML).")
@click.option("--data", "-d", required=True, type=click.Path(dir_okay=False),
              help="Responses: .csv (UTF-8 or GB18030), .xlsx, .xls, .sav or .parquet.")
@click.option("--method", type=click.Choice(METHODS), default="cbsem", show_default=True,
              help="Estimator.")
@click.option("--missing", type=click.Choice(["fiml", "listwise"]), default="fiml",
              show_default=True, help="Treatment of missing and don't-know answers.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False),
              help="Write the estimate as JSON here.")
@click.option("--report", "report_out", type=click.Path(dir_okay=False),
              help="Write the HTML report here.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: the questionnaire's first language).")
def estimate(questionnaire: str, model: str, data: str, method: str, missing: str,
             json_out: str | None, report_out: str | None, lang: str | None) -> None:
    """Estimate MODEL on DATA collected with QUESTIONNAIRE."""
    console = Console(stderr=True)
    with console.status(f"Estimating {Path(model).name} on {Path(data).name} ({method})..."):
        result = estimate_study(questionnaire, model, data, method=method, missing=missing)
    write_outputs(result, json_out, report_out, lang)
    summarise(result, console)


def write_outputs(result: StudyResult, json_out: str | None, report_out: str | None,
                  lang: str | None) -> None:
    """Write the JSON contract and the HTML report where asked."""
    if json_out:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(json_out).write_text(result.estimate.dumps() + "\n", encoding="utf-8")
    if report_out:
        from survey.report import write_report

        write_report(result, report_out, lang=lang)


def summarise(result: StudyResult, console: Console) -> None:
    """A short human summary on stderr: counts, indices, admissibility."""
    r, e = result.responses.report, result.estimate
    console.print(f"{r.n_rows} rows read: {r.n_accepted} accepted, {r.n_rejected} rejected, "
                  f"{r.n_screened_out} screened out; estimated on n = {e.n} ({e.missing}).")
    lang = result.questionnaire.language
    for idx in e.indices:
        label = result.questionnaire.constructs[idx.latent].label.get(lang)
        value = "n/a" if idx.value is None else f"{idx.value:5.1f}"
        console.print(f"  {label} ({idx.latent}): {value}{'' if idx.valid else '  (invalid)'}")
    fit = e.fit
    console.print(f"Fit: chi2 = {fit['chi2']:.2f}, df = {fit['df']}, CFI = {fit['cfi']:.3f}, "
                  f"TLI = {fit['tli']:.3f}, RMSEA = {fit['rmsea']:.3f}, SRMR = {fit['srmr']:.3f}")
    if not e.admissible:
        console.print("[bold red]The solution is inadmissible:[/]")
    for w in e.warnings:
        console.print(f"  - {w}")
