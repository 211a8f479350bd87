"""Render the report context with Jinja2 into one self-contained HTML file."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jinja2

from survey.resources import bundled


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _pvalue(value: float | None) -> str:
    if value is None:
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def environment() -> jinja2.Environment:
    """Templates from the bundled ``reports/`` folder. autoescape is set explicitly:
    ``select_autoescape()`` would not cover ``.html.j2`` files, and respondent text is data."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(bundled("reports"))),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(fmt=_fmt, pct=_pct, pvalue=_pvalue,
                       tojson_pretty=lambda v: json.dumps(v, ensure_ascii=False, indent=2))
    return env


def render_report(context: dict[str, Any]) -> str:
    """The HTML text of the report for a context from :func:`build_context`."""
    env = environment()
    css = (bundled("reports") / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(**context, css=css)


def write_report(result, path: str | Path, lang: str | None = None) -> Path:
    """Build, render and write the report of a :class:`~survey.study.StudyResult`."""
    from survey.report.context import build_context

    lang = lang or result.questionnaire.language
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(build_context(result, lang)), encoding="utf-8")
    return path
