"""The ``survey`` command: a thin shell over the library (one module per command).

A command's module is imported when the command runs, not before: ``survey --help`` and the
light commands (validate, init, ingest, waves) never import the estimators, the report or the
cluster. The group's help lists each command with the one-line summary in :data:`COMMANDS`
(a test keeps it equal to the command's own).

User errors (:class:`~survey.errors.SurveyError`) print on stderr and exit 2, without a
traceback unless ``--debug`` is given; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from survey._version import __version__
from survey.errors import SurveyError

#: Each command (its module under survey/cli has the same name) and its summary.
COMMANDS = {
    "compare-models": "Compare competing path models (MODEL_A MODEL_B ...) on the same "
                      "respondents of DATA: BIC and Geweke-Meese for PLS, AIC, BIC and "
                      "chi-square difference tests for CB-SEM.",
    "demo": "Estimate the CCSI model on the bundled airline survey wave (PLS with a "
            "bootstrap, CB-SEM beside it) and write the report (HTML, XLSX, PPTX and PDF; "
            "--tracking: HTML and PDF).",
    "estimate": "Estimate MODEL on DATA collected with QUESTIONNAIRE.",
    "export": "Write QUESTIONNAIRE as the form a survey platform imports (XLSForm, LimeSurvey "
              "or SurveyJS): screening as skip logic, don't-know as a choice, every requested "
              "language.",
    "ingest": "Validate DATA (.csv in UTF-8, UTF-16 or GB18030, comma-, semicolon- or "
              "tab-separated, .xlsx, .xls, .sav or .parquet; native or a survey platform's "
              "export, --platform) with the study's questionnaire and store it as one wave "
              "(and brand), in one transaction.",
    "init": "Create the study folder STUDY: its DuckDB store (study.duckdb) and copies of the "
            "questionnaire and model in STUDY/definitions/.",
    "quality": "Flag speeders, straight-liners, near-duplicates, failed attention checks and "
               "too many don't-knows in DATA (a response file) or in each wave of STUDY (the "
               "flags are stored beside the wave's responses); print a table and, with "
               "--output, write the flags.",
    "report": "Render a saved result (written by survey estimate --out or survey demo: the "
              ".result.gz file, the JSON contract beside it, or their folder; or a STUDY, "
              "whose latest survey run is rendered) as the client deliverables, without "
              "estimating again.",
    "run": "Estimate every wave x brand (x segment) cell of STUDY, compare consecutive waves, "
           "and write the tracking report.",
    "sample": "Draw a sample from FRAME (.csv in UTF-8 or GB18030, .xlsx, .xls, .sav or "
              ".parquet; one row per population unit) and write it with selection_prob, "
              "design_weight and fpc.",
    "simulate": "Simulate an airline survey wave (UTF-8 CSV) from the documented CCSI "
                "population.",
    "validate": "Validate a questionnaire and, if given, a path model bound to it.",
    "waves": "List the waves and brands of STUDY: accepted, rejected and screened-out counts, "
             "the file, the questionnaire version it was validated with and when it was "
             "ingested (UTC).",
}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            # The module registers its command on ``cli`` when imported.
            importlib.import_module(f"survey.cli.{name.replace('-', '_')}")
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        # As click's own listing: the summary cut to the width left beside the names.
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, self.commands[name].get_short_help_str(limit) if name in self.commands
                 else click.utils.make_default_short_help(COMMANDS[name], limit))
                for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
    # Before numpy is imported (it reads the variable once): numpy asks Linux for transparent
    # huge pages on every array of 4 MB and more, and where the kernel compacts memory on such
    # a request (defrag 'madvise', a common default) the first touch of a large array can
    # stall: 0.6-0.7 s for the 384 MB of a million respondents' ratings on the 2-core machine,
    # 0.13-0.2 s without huge pages. The command's large arrays are written and read once or
    # twice, where huge pages save little. NUMPY_MADVISE_HUGEPAGE=1 in the environment wins.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    cli()
