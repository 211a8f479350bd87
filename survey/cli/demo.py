"""``survey demo``: the airline CCSI study on the bundled example wave."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console

from survey.cli import cli
from survey.cli.estimate import progress_bars, summarise, write_outputs
from survey.resources import bundled
from survey.study import estimate_study

#: PLS bootstrap resamples of the demo (CB-SEM shows its ML standard errors).
DEMO_RESAMPLES = 1000


@cli.command()
@click.option("--out", "out_dir", default="csi-demo", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the report and the JSON.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: zh, the questionnaire's first language).")
def demo(out_dir: str, lang: str | None) -> None:
    """Estimate the CCSI model on the bundled airline survey wave (PLS with a bootstrap, CB-SEM
    beside it) and write the report."""
    console = Console(stderr=True)
    started = time.time()
    data = bundled("examples") / "airline_wave1.csv"
    console.print("Estimating the CCSI model on the airline example (PLS with "
                  f"{DEMO_RESAMPLES} bootstrap resamples; CB-SEM with FIML)...")
    with progress_bars(console) as progress:
        result = estimate_study(bundled("questionnaires") / "airline.yaml",
                                bundled("models") / "ccsi.yaml", data, method="both",
                                bootstrap={"pls": DEMO_RESAMPLES}, seed=2026, progress=progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    suffix = f"_{lang}" if lang else ""
    report, json_path = out / f"airline_ccsi_report{suffix}.html", out / "airline_ccsi.json"
    write_outputs(result, str(json_path), str(report), lang)
    summarise(result, console)
    console.print(f"Report: {report.resolve()}\nJSON:   {json_path.resolve()}\n"
                  f"({time.time() - started:.1f} s)")
