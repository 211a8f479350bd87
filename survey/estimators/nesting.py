"""Whether one CB-SEM model is nested in another: their parameter spaces, compared key by key.

A likelihood-ratio (chi-square difference) test of a restricted model M0 against a general
model M1 is valid only when M0 is M1 with some of its free parameters fixed or held equal
(Bollen 1989, *Structural Equations with Latent Variables*, p. 292; Bentler & Bonett 1980).
Counting degrees of freedom is not enough: two models can differ by six df and share no
parameter space at all (a path in one, a covariance in the other). So each model's space is
read from the very description that is fitted (:func:`~survey.estimators.cbsem_model.
model_syntax`, parsed by the ML engine, no data needed): every matrix entry it sets, with
(lhs, op, rhs) keys as lavaan's parameter table writes them, free (in a class of entries that
share one parameter: an equality) or fixed at a value.

M0 is nested in M1 (:func:`nested_in`) when both model the same observed variables and every
restriction of M1 holds in M0: an entry M1 fixes (at a value, or at 0 by leaving it out) is
fixed at that value in M0, and entries M1 holds equal are equal (or fixed alike) in M0. When
that cannot be shown, the answer is "not nested" with the reason, and no p-value follows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from survey.estimators.cbsem_model import model_syntax
from survey.pathmodel import BoundModel

#: A matrix entry of the model: (lhs, op, rhs), lavaan's operators; a covariance's two
#: variables in sorted order.
Key = tuple[str, str, str]
#: Reasons a pair is not nested (codes; the report's text catalogue words them).
NOT_NESTED = ("items", "frees_fixed", "breaks_equality", "same_model", "more_parameters")


@dataclass(frozen=True)
class ParameterSpace:
    """The parameters of one CB-SEM model: ``observed`` variables; ``free``, one set of keys
    per free parameter (more than one key: entries held equal); ``fixed``, each fixed entry's
    value (None: fixed at its sample value, semopy's and lavaan's ``fixed.x``)."""

    observed: frozenset[str]
    free: tuple[frozenset[Key], ...]
    fixed: Mapping[Key, float | None]

    @property
    def n_free(self) -> int:
        return len(self.free)

    def state(self, key: Key) -> tuple[str, object]:
        """('free', class number) or ('fixed', value); an entry the model leaves out is fixed
        at 0."""
        for k, keys in enumerate(self.free):
            if key in keys:
                return "free", k
        return "fixed", self.fixed.get(key, 0.0)

    @property
    def keys(self) -> frozenset[Key]:
        return frozenset().union(*self.free, self.fixed)


def parameter_space(bound: BoundModel) -> ParameterSpace:
    """The parameter space of ``bound`` as CB-SEM fits it: the description of
    :func:`~survey.estimators.cbsem_model.model_syntax` parsed by the ML engine
    (:class:`~survey.estimators.sem.SemModel`), its parameters read off Beta, Lambda, Psi and
    Theta. A single-item construct is named by its item there, as in the fitted table."""
    from survey.estimators.sem import SemModel, parameter_entries, quiet_semopy

    description, _ = model_syntax(bound)
    with quiet_semopy():
        model = SemModel(description)
    keys_of: dict[str, set[Key]] = {}
    for name, _, (lhs, op, rhs) in parameter_entries(model):
        # A covariance is one entry whichever way round it is written.
        keys_of.setdefault(name, set()).add((min(lhs, rhs), op, max(lhs, rhs)) if op == "~~"
                                            else (lhs, op, rhs))
    free: list[frozenset[Key]] = []
    fixed: dict[Key, float | None] = {}
    for name, prm in model.parameters.items():
        keys = keys_of.get(name, set())
        if prm.active:
            free.append(frozenset(keys))
        else:
            value = None if prm.start is None else float(prm.start)
            fixed.update(dict.fromkeys(keys, value))
    return ParameterSpace(frozenset(model.vars["observed"]), tuple(free), fixed)


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def nested_in(restricted: ParameterSpace, general: ParameterSpace) -> tuple[bool, str | None]:
    """Whether ``restricted`` is nested in ``general`` (see the module's docstring), and if not
    why: 'items' (other observed variables), 'frees_fixed' (it frees or moves an entry the
    general model fixes or leaves out), 'breaks_equality' (it lets entries the general model
    holds equal differ), 'same_model' (nested both ways: no restriction to test),
    'more_parameters' (it has as many free parameters or more)."""
    if restricted.observed != general.observed:
        return False, "items"
    for key in restricted.keys | general.keys:
        kind, value = general.state(key)
        if kind == "fixed":
            r_kind, r_value = restricted.state(key)
            if r_kind != "fixed" or not _same(value, r_value):
                return False, "frees_fixed"
    for keys in general.free:
        if len(keys) < 2:
            continue
        states = {restricted.state(k) for k in keys}
        if len(states) == 1:
            continue
        if all(kind == "fixed" for kind, _ in states):
            values = [v for _, v in states]
            if all(_same(values[0], v) for v in values[1:]):
                continue
        return False, "breaks_equality"
    if restricted.n_free == general.n_free:
        return False, "same_model"
    if restricted.n_free > general.n_free:
        return False, "more_parameters"
    return True, None
