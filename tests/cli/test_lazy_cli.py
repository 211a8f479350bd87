"""The light commands start light: ``survey --help`` and ``survey validate`` import neither the
estimators nor the report nor the cluster (each in a fresh interpreter), and the group's help
lists every command with the summary the command itself gives."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from survey.cli import COMMANDS, cli

HEAVY = ("semopy", "sympy", "dask", "distributed", "matplotlib", "statsmodels", "scipy",
         "jinja2")


def imported_after(args: list[str]) -> set[str]:
    """The heavy modules loaded by running ``survey ARGS`` in a fresh interpreter."""
    code = ("import sys, json\nfrom survey.cli import cli\n"
            "try:\n    cli(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--help"], ["validate", "{q}", "{m}"]],
                         ids=["help", "validate"])
def test_light_commands_import_no_heavy_library(root, args):
    args = [a.format(q=root / "questionnaires/airline.yaml", m=root / "models/ccsi.yaml")
            for a in args]
    assert imported_after(args) == set()


def test_a_pls_estimate_loads_no_cbsem_chart_or_regression_library(root, tmp_path):
    """A PLS estimate with a bootstrap and its analyses, JSON only: no semopy (CB-SEM), no
    matplotlib or jinja2 (the report), no statsmodels and no scipy at all (the regression
    method is least squares in numpy; the p-values and quantiles are survey.distributions',
    0.1 s of import saved). The check can fail: the same estimate with CB-SEM does load
    semopy and scipy."""
    args = ["estimate", "-q", str(root / "questionnaires/airline.yaml"), "-m",
            str(root / "models/ccsi.yaml"), "-d", str(root / "examples/airline_wave1.csv"),
            "--json", str(tmp_path / "e.json"), "--permutations", "0", "--bootstrap", "200"]
    assert imported_after(args) == set()
    assert (tmp_path / "e.json").exists()
    assert {"semopy", "scipy"} <= imported_after([*args, "--method", "cbsem"])
    # Segments compared by permutations: CB-SEM's multi-group tests are not loaded either
    # (they took 1.7 s of every PLS segment run and of every `survey report` of one).
    segmented = [*args[:-4], "--segments", "airline", "--permutations", "20"]
    assert imported_after(segmented) == set()


def test_help_lists_every_command_with_its_own_summary():
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name, summary in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(10**6) == summary, name
