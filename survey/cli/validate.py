"""``survey validate QUESTIONNAIRE [MODEL]``: check definitions without any data."""

from __future__ import annotations

import click

from survey.cli import cli
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire


@cli.command()
@click.argument("questionnaire", type=click.Path(dir_okay=False))
@click.argument("model", required=False, type=click.Path(dir_okay=False))
def validate(questionnaire: str, model: str | None) -> None:
    """Validate a questionnaire and, if given, a path model bound to it."""
    q = load_questionnaire(questionnaire)
    lang = q.language
    click.echo(f"{questionnaire}: questionnaire '{q.id}' is valid: {len(q.constructs)} constructs, "
               f"{len(q.items)} items, {len(q.screening)} screening and "
               f"{len(q.demographics)} profile questions.")
    for c in q.constructs.values():
        what = (f"dimensions {', '.join(c.dimensions)}" if c.higher_order
                else f"{len(c.items)} items on scale '{c.scale}'")
        click.echo(f"  {c.id:<16} {c.label.get(lang)}: {what}")
    if model:
        m = load_model(model)
        bound = bind(m, q)
        shape = (f"{len(m.paths)} paths" if m.paths
                 else "no paths (a measurement model: the latents covary)")
        target = f", target '{m.target}'" if m.target is not None else ""
        extras = "".join(f", {n} {what}" for n, what in (
            (len(m.covariances), "residual covariances"), (len(m.fixed), "fixed parameters"),
            (len(m.equal), "equality constraints")) if n)
        click.echo(f"{model}: model '{m.id}' is valid for this questionnaire: {len(m.latents)} "
                   f"latents, {shape}{target}{extras}, {len(bound.items)} items used.")
