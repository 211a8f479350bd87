"""Bad measurement models, covariances, fixed parameters and equalities in the model YAML:
one test each, asserting the message and where it points (file:line: key path)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from survey.errors import ModelSpecError
from survey.pathmodel import FixedParameter, Parameter, bind, load_model
from survey.questionnaire import load_questionnaire

QUESTIONNAIRE = """\
id: mini
title: {zh: 小问卷, en: Mini survey}
scales:
  ten: {min: 1, max: 10}
constructs:
  image:
    label: {zh: 形象, en: Image}
    scale: ten
    items:
      im1: {zh: 一, en: One}
      im2: {zh: 二, en: Two}
  quality:
    label: {zh: 质量, en: Quality}
    scale: ten
    items:
      q1: {zh: 三, en: Three}
      q2: {zh: 四, en: Four}
      q3: {zh: 五, en: Five}
  satisfaction:
    label: {zh: 满意, en: Satisfaction}
    scale: ten
    items:
      sa1: {zh: 六, en: Six}
      sa2: {zh: 七, en: Seven}
  loyalty:
    label: {zh: 忠诚, en: Loyalty}
    scale: ten
    items:
      lo1: {zh: 八, en: Eight}
"""

MODEL = """\
id: tiny
name: {zh: 小模型, en: Tiny}
latents: [image, quality, satisfaction, loyalty]
paths:
  - image -> quality
  - image -> satisfaction
  - quality -> satisfaction
  - satisfaction -> loyalty
target: satisfaction
"""


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def fails(tmp_path: Path, extra: str, *, bound: bool = False, model: str = MODEL) -> str:
    """The message of the ModelSpecError that loading (and, with ``bound``, binding) the
    model with ``extra`` appended raises."""
    path = write(tmp_path, model + extra)
    with pytest.raises(ModelSpecError) as exc:
        m = load_model(path)
        if bound:
            bind(m, load_questionnaire(write(tmp_path, QUESTIONNAIRE, "q.yaml")))
    return str(exc.value).replace(str(path), "M")


def test_good_constraints_load_and_bind(tmp_path):
    path = write(tmp_path, MODEL + """\
covariances:
  - q1 ~~ q2
  - im1 ~~ sa1
fixed:
  - image -> quality = 0.5
  - quality =~ q1 = 1.5
  - im1 ~~ im1 = -0.25
equal:
  - [quality =~ q2, quality =~ q3]
  - [q1 ~~ q2, sa1 ~~ im1]
""")
    m = load_model(path)
    bind(m, load_questionnaire(write(tmp_path, QUESTIONNAIRE, "q.yaml")))
    assert m.covariances == (Parameter("~~", "q1", "q2"), Parameter("~~", "im1", "sa1"))
    assert m.fixed[0] == FixedParameter(Parameter("->", "image", "quality"), 0.5)
    assert m.fixed[2].value == -0.25 and m.fixed[2].parameter.is_variance
    assert [str(p) for p in m.equal[0].parameters] == ["quality =~ q2", "quality =~ q3"]
    assert Parameter("~~", "q2", "q1").key == m.covariances[0].key
    assert m.fixed[0].parameter.where == f"{path}:14: fixed.0"


def test_measurement_model_needs_no_paths_nor_target(tmp_path):
    m = load_model(write(tmp_path, "id: cfa\nlatents: [image, quality]\n"))
    assert m.is_cfa and m.paths == () and m.target is None
    assert m.exogenous == ("image", "quality")


def test_structural_model_still_needs_a_target(tmp_path):
    message = fails(tmp_path, "", model=MODEL.replace("target: satisfaction\n", ""))
    assert ("M: target: The model has paths but names no target, the headline construct its "
            "drivers are ranked for (e.g. 'target: satisfaction'). Expected one of [") in message


def test_cfa_target_must_be_a_latent(tmp_path):
    message = fails(tmp_path, "", model="id: cfa\nlatents: [image, quality]\ntarget: nothing\n")
    assert ("M:3: target: Target 'nothing' is not a latent of the model. Expected one of "
            "['image', 'quality'] (or no target: the model has no paths).") in message


def test_paths_must_be_a_list(tmp_path):
    message = fails(tmp_path, "", model="id: x\nlatents: [image]\npaths: image -> quality\n")
    assert "M:3: paths: Expected a list of paths like 'image -> expectation'. Got " in message


def test_unknown_key_lists_the_new_ones(tmp_path):
    message = fails(tmp_path, "constraints: []\n")
    assert ("M:10: constraints: Unknown key 'constraints'. Expected one of id, name, latents, "
            "paths, target, modes, covariances, fixed, equal.") in message


def test_covariance_syntax(tmp_path):
    message = fails(tmp_path, "covariances:\n  - q1 ~ q2\n")
    assert ("M:11: covariances.0: Expected a (residual) variance 'x ~~ x' or covariance "
            "'x ~~ y'. Got 'q1 ~ q2' instead.") in message


def test_covariance_of_a_variable_with_itself(tmp_path):
    message = fails(tmp_path, "covariances:\n  - q1 ~~ q1\n")
    assert ("M:11: covariances.0: 'q1 ~~ q1' is a variance, which the model estimates "
            "anyway.") in message


def test_covariance_listed_twice_either_way_round(tmp_path):
    message = fails(tmp_path, "covariances:\n  - q1 ~~ q2\n  - q2 ~~ q1\n")
    assert "M:12: covariances.1: Covariance 'q2 ~~ q1' is listed twice." in message


def test_covariances_must_be_a_list(tmp_path):
    message = fails(tmp_path, "covariances: q1 ~~ q2\n")
    assert "M:10: covariances: Expected a list. Got 'q1 ~~ q2' instead." in message


def test_fixed_value_not_a_number(tmp_path):
    message = fails(tmp_path, "fixed:\n  - image -> quality = big\n")
    assert ("M:11: fixed.0: The value of 'image -> quality' must be a number. Got 'big' "
            "instead.") in message


def test_fixed_value_not_finite(tmp_path):
    message = fails(tmp_path, "fixed:\n  - image -> quality = nan\n")
    assert "fixed.0: The value of 'image -> quality' must be a number. Got 'nan'" in message


def test_fixed_without_a_value(tmp_path):
    message = fails(tmp_path, "fixed:\n  - image -> quality\n")
    assert ("M:11: fixed.0: Expected 'parameter = value', e.g. 'image -> expectation = 0.5'. "
            "Got 'image -> quality' instead.") in message


def test_fixed_parameter_syntax(tmp_path):
    message = fails(tmp_path, "fixed:\n  - image => quality = 1\n")
    assert ("M:11: fixed.0: Expected a path 'cause -> effect' or a loading 'construct =~ "
            "item' or a (residual) variance 'x ~~ x' or covariance 'x ~~ y'. Got 'image => "
            "quality' instead.") in message


def test_fixed_path_not_in_the_model(tmp_path):
    message = fails(tmp_path, "fixed:\n  - quality -> image = 1\n")
    assert "M:11: fixed.0: 'quality -> image' is not a path of the model (paths)." in message


def test_fixed_path_naming_an_unknown_latent(tmp_path):
    message = fails(tmp_path, "fixed:\n  - value -> image = 1\n")
    assert ("M:11: fixed.0: Path 'value -> image' names 'value', which is not a latent of the "
            "model.") in message


def test_fixed_twice(tmp_path):
    message = fails(tmp_path, "fixed:\n  - image -> quality = 1\n  - image -> quality = 2\n")
    assert "M:12: fixed.1: 'image -> quality' is fixed twice." in message


def test_covariance_both_free_and_fixed(tmp_path):
    message = fails(tmp_path, "covariances:\n  - q1 ~~ q2\nfixed:\n  - q2 ~~ q1 = 0\n")
    assert ("M:13: fixed.0: Covariance 'q2 ~~ q1' is both free (covariances) and fixed. "
            "Expected one of the two.") in message


def test_equality_of_a_parameter_with_itself(tmp_path):
    message = fails(tmp_path, "equal:\n  - [image -> quality, image -> quality]\n")
    assert ("M:11: equal.0.1: 'image -> quality' is held equal to itself (listed twice in this "
            "equality). Expected distinct parameters.") in message


def test_equality_of_one_parameter(tmp_path):
    message = fails(tmp_path, "equal:\n  - [image -> quality]\n")
    assert ("M:11: equal.0: Expected a list of two or more parameters held equal, e.g. "
            "[dem60 =~ y2, dem65 =~ y6]. Got ['image -> quality'] instead.") in message


def test_parameter_in_two_equalities(tmp_path):
    message = fails(tmp_path, "equal:\n  - [image -> quality, image -> satisfaction]\n"
                              "  - [quality -> satisfaction, image -> quality]\n")
    assert ("M:12: equal.1.1: 'image -> quality' is already held equal in equal.0. Merge the "
            "two lists into one.") in message


def test_equality_with_a_fixed_parameter(tmp_path):
    message = fails(tmp_path, "fixed:\n  - image -> quality = 0.5\n"
                              "equal:\n  - [image -> quality, image -> satisfaction]\n")
    assert ("M:13: equal.0.0: 'image -> quality' is fixed at 0.5, so it cannot be held equal "
            "to a free parameter. Fix the others at 0.5 instead.") in message


def test_equality_naming_a_path_not_in_the_model(tmp_path):
    message = fails(tmp_path, "equal:\n  - [image -> loyalty, image -> quality]\n")
    assert "M:11: equal.0.0: 'image -> loyalty' is not a path of the model (paths)." in message


# ------------------------------------------------------------------ against the questionnaire


def test_loading_of_an_item_of_another_construct(tmp_path):
    message = fails(tmp_path, "fixed:\n  - quality =~ sa1 = 1\n", bound=True)
    assert ("M:11: fixed.0: 'quality =~ sa1' is not a loading of the model: 'sa1' does not "
            "measure 'quality'. Expected one of ['q1', 'q2', 'q3'].") in message


def test_loading_of_an_unknown_construct(tmp_path):
    message = fails(tmp_path, "fixed:\n  - value =~ q1 = 1\n", bound=True)
    assert ("M:11: fixed.0: 'value =~ q1' is not a loading of the model: 'value' is not a "
            "construct of it.") in message


def test_loading_of_a_single_item_construct(tmp_path):
    message = fails(tmp_path, "fixed:\n  - loyalty =~ lo1 = 0.8\n", bound=True)
    assert ("M:11: fixed.0: 'loyalty =~ lo1' is the loading of a single-item construct, 1 by "
            "definition") in message


def test_marker_loading_held_equal(tmp_path):
    message = fails(tmp_path, "equal:\n  - [quality =~ q1, quality =~ q2]\n", bound=True)
    assert ("M:11: equal.0.0: 'quality =~ q1' is the marker loading of 'quality' (its first "
            "indicator), fixed at 1 to set the construct's scale, so it cannot be held equal "
            "to a free loading. Fix the others at 1 instead.") in message


def test_covariance_of_an_item_and_a_construct(tmp_path):
    message = fails(tmp_path, "covariances:\n  - im1 ~~ satisfaction\n", bound=True)
    assert ("M:11: covariances.0: 'im1 ~~ satisfaction' pairs an item with a construct. "
            "Expected two items (their residuals) or two constructs.") in message


def test_covariance_of_a_single_item(tmp_path):
    message = fails(tmp_path, "covariances:\n  - lo1 ~~ im1\n", bound=True)
    assert ("M:11: covariances.0: 'lo1 ~~ im1': item 'lo1' is the only item of 'loyalty', so "
            "it has no residual of its own. Name the construct 'loyalty' instead.") in message


def test_covariance_of_an_unknown_variable(tmp_path):
    message = fails(tmp_path, "covariances:\n  - im1 ~~ nothing\n", bound=True)
    assert ("M:11: covariances.0: 'im1 ~~ nothing' names 'nothing', which is neither an item "
            "nor a construct of the model.") in message


def test_equal_covariances_must_be_free(tmp_path):
    message = fails(tmp_path, "covariances:\n  - q1 ~~ q2\n"
                              "equal:\n  - [q1 ~~ q2, im1 ~~ im2]\n", bound=True)
    assert ("M:13: equal.0.1: Covariance 'im1 ~~ im2' is not a parameter of the model, so it "
            "cannot be held equal. Free it under 'covariances' first.") in message


def test_measurement_model_with_a_single_item_construct(tmp_path):
    message = fails(tmp_path, "", bound=True, model="id: cfa\nlatents: [image, loyalty]\n")
    assert ("M: latents: Construct 'loyalty' has a single item; in a measurement model (no "
            "paths) nothing would relate it to the other latents.") in message


def test_every_problem_at_once(tmp_path):
    path = write(tmp_path, MODEL + "covariances:\n  - q1 ~~ q1\nfixed:\n  - image -> quality = x\n"
                                   "equal:\n  - [image -> quality]\n")
    with pytest.raises(ModelSpecError) as exc:
        load_model(path)
    assert [p.where.split(": ")[-1] for p in exc.value.problems] == [
        "covariances.0", "fixed.0", "equal.0"]
