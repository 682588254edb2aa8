"""Hostile environments for `envkit doctor` and the variables every command reads.

Real processes throughout: fake interpreters are shell scripts in tmp_path (what a wrong --python
really is), the hanging ones start a child with a unique name, and each test checks nothing is left.
"""

from __future__ import annotations

import json
import shutil
import stat
import time
from pathlib import Path

import pytest

from tests.hostile.one_line import ENVKIT, assert_one_line, processes_with, run

pytestmark = pytest.mark.slow
ENV_CHECKS = "python_version,torch_import"  # two env checks, no host check: the --python cases stay short


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def sleeper(folder: Path) -> Path:
    """A copy of sleep under a name unique to this test, so a leftover is found by its command line."""
    path = folder / f"sleep-{folder.name}"
    shutil.copy(shutil.which("sleep"), path)
    return path


ANSWERS_PROBE = 'if [ "$1" = "-c" ]; then echo 3.11; exit 0; fi\n'


@pytest.mark.parametrize(
    ("name", "body", "needle"),
    [
        ("true", "exit 0\n", "printed 'nothing'"),
        ("echo", 'echo "$@"\n', "import sys"),
        ("three-x", "echo 3.x\n", "'3.x'"),
        ("python27", "echo 2.7\n", "'2.7'"),
        ("four-parts", "echo 3.11.2.1\n", "'3.11.2.1'"),
        ("fails", "echo broken >&2; exit 3\n", "(exit 3)"),
        ("multiline", "printf '3.11\\n3.12\\n'\n", "3.11"),
        ("huge-number", "echo 3.99999999999999999999\n", "3.9999"),
        ("superscript", "echo 3.¹¹\n", "3.¹¹"),
    ],
)
def test_an_interpreter_that_is_not_python(tmp_path: Path, name: str, body: str, needle: str) -> None:
    done = run([*ENVKIT, "doctor", "--python", str(script(tmp_path, name, body))])
    assert_one_line(done, 2, "--python", "not a Python >= 3.8", needle, "python3")


@pytest.mark.parametrize("kind", ["missing", "directory", "not-executable", "yes"])
def test_a_python_path_that_cannot_run_as_one(tmp_path: Path, kind: str) -> None:
    target = {
        "missing": tmp_path / "nope",
        "directory": tmp_path,
        "not-executable": tmp_path / "plain.txt",
        "yes": Path(shutil.which("yes")),  # prints without end: the probe keeps 1 MiB and kills it
    }[kind]
    if kind == "not-executable":
        target.write_text("print(1)\n")
    started = time.monotonic()
    done = run([*ENVKIT, "doctor", "--python", str(target)])
    assert_one_line(done, 2, "--python", "python3")
    assert time.monotonic() - started < 60


def test_a_probe_that_hangs_is_killed_with_its_children(tmp_path: Path) -> None:
    child = sleeper(tmp_path)
    fake = script(tmp_path, "hangs", f"{child} 1000 &\n{child} 1000\n")
    done = run([*ENVKIT, "doctor", "--python", str(fake)])
    assert_one_line(done, 2, "did not answer", "killed")
    assert processes_with(child.name) == []


def test_an_interpreter_that_hangs_after_the_probe_is_found_dead_once(tmp_path: Path) -> None:
    """Issue 18: 481 s (60 s per env check, each in a fresh worker). Now one startup wait for all."""
    child = sleeper(tmp_path)
    fake = script(tmp_path, "hangs-later", ANSWERS_PROBE + f"{child} 1000 &\n{child} 1000\n")
    started = time.monotonic()
    done = run([*ENVKIT, "doctor", "--python", str(fake), "--json"])
    seconds = time.monotonic() - started
    report = json.loads(done.stdout)
    env_checks = [check for check in report["checks"] if check["scope"] == "env"]
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(env_checks) > 5
    for check in env_checks:
        assert check["status"] in ("fail", "skip"), check
        if check["status"] == "fail":
            assert "started no checks' worker within 20 s" in check["summary"], check
    assert seconds < 120, f"{seconds:.0f} s: the dead interpreter must be found once"
    assert processes_with(child.name) == []


def test_an_interpreter_that_exits_at_once_is_one_verdict(tmp_path: Path) -> None:
    fake = script(tmp_path, "exits", ANSWERS_PROBE + "echo 'no such module' >&2; exit 1\n")
    done = run([*ENVKIT, "doctor", "--python", str(fake), "--only", ENV_CHECKS, "--json"])
    report = json.loads(done.stdout)
    assert done.returncode == 1 and done.stderr == ""
    for check in report["checks"]:
        assert check["status"] == "fail"
        assert "cannot run the checks' worker: it exited with code 1" in check["summary"]
        assert "no such module" in check["summary"]


@pytest.mark.parametrize(
    ("answer", "status", "needle"),
    [
        ("{not json", "fail", "malformed result line"),
        ("[1, 2]", "fail", "malformed result line"),
        ('"ok"', "fail", "malformed result line"),
        ('{"status": "bogus"}', "fail", "no known status"),
        ('{"status": "ok", "seconds": "soon", "summary": 5}', "ok", "5"),
    ],
)
def test_a_worker_that_answers_nonsense(tmp_path: Path, answer: str, status: str, needle: str) -> None:
    body = (
        ANSWERS_PROBE
        + "echo '@@envkit-ready {}'\nwhile read line; do echo '@@envkit-result "
        + answer
        + "'; done\n"
    )
    fake = script(tmp_path, "nonsense", body)
    done = run([*ENVKIT, "doctor", "--python", str(fake), "--only", "python_version", "--json"])
    report = json.loads(done.stdout)
    (check,) = report["checks"]
    assert (check["status"], done.returncode) == (status, 1 if status == "fail" else 0), check
    assert needle in check["summary"] and done.stderr == ""
    assert check["seconds"] >= 0


@pytest.mark.parametrize("value", ["abc", "0", "-1", "²", "65", "1e3", " 2x"])
def test_a_bad_lane_count_is_one_line_and_breaks_no_other_command(value: str) -> None:
    assert_one_line(
        run([*ENVKIT, "doctor", "--only", "python_version"], env={"ENVKIT_DOCTOR_LANES": value}),
        2,
        "ENVKIT_DOCTOR_LANES",
        "1..64",
    )
    other = run([*ENVKIT, "recipes"], env={"ENVKIT_DOCTOR_LANES": value})
    assert other.returncode == 0 and other.stderr == "", other.stderr


def test_ascii_terminal_gets_the_report_escaped() -> None:
    done = run([*ENVKIT, "doctor", "--only", "python_version"], env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "python_version" in done.stdout
    done.stdout.encode("ascii")


def test_ascii_terminal_gets_one_error_line(tmp_path: Path) -> None:
    done = run([*ENVKIT, "doctor", "--python", str(tmp_path / "nope")], env={"PYTHONIOENCODING": "ascii"})
    assert_one_line(done, 2, "--python", "\\u2014 fix:")


def test_a_cache_dir_that_is_a_file(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.write_text("a file\n")
    done = run([*ENVKIT, "build", "cpu", "--dry-run"], env={"ENVKIT_CACHE_DIR": str(cache)})
    assert_one_line(
        done, 2, "ENVKIT_CACHE_DIR", "is a file, not a folder", "point ENVKIT_CACHE_DIR at a folder"
    )
    assert cache.read_text() == "a file\n"
