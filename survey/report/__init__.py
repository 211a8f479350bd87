"""The HTML report: compute a plain context, then render it (ydata-profiling's split)."""

from survey.report.context import build_context
from survey.report.render import render_report, write_report

__all__ = ["build_context", "render_report", "write_report"]
