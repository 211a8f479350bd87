"""The model-comparison section: a :class:`~survey.analysis.model_selection.ModelComparison`
as a plain context (data only, testable: :mod:`survey.report.model_comparison_context`),
rendered with the report's templates and CSS.

``reports/_model_comparison.html.j2`` is the section; ``reports/model_comparison.html.j2`` a
page around it (``survey compare-models --report``). Every word comes from
:data:`~survey.report.texts.MODEL_COMPARISON_UI`; the winner and every withheld value are the
comparison's own (this module only words them).
"""

from __future__ import annotations

from pathlib import Path

from survey.analysis.model_selection import ModelComparison
from survey.questionnaire import Questionnaire
from survey.report.model_comparison_context import comparison_context
from survey.report.render import environment, report_language, stylesheet
from survey.report.texts import UI, tr

__all__ = ["comparison_context", "render_comparison", "write_comparison_report"]


def render_comparison(mc: ModelComparison, questionnaire: Questionnaire,
                      lang: str | None = None) -> str:
    """The comparison as a self-contained HTML page (the report's CSS, no external file)."""
    lang = report_language(questionnaire, lang)
    env = environment()
    return env.get_template("model_comparison.html.j2").render(
        mc=comparison_context(mc, questionnaire, lang), css=stylesheet(),
        title=questionnaire.title.get(lang), html_lang=tr(UI, "html_lang", lang))


def write_comparison_report(mc: ModelComparison, questionnaire: Questionnaire,
                            path: str | Path, lang: str | None = None) -> Path:
    """Render :func:`render_comparison` to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_comparison(mc, questionnaire, lang), encoding="utf-8")
    return path
