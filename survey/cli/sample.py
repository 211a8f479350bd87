"""``survey sample FRAME``: draw a probability sample from a sampling frame, with design weights."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from rich.cells import cell_len

from survey.cli import cli
from survey.exports import neutralised
from survey.ingest import read_table
from survey.sampling import ALLOCATIONS, DESIGNS, draw_sample


@cli.command()
@click.argument("frame", type=click.Path(dir_okay=False))
@click.option("--design", required=True, type=click.Choice(DESIGNS),
              help="Simple random (without replacement), systematic (fixed interval N/n, "
                   "random start, in the frame's order) or stratified (SRS within strata).")
@click.option("--n", "n", required=True, type=int, help="Units to draw.")
@click.option("--strata", default=None, metavar="COLUMN",
              help="Stratum column of the frame (stratified design).")
@click.option("--allocation", type=click.Choice(ALLOCATIONS), default="proportional",
              show_default=True, help="Sample size per stratum: proportional to the stratum's "
                                      "size (largest remainder, at least 1 each) or equal.")
@click.option("--seed", required=True, type=int, help="Random seed (same seed, same sample).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="CSV (UTF-8) to write the sample and its design weights to.")
@click.option("--encoding", default=None, metavar="NAME",
              help="The CSV frame's encoding when you know it: cp1252, gb18030, utf-16, ... "
                   "(default: UTF-8, or GB18030 when the text reads as Chinese).")
def sample(frame: str, design: str, n: int, strata: str | None, allocation: str, seed: int,
           out: str, encoding: str | None) -> None:
    """Draw a sample from FRAME (.csv in UTF-8 or GB18030, .xlsx, .xls, .sav or .parquet; one
    row per population unit) and write it with selection_prob, design_weight and fpc."""
    units = read_frame(frame, encoding=encoding)
    drawn = draw_sample(units, design=design, n=n, seed=seed, strata=strata,
                        allocation=allocation, source=frame)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    # Frame text (names, notes) is data: no cell may run as a formula when opened in Excel.
    neutralised(drawn).to_csv(out, index=False, encoding="utf-8")
    for line in summary(units, drawn, design=design, strata=strata, allocation=allocation,
                        seed=seed, source=frame):
        click.echo(line)
    click.echo(f"{out}: {len(drawn)} rows written.")


def read_frame(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """A frame file as a table (CSV: UTF-8, or GB18030 when it reads as Chinese, or the
    ``encoding`` given; never guessed as latin-1), with the same readers and errors as
    response files."""
    return read_table(path, encoding=encoding).frame


def summary(frame: pd.DataFrame, drawn: pd.DataFrame, *, design: str, strata: str | None,
            allocation: str, seed: int, source: str) -> list[str]:
    """Lines for the terminal: N, n, per stratum N_h / n_h, the range of the weights."""
    how = (f"stratified by '{strata}', {allocation} allocation" if design == "stratified"
           else design)
    lines = [f"{source}: drew n={len(drawn)} of N={len(frame)} units ({how}, seed {seed})."]
    if design == "stratified":
        per = drawn.groupby("stratum", sort=True).agg(N_h=("fpc", "first"),
                                                      n_h=("fpc", "size"),
                                                      weight=("design_weight", "first"))
        # Pad by terminal cells: a Chinese stratum name is twice as wide as its length.
        width = max(cell_len(str(h)) for h in per.index)
        lines += [f"  {h}{' ' * (width - cell_len(str(h)))}  N_h={int(r.N_h):>7}  "
                  f"n_h={int(r.n_h):>6}  weight {r.weight:.4g}" for h, r in per.iterrows()]
    w = drawn["design_weight"]
    lines.append(f"Design weights {w.min():.4g} to {w.max():.4g}, sum {w.sum():.6g}.")
    return lines
