"""``survey ingest STUDY DATA --wave W``: validate a response file and store it as a wave."""

from __future__ import annotations

import click

from survey.cli import cli
from survey.cli.options import encoding_option, platform_option
from survey.store import LOCK_TIMEOUT, Study

#: Reject messages shown on the terminal; all of them are in the store (Study.rejects).
SHOWN_REJECTS = 10


@cli.command()
@click.argument("study", type=click.Path(file_okay=False))
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--wave", required=True, help="The wave's label, e.g. 2026Q3.")
@click.option("--brand", default="", help="The brand the file is about (default: none).")
@click.option("--replace", is_flag=True,
              help="Replace the file already stored for this wave and brand.")
@click.option("--questionnaire", "questionnaire", default=None,
              type=click.Path(dir_okay=False),
              help="A new version of the study's questionnaire to validate this file with "
                   "(stored as the next version: new items allowed, removed items keep their "
                   "column for earlier waves, a changed scale is refused).")
@click.option("--sheet", default=None, help="Excel sheet name (default: the first).")
@encoding_option
@platform_option
@click.option("--wait", "wait", default=LOCK_TIMEOUT, show_default=True, type=float,
              help="Seconds to wait while another process writes to the study.")
def ingest(study: str, data: str, wave: str, brand: str, replace: bool,
           questionnaire: str | None, sheet: str | None, encoding: str | None,
           platform: str, wait: float) -> None:
    """Validate DATA (.csv in UTF-8, UTF-16 or GB18030, comma-, semicolon- or tab-separated,
    .xlsx, .xls, .sav or .parquet; native or a survey platform's export, --platform) with the
    study's questionnaire and store it as one wave (and brand), in one transaction.
    The same file again is a no-op; rejected answers are stored with row, column and reason."""
    result = Study.open(study, lock_timeout=wait).ingest(
        data, wave=wave, brand=brand, replace=replace, questionnaire=questionnaire,
        sheet=sheet, encoding=encoding, platform=platform)
    for note in result.notes:
        click.echo(f"note: {note}")
    if result.status != "unchanged":
        messages = result.rejects["message"].tolist()
        for message in messages[:SHOWN_REJECTS]:
            click.echo(f"  rejected: {message}")
        if len(messages) > SHOWN_REJECTS:
            click.echo(f"  ... and {len(messages) - SHOWN_REJECTS} more rejected answers "
                       "(all kept in the study: Study.rejects()).")
    click.echo(result.message)
