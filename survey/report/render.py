"""Render the report context with Jinja2 into one self-contained HTML file."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey.assess import CRITERIA
from survey.errors import Problem, SurveyError
from survey.resources import bundled

if TYPE_CHECKING:  # jinja2 is imported when a report is rendered, not by every command
    import jinja2
    import markupsafe


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0.0"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def format_p(value: float | None, alpha: float = CRITERIA.alpha) -> str:
    """A p-value as printed everywhere (report, tracking report, console): "< 0.001" below
    0.001, else three decimals, with as many more as it takes to keep a p-value below
    ``alpha`` below it: 0.04996 prints "0.04996", never "0.050" or "0.0500", which beside
    "significant" would read as a contradiction. A value at or above ``alpha`` cannot round
    below it (``alpha`` has at most three decimals)."""
    if value is None or not math.isfinite(value):
        return "–"
    if value < 0.001:
        return "< 0.001"
    below = value < alpha
    for digits in range(3, 10):
        text = f"{value:.{digits}f}"
        if (float(text) < alpha) == below:
            return text
    return f"< {alpha:g}"


def _ci(low: float | None, high: float | None, digits: int = 3) -> str:
    """An interval as "[low, high]", or "–" when it is not defined."""
    if low is None or high is None:
        return "–"
    return f"[{_fmt(low, digits)}, {_fmt(high, digits)}]"


def _with_ci(value: float | None, low: float | None, high: float | None, digits: int = 1) -> str:
    """A value followed by its interval when there is one: "66.4 [64.9, 67.8]"."""
    text = _fmt(value, digits)
    return text if low is None or high is None or value is None else f"{text} {_ci(low, high, digits)}"


def environment() -> jinja2.Environment:
    """Templates from the bundled ``reports/`` folder. autoescape is set explicitly:
    ``select_autoescape()`` would not cover ``.html.j2`` files, and respondent text is data."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(bundled("reports"))),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(fmt=_fmt, pct=_pct, pvalue=format_p, ci=_ci, with_ci=_with_ci,
                       tojson_pretty=lambda v: json.dumps(v, ensure_ascii=False, indent=2))
    return env


def stylesheet() -> markupsafe.Markup:
    """The bundled report.css for a ``<style>`` element. It is the project's file, not data:
    autoescaping it turned its quotes and ``>`` into entities, so the browser dropped the font
    and child-selector rules (the body fell back to Times New Roman). Refused if it could end
    its element early."""
    import markupsafe

    css = (bundled("reports") / "report.css").read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError("report.css must not contain '</' (it would end the <style> element).")
    return markupsafe.Markup(css)


def render_report(context: dict[str, Any]) -> str:
    """The HTML text of the report for a context from :func:`build_context`."""
    env = environment()
    return env.get_template("report.html.j2").render(**context, css=stylesheet())


def report_language(questionnaire, lang: str | None) -> str:
    """The report's language: ``lang``, or the questionnaire's first. A language the
    questionnaire has no texts in is refused: the report would mix its words with the
    questionnaire's labels in another language."""
    lang = lang or questionnaire.language
    if lang not in questionnaire.languages:
        raise SurveyError(Problem(str(questionnaire.source or questionnaire.id),
                                  f"The questionnaire has its texts in "
                                  f"{', '.join(questionnaire.languages)} only; a '{lang}' report "
                                  f"would mix languages. Use --lang "
                                  f"{questionnaire.languages[0]}, or add '{lang}' to its "
                                  "languages and texts."))
    return lang


def write_report(result, path: str | Path, lang: str | None = None) -> Path:
    """Build, render and write the report of a :class:`~survey.study.StudyResult`."""
    from survey.report.context import build_context

    lang = report_language(result.questionnaire, lang)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(build_context(result, lang)), encoding="utf-8")
    return path
