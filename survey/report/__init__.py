"""The report: compute a plain context, then render it (ydata-profiling's split), as HTML and
the other deliverables (survey.report.deliver).

``build_context``, ``render_report`` and ``write_report`` are imported on first use: a command
that only needs a light part of the package (``--format`` parsing, the PDF writer) does not
pay for the charts and the analyses' layout.
"""

_LAZY = {"build_context": "survey.report.context", "render_report": "survey.report.render",
         "write_report": "survey.report.render"}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'survey.report' has no attribute {name!r}")
