"""``survey waves STUDY``: the waves (and brands) stored in a study, with their counts."""

from __future__ import annotations

import click
from rich.cells import cell_len

from survey.cli import cli
from survey.store import LOCK_TIMEOUT, Study


@cli.command()
@click.argument("study", type=click.Path(file_okay=False))
@click.option("--history", is_flag=True, help="Also list files that were replaced.")
@click.option("--wait", "wait", default=LOCK_TIMEOUT, show_default=True, type=float,
              help="Seconds to wait while another process writes to the study.")
def waves(study: str, history: bool, wait: float) -> None:
    """List the waves and brands of STUDY: accepted, rejected and screened-out counts, the
    file, the questionnaire version it was validated with and when it was ingested (UTC)."""
    opened = Study.open(study, lock_timeout=wait)
    table = opened.waves(history=history)
    if table.empty:
        click.echo(f"{opened.path}: no waves yet. Add one with 'survey ingest'.")
        return
    header = ["wave", "brand", "accepted", "rejected", "screened out", "file", "questionnaire",
              "ingested (UTC)"] + (["status"] if history else [])
    rows = [[r.wave, r.brand or "-", str(r.n_accepted), str(r.n_rejected),
             str(r.n_screened_out), r.file_name, f"v{r.questionnaire_version}",
             f"{r.ingested_at:%Y-%m-%d %H:%M:%S}"] + ([r.status] if history else [])
            for r in table.itertuples(index=False)]
    widths = [max(cell_len(x) for x in column) for column in zip(header, *rows, strict=True)]
    numeric = {2, 3, 4}
    for line in [header, *rows]:
        # Pad by terminal cells: a Chinese wave or brand name is twice as wide as its length.
        cells = [(" " * (w - cell_len(x)) + x) if k in numeric else (x + " " * (w - cell_len(x)))
                 for k, (x, w) in enumerate(zip(line, widths, strict=True))]
        click.echo("  ".join(cells).rstrip())
    if history:
        click.echo(f"{opened.path}: {len(table)} files.")
    else:
        click.echo(f"{opened.path}: {len(table)} waves and brands, "
                   f"{int(table['n_accepted'].sum())} accepted respondents.")
