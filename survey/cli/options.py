"""Options shared by the commands that read a response file (estimate, ingest, quality,
compare-models): one definition and one help text each."""

from __future__ import annotations

import click

from survey.importers import CHOICES

#: ``--encoding``: the CSV's encoding when the user knows it (survey.ingest tells it otherwise).
encoding_option = click.option(
    "--encoding", default=None, metavar="NAME",
    help="The CSV's encoding when you know it: cp1252, gb18030, utf-16, ... (default: UTF-8, "
         "or GB18030 when the text reads as Chinese; any other file is refused naming its "
         "first line that is not UTF-8).")

#: ``--platform``: whose export DATA is (survey.importers).
platform_option = click.option(
    "--platform", type=click.Choice(CHOICES), default="auto", show_default=True,
    help="The survey platform whose export DATA is (问卷星 = wenjuanxing): 'auto' tells it from "
         "the file's columns; 'native' reads the questionnaire's own layout. Columns are "
         "matched by id, the questionnaire's source:, question text or header key.")
