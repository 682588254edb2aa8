"""`envkit doctor` as a user runs it: table, --json, --list, --only/--skip, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.doctor import list_checks

from .hardware import RTX_5090


def doctor(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "envkit", "doctor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_list_names_every_check_with_scope_and_title():
    done = doctor("--list", "--json")
    assert done.returncode == 0
    listed = {row["id"]: row for row in json.loads(done.stdout)}
    assert set(listed) == {spec.id for spec in list_checks()}
    assert len(listed) >= 23
    assert listed["torch_arch"]["depends"] == ["torch_import"]
    assert {row["scope"] for row in listed.values()} == {"host", "env"}


def test_json_is_the_only_thing_on_stdout_and_every_check_answers():
    done = doctor("--json")
    document = json.loads(done.stdout)  # raises if anything else was printed
    assert document["schema"] == "envkit.doctor/1"
    assert {check["id"] for check in document["checks"]} == {spec.id for spec in list_checks()}
    assert all(check["status"] in ("ok", "warn", "fail", "skip", "info") for check in document["checks"])
    assert done.returncode == document["exit_code"] == (1 if document["counts"]["fail"] else 0)


def test_a_failure_exits_1_and_the_table_shows_it(tmp_path: Path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"gpus": [RTX_5090]}))
    done = doctor("--only", "torch_cuda", env={"ENVKIT_DOCTOR_FACTS": str(facts), "COLUMNS": "250"})
    assert done.returncode == 1
    assert "✗" in done.stdout and "torch_cuda" in done.stdout and "CPU build" in done.stdout


def test_only_and_skip_select_checks():
    done = doctor("--json", "--only", "python_version,env_shm", "--skip", "env_shm")
    document = json.loads(done.stdout)
    statuses = {check["id"]: check["status"] for check in document["checks"]}
    assert statuses == {"python_version": "ok", "env_shm": "skip"}


def test_bad_usage_exits_2_with_one_line_and_no_traceback(tmp_path: Path):
    for args in (["--only", "no_such_check"], ["--python", str(tmp_path / "missing-python")], ["--recipe"]):
        done = doctor(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr
    unknown = doctor("--only", "no_such_check")
    assert "unknown check id(s): no_such_check" in unknown.stderr and "--list" in unknown.stderr


def test_laptop_without_docker_or_display_says_what_is_missing(tmp_path: Path):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {"PATH": str(empty), "DOCKER_HOST": f"unix://{tmp_path}/docker.sock", "DISPLAY": ""}
    done = doctor("--json", "--skip", "disk_free", env=env)
    checks = {check["id"]: check for check in json.loads(done.stdout)["checks"]}
    assert checks["docker_daemon"]["status"] == "fail"
    assert "no Docker daemon answers" in checks["docker_daemon"]["summary"]
    assert checks["docker_daemon"]["fix"]
    assert checks["x11_display"]["status"] == "warn" and "DISPLAY" in checks["x11_display"]["fix"]
    assert checks["driver_cuda"]["status"] == "skip" and checks["gpu_arch"]["status"] == "skip"
    assert checks["torch_cuda"]["status"] == "ok"


def test_a_python_older_than_38_is_refused_with_the_reason():
    old = next((str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.[67]*/bin/python3"))), None)
    if old is None:
        pytest.skip("no Python < 3.8 on this machine to try")
    done = doctor("--python", old)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is not a Python >= 3.8" in done.stderr
