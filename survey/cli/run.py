"""``survey run STUDY``: re-estimate every cell of a stored study on Dask, compare the waves,
store the results in the study and write the tracking report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from survey.cli import cli
from survey.cli.estimate import exclude_flagged, inadmissible_option, progress_bars
from survey.cli.report import formats_option, print_delivered
from survey.numbers import is_number

if TYPE_CHECKING:
    from survey.tracking import Tracking


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _split_by(values: tuple[str, ...]) -> list[str]:
    """``--by`` specs: comma-separated columns, where the commas after ``column=`` separate
    cut points ('brand,age=30,45' is brand and age banded at 30 and 45), not columns."""
    specs: list[str] = []
    for value in values:
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            if specs and "=" in specs[-1] and "=" not in part and is_number(part):
                specs[-1] += f",{part}"
            else:
                specs.append(part)
    return specs


@cli.command()
@click.argument("study", type=click.Path(file_okay=False))
@click.option("--waves", "waves", multiple=True, metavar="W1,W2,...",
              help="Waves to use, in chronological order (default: all, in ingest order).")
@click.option("--by", "by", multiple=True, default=("brand",), show_default=True,
              metavar="brand,COLUMN[=CUTS]",
              help="Split each wave into cells by these columns (brand, a segment column; "
                   "'age=30,45,60' bands a numeric column).")
@click.option("--method", type=click.Choice(["pls", "cbsem"]), default="pls", show_default=True)
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap resamples per cell.")
@inadmissible_option
@click.option("--permutations", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Permutations per wave-over-wave comparison (0: none).")
@click.option("--seed", type=int, default=2026, show_default=True)
@exclude_flagged
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="An existing Dask scheduler (default: a local cluster sized to this "
                   "machine).")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Workers of a local Dask cluster (0: no Dask). Default: in this process "
                   "for a run of fewer than 8 cells (a cluster costs seconds to start), else "
                   "a local cluster of one worker per core.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Folder for the tracking report and JSON (default: STUDY/reports/RUN).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: the questionnaire's first language).")
@click.option("--format", "formats", default="html", show_default=True, metavar="LIST",
              callback=lambda ctx, param, value: formats_option(value),
              help="The tracking report's formats: html, xlsx, pptx, pdf (comma-separated, "
                   "or all).")
def run(study: str, waves: tuple[str, ...], by: tuple[str, ...], method: str, bootstrap: int,
        inadmissible: str, permutations: int, seed: int, exclude_flagged: tuple[str, ...],
        scheduler: str | None,
        workers: int | None, out_dir: str | None, lang: str | None,
        formats: tuple[str, ...]) -> None:
    """Estimate every wave x brand (x segment) cell of STUDY, compare consecutive waves, and
    write the tracking report."""
    from survey.report.deliver import deliver_tracking
    from survey.saved import SUFFIX, save_result
    from survey.tracking import TrackingRun, run_study

    console = Console(stderr=True)
    with progress_bars(console) as progress:
        run_id, tracking, manifest, bound = run_study(
            study, waves=_split(waves) or None, by=_split_by(by), method=method,
            bootstrap=bootstrap, seed=seed, permutations=permutations, scheduler=scheduler,
            workers=workers, inadmissible=inadmissible, progress=progress,
            exclude_flagged=exclude_flagged)
    out = Path(out_dir) if out_dir else Path(study) / "reports" / run_id
    out.mkdir(parents=True, exist_ok=True)
    saved = TrackingRun(run_id, tracking, bound, manifest)
    save_result(saved, out / f"tracking{SUFFIX}")
    delivered = deliver_tracking(saved, out, formats=formats, lang=lang)
    (out / "tracking.json").write_text(
        json.dumps({"run_id": run_id, "manifest": manifest, **tracking.to_json()},
                   ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    for w in manifest.get("exclude_flagged", {}).get("waves", []):
        by_rule = ", ".join(f"{r} {n}" for r, n in w["excluded_by"].items())
        console.print(f"Quality: {w['wave']}{' / ' + w['brand'] if w['brand'] else ''}: "
                      f"{w['excluded']} of {w['checked']} excluded ({by_rule}).",
                      highlight=False)
    for x in tracking.quality:
        console.print(f"Quality: {_exclusion_effect(x)}", highlight=False)
    console.print(f"Run {run_id}: {len(tracking.cells)} cells estimated, "
                  f"{len(tracking.failed)} failed; stored in {study}.")
    summarise(tracking, console)
    print_delivered(delivered, console)


def _exclusion_effect(x) -> str:
    """One cell's target index with and without the quality exclusion, and whether it moved
    more than the interval's half-width (survey.tracking.CellExclusion.moved)."""
    cell = ", ".join(f"{k}={v}" for k, v in x.key.items())
    if x.index_with is None or x.index_without is None:
        why = {"invalid": "an index is invalid", "failed": f"not computed: {x.error}"}
        return (f"{cell}: {x.target} index with and without the exclusion not compared "
                f"({why.get(x.note, 'no index')}).")
    text = (f"{cell}: {x.target} index {x.index_with:.1f} with the exclusion, "
            f"{x.index_without:.1f} without ({x.difference:+.1f}); ")
    if x.moved is None:
        return text + "no interval to compare with."
    return text + (f"{'more' if x.moved else 'not more'} than the interval's half-width "
                   f"({x.half_width:.1f}).")


def summarise(tracking: Tracking, console: Console) -> None:
    """The failed cells, the cells' warnings, and each wave step's index changes and the path
    changes a reader must see, by the verdict of each Change (survey.analysis.waves.
    CHANGE_RULE): read here, never re-decided."""
    from rich.markup import escape

    from survey.analysis.waves import CHANGE_RULE
    from survey.report.render import format_p
    from survey.report.tracking import MOVED

    for f in tracking.failed:
        console.print(f"  [red]failed[/] {escape(f.cell.label)}: {escape(f.error)}")
    for c in tracking.cells:
        cell = ", ".join(f"{k}={v}" for k, v in c.key.items())
        for w in c.estimate.warnings:
            console.print(f"  [yellow]warning[/] {escape(cell)}: {escape(w)}")
    if tracking.steps:
        console.print(f"Changes: significant when p < {CHANGE_RULE.alpha:g} and the "
                      f"{CHANGE_RULE.level:.0%} interval of the change excludes 0; not "
                      "conclusive when the two disagree.")
    words = {"rise": "up", "fall": "down", "inconclusive": "not conclusive",
             "not_comparable": "not comparable"}

    def described(c, digits: int) -> str:
        name = c.a if c.kind == "index" else f"{c.a} -> {c.b}"
        if c.verdict == "not_comparable":
            return name
        ci = ("" if c.ci_low is None or c.ci_high is None
              else f" [{c.ci_low:.{digits}f}, {c.ci_high:.{digits}f}]")
        p = "" if c.p_value is None else f", p {format_p(c.p_value, CHANGE_RULE.alpha)}"
        change = "–" if c.change is None else f"{c.change:+.{digits}f}"
        return f"{name} {change}{ci}{p}"

    def listed(changes, verdicts, digits: int) -> str:
        return "; ".join(f"{words[v]}: " + ", ".join(described(c, digits) for c in changes
                                                     if c.verdict == v)
                         for v in verdicts if any(c.verdict == v for c in changes))

    for step in tracking.steps:
        group = ", ".join(f"{k}={v}" for k, v in step.group.items()) or "all"
        indices = [c for c in step.changes if c.kind == "index"]
        console.print(escape(f"  {group}: {step.wave_from} -> {step.wave_to}: "
                             + (listed(indices, (*MOVED, "not_comparable"), 1)
                                or "no significant index change")))
        paths = listed([c for c in step.changes if c.kind == "path"], MOVED, 3)
        if paths:
            console.print(escape(f"    paths: {paths}"))
