"""A typed result saved to a file and read back: estimate once, render many.

The JSON contract (DESIGN.md) is for other programs; it is not the typed result the report
and the deliverables are built on. This file keeps that typed result whole (the project's
frozen dataclasses, numpy arrays, data frames, the validated responses) in a gzip-compressed
JSON with type tags, so that ``survey report`` renders any format, in any language of the
questionnaire, later and on another machine, without estimating again.

Reading it back runs no code of the file's choosing (this is not pickle): a tag can only name
a dataclass defined in this package, which is rebuilt field by field, and data frames are
Parquet. A file written by another version of the package whose fields no longer match is
refused with what to do.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import importlib
import io
import json
import math
import types
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

from survey._version import __version__
from survey.errors import Problem, SurveyError

#: What the file says it is, and the layout's version (raised when the tags change).
KIND = "csi-survey typed result"
LAYOUT = 1
#: The suffix of a saved result; ``survey report wave1.json`` reads ``wave1.result.gz``.
SUFFIX = ".result.gz"


def companion(contract: str | Path) -> Path:
    """The saved result written beside a JSON contract: ``wave1.json`` -> ``wave1.result.gz``."""
    contract = Path(contract)
    return contract.with_name(contract.stem + SUFFIX)


def _frame_bytes(frame: pd.DataFrame) -> str:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return {"$np": value.dtype.str, "v": _encode(value.item())}
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"$float": repr(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__module__.startswith("survey."):
            raise TypeError(f"{cls.__module__}.{cls.__qualname__} is not a result type")
        return {"$dc": f"{cls.__module__}:{cls.__qualname__}",
                "f": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"$set" if isinstance(value, set) else "$frozenset": [_encode(v) for v in value]}
    if isinstance(value, types.MappingProxyType):
        return {"$proxy": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            return {"$array": value.dtype.str, "shape": list(value.shape),
                    "b": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode("ascii")}
        return {"$objarray": list(value.shape), "items": [_encode(v) for v in value.ravel()]}
    if isinstance(value, pd.DataFrame):
        return {"$frame": _frame_bytes(value)}
    if isinstance(value, pd.Series):
        return {"$series": _frame_bytes(value.to_frame(name="value")), "name": _encode(value.name)}
    if isinstance(value, PurePath):
        return {"$path": str(value)}
    raise TypeError(f"cannot save a {type(value).__qualname__}")


def _result_class(tag: str) -> type:
    module, _, name = tag.partition(":")
    if not module.startswith("survey.") or not name.isidentifier():
        raise ValueError(f"not a result type: {tag!r}")
    cls = getattr(importlib.import_module(module), name, None)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ValueError(f"not a result type: {tag!r}")
    return cls


def _frame(text: str) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(base64.b64decode(text)))


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$dc" in value:
        cls = _result_class(value["$dc"])
        fields = {f.name for f in dataclasses.fields(cls)}
        if set(value["f"]) != fields:
            raise ValueError(f"{cls.__qualname__} has fields {sorted(fields)}, the file "
                             f"{sorted(value['f'])}")
        obj = object.__new__(cls)
        for name, field_value in value["f"].items():
            object.__setattr__(obj, name, _decode(field_value))
        return obj
    if "$tuple" in value:
        return tuple(_decode(v) for v in value["$tuple"])
    if "$float" in value:
        return float(value["$float"])
    if "$np" in value:
        return np.dtype(value["$np"]).type(_decode(value["v"]))
    if "$set" in value:
        return {_decode(v) for v in value["$set"]}
    if "$frozenset" in value:
        return frozenset(_decode(v) for v in value["$frozenset"])
    if "$proxy" in value:
        return types.MappingProxyType({_decode(k): _decode(v) for k, v in value["$proxy"]})
    if "$dict" in value:
        return {_decode(k): _decode(v) for k, v in value["$dict"]}
    if "$array" in value:
        data = np.frombuffer(base64.b64decode(value["b"]), dtype=np.dtype(value["$array"]))
        return data.reshape(value["shape"]).copy()
    if "$objarray" in value:
        out = np.empty(len(value["items"]), dtype=object)
        out[:] = [_decode(v) for v in value["items"]]
        return out.reshape(value["$objarray"])
    if "$frame" in value:
        return _frame(value["$frame"])
    if "$series" in value:
        return _frame(value["$series"])["value"].rename(_decode(value["name"]))
    if "$path" in value:
        return Path(value["$path"])
    return {k: _decode(v) for k, v in value.items()}


def save_result(result: Any, path: str | Path) -> Path:
    """Write ``result`` (a :class:`~survey.study.StudyResult`, or any result dataclass of this
    package) to ``path``, atomically."""
    path = Path(path)
    payload = {"kind": KIND, "layout": LAYOUT, "version": __version__,
               "result": _encode(result)}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    # json.dumps, not json.dump to the stream: dump runs the pure-Python encoder (5 s on the
    # demo's result against well under 1 s).
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    with gzip.open(partial, "wt", encoding="utf-8", compresslevel=1) as out:  # mostly base64
        out.write(text)
    partial.replace(path)
    return path


def load_result(path: str | Path) -> Any:
    """The result saved in ``path`` by :func:`save_result`. Raises :class:`SurveyError` for a
    file that is not one, or that another version of the package wrote in another shape."""
    path = Path(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            payload = json.load(handle)
    except FileNotFoundError:
        raise SurveyError(Problem(str(path), "No such file.")) from None
    except (OSError, EOFError, ValueError) as error:
        raise SurveyError(Problem(str(path), f"Not a saved result ({error}).")) from None
    if not isinstance(payload, dict) or payload.get("kind") != KIND:
        raise SurveyError(Problem(str(path), "Not a saved result of csi-survey."))
    if payload.get("layout") != LAYOUT:
        raise SurveyError(Problem(str(path), f"Saved in layout {payload.get('layout')}; this "
                                  f"version reads layout {LAYOUT}. Estimate again."))
    try:
        return _decode(payload["result"])
    except (ValueError, TypeError, KeyError, AttributeError, ImportError) as error:
        raise SurveyError(Problem(str(path), f"Saved by csi-survey {payload.get('version')}, "
                                  f"whose results do not match this version's ({error}). "
                                  "Estimate again with this version.")) from None


def find_saved(source: str | Path) -> Path:
    """The saved result ``source`` names: the file itself, the one beside a JSON contract
    (``wave1.json`` -> ``wave1.result.gz``), the only one in a folder, or for a study folder
    the latest run's (``STUDY/reports/RUN/tracking.result.gz``)."""
    source = Path(source)
    if (source / "study.duckdb").is_file():
        runs = sorted(source.glob(f"reports/*/tracking{SUFFIX}"), key=lambda p: p.stat().st_mtime)
        if not runs:
            raise SurveyError(Problem(str(source), "The study has no saved run yet: survey run "
                                      "writes one (reports/RUN/tracking.result.gz)."))
        return runs[-1]
    if source.is_dir():
        found = sorted(source.glob(f"*{SUFFIX}"))
        if len(found) != 1:
            raise SurveyError(Problem(str(source), (
                f"Holds no saved result (*{SUFFIX}); write one with survey estimate --out "
                "or survey demo." if not found else
                f"Holds {len(found)} saved results ({', '.join(p.name for p in found)}); "
                "name one.")))
        return found[0]
    if source.name.endswith(SUFFIX):
        return source
    if source.suffix == ".json":
        saved = companion(source)
        if not saved.exists():
            raise SurveyError(Problem(str(source), (
                f"The JSON contract alone cannot be rendered: the typed result is saved "
                f"beside it as {saved.name} by survey estimate --out DIR (and survey demo). "
                "Estimate again with --out.")))
        return saved
    raise SurveyError(Problem(str(source), f"Expected a saved result (*{SUFFIX}), the JSON "
                              "contract beside one, or a folder holding one."))
