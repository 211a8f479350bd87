"""Chinese chart labels survive a matplotlib font cache made before the CJK font was installed
(README command 1 runs the demo, command 2 then installs fonts-noto-cjk for the tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from survey.report.charts import cjk_font

SCRIPT = """
import json
from matplotlib import font_manager
from survey.report.charts import cjk_font
print(json.dumps({"family": cjk_font(),
                  "known": any("CJK" in f.fname for f in font_manager.fontManager.ttflist)}))
"""


def test_a_font_cache_without_the_cjk_font_is_completed(tmp_path):
    family = cjk_font()
    assert family is not None, "No CJK font on this machine: scripts/test.sh installs one."
    # This process's cache (matplotlib made it on import), as it looks when matplotlib first
    # ran before the font existed: without the CJK files.
    (cache,) = Path(matplotlib.get_cachedir()).glob("fontlist-*.json")
    doc = json.loads(cache.read_text(encoding="utf-8"))
    assert any("CJK" in f.fname for f in font_manager.fontManager.ttflist)
    doc["ttflist"] = [f for f in doc["ttflist"] if "CJK" not in f["fname"]]
    (tmp_path / cache.name).write_text(json.dumps(doc), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLCONFIGDIR": str(tmp_path)})
    stale = json.loads(out.stdout.strip().splitlines()[-1])
    assert stale == {"family": family, "known": True}
    # ... and the cache is completed for the next run.
    doc = json.loads((tmp_path / cache.name).read_text(encoding="utf-8"))
    assert any("CJK" in f["fname"] for f in doc["ttflist"])
