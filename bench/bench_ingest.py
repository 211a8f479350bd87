"""Ingest benchmark, run by hand (never as a test): ours against a bare baseline measured in the
same run on the same machine and the same file.

    .venv/bin/python bench/bench_ingest.py                  # 1,000,000 respondents x 60 items
    .venv/bin/python bench/bench_ingest.py --rows 200000 --repeat 1

The file is generated once (numpy + pyarrow, a few seconds) into a temporary folder: a
respondent id, a screening question (3 % screened out), age, gender, a Chinese/English region
text, and 60 items on a 1-10 scale with 99 = don't know (about 2 % blank, 2 % don't know and
0.01 % out of range, so rejects are built too).

* baseline: ``pandas.read_csv(path)`` (type inference, C parser) and
  ``CREATE TABLE ... AS SELECT * FROM frame`` into a fresh DuckDB file, closed.
* ours: ``Study.ingest`` through the Python API into a fresh study: hash, read, validate every
  cell against the questionnaire, build rejects and screened-out rows, store everything in one
  transaction, close.

Each measurement runs in a fresh process (so its peak resident memory, ``ru_maxrss``, is its
own), baseline and ours alternating, ``--repeat`` times; the best time of each is compared.
Target: ours within 1.5x of the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ITEMS = 60
TARGET_RATIO = 1.5


def questionnaire_yaml() -> str:
    lines = ["id: bench", "title: {zh: 基准问卷, en: Benchmark survey}", "scales:",
             "  ten: {min: 1, max: 10, dont_know: 99}", "screening:",
             "  - id: flown", "    type: single", "    label: {zh: 是否乘机, en: Flown}",
             "    options: {1: {zh: 是, en: 'Yes'}, 2: {zh: 否, en: 'No'}}", "    qualify: [1]",
             "demographics:",
             "  - {id: age, type: integer, min: 18, max: 99, label: {zh: 年龄, en: Age}}",
             "  - id: gender", "    type: single", "    label: {zh: 性别, en: Gender}",
             "    options: {1: {zh: 男, en: Male}, 2: {zh: 女, en: Female}}",
             "  - {id: region, type: text, label: {zh: 地区, en: Region}}", "constructs:"]
    for c in range(ITEMS // 10):
        lines += [f"  c{c}:", f"    label: {{zh: 构念{c}, en: Construct {c}}}", "    scale: ten",
                  "    items:"]
        lines += [f"      it{i:02d}: {{zh: 问题{i}, en: Question {i}}}"
                  for i in range(c * 10 + 1, c * 10 + 11)]
    return "\n".join(lines) + "\n"


def model_yaml() -> str:
    return ("id: bench\nname: {zh: 基准模型, en: Benchmark model}\nlatents: [c0, c1]\n"
            "paths:\n  - c0 -> c1\ntarget: c1\n")


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """Write the CSV: numpy draws, pyarrow writes (unquoted, like a vendor export)."""
    import numpy as np
    import pyarrow as pa
    from pyarrow import csv as pacsv

    rng = np.random.default_rng(seed)

    def coded(codes, labels):
        return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)),
                                              pa.array(labels)).cast(pa.string())

    cols = {"resp_id": pa.array(np.arange(1, rows + 1)),
            "flown": coded((rng.random(rows) < 0.03).astype(np.int32), ["1", "2"]),
            "age": pa.array(rng.integers(18, 90, rows)),
            "gender": coded(rng.integers(0, 2, rows), ["1", "2"]),
            "region": coded(rng.integers(0, 4, rows), ["north", "south", "华东", "west"])}
    labels = [""] + [str(v) for v in range(1, 11)] + ["99", "11"]
    for k in range(ITEMS):
        codes = rng.integers(1, 11, rows)
        u = rng.random(rows)
        codes[u < 0.04] = 11   # 99: don't know
        codes[u < 0.02] = 0    # blank
        codes[rng.random(rows) < 0.0001] = 12  # 11: outside the scale, rejects the row
        cols[f"it{k + 1:02d}"] = coded(codes, labels)
    table = pa.table(cols)
    with path.open("wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False,
                                                      quoting_style="none"))


# --------------------------------------------------------------------------- children


def child_baseline(data: Path, work: Path) -> dict:
    import duckdb
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(data)
    con = duckdb.connect(str(work / "baseline.duckdb"))
    con.register("frame", frame)
    con.execute("CREATE TABLE responses AS SELECT * FROM frame")
    con.close()
    return {"seconds": time.perf_counter() - start, "rows": len(frame)}


def child_ours(data: Path, work: Path) -> dict:
    from survey.store import Study

    (work / "q.yaml").write_text(questionnaire_yaml(), encoding="utf-8")
    (work / "m.yaml").write_text(model_yaml(), encoding="utf-8")
    study = Study.create(work / "study", questionnaire=work / "q.yaml", model=work / "m.yaml")
    start = time.perf_counter()
    result = study.ingest(data, wave="2026Q4")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result.n_rows, "accepted": result.n_accepted,
            "rejected": result.n_rejected, "screened_out": result.n_screened_out}


def run_child(kind: str, data: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-ingest-{kind}-") as work:
        out = subprocess.run([sys.executable, __file__, "--child", kind, str(data), work],
                             check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DATA", "WORK"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, data, work = args.child
        result = (child_baseline if kind == "baseline" else child_ours)(Path(data), Path(work))
        result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        data = Path(tmp) / "responses.csv"
        start = time.perf_counter()
        generate(data, args.rows)
        print(f"generated {data.name}: {args.rows:,} respondents x {ITEMS} items, "
              f"{data.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - start:.1f} s "
              f"({os.cpu_count()} CPUs)")
        runs: dict[str, list[dict]] = {"baseline": [], "ours": []}
        for k in range(args.repeat):
            for kind in ("baseline", "ours"):
                r = run_child(kind, data)
                runs[kind].append(r)
                print(f"  run {k + 1}: {kind:<8} {r['seconds']:6.2f} s   "
                      f"peak RSS {r['max_rss_mb']:6.0f} MB")
        best = {kind: min(r["seconds"] for r in rs) for kind, rs in runs.items()}
        peak = {kind: max(r["max_rss_mb"] for r in rs) for kind, rs in runs.items()}
        ours = runs["ours"][-1]
        print(f"ours: {ours['accepted']:,} accepted, {ours['rejected']:,} rejected, "
              f"{ours['screened_out']:,} screened out of {ours['rows']:,} rows")
        print(f"baseline (pandas.read_csv + DuckDB insert): {best['baseline']:.2f} s, "
              f"peak RSS {peak['baseline']:.0f} MB")
        print(f"ours (Study.ingest: validate + store):      {best['ours']:.2f} s, "
              f"peak RSS {peak['ours']:.0f} MB")
        ratio = best["ours"] / best["baseline"]
        print(f"ratio ours / baseline: {ratio:.2f}x "
              f"({'within' if ratio <= TARGET_RATIO else 'OVER'} the {TARGET_RATIO}x target); "
              f"{args.rows / best['ours']:,.0f} respondents/s; memory ratio "
              f"{peak['ours'] / peak['baseline']:.2f}x")


if __name__ == "__main__":
    main()
