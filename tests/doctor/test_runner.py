"""The runner with real misbehaving checks: hangs, segfaults, raises, prints; shared and isolated workers."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from envkit.doctor import run_checks
from envkit.resources import data_dir


def write_check(folder: Path, check_id: str, body: str, depends=(), scope="env") -> None:
    header = {"id": check_id, "title": f"test {check_id}", "scope": scope, "depends": list(depends)}
    (folder / f"{check_id}.py").write_text(
        "import os, sys, time\n"
        f"CHECK = {header!r}\n"
        "def run(ctx):\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())
    )


@pytest.fixture
def checks(tmp_path: Path) -> Path:
    """A checks folder with the real worker and helpers, and misbehaving checks."""
    folder = tmp_path / "checks"
    folder.mkdir()
    for helper in data_dir("checks").glob("_*.py"):
        shutil.copy(helper, folder)
    pid = 'return {"status": "ok", "summary": "pid %d" % os.getpid()}'
    write_check(folder, "a_first", pid)
    write_check(folder, "b_hangs", "time.sleep(600)", depends=["a_first"])
    write_check(folder, "c_after_hang", pid, depends=["a_first"])
    write_check(folder, "d_segfaults", "import ctypes\nctypes.string_at(0)", depends=["a_first"])
    write_check(folder, "e_after_crash", pid, depends=["a_first"])
    write_check(folder, "f_raises", 'raise RuntimeError("boom")')
    write_check(folder, "g_needs_raiser", pid, depends=["f_raises"])
    write_check(folder, "h_prints", 'print("noise on stdout")\n' + pid)
    return folder


def by_id(results):
    return {result.id: result for result in results}


def test_a_hang_and_a_segfault_fail_alone_and_the_others_answer(checks: Path):
    started = time.monotonic()
    results = by_id(run_checks(checks_dir=checks, timeout=3))
    elapsed = time.monotonic() - started
    assert elapsed < 20, "the hung check must be cut at its timeout"
    assert results["b_hangs"].status == "fail"
    assert "no answer within 3 s" in results["b_hangs"].summary
    assert results["d_segfaults"].status == "fail"
    assert "SIGSEGV" in results["d_segfaults"].summary
    for check_id in ("a_first", "c_after_hang", "e_after_crash", "h_prints"):
        assert results[check_id].status == "ok", results[check_id]


def test_checks_share_a_worker_until_it_dies_then_run_alone(checks: Path):
    results = by_id(
        run_checks(checks_dir=checks, timeout=3, only=["c_after_hang", "d_segfaults", "e_after_crash"])
    )
    pids = {check_id: results[check_id].summary for check_id in ("a_first", "c_after_hang", "e_after_crash")}
    assert pids["a_first"] == pids["c_after_hang"], "checks of one lane share their worker"
    assert pids["e_after_crash"] != pids["a_first"], (
        "after a crash the rest of the lane runs in fresh processes"
    )


def test_a_raising_check_fails_with_its_traceback_and_its_dependent_is_skipped(checks: Path):
    results = by_id(run_checks(checks_dir=checks, only=["g_needs_raiser"]))
    assert results["f_raises"].status == "fail"
    assert "RuntimeError: boom" in results["f_raises"].summary
    assert "Traceback" in results["f_raises"].details
    assert results["g_needs_raiser"].status == "skip"
    assert "f_raises failed" in results["g_needs_raiser"].summary


def test_skip_leaves_a_check_out_and_skips_its_dependents(checks: Path):
    results = by_id(run_checks(checks_dir=checks, only=["c_after_hang"], skip=["a_first"]))
    assert results["a_first"].status == "skip"
    assert results["c_after_hang"].status == "skip"
    assert "left out by --skip" in results["c_after_hang"].summary


def test_printing_check_does_not_corrupt_the_protocol(checks: Path):
    assert by_id(run_checks(checks_dir=checks, only=["h_prints"]))["h_prints"].status == "ok"


def test_independent_lanes_run_in_parallel(tmp_path: Path):
    folder = tmp_path / "checks"
    folder.mkdir()
    for helper in data_dir("checks").glob("_*.py"):
        shutil.copy(helper, folder)
    body = "start = time.time()\ntime.sleep(1.0)\n"
    body += 'return {"status": "ok", "summary": "%f %f" % (start, time.time())}'
    for name in ("slow_one", "slow_two"):
        write_check(folder, name, body)
    (one, two) = [tuple(map(float, r.summary.split())) for r in run_checks(checks_dir=folder)]
    assert one[0] < two[1] and two[0] < one[1], "two independent checks should run at the same time"


def oldest_python() -> str | None:
    """A Python 3.8 interpreter that runs, if this machine has one (pyenv's, or on the PATH)."""
    for candidate in (
        *sorted(Path.home().glob(".pyenv/versions/3.8*/bin/python3.8")),
        shutil.which("python3.8"),
    ):
        if candidate and subprocess.run([str(candidate), "-V"], capture_output=True).returncode == 0:
            return str(candidate)
    return None


def test_every_check_runs_under_python_38():
    python = oldest_python()
    if python is None:
        pytest.skip("no Python 3.8 interpreter on this machine (checks/ promises 3.8 compatibility)")
    results = run_checks(scope="env", python=python)
    raised = [r.id for r in results if "the check itself raised" in r.summary or "was killed" in r.summary]
    assert not raised, [r.details for r in results if r.id in raised]
    version = next(r for r in results if r.id == "python_version")
    assert version.status == "warn" and version.summary.startswith("Python 3.8.")  # torch 2.9 needs 3.10
    for helper in data_dir("checks").glob("*.py"):  # host checks too: they must at least compile
        source = "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')"  # no .pyc written
        compiled = subprocess.run([python, "-c", source, str(helper)], capture_output=True, text=True)
        assert compiled.returncode == 0, compiled.stderr


def test_host_scope_is_the_preflight_api_envkit_run_uses():
    from envkit.doctor import exit_code, list_checks

    results = run_checks(
        scope="host", expectations={"recipe": "cpu", "cuda": None, "shm_size_bytes": 2 * 1024**3}
    )
    host_ids = {spec.id for spec in list_checks() if spec.scope == "host"}
    assert {r.id for r in results} == host_ids
    assert all(r.where == "host" and r.status in ("ok", "warn", "fail", "skip", "info") for r in results)
    assert exit_code(results) == (1 if any(r.status == "fail" for r in results) else 0)
