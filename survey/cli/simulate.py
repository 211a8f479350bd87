"""``survey simulate``: draw a survey wave from the airline CCSI population (for trying things)."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli import cli
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.resources import bundled
from survey.simulate import AIRLINE_CCSI, simulate_responses, tracking_study_waves


@cli.command()
@click.option("--n", "n", default=1000, show_default=True, type=click.IntRange(10, 10_000_000),
              help="Qualified respondents to draw (screened-out ones come on top).")
@click.option("--seed", default=2026, show_default=True, type=int, help="Random seed.")
@click.option("--errors", "errors", default=0, show_default=True, type=click.IntRange(0),
              help="Rows given one invalid answer, for the ingest report to catch.")
@click.option("--tracking-study", is_flag=True,
              help="Write the bundled tracking study instead: two waves of two airlines, one "
                   "CSV per wave and brand, into the folder --out (--n, --seed, --errors are "
                   "fixed for it).")
@click.option("--out", required=True, type=click.Path(), help="CSV to write (a folder with "
                                                              "--tracking-study).")
def simulate(n: int, seed: int, errors: int, tracking_study: bool, out: str) -> None:
    """Simulate an airline survey wave (UTF-8 CSV) from the documented CCSI population."""
    bound = airline_ccsi()
    if tracking_study:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for (wave, brand), frame in tracking_study_waves(bound).items():
            path = folder / f"{wave}_{brand}.csv"
            frame.to_csv(path, index=False, encoding="utf-8")
            click.echo(f"{path}: {len(frame)} rows (wave {wave}, brand {brand}).")
        return
    frame = simulate_responses(bound, AIRLINE_CCSI, n=n, seed=seed, data_entry_errors=errors)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, encoding="utf-8")
    click.echo(f"{out}: {len(frame)} rows ({n} qualified respondents, seed {seed}).")


def airline_ccsi():
    """The bundled airline questionnaire bound to the bundled CCSI model."""
    q = load_questionnaire(bundled("questionnaires") / "airline.yaml")
    return bind(load_model(bundled("models") / "ccsi.yaml"), q)
