"""The store under stress, through the real CLI in other processes: kill -9 in the middle of an
ingest's transaction, two ingests at once. Each leaves the store as it was or complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from survey.store import Study

from .conftest import HEADER, ROWS, assert_same, snapshot, write_csv

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


#: ``survey`` in another process; with a pause, every write transaction of the store stops
#: just before its COMMIT and says so on stderr (the store's own transaction wrapped here, so
#: the product carries no test hook).
_PAUSED_SURVEY = """
import contextlib, sys, time
import survey.store.db as store
real = store.transaction

@contextlib.contextmanager
def paused(con, study):
    with real(con, study):
        yield
        print("survey.store: paused before commit", file=sys.stderr, flush=True)
        time.sleep(PAUSE)

store.transaction = paused
from survey.cli import main
main()
"""


def survey_process(*args: str, pause: float | None = None) -> subprocess.Popen:
    """``survey ARGS`` in another process; with ``pause`` it stops inside its transaction,
    just before COMMIT, for that many seconds, and says so on stderr."""
    code = ("from survey.cli import main; main()" if pause is None
            else _PAUSED_SURVEY.replace("PAUSE", repr(float(pause))))
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_until_paused(proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "paused before commit" in line:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode} before pausing: {proc.stderr.read()}")
    raise AssertionError("the ingest never reached its commit")


def test_kill_9_mid_transaction_leaves_the_store_as_before(study, questionnaire, tmp_path):
    study.ingest(write_csv(tmp_path / "w1.csv"), wave="w1", brand="acme")
    before = snapshot(study)
    # The killed ingest would have replaced the wave, added a questionnaire version (a new
    # item) and a column: every part of it must vanish.
    v2 = tmp_path / "v2.yaml"
    v2.write_text(questionnaire.read_text(encoding="utf-8").replace(
        "sa2: {zh: 问题四, en: Question four}",
        "sa2: {zh: 问题四, en: Question four}\n      sa3: {zh: 问题五, en: Question five}"),
        encoding="utf-8")
    bigger = write_csv(tmp_path / "w1b.csv", [r + ",4" for r in ROWS * 200],
                       header=HEADER + ",sa3")
    proc = survey_process("ingest", str(study.path), str(bigger), "--wave", "w1", "--brand",
                          "acme", "--replace", "--questionnaire", str(v2), pause=120)
    try:
        wait_until_paused(proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert_same(before, snapshot(study))
    assert Study.open(study.path).questionnaire().id == "mini"
    # and the store still works: the same ingest now goes through
    result = study.ingest(bigger, wave="w1", brand="acme", replace=True, questionnaire=v2)
    assert result.status == "replaced" and result.questionnaire_version == 2


def test_a_second_writer_fails_naming_the_study(study, tmp_path):
    first = write_csv(tmp_path / "w1.csv")
    second = write_csv(tmp_path / "w2.csv", ROWS[:3])
    before = snapshot(study)
    holder = survey_process("ingest", str(study.path), str(first), "--wave", "w1", pause=120)
    try:
        wait_until_paused(holder)
        blocked = survey_process("ingest", str(study.path), str(second), "--wave", "w2",
                                 "--wait", "0.5")
        out, err = blocked.communicate(timeout=60)
        assert blocked.returncode == 2, (out, err)
        assert err.startswith(f"error: {study.path}: The study is in use by another process "
                              f"(PID {holder.pid})"), err
        assert "Traceback" not in err
        os.kill(holder.pid, signal.SIGKILL)
    finally:
        holder.kill()
        holder.wait()
    assert_same(before, snapshot(study))


def test_two_ingests_at_once_serialise(study, tmp_path):
    first = write_csv(tmp_path / "w1.csv")
    second = write_csv(tmp_path / "w2.csv", ROWS[:3])
    holder = survey_process("ingest", str(study.path), str(first), "--wave", "w1", pause=2)
    try:
        wait_until_paused(holder)
        waiting = survey_process("ingest", str(study.path), str(second), "--wave", "w2",
                                 "--wait", "60")
        out2, err2 = waiting.communicate(timeout=120)
        out1, err1 = holder.communicate(timeout=120)
    finally:
        holder.kill()
    assert holder.returncode == 0, err1
    assert waiting.returncode == 0, err2
    waves = Study.open(study.path).waves()
    assert waves["wave"].tolist() == ["w1", "w2"] and waves["n_accepted"].tolist() == [3, 2]
