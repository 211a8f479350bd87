"""Path models (CCSI, ACSI, ECSI, custom): latents, causal paths, target and PLS modes; and
what a methodologist adds in lavaan's words: residual covariances, fixed parameters and
equality constraints.

A :class:`PathModel` is loaded from YAML (DESIGN.md contract) and checked on its own; binding it
to a questionnaire (:func:`bind`) checks that every latent is a construct there, that the paths
form no cycle and that every parameter named by ``covariances``, ``fixed`` and ``equal`` is one
of the model's, and returns a :class:`BoundModel` that estimators take.

A model without paths is a measurement model (confirmatory factor analysis): its latents
covary freely, as in lavaan's ``cfa()``; it needs no target.

Parameters are written as lavaan writes them, except that a path keeps the model's arrow:
``image -> expectation`` (a path, cause first), ``quality =~ cabin_seat`` (a loading: a
construct and one of its items, or a higher-order construct and one of its dimensions),
``crew_friendly ~~ crew_proactive`` (the covariance of two items' residuals, or of two
constructs: of their disturbances when they are endogenous), ``x ~~ x`` (a (residual)
variance). ``fixed`` entries end in ``= value``; an ``equal`` entry lists two or more
parameters estimated as one (lavaan's shared label ``a*``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from survey.errors import ModelSpecError, Problem
from survey.questionnaire import Item, Label, Questionnaire
from survey.yamlsource import load_yaml

_PATH = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*->\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
_PARAMETER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(->|=~|~~)\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
#: "parameter = value": the last '=' that does not begin '=~'.
_FIXED = re.compile(r"^(.*)=(?!~)(.*)$")
_KEYS = ("id", "name", "latents", "paths", "target", "modes", "covariances", "fixed", "equal")
_EXAMPLES = {"->": "a path 'cause -> effect'", "=~": "a loading 'construct =~ item'",
             "~~": "a (residual) variance 'x ~~ x' or covariance 'x ~~ y'"}


@dataclass(frozen=True)
class Parameter:
    """One parameter in lavaan's notation (a path keeps the model's arrow): ``op`` is '->'
    (``lhs`` causes ``rhs``), '=~' (``lhs`` is measured by ``rhs``, an item or a dimension)
    or '~~' (a (residual) variance when ``lhs == rhs``, else a covariance). ``where`` is its
    place in the YAML file, for error messages."""

    op: str
    lhs: str
    rhs: str
    where: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.lhs} {self.op} {self.rhs}"

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the parameter: a covariance is the same either way round."""
        if self.op == "~~":
            return (self.op, *sorted((self.lhs, self.rhs)))
        return (self.op, self.lhs, self.rhs)

    @property
    def is_variance(self) -> bool:
        return self.op == "~~" and self.lhs == self.rhs


@dataclass(frozen=True)
class FixedParameter:
    """A parameter held at ``value`` instead of estimated (lavaan's ``0.5*x``)."""

    parameter: Parameter
    value: float

    def __str__(self) -> str:
        return f"{self.parameter} = {self.value:g}"


@dataclass(frozen=True)
class Equality:
    """Parameters estimated as one (lavaan's shared label: ``a*y2`` ... ``a*y6``)."""

    parameters: tuple[Parameter, ...]
    where: str = field(default="", compare=False)

    def __str__(self) -> str:
        return " = ".join(str(p) for p in self.parameters)


def parse_parameter(text: object, where: str = "") -> Parameter | None:
    """The parameter written ``text`` ('a -> b', 'f =~ x', 'x ~~ y'), or None."""
    m = _PARAMETER.match(text) if isinstance(text, str) else None
    return Parameter(m.group(2), m.group(1), m.group(3), where) if m else None


@dataclass(frozen=True)
class PathModel:
    """A structural model: ``paths`` are (cause, effect) pairs between ``latents``."""

    id: str
    name: Label
    latents: tuple[str, ...]
    paths: tuple[tuple[str, str], ...]
    #: The headline construct; None for a measurement model (CFA) that names none.
    target: str | None
    modes: tuple[tuple[str, str], ...] = ()
    source: Path | None = None
    #: Residual covariances the model frees (two items, or two constructs).
    covariances: tuple[Parameter, ...] = ()
    fixed: tuple[FixedParameter, ...] = ()
    equal: tuple[Equality, ...] = ()

    @property
    def is_cfa(self) -> bool:
        """A measurement model: latents and their items, no paths (the latents covary)."""
        return not self.paths

    @property
    def exogenous(self) -> tuple[str, ...]:
        return tuple(x for x in self.latents if not self.predecessors(x))

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


def load_model(path: str | Path | Mapping[str, Any]) -> PathModel:
    """Load a path model (a YAML file, YAML text with a line break, or the same content as a
    mapping); raise :class:`ModelSpecError` listing every problem.

    Checks what the file alone can tell: the syntax of every path and parameter, latents named
    by paths, the target (required unless the model has no paths), fixed values that are
    numbers, equalities of two or more distinct parameters. Names of items and dimensions are
    checked by :func:`bind`, against the questionnaire.
    """
    doc = load_yaml(path, ModelSpecError)
    data = doc.data
    problems: list[Problem] = []

    def fail(keys: list, message: str) -> None:
        problems.append(Problem(doc.where(keys), message))

    for key in data:
        if key not in _KEYS:
            fail([key], f"Unknown key '{key}'. Expected one of {', '.join(_KEYS)}.")
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
    if raw_paths is None:
        raw_paths = []  # a measurement model (CFA)
    elif not isinstance(raw_paths, list):
        fail(["paths"], f"Expected a list of paths like 'image -> expectation'. Got "
                        f"{raw_paths!r} instead.")
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
    if target is None and not raw_paths:
        pass  # a measurement model needs no headline construct
    elif target is None:
        fail(["target"], "The model has paths but names no target, the headline construct its "
                         "drivers are ranked for (e.g. 'target: satisfaction'). Expected one of "
                         f"{latents}.")
    elif target not in latents:
        fail(["target"], f"Target {target!r} is not a latent of the model. Expected one of "
                         f"{latents}" + ("." if raw_paths else " (or no target: the model has "
                                                               "no paths)."))
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
    covariances, fixed, equal = _constraints(data, doc, fail, paths, latents)
    if problems:
        raise ModelSpecError(problems)
    model = PathModel(
        id=mid, name=Label(tuple((str(k), str(v)) for k, v in name.items())),
        latents=tuple(latents), paths=tuple(paths), target=target,
        modes=tuple((k, v) for k, v in modes.items()), source=doc.path,
        covariances=tuple(covariances), fixed=tuple(fixed), equal=tuple(equal),
    )
    try:
        model.causal_order()
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1][::-1]) if len(exc.args) > 1 else "?"
        raise ModelSpecError(Problem(doc.where(["paths"]),
                                     f"The paths form a cycle ({cycle}); a recursive model "
                                     "is expected.")) from None
    return model


def _constraints(data: dict, doc, fail, paths: list[tuple[str, str]], latents: list[str]
                 ) -> tuple[list[Parameter], list[FixedParameter], list[Equality]]:
    """Parse ``covariances``, ``fixed`` and ``equal``: their syntax, and what needs no
    questionnaire (a path must be one of ``paths``; nothing fixed twice, or both fixed and
    held equal; no equality of a parameter with itself)."""

    def entries(key: str) -> list:
        raw = data.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            fail([key], f"Expected a list. Got {raw!r} instead.")
            return []
        return raw

    def parameter(text: object, keys: list, ops: tuple[str, ...] = ("->", "=~", "~~")
                  ) -> Parameter | None:
        p = parse_parameter(text, doc.where(keys))
        if p is None or p.op not in ops:
            wanted = " or ".join(_EXAMPLES[op] for op in ("->", "=~", "~~") if op in ops)
            fail(keys, f"Expected {wanted}. Got {text!r} instead.")
            return None
        if p.op == "->":
            for x in (p.lhs, p.rhs):
                if x not in latents:
                    fail(keys, f"Path '{p}' names '{x}', which is not a latent of the model. "
                               f"Expected one of {latents}.")
                    return None
            if (p.lhs, p.rhs) not in paths:
                fail(keys, f"'{p}' is not a path of the model (paths). Expected one of "
                           f"{[f'{a} -> {b}' for a, b in paths]}.")
                return None
        return p

    covariances: list[Parameter] = []
    for n, text in enumerate(entries("covariances")):
        p = parameter(text, ["covariances", n], ("~~",))
        if p is None:
            continue
        if p.is_variance:
            fail(["covariances", n], f"'{p}' is a variance, which the model estimates anyway. "
                                     "Expected a covariance of two different variables (to fix "
                                     "a variance, list it under 'fixed').")
        elif any(q.key == p.key for q in covariances):
            fail(["covariances", n], f"Covariance '{p}' is listed twice.")
        else:
            covariances.append(p)

    fixed: list[FixedParameter] = []
    for n, text in enumerate(entries("fixed")):
        m = _FIXED.match(text) if isinstance(text, str) else None
        if m is None:
            fail(["fixed", n], "Expected 'parameter = value', e.g. 'image -> expectation = 0.5'. "
                               f"Got {text!r} instead.")
            continue
        p = parameter(m.group(1).strip(), ["fixed", n])
        value = _number(m.group(2))
        if value is None:
            fail(["fixed", n], f"The value of '{m.group(1).strip()}' must be a number. Got "
                               f"{m.group(2).strip()!r} instead.")
        if p is None or value is None:
            continue
        if any(f.parameter.key == p.key for f in fixed):
            fail(["fixed", n], f"'{p}' is fixed twice.")
            continue
        if not p.is_variance and p.op == "~~" and any(q.key == p.key for q in covariances):
            fail(["fixed", n], f"Covariance '{p}' is both free (covariances) and fixed. Expected "
                               "one of the two.")
            continue
        fixed.append(FixedParameter(p, value))

    equal: list[Equality] = []
    held: dict[tuple, int] = {}
    for n, group in enumerate(entries("equal")):
        if not isinstance(group, list) or len(group) < 2:
            fail(["equal", n], "Expected a list of two or more parameters held equal, e.g. "
                               f"[dem60 =~ y2, dem65 =~ y6]. Got {group!r} instead.")
            continue
        members: list[Parameter] = []
        for k, text in enumerate(group):
            p = parameter(text, ["equal", n, k])
            if p is None:
                continue
            if any(q.key == p.key for q in members):
                fail(["equal", n, k], f"'{p}' is held equal to itself (listed twice in this "
                                      "equality). Expected distinct parameters.")
                continue
            if p.key in held:
                fail(["equal", n, k], f"'{p}' is already held equal in equal.{held[p.key]}. "
                                      "Merge the two lists into one.")
                continue
            fixed_at = next((f for f in fixed if f.parameter.key == p.key), None)
            if fixed_at is not None:
                fail(["equal", n, k], f"'{p}' is fixed at {fixed_at.value:g}, so it cannot be "
                                      "held equal to a free parameter. Fix the others at "
                                      f"{fixed_at.value:g} instead.")
                continue
            members.append(p)
        for p in members:
            held[p.key] = n
        if len(members) == len(group):
            equal.append(Equality(tuple(members), doc.where(["equal", n])))
    return covariances, fixed, equal


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


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
    problems = _check_parameters(model, dict(measurement), dict(second), where)
    if problems:
        raise ModelSpecError(problems)
    return BoundModel(model, questionnaire, tuple(measurement), tuple(second))


def _check_parameters(model: PathModel, measured: dict[str, tuple[str, ...]],
                      second: dict[str, tuple[str, ...]], where: str) -> list[Problem]:
    """Every parameter that ``covariances``, ``fixed`` and ``equal`` name must be one of the
    bound model's: a loading of a construct on one of its items or dimensions (not the loading
    of a single-item construct, 1 by definition; the marker loading fixed at 1 may be fixed at
    another value, not held equal), a (residual) variance or covariance of items that have a
    residual (items of multi-item constructs) or of constructs, not of one of each. A
    covariance held equal must be free: listed under ``covariances``, or of two exogenous
    constructs (they covary by default)."""
    problems: list[Problem] = []
    constructs = [*model.latents, *[d for ds in second.values() for d in ds]]
    single_item = {items[0]: c for c, items in measured.items() if len(items) == 1}
    with_residual = {i for items in measured.values() if len(items) > 1 for i in items}
    indicators = {**{c: items for c, items in measured.items()}, **second}
    declared = {p.key for p in model.covariances}
    exogenous = set(model.exogenous)

    if model.is_cfa:
        for c in model.latents:
            if len(measured.get(c, ())) == 1:
                problems.append(Problem(f"{where}: latents", f"Construct '{c}' has a single "
                                        "item; in a measurement model (no paths) nothing would "
                                        "relate it to the other latents. Expected constructs "
                                        "with two or more items (or paths)."))

    def variable(p: Parameter, x: str) -> str | None:
        """'item' or 'construct'; None (with the problem recorded) when it cannot be."""
        if x in single_item:
            problems.append(Problem(p.where, f"'{p}': item '{x}' is the only item of "
                                    f"'{single_item[x]}', so it has no residual of its own. "
                                    f"Name the construct '{single_item[x]}' instead."))
            return None
        if x in with_residual:
            return "item"
        if x in constructs:
            return "construct"
        problems.append(Problem(p.where, f"'{p}' names '{x}', which is neither an item nor a "
                                f"construct of the model. Expected one of {constructs} or their "
                                "items."))
        return None

    def check(p: Parameter, held_equal: bool) -> None:
        if p.op == "=~":
            if p.lhs not in indicators:
                problems.append(Problem(p.where, f"'{p}' is not a loading of the model: '{p.lhs}' "
                                        f"is not a construct of it. Expected one of "
                                        f"{constructs}."))
            elif p.rhs not in indicators[p.lhs]:
                problems.append(Problem(p.where, f"'{p}' is not a loading of the model: "
                                        f"'{p.rhs}' does not measure '{p.lhs}'. Expected one of "
                                        f"{list(indicators[p.lhs])}."))
            elif len(indicators[p.lhs]) == 1:
                problems.append(Problem(p.where, f"'{p}' is the loading of a single-item "
                                        "construct, 1 by definition (the construct is its "
                                        "item). Expected a loading of a construct with two or "
                                        "more items."))
            elif held_equal and p.rhs == indicators[p.lhs][0]:
                problems.append(Problem(p.where, f"'{p}' is the marker loading of '{p.lhs}' "
                                        "(its first indicator), fixed at 1 to set the "
                                        "construct's scale, so it cannot be held equal to a "
                                        "free loading. Fix the others at 1 instead."))
        elif p.op == "~~":
            kinds = {variable(p, p.lhs), variable(p, p.rhs)}
            if None in kinds:
                return
            if len(kinds) > 1:
                problems.append(Problem(p.where, f"'{p}' pairs an item with a construct. "
                                        "Expected two items (their residuals) or two "
                                        "constructs."))
            elif held_equal and not p.is_variance and p.key not in declared and not (
                    p.lhs in exogenous and p.rhs in exogenous):
                problems.append(Problem(p.where, f"Covariance '{p}' is not a parameter of the "
                                        "model, so it cannot be held equal. Free it under "
                                        "'covariances' first."))

    for p in model.covariances:
        check(p, False)
    for f in model.fixed:
        check(f.parameter, False)
    for e in model.equal:
        for p in e.parameters:
            check(p, True)
    return problems
