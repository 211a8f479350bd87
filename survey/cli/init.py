"""``survey init STUDY --questionnaire Q --model M``: create a study folder and its store."""

from __future__ import annotations

import click

from survey.cli import cli
from survey.store import Study


@cli.command()
@click.argument("study", type=click.Path(file_okay=False))
@click.option("--questionnaire", "questionnaire", required=True,
              type=click.Path(dir_okay=False), help="Questionnaire YAML (stored as version 1).")
@click.option("--model", "model", required=True, type=click.Path(dir_okay=False),
              help="Path-model YAML (stored as version 1; must fit the questionnaire).")
@click.option("--force", is_flag=True,
              help="Replace an existing study at STUDY (its waves are deleted).")
def init(study: str, questionnaire: str, model: str, force: bool) -> None:
    """Create the study folder STUDY: its DuckDB store (study.duckdb) and copies of the
    questionnaire and model in STUDY/definitions/. Add waves with 'survey ingest'."""
    created = Study.create(study, questionnaire=questionnaire, model=model, force=force)
    q = created.questionnaire()
    m = created.model()
    click.echo(f"{created.path}: study created with questionnaire '{q.id}' "
               f"({len(q.items)} items) and model '{m.id}' ({len(m.paths)} paths), version 1 "
               "of each. Add waves with 'survey ingest'.")
