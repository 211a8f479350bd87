"""``survey report``: render a saved result again, in any format and language."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from survey.cli import cli
from survey.errors import Problem, SurveyError

FORMATS_HELP = ("Comma-separated formats: html, xlsx, pptx, pdf (or all). The PDF is the "
                "HTML paginated, its fonts embedded; the deck and the workbook have native, "
                "editable charts.")


def formats_option(value: str) -> tuple[str, ...]:
    """``--format``: formats of :data:`~survey.report.deliver.FORMATS`, refused before any
    work when unknown."""
    from survey.report.deliver import parse_formats

    try:
        return parse_formats(value)
    except SurveyError as exc:
        raise click.BadParameter(str(exc)) from None


def report_name(stem: str, lang: str | None) -> str:
    """The deliverables' file name: ``stem_report``, with ``_lang`` when a language was
    asked for (two languages side by side in one folder)."""
    return f"{stem}_report" + (f"_{lang}" if lang else "")


def print_delivered(delivered, console: Console) -> None:
    """Each file written (its size) and what the reader should be told."""
    from rich.markup import escape

    for fmt, path in delivered.files.items():
        console.print(f"{fmt.upper():5} {escape(str(path.resolve()))} "
                      f"({path.stat().st_size / 1024:,.0f} kB)")
    for warning in delivered.warnings:
        console.print(f"[yellow]warning[/] {escape(warning)}")


@cli.command()
@click.argument("source", type=click.Path(exists=True))
@click.option("--format", "formats", default="html", show_default=True, metavar="LIST",
              callback=lambda ctx, param, value: formats_option(value), help=FORMATS_HELP)
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Report language (default: the questionnaire's first language).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Folder for the files (default: the folder of SOURCE).")
@click.option("--name", "stem", default=None,
              help="File name without extension (default: SOURCE's name + _report, + _LANG "
                   "with --lang).")
def report(source: str, formats: tuple[str, ...], lang: str | None, out_dir: str | None,
           stem: str | None) -> None:
    """Render a saved result (written by survey estimate --out or survey demo: the
    .result.gz file, the JSON contract beside it, or their folder; or a STUDY, whose latest
    survey run is rendered) as the client deliverables, without estimating again."""
    from survey.report.deliver import deliver, deliver_tracking
    from survey.saved import SUFFIX, find_saved, load_result
    from survey.study import StudyResult
    from survey.tracking import TrackingRun

    console = Console(stderr=True)
    saved = find_saved(source)
    result = load_result(saved)
    base = saved.name[: -len(SUFFIX)]
    out = Path(out_dir) if out_dir else saved.parent
    step = lambda fmt: console.print(f"Writing the {fmt.upper()}...")  # noqa: E731
    if isinstance(result, TrackingRun):
        delivered = deliver_tracking(result, out, formats=formats, lang=lang,
                                     stem=stem or report_name(base, lang), step=step)
    elif isinstance(result, StudyResult):
        delivered = deliver(result, out, formats=formats, lang=lang,
                            stem=stem or report_name(base, lang), step=step)
    else:
        raise SurveyError(Problem(str(saved), "Holds no study result or tracking run."))
    print_delivered(delivered, console)
