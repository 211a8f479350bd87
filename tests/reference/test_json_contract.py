"""The JSON of the bundled example is a contract: refactoring must not change it.

``data/airline_ccsi_golden.json.gz`` was written by this module (``python
tests/reference/test_json_contract.py``) at commit 80a626d, before results became typed objects,
and was unchanged through that refactor (issue 9). Rewritten once since, for a change of meaning
(issue 10's one priority rule): the 17 entries of ``ipma_priorities`` were reordered (the
improve-first constructs first, a higher-order one by its dimensions) and nothing else differed.
Edited once by hand: airline.yaml gained ``short:`` names for two questions (headings), so the
manifest's questionnaire sha256 was replaced; it was the only difference.
Extended once (issue 13, mediation): a one-off script added the new top-level
``mediation`` block (the 31 specific indirect effects of CCSI, from a fresh estimate with the
settings below) and checked that nothing else differed; every other value was kept as it was.
Extended once more (issue 12): the ``ingest`` block gained ``empty_rows``, ``screening_blank``,
``notes`` and every rejected answer (``rejects``: the example's 4, with row, column, value,
code, detail and reason); nothing else differed.
Extended once more (issue 12 part A, platform importers): a one-off script added the
``ingest`` block's ``platform`` ('native'), ``columns`` (the example's 60 columns, each with
the id it was read as and the rule), ``missing_columns`` and ``recoded`` from a fresh estimate
with the settings below, and checked that nothing else differed.
Extended once more (issue 13, out-of-sample prediction): a one-off script added the new
top-level ``prediction`` block (PLSpredict of CCSI's 37 endogenous indicators and CVPAT, 10
folds x 10 repetitions, seed 2026, from a fresh estimate with the settings below), checked that
it was the only difference, and wrote the file with gzip mtime 0.
Extended once more (issue 13, driver triangulation): a one-off script added the top-level
``driver_shares`` (the 8 drivers by SEM, regression, relative weights and Shapley shares with
200-resample percentile intervals, and the agreement with the priority rule) and ``nps`` (not
available: the example's recommend question is on 1-10) blocks from a fresh estimate and
checked that nothing else differed.
Edited once more (issue 11, the BCa jackknife only when BCa is asked for): a one-off script set
the 216 parameters' ``bca_low``/``bca_high`` and the bootstrap's ``jackknife_groups`` to null
(this percentile run no longer makes the jackknife BCa needs), checked that they were the only
differences, and kept every other value as it was.
The test estimates the same study again (PLS with 200 resamples, CB-SEM beside it, segments,
value tiers, 50 permutations; seed 2026) and requires the same keys everywhere and the same
values: numbers to 1e-9 (relative beyond 1), everything else equal. What depends on the machine
or the run (paths of the checkout, seconds, library versions) is normalised first.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "data" / "airline_ccsi_golden.json.gz"
TOLERANCE = 1e-9
#: Manifest entries that describe the machine or the run, not the estimate.
VOLATILE = ("seconds", "python", "versions", "csi_survey")


def airline_json() -> dict[str, Any]:
    """The bundled example's JSON as `survey demo` makes it, at test-sized counts."""
    from survey.resources import bundled
    from survey.study import estimate_study

    result = estimate_study(bundled("questionnaires") / "airline.yaml",
                            bundled("models") / "ccsi.yaml",
                            bundled("examples") / "airline_wave1.csv", method="both",
                            bootstrap={"pls": 200}, seed=2026,
                            segments=("airline", "age=30,45,60"), tiers="spend_12m",
                            permutations=50)
    return normalised(json.loads(json.dumps(result.to_json(), default=str)))


def normalised(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without what depends on the checkout's location or the run's duration."""
    from survey.resources import bundled

    roots = sorted({str(bundled(k).parent) for k in ("questionnaires", "models", "examples")},
                   key=len, reverse=True)

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            for root in roots:
                value = value.replace(root, "<bundled>")
        return value

    doc = clean(doc)
    for key in VOLATILE:
        doc["manifest"].pop(key, None)
    return doc


def differences(new: Any, old: Any, path: str = "$") -> list[str]:
    """Every place where ``new`` differs from ``old``: keys, lengths, types, values."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = [f"{path}: key {k!r} {'added' if k in new else 'missing'}"
               for k in sorted(set(new) ^ set(old))]
        for k in old.keys() & new.keys():
            out += differences(new[k], old[k], f"{path}.{k}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{path}: {len(new)} entries, was {len(old)}"]
        pairs = enumerate(zip(new, old, strict=True))
        return [d for i, (a, b) in pairs for d in differences(a, b, f"{path}[{i}]")]
    numbers = (int, float)
    if (isinstance(old, numbers) and isinstance(new, numbers)
            and not isinstance(old, bool) and not isinstance(new, bool)):
        if math.isnan(old) and math.isnan(new):
            return []
        if old == new or abs(new - old) <= TOLERANCE * max(1.0, abs(old)):
            return []
        return [f"{path}: {new!r}, was {old!r} (difference {new - old:.3g})"]
    return [] if new == old and type(new) is type(old) else [f"{path}: {new!r}, was {old!r}"]


def test_differences_sees_a_changed_value_a_key_and_a_type():
    old = {"a": [1.0, {"b": "x"}], "c": 1}
    assert differences(old, old) == []
    assert differences({"a": [1.0 + 1e-12, {"b": "x"}], "c": 1}, old) == []
    assert differences({"a": [1.0 + 1e-6, {"b": "x"}], "c": 1}, old) == [
        "$.a[0]: 1.000001, was 1.0 (difference 1e-06)"]
    assert differences({"a": [1.0, {"b": "x", "d": 2}], "c": 1}, old) == [
        "$.a[1]: key 'd' added"]
    assert differences({"a": [1.0, {"b": "x"}], "c": "1"}, old) == ["$.c: '1', was 1"]


def test_bundled_example_json_is_unchanged():
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as f:
        golden = json.load(f)
    found = differences(airline_json(), golden)
    assert not found, f"{len(found)} differences, first ones:\n" + "\n".join(found[:30])


if __name__ == "__main__":
    with gzip.open(GOLDEN, "wt", encoding="utf-8") as f:
        json.dump(airline_json(), f, ensure_ascii=False, indent=0, sort_keys=False)
    print(f"wrote {GOLDEN}")
