"""Bad questionnaire and model definitions: one test each, asserting the message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from survey.errors import ModelSpecError, QuestionnaireError
from survey.pathmodel import bind, load_model
from survey.questionnaire import load_questionnaire

GOOD = """\
id: mini
title: {zh: 小问卷, en: Mini survey}
scales:
  ten: {min: 1, max: 10, dont_know: 99}
constructs:
  image:
    label: {zh: 形象, en: Image}
    scale: ten
    items:
      im1: {zh: 问题一, en: Question one}
      im2: {zh: 问题二, en: Question two}
  satisfaction:
    label: {zh: 满意, en: Satisfaction}
    scale: ten
    items:
      sa1: {zh: 问题三, en: Question three}
      sa2: {zh: 问题四, en: Question four}
"""

MODEL = """\
id: tiny
name: {zh: 小模型, en: Tiny}
latents: [image, satisfaction]
paths:
  - image -> satisfaction
target: satisfaction
"""


def write(tmp_path: Path, text: str, name: str = "q.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(exc: pytest.ExceptionInfo) -> str:
    return str(exc.value)


def test_good_questionnaire_loads(tmp_path):
    q = load_questionnaire(write(tmp_path, GOOD))
    assert [i.id for i in q.items] == ["im1", "im2", "sa1", "sa2"]
    assert q.scale_of("sa2").dont_know == (99,)


def test_unknown_scale(tmp_path):
    path = write(tmp_path, GOOD.replace("    scale: ten\n    items:\n      sa1", "    scale: five\n    items:\n      sa1"))
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert f"{path}:14: constructs.satisfaction.scale: Unknown scale 'five'. Expected one of ['ten']." in problems(exc)


def test_duplicate_item_id(tmp_path):
    path = write(tmp_path, GOOD.replace("sa2: {zh: 问题四", "im1: {zh: 问题四"))
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert "constructs.satisfaction.items.im1: Duplicate item id 'im1' (also in construct 'image')." in problems(exc)


def test_construct_without_items_or_dimensions(tmp_path):
    path = write(tmp_path, GOOD + "  loyalty:\n    label: {zh: 忠诚, en: Loyalty}\n")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert f"{path}:18: constructs.loyalty: Construct 'loyalty' has neither items nor dimensions." in problems(exc)


def test_dimension_naming_unknown_construct(tmp_path):
    path = write(tmp_path, GOOD + "  quality:\n    label: {zh: 质量, en: Quality}\n    dimensions: [image, cabin]\n")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert "constructs.quality.dimensions: Dimension 'cabin' of construct 'quality' is not a construct of this questionnaire." in problems(exc)


def test_label_missing_a_language(tmp_path):
    path = write(tmp_path, GOOD.replace("im2: {zh: 问题二, en: Question two}", "im2: {zh: 问题二}"))
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert f"{path}:11: constructs.image.items.im2.en: Text in language 'en' is missing." in problems(exc)


def test_yaml_syntax_error_names_line(tmp_path):
    path = write(tmp_path, GOOD.replace("  ten: {min: 1, max: 10, dont_know: 99}", "  ten: {min: 1, max: 10, dont_know: 99"))
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert problems(exc).startswith(f"{path}:5: YAML syntax error")


def test_duplicate_yaml_key(tmp_path):
    path = write(tmp_path, GOOD.replace("      im2: {zh: 问题二, en: Question two}", "      im1: {zh: 问题二, en: Question two}"))
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert "Duplicate key" in problems(exc) and str(path) in problems(exc)


def test_dont_know_inside_scale(tmp_path):
    path = write(tmp_path, GOOD.replace("dont_know: 99", "dont_know: 5"))
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert "scales.ten.dont_know: The don't-know code 5 lies inside the 1-10 scale" in problems(exc)


def test_every_problem_reported_at_once(tmp_path):
    text = GOOD.replace("im2: {zh: 问题二, en: Question two}", "im2: {zh: 问题二}").replace(
        "    scale: ten\n    items:\n      sa1", "    scale: five\n    items:\n      sa1")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(write(tmp_path, text))
    assert len(exc.value.problems) == 2
    assert list(exc.value.to_frame().columns) == ["where", "row", "column", "value", "message"]


def test_yaml_is_loaded_safely(tmp_path):
    path = write(tmp_path, GOOD.replace("id: mini", "id: !!python/object/apply:os.system ['true']"))
    with pytest.raises(QuestionnaireError):
        load_questionnaire(path)


def test_missing_file():
    with pytest.raises(QuestionnaireError, match="nope.yaml: File not found."):
        load_questionnaire("nope.yaml")


# ------------------------------------------------------------------ models


def test_model_binds(tmp_path):
    bound = bind(load_model(write(tmp_path, MODEL, "m.yaml")), load_questionnaire(write(tmp_path, GOOD)))
    assert bound.items == ("im1", "im2", "sa1", "sa2")


def test_model_latent_missing_from_questionnaire(tmp_path):
    text = MODEL.replace("[image, satisfaction]", "[image, satisfaction, loyalty]").replace(
        "  - image -> satisfaction\n", "  - image -> satisfaction\n  - satisfaction -> loyalty\n")
    m = load_model(write(tmp_path, text, "m.yaml"))
    with pytest.raises(ModelSpecError) as exc:
        bind(m, load_questionnaire(write(tmp_path, GOOD)))
    assert "Latent 'loyalty' is not a construct of questionnaire 'mini'" in problems(exc)


def test_path_naming_undefined_latent(tmp_path):
    path = write(tmp_path, MODEL.replace("  - image -> satisfaction\n", "  - image -> satisfaction\n  - image -> value\n"), "m.yaml")
    with pytest.raises(ModelSpecError) as exc:
        load_model(path)
    assert f"{path}:6: paths.1: Path 'image -> value' names 'value', which is not a latent of the model." in problems(exc)


def test_cycle(tmp_path):
    path = write(tmp_path, MODEL.replace("  - image -> satisfaction\n", "  - image -> satisfaction\n  - satisfaction -> image\n"), "m.yaml")
    with pytest.raises(ModelSpecError) as exc:
        load_model(path)
    assert "The paths form a cycle" in problems(exc)
    assert "image -> satisfaction -> image" in problems(exc) or "satisfaction -> image -> satisfaction" in problems(exc)


def test_target_not_a_latent(tmp_path):
    path = write(tmp_path, MODEL.replace("target: satisfaction", "target: loyalty"), "m.yaml")
    with pytest.raises(ModelSpecError, match="Target 'loyalty' is not a latent of the model"):
        load_model(path)


@pytest.mark.parametrize("name", ["ccsi", "acsi", "ecsi"])
def test_bundled_models_load(root, name):
    m = load_model(root / "models" / f"{name}.yaml")
    assert m.target == "satisfaction"


def test_ccsi_has_eleven_paths(root):
    m = load_model(root / "models" / "ccsi.yaml")
    assert len(m.paths) == 11
    antecedents = ["image", "expectation", "quality", "value", "satisfaction"]
    expected = {(a, b) for i, a in enumerate(antecedents) for b in antecedents[i + 1:]}
    assert set(m.paths) == expected | {("satisfaction", "loyalty")}


EXTRAS = """\
questions:
  - {id: complained, type: single, label: {zh: 投诉, en: Complained}, options: {1: {zh: 是, en: "Yes"}, 2: {zh: 否, en: "No"}}}
  - {id: spend, type: number, min: 0, label: {zh: 消费, en: Spend}}
importance:
  scale: ten
  items:
    imp_image: {of: image, text: {zh: 形象重要吗, en: Is image important?}}
gauges:
  overall: sa1
  complained: {question: complained, yes: [1]}
  value: spend
"""


def test_importance_questions_and_gauges_load(tmp_path):
    q = load_questionnaire(write(tmp_path, GOOD + EXTRAS))
    assert [r.id for r in q.importance] == ["imp_image"] and q.importance[0].of == "image"
    assert q.scale_of("imp_image").max == 10
    assert q.gauges.overall == "sa1" and q.gauges.complained_yes == (1,)
    assert q.gauges.value == "spend" and q.question("spend").type == "number"


@pytest.mark.parametrize("old,new,message", [
    ("of: image", "of: nothing", "importance.items.imp_image.of: 'of' must name a construct or item"),
    ("overall: sa1", "overall: spend", "gauges.overall: Expected a rated item id. Got 'spend'"),
    ("value: spend", "value: complained", "gauges.value: Expected the id of a number or integer question"),
    ("yes: [1]", "yes: [3]", "gauges.complained.yes: Expected options of 'complained'"),
    ("  overall: sa1", "  loyalty: sa1", "Unknown gauge 'loyalty'"),
])
def test_bad_extras_are_named(tmp_path, old, new, message):
    path = write(tmp_path, GOOD + EXTRAS.replace(old, new))
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(path)
    assert message in problems(exc)


def test_expects_must_name_a_construct_or_item(tmp_path):
    good = GOOD.replace("      im1: {zh: 问题一, en: Question one}",
                        "      im1: {text: {zh: 问题一, en: Question one}, expects: satisfaction}")
    assert load_questionnaire(write(tmp_path, good)).expectation_pairs == (("im1", "satisfaction"),)
    bad = good.replace("expects: satisfaction", "expects: nowhere")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(write(tmp_path, bad))
    assert "constructs.image.items.im1.expects: 'expects' must name another construct" in problems(exc)


CONTINUOUS = """\
id: pd
title: {zh: 民主, en: Democracy}
scales:
  rating: {min: 0, max: 10, continuous: true, dont_know: -9}
  log: {min: 0.5, max: 8.25, continuous: true}
constructs:
  dem:
    label: {zh: 民主, en: Democracy}
    scale: rating
    items:
      y1: {zh: 一, en: One}
      y2: {zh: 二, en: Two}
  ind:
    label: {zh: 工业化, en: Industrialisation}
    scale: log
    items:
      x1: {zh: 三, en: Three}
      x2: {zh: 四, en: Four}
"""


def test_continuous_scales_load(tmp_path):
    q = load_questionnaire(write(tmp_path, CONTINUOUS))
    rating, log = q.scale_of("y1"), q.scale_of("x1")
    assert rating.continuous and not rating.integer and rating.dont_know == (-9,)
    assert (log.min, log.max, log.continuous) == (0.5, 8.25, True)
    assert not load_questionnaire(write(tmp_path, GOOD, "g.yaml")).scale_of("im1").continuous


def test_non_whole_ends_need_a_continuous_scale(tmp_path):
    text = CONTINUOUS.replace("log: {min: 0.5, max: 8.25, continuous: true}",
                              "log: {min: 0.5, max: 8.25}")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(write(tmp_path, text))
    assert "scales.log: A rating scale's points are whole numbers. Got min=0.5, max=8.25 " \
           "instead." in problems(exc) and "'continuous: true'" in problems(exc)


def test_continuous_must_be_true_or_false(tmp_path):
    text = CONTINUOUS.replace("continuous: true, dont_know", "continuous: 'yes', dont_know")
    with pytest.raises(QuestionnaireError) as exc:
        load_questionnaire(write(tmp_path, text))
    assert "scales.rating.continuous: Expected true or false. Got 'yes' instead." \
        in problems(exc)
