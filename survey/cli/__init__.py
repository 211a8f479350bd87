"""The ``survey`` command: a thin shell over the library (one module per command).

User errors (:class:`~survey.errors.SurveyError`) print on stderr and exit 2, without a
traceback unless ``--debug`` is given; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys

import click

from survey import __version__
from survey.errors import SurveyError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SurveyError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="survey")
@click.option("--debug", is_flag=True, help="Show the full traceback of errors.")
def cli(debug: bool) -> None:
    """csi-survey: customer-satisfaction indices from questionnaire to report."""


def main() -> None:
    cli()


# The command modules register themselves on ``cli`` when imported.
from survey.cli import (  # noqa: E402,F401
    demo,
    estimate,
    ingest,
    init,
    run,
    sample,
    simulate,
    validate,
    waves,
)
