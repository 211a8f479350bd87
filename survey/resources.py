"""Where the bundled questionnaires, models, report templates and example data live.

In a wheel they are package data under ``survey/_bundled/`` (pyproject's ``sources`` mapping);
in a source checkout or an editable install they are the repository's top-level folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(kind: str) -> Path:
    """Folder of bundled ``kind`` files: 'questionnaires', 'models', 'reports' or 'examples'."""
    for candidate in (_PACKAGE / "_bundled" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"Bundled folder {kind!r} is missing from this installation.")
