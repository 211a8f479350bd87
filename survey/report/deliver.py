"""The client deliverables of one study result: HTML, XLSX, PPTX and PDF, rendered from the
same typed result and telling the same story (the executive summary, the one priority rule).

``survey estimate --out``, ``survey demo`` and ``survey report`` (a saved result, rendered
again in any format and language without estimating) call :func:`deliver`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from survey.errors import SurveyError
from survey.report.render import render_report, report_language

if TYPE_CHECKING:
    from survey.study import StudyResult
    from survey.tracking import TrackingRun

#: The formats, in the order they are written (the PDF prints the HTML).
FORMATS = ("html", "xlsx", "pptx", "pdf")


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"html,pdf"`` (or a sequence, or ``"all"``) as formats in :data:`FORMATS` order;
    an unknown one is refused."""
    names = text.split(",") if isinstance(text, str) else list(text)
    names = [n.strip().lower() for n in names if n.strip()]
    if names == ["all"]:
        return FORMATS
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise SurveyError(f"Unknown report format(s) {', '.join(unknown) or '(none)'}: "
                          f"expected a comma-separated list of {', '.join(FORMATS)}, or all.")
    return tuple(f for f in FORMATS if f in names)


@dataclass(frozen=True)
class Delivered:
    """What :func:`deliver` wrote (format -> file) and what a reader should be told."""

    files: dict[str, Path]
    warnings: tuple[str, ...] = ()


def _write(formats: Sequence[str], out: Path, stem: str, html: str | None,
           workbook: Callable[[Path], object], deck: Callable[[Path], object],
           step: Callable[[str], None] | None) -> Delivered:
    """Each format to ``out/stem.<format>``: the HTML text, the workbook and the deck by their
    writers, the PDF printed from the HTML."""
    files: dict[str, Path] = {}
    warnings: list[str] = []
    for fmt in formats:
        if step is not None:
            step(fmt)
        path = out / f"{stem}.{fmt}"
        if fmt == "html":
            path.write_text(html, encoding="utf-8")
        elif fmt == "xlsx":
            workbook(path)
        elif fmt == "pptx":
            deck(path)
        else:
            from survey.report.pdf import write_pdf

            path, said = write_pdf(html, path)
            warnings.extend(said)
        files[fmt] = path
    return Delivered(files, tuple(warnings))


def deliver(result: StudyResult, out_dir: str | Path, *, formats: Sequence[str] = FORMATS,
            lang: str | None = None, stem: str = "report",
            step: Callable[[str], None] | None = None) -> Delivered:
    """Write ``result``'s report in each of ``formats`` to ``out_dir/stem.<format>`` in
    ``lang`` (default: the questionnaire's first language; one it has no texts in is refused
    before anything is written). ``step(format)`` is called before each format is made."""
    from survey.report.context import build_context
    from survey.report.deck import write_deck
    from survey.report.workbook import write_workbook

    formats = parse_formats(formats)
    lang = report_language(result.questionnaire, lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    context = build_context(result, lang)  # once: every format tells its story
    html = render_report(context) if {"html", "pdf"} & set(formats) else None
    return _write(formats, out, stem, html,
                  lambda path: write_workbook(result, path, lang, context),
                  lambda path: write_deck(result, path, lang, context), step)


def deliver_tracking(run: TrackingRun, out_dir: str | Path, *,
                     formats: Sequence[str] = ("html",), lang: str | None = None,
                     stem: str = "tracking_report",
                     step: Callable[[str], None] | None = None) -> Delivered:
    """Write a tracking run's report in each of ``formats`` (html, xlsx, pptx, pdf) to
    ``out_dir/stem.<format>`` in ``lang`` (default: the questionnaire's first language; one it
    has no texts in is refused before anything is written). ``step(format)`` is called before
    each format is made."""
    from survey.report.tracking import build_tracking_context, render_tracking_report
    from survey.report.tracking_deck import write_tracking_deck
    from survey.report.tracking_workbook import write_tracking_workbook

    formats = parse_formats(formats)
    lang = report_language(run.bound.questionnaire, lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Once: every format tells the same story.
    context = build_tracking_context(run.tracking, run.bound, lang, manifest=run.manifest)
    html = render_tracking_report(context) if {"html", "pdf"} & set(formats) else None
    return _write(formats, out, stem, html,
                  lambda path: write_tracking_workbook(run, path, lang, context),
                  lambda path: write_tracking_deck(run, path, lang, context), step)


def save_outputs(result: StudyResult, out_dir: str | Path, stem: str) -> tuple[Path, Path]:
    """The JSON contract (``stem.json``) and the saved typed result beside it
    (``stem.result.gz``, which ``survey report`` renders again) in ``out_dir``."""
    from survey.saved import companion, save_result

    contract = result.write_json(Path(out_dir) / f"{stem}.json")
    return contract, save_result(result, companion(contract))
