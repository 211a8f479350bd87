"""Importing the report and drawing its charts leaves matplotlib's backend as the user set it
(a notebook's inline backend, say): the charts draw on their own canvas."""

from __future__ import annotations

import subprocess
import sys


def test_report_import_and_charts_keep_the_users_backend():
    code = """
import matplotlib
matplotlib.use("svg")
import survey.report
from survey.report import charts
svg = charts.scorecard_svg([{"label": "Satisfaction", "value": 71.5, "valid": True}], "Index")
assert svg.lstrip().startswith("<svg") or "<svg" in svg[:400], svg[:200]
print(matplotlib.get_backend())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "svg"
