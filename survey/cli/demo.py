"""``survey demo``: the airline CCSI study on the bundled example wave."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from rich.console import Console

from survey.cli import cli
from survey.cli.estimate import deliver_outputs, progress_bars, summarise
from survey.cli.report import FORMATS_HELP, formats_option
from survey.resources import bundled
from survey.study import estimate_study

#: PLS bootstrap resamples of the demo (CB-SEM shows its ML standard errors) and the
#: permutations of its segment comparisons and, with --tracking, of its wave comparisons.
DEMO_RESAMPLES = 1000
DEMO_PERMUTATIONS = {"segments": 500, "waves": 1000}
#: Segments of the demo: the airline flown and age bands, plus the customer value tiers.
DEMO_SEGMENTS = ("airline", "age=30,45,60")
DEMO_TIERS = "spend_12m"


@cli.command()
@click.option("--out", "out_dir", default="csi-demo", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the report and the JSON.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: zh, the questionnaire's first language).")
@click.option("--tracking", is_flag=True,
              help="Run the bundled tracking study instead (two waves of two airlines): "
                   "create it in OUT/study, ingest the waves, re-estimate every cell and write "
                   "the tracking report.")
@click.option("--bootstrap", "resamples", default=DEMO_RESAMPLES, show_default=True,
              type=click.IntRange(min=0), help="Bootstrap resamples (fewer: a quicker look).")
@click.option("--permutations", default=None, type=click.IntRange(min=0),
              help=f"Permutations of the group comparisons [default: "
                   f"{DEMO_PERMUTATIONS['segments']} for the segments, "
                   f"{DEMO_PERMUTATIONS['waves']} for the waves of --tracking].")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="With --tracking: workers of a local Dask cluster (0: no Dask; default: "
                   "as survey run, in this process for a run this small). Otherwise: worker "
                   "processes of the segments' permutation tests and bootstraps (default: one "
                   "per core; 0 or 1: in this process).")
@click.option("--format", "formats", default="all", show_default=True, metavar="LIST",
              callback=lambda ctx, param, value: formats_option(value), help=FORMATS_HELP)
def demo(out_dir: str, lang: str | None, tracking: bool, resamples: int,
         permutations: int | None, workers: int | None, formats: tuple[str, ...]) -> None:
    """Estimate the CCSI model on the bundled airline survey wave (PLS with a bootstrap, CB-SEM
    beside it) and write the report (HTML, XLSX, PPTX and PDF; --tracking: HTML and PDF)."""
    console = Console(stderr=True)
    started = time.time()
    if tracking:
        _tracking_demo(Path(out_dir), lang, console, resamples,
                       DEMO_PERMUTATIONS["waves"] if permutations is None else permutations,
                       workers, formats)
        console.print(f"({time.time() - started:.1f} s)")
        return
    data = bundled("examples") / "airline_wave1.csv"
    console.print("Estimating the CCSI model on the airline example (PLS with "
                  f"{resamples} bootstrap resamples; CB-SEM with FIML; drivers, classic "
                  "methods, segments and value tiers)...")
    with progress_bars(console) as progress:
        result = estimate_study(bundled("questionnaires") / "airline.yaml",
                                bundled("models") / "ccsi.yaml", data, method="both",
                                bootstrap={"pls": resamples}, seed=2026,
                                segments=DEMO_SEGMENTS, tiers=DEMO_TIERS,
                                permutations=DEMO_PERMUTATIONS["segments"]
                                if permutations is None else permutations,
                                workers=max(1, os.cpu_count() or 1) if workers is None
                                else max(1, workers), progress=progress)
    summarise(result, console)
    deliver_outputs(result, Path(out_dir), "airline_ccsi", formats, lang, console)
    console.print(f"({time.time() - started:.1f} s)")


def _tracking_demo(out: Path, lang: str | None, console: Console, resamples: int,
                   permutations: int, workers: int | None, formats: tuple[str, ...]) -> None:
    """The bundled tracking study end to end: init, ingest every wave, run, report."""
    from survey.cli.report import print_delivered
    from survey.cli.run import summarise as summarise_run
    from survey.report.deliver import deliver_tracking
    from survey.saved import SUFFIX, save_result
    from survey.store import Study
    from survey.tracking import TrackingRun, run_study

    folder = out / "study"
    Study.create(folder, questionnaire=bundled("questionnaires") / "airline.yaml",
                 model=bundled("models") / "ccsi.yaml", force=True)
    study = Study.open(folder)
    for path in sorted((bundled("examples") / "study").glob("*.csv")):
        wave, brand = path.stem.split("_")
        result = study.ingest(path, wave=wave, brand=brand)
        console.print(f"{path.name} -> wave {wave}, brand {brand}: {result.message}")
    with progress_bars(console) as progress:
        run_id, tracking, manifest, bound = run_study(
            folder, by=("brand",), bootstrap=resamples, permutations=permutations, seed=2026,
            workers=workers, progress=progress)
    saved = TrackingRun(run_id, tracking, bound, manifest)
    save_result(saved, folder / "reports" / run_id / f"tracking{SUFFIX}")  # survey report STUDY
    delivered = deliver_tracking(saved, out, lang=lang, formats=formats)
    console.print(f"Run {run_id}: {len(tracking.cells)} cells, {len(tracking.failed)} failed.")
    summarise_run(tracking, console)
    print_delivered(delivered, console)
