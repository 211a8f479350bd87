"""Path models (CCSI, ACSI, ECSI, custom): latents, causal paths, target and PLS modes.

A :class:`PathModel` is loaded from YAML (DESIGN.md contract) and checked on its own; binding it
to a questionnaire (:func:`bind`) checks that every latent is a construct there and that the
paths form no cycle, and returns a :class:`BoundModel` that estimators take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from survey.errors import ModelSpecError, Problem
from survey.questionnaire import Item, Label, Questionnaire
from survey.yamlsource import load_yaml

_PATH = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*->\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


@dataclass(frozen=True)
class PathModel:
    """A structural model: ``paths`` are (cause, effect) pairs between ``latents``."""

    id: str
    name: Label
    latents: tuple[str, ...]
    paths: tuple[tuple[str, str], ...]
    target: str
    modes: tuple[tuple[str, str], ...] = ()
    source: Path | None = None

    def mode(self, latent: str) -> str:
        """PLS measurement mode of ``latent``: 'A' (reflective, default) or 'B' (formative)."""
        return dict(self.modes).get(latent, "A")

    def predecessors(self, latent: str) -> tuple[str, ...]:
        return tuple(a for a, b in self.paths if b == latent)

    @property
    def endogenous(self) -> tuple[str, ...]:
        return tuple(x for x in self.latents if self.predecessors(x))

    def causal_order(self) -> tuple[str, ...]:
        """Latents sorted so every cause precedes its effects (ties in declaration order)."""
        ts = TopologicalSorter({x: self.predecessors(x) for x in self.latents})
        ts.prepare()
        order: list[str] = []
        while ts.is_active():
            ready = sorted(ts.get_ready(), key=self.latents.index)
            order.extend(ready)
            ts.done(*ready)
        return tuple(order)


def load_model(path: str | Path) -> PathModel:
    """Load a path-model YAML file; raise :class:`ModelSpecError` listing every problem."""
    doc = load_yaml(path, ModelSpecError)
    data = doc.data
    problems: list[Problem] = []

    def fail(keys: list, message: str) -> None:
        problems.append(Problem(doc.where(keys), message))

    for key in data:
        if key not in {"id", "name", "latents", "paths", "target", "modes"}:
            fail([key], f"Unknown key '{key}'. Expected id, name, latents, paths, target, modes.")
    mid = data.get("id")
    if not isinstance(mid, str):
        fail(["id"], f"Expected a model id. Got {mid!r} instead.")
    name = data.get("name") or {}
    if not isinstance(name, dict):
        fail(["name"], f"Expected a mapping of language to text. Got {name!r} instead.")
        name = {}
    latents = data.get("latents")
    if not isinstance(latents, list) or not latents or not all(isinstance(x, str) for x in latents):
        fail(["latents"], f"Expected a list of latent ids. Got {latents!r} instead.")
        latents = []
    for dup in sorted({x for x in latents if latents.count(x) > 1}):
        fail(["latents"], f"Latent '{dup}' is listed twice.")
    paths: list[tuple[str, str]] = []
    raw_paths = data.get("paths")
    if not isinstance(raw_paths, list) or not raw_paths:
        fail(["paths"], f"Expected a list of paths like 'image -> expectation'. Got {raw_paths!r} instead.")
        raw_paths = []
    for n, text in enumerate(raw_paths):
        m = _PATH.match(text) if isinstance(text, str) else None
        if not m:
            fail(["paths", n], f"Expected a path 'cause -> effect'. Got {text!r} instead.")
            continue
        a, b = m.groups()
        for x in (a, b):
            if x not in latents:
                fail(["paths", n], f"Path '{a} -> {b}' names '{x}', which is not a latent of the "
                                   f"model. Expected one of {latents}.")
        if a == b:
            fail(["paths", n], f"Path '{a} -> {b}' points a latent at itself.")
        if (a, b) in paths:
            fail(["paths", n], f"Path '{a} -> {b}' is listed twice.")
        paths.append((a, b))
    target = data.get("target")
    if target not in latents:
        fail(["target"], f"Target {target!r} is not a latent of the model. Expected one of {latents}.")
    modes = data.get("modes") or {}
    if not isinstance(modes, dict):
        fail(["modes"], f"Expected a mapping of latent to mode A or B. Got {modes!r} instead.")
        modes = {}
    for latent, mode in modes.items():
        if latent not in latents:
            fail(["modes", latent], f"Mode given for '{latent}', which is not a latent of the model.")
        if mode not in ("A", "B"):
            fail(["modes", latent], f"Expected mode 'A' (reflective) or 'B' (formative). Got {mode!r} instead.")
    connected = {x for p in paths for x in p}
    for x in latents:
        if paths and x not in connected:
            fail(["latents"], f"Latent '{x}' has no path to or from any other latent.")
    if problems:
        raise ModelSpecError(problems)
    model = PathModel(
        id=mid, name=Label(tuple((str(k), str(v)) for k, v in name.items())),
        latents=tuple(latents), paths=tuple(paths), target=target,
        modes=tuple((k, v) for k, v in modes.items()), source=doc.path,
    )
    try:
        model.causal_order()
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1][::-1]) if len(exc.args) > 1 else "?"
        raise ModelSpecError(Problem(doc.where(["paths"]),
                                     f"The paths form a cycle ({cycle}); a recursive model "
                                     "is expected.")) from None
    return model


@dataclass(frozen=True)
class BoundModel:
    """A path model bound to a questionnaire: what an estimator needs.

    ``measurement`` maps every construct that is measured (model latents and, for higher-order
    latents, their dimensions) to its item ids; ``second_order`` maps a higher-order latent to
    its dimensions.
    """

    model: PathModel
    questionnaire: Questionnaire
    measurement: tuple[tuple[str, tuple[str, ...]], ...]
    second_order: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def items(self) -> tuple[str, ...]:
        """Item ids the model uses, in questionnaire order, each once."""
        used = {i for _, items in self.measurement for i in items}
        return tuple(i.id for i in self.questionnaire.items if i.id in used)

    def indicators(self, latent: str) -> tuple[Item, ...]:
        return self.questionnaire.indicators(latent)

    @property
    def constructs(self) -> tuple[str, ...]:
        """Every construct in the model: latents, then dimensions of higher-order latents."""
        out = list(self.model.latents)
        for _, dims in self.second_order:
            out.extend(d for d in dims if d not in out)
        return tuple(out)


def bind(model: PathModel, questionnaire: Questionnaire) -> BoundModel:
    """Check ``model`` against ``questionnaire`` and return the bound model.

    Fails with :class:`ModelSpecError` on a latent the questionnaire lacks or a higher-order
    construct whose dimensions nest deeper than two levels.
    """
    where = str(model.source or model.id)
    problems = []
    measurement: list[tuple[str, tuple[str, ...]]] = []
    second: list[tuple[str, tuple[str, ...]]] = []
    for latent in model.latents:
        c = questionnaire.constructs.get(latent)
        if c is None:
            problems.append(Problem(f"{where}: latents", f"Latent '{latent}' is not a construct of "
                                    f"questionnaire '{questionnaire.id}' ({questionnaire.source}). "
                                    f"Expected one of {list(questionnaire.constructs)}."))
            continue
        if c.higher_order:
            second.append((latent, c.dimensions))
            for d in c.dimensions:
                dim = questionnaire.constructs[d]
                if dim.higher_order:
                    problems.append(Problem(f"{where}: latents", f"Construct '{d}' (a dimension "
                                            f"of '{latent}') is itself higher-order; only two "
                                            "levels are supported."))
                elif d in model.latents:
                    problems.append(Problem(f"{where}: latents", f"Construct '{d}' is both a "
                                            f"latent of the model and a dimension of '{latent}'."))
                else:
                    measurement.append((d, tuple(i.id for i in dim.items)))
        else:
            measurement.append((latent, tuple(i.id for i in c.items)))
    if problems:
        raise ModelSpecError(problems)
    return BoundModel(model, questionnaire, tuple(measurement), tuple(second))
