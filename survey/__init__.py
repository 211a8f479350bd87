"""csi-survey: structural-equation engine for customer-satisfaction surveys.

``survey.load_questionnaire``, ``survey.load_model`` and ``survey.estimate`` are the notebook
API (:mod:`survey.api`); ``survey`` on the command line is :mod:`survey.cli`.

Data flows one way: questionnaire -> ingest -> response set -> estimate -> indices -> report.
"""

from survey._version import __version__

#: The notebook API (survey.api), imported on first use so that ``import survey`` (and the
#: CLI's start-up) stays light.
_API = ("load_questionnaire", "load_model", "estimate", "Results", "Criteria", "Assessment",
        "compare_models", "quality_flags", "export_form")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from survey import api

        return getattr(api, name)
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
