"""Saved typed results (survey.saved): what is written is what is read, and reading runs no
code the file chooses."""

from __future__ import annotations

import gzip
import json
import math
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.errors import SurveyError
from survey.estimators.notices import Notice
from survey.saved import KIND, companion, find_saved, load_result, save_result

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**62, 2**62), st.text(max_size=8),
                     st.floats(allow_nan=True, allow_infinity=True))
_keys = st.one_of(st.text(max_size=6), st.integers(-5, 5),
                  st.tuples(st.text(max_size=3), st.text(max_size=3)))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(_keys, inner, max_size=4),
    st.frozensets(st.text(max_size=4), max_size=3)), max_leaves=20)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=60, deadline=None)
@given(value=_values)
def test_nested_values_come_back_with_their_types(tmp_path_factory, value):
    path = save_result(value, tmp_path_factory.mktemp("saved") / "v.result.gz")
    assert _same(load_result(path), value)


def test_arrays_frames_and_result_types_come_back_exactly(tmp_path):
    frame = pd.DataFrame({"a": [1.5, np.nan, 3.0], "b": pd.Categorical(["x", "y", "x"]),
                          "c": pd.array([1, None, 3], dtype="Int64"), "d": ["t", "=1+1", None]},
                         index=pd.Index([10, 20, 30], name="row"))
    value = {"ints": np.arange(6, dtype=np.int32).reshape(2, 3),
             "floats": np.array([[0.1, np.inf], [-0.0, np.nan]]),
             "objects": np.array(["a", None], dtype=object), "scalar": np.float64(0.25),
             "frame": frame, "series": pd.Series([1.0, 2.0], index=["p", "q"], name="s"),
             "proxy": types.MappingProxyType({("a", "b"): 1}), "path": Path("x/y.csv"),
             "notice": Notice("small_sample", {"n": 12})}
    back = load_result(save_result(value, tmp_path / "v.result.gz"))
    assert back["ints"].dtype == np.int32 and np.array_equal(back["ints"], value["ints"])
    assert np.array_equal(back["floats"], value["floats"], equal_nan=True)
    assert np.signbit(back["floats"][1, 0])
    assert back["objects"].tolist() == ["a", None] and isinstance(back["scalar"], np.float64)
    pd.testing.assert_frame_equal(back["frame"], frame)
    pd.testing.assert_series_equal(back["series"], value["series"])
    assert isinstance(back["proxy"], types.MappingProxyType) and back["proxy"][("a", "b")] == 1
    assert back["path"] == Path("x/y.csv") and back["notice"] == value["notice"]


def _tampered(tmp_path, tag: str) -> Path:
    path = tmp_path / "bad.result.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        json.dump({"kind": KIND, "layout": 1, "version": "0",
                   "result": {"$dc": tag, "f": {"args": "echo hi"}}}, out)
    return path


@pytest.mark.parametrize("tag", ["subprocess:Popen", "os:system", "builtins:eval",
                                 "survey.saved:load_result", "survey.errors:SurveyError",
                                 "survey.saved:__class__"])
def test_a_file_cannot_name_anything_but_a_result_type(tmp_path, tag):
    with pytest.raises(SurveyError, match="do not match"):
        load_result(_tampered(tmp_path, tag))


def test_a_result_type_whose_fields_changed_is_refused_with_what_to_do(tmp_path):
    notice = save_result(Notice("small_sample", {"n": 3}), tmp_path / "n.result.gz")
    with gzip.open(notice, "rt", encoding="utf-8") as handle:
        payload = json.load(handle)
    payload["result"]["f"]["renamed"] = payload["result"]["f"].pop("code")
    with gzip.open(notice, "wt", encoding="utf-8") as out:
        json.dump(payload, out)
    with pytest.raises(SurveyError, match="Estimate again"):
        load_result(notice)


@pytest.mark.parametrize("content", [b"", b"not gzip", gzip.compress(b"{}", mtime=0),
                                     gzip.compress(b'{"kind": "other"}', mtime=0),
                                     gzip.compress(json.dumps({"kind": KIND, "layout": 99})
                                                   .encode(), mtime=0)],
                         ids=["empty", "not-gzip", "no-kind", "other-kind", "other-layout"])
def test_what_is_not_a_saved_result_is_refused_by_name(tmp_path, content):
    path = tmp_path / "x.result.gz"
    path.write_bytes(content)
    with pytest.raises(SurveyError) as error:
        load_result(path)
    assert str(path) in str(error.value)


def test_a_saved_result_is_found_from_its_contract_or_folder(tmp_path):
    saved = save_result(Notice("small_sample", {"n": 3}), tmp_path / "w.result.gz")
    contract = tmp_path / "w.json"
    contract.write_text("{}", encoding="utf-8")
    assert companion(contract) == saved
    assert find_saved(contract) == saved == find_saved(tmp_path) == find_saved(saved)
    (tmp_path / "alone.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SurveyError, match="--out"):
        find_saved(tmp_path / "alone.json")
    save_result(1, tmp_path / "second.result.gz")
    with pytest.raises(SurveyError, match="2 saved results"):
        find_saved(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SurveyError, match="no saved result"):
        find_saved(tmp_path / "empty")
