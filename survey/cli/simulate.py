"""``survey simulate``: draw a survey wave from the airline CCSI population (for trying things)."""

from __future__ import annotations

from pathlib import Path

import click

from survey.cli import cli
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire
from survey.resources import bundled
from survey.simulate import AIRLINE_CCSI, simulate_responses


@cli.command()
@click.option("--n", "n", default=1000, show_default=True, type=click.IntRange(10, 10_000_000),
              help="Qualified respondents to draw (screened-out ones come on top).")
@click.option("--seed", default=2026, show_default=True, type=int, help="Random seed.")
@click.option("--errors", "errors", default=0, show_default=True, type=click.IntRange(0),
              help="Rows given one invalid answer, for the ingest report to catch.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV to write.")
def simulate(n: int, seed: int, errors: int, out: str) -> None:
    """Simulate an airline survey wave (UTF-8 CSV) from the documented CCSI population."""
    bound = airline_ccsi()
    frame = simulate_responses(bound, AIRLINE_CCSI, n=n, seed=seed, data_entry_errors=errors)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, encoding="utf-8")
    click.echo(f"{out}: {len(frame)} rows ({n} qualified respondents, seed {seed}).")


def airline_ccsi():
    """The bundled airline questionnaire bound to the bundled CCSI model."""
    q = load_questionnaire(bundled("questionnaires") / "airline.yaml")
    return bind(load_model(bundled("models") / "ccsi.yaml"), q)
