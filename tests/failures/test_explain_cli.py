"""`envkit explain` as a user runs it: a file, stdin, --json, exit codes 0/1/2, binary and huge input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.failures import corpus


def explain(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "envkit", "explain", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=120,
    )


def field_text(url_part: str) -> corpus.FieldText:
    return next(t for t in corpus.load() if url_part in t.url)


def test_a_file_is_explained_with_the_line_cause_fix_and_source(tmp_path: Path) -> None:
    text = field_text("idiap/ESLAM/issues/20")
    log = tmp_path / "train.log"
    log.write_text("epoch 1/300 loss=0.31\n" * 50 + text.lines)
    done = explain(str(log))
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert f"1 known failure in {log} (51 lines)" in out
    assert "1. shm-too-small" in out
    assert "line:   RuntimeError: unable to write to file </torch_31911_952036340_6686>" in out
    assert "cause:  /dev/shm is too small" in out
    assert "fix:    run the container with --shm-size=8g" in out
    assert "source: pytorch#5040" in out
    assert "docker builder prune" not in out  # the disk answer would be the wrong fix


def test_stdin_and_json_give_the_same_diagnoses_and_stdout_is_only_json() -> None:
    text = field_text("open-mmlab/mmpose/issues/2325")
    done = explain("-", "--json", stdin=text.lines.encode())
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # raises if anything but JSON is on stdout
    assert document["schema"] == "envkit.explain/1"
    assert document["input"] == "stdin" and document["recognised"] is True
    (first,) = document["diagnoses"]
    assert first["id"] == "openmmlab-rejects-mmcv"
    assert first["diagnosis"].startswith(
        "mmpose accepts mmcv >=2.0.0rc4, <=2.1.0, and mmcv 1.7.1 is installed"
    )
    assert first["line"].startswith("AssertionError: MMCV==1.7.1")
    assert set(first) == {"id", "diagnosis", "fix", "source", "line"}


def test_nothing_recognised_exits_1_and_says_so() -> None:
    done = explain("-", stdin=b"Traceback (most recent call last):\nZeroDivisionError: division by zero\n")
    assert done.returncode == 1
    assert "no known failure in stdin (2 lines)" in done.stdout.decode()
    done = explain("-", "--json", stdin=b"")
    assert done.returncode == 1 and json.loads(done.stdout)["diagnoses"] == []


@pytest.mark.parametrize("which", ["missing", "directory"])
def test_an_unreadable_input_is_one_line_and_exit_2(tmp_path: Path, which: str) -> None:
    path = {"missing": tmp_path / "nope.log", "directory": tmp_path}[which]
    done = explain(str(path))
    assert done.returncode == 2
    err = done.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and err.startswith("envkit: error:") and "fix:" in err
    assert "Traceback" not in err and done.stdout == b""


def test_no_argument_on_a_terminal_asks_for_a_log() -> None:
    # A pseudo-terminal on stdin: what a user gets who types `envkit explain` alone.
    import pty

    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "envkit", "explain"], stdin=follower, capture_output=True, timeout=120
        )
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 2
    assert "no log given and nothing piped in" in done.stderr.decode()


def test_binary_input_does_not_crash_and_a_failure_inside_it_is_still_found() -> None:
    noise = bytes(range(256)) * 400
    line = b"\nImportError: libGL.so.1: cannot open shared object file: No such file or directory\n"
    done = explain("-", "--json", stdin=noise + line + noise)
    assert done.returncode == 0, done.stderr
    (first,) = json.loads(done.stdout)["diagnoses"]
    assert first["id"] == "libgl-missing"


def test_colour_codes_do_not_hide_a_failure() -> None:
    coloured = b"\x1b[31mERROR:\x1b[0m No matching distribution found for \x1b[1mpyrealsense2\x1b[0m\n"
    done = explain("-", "--json", stdin=coloured)
    assert json.loads(done.stdout)["diagnoses"][0]["id"] == "pyrealsense2-no-wheel"


def test_a_log_larger_than_the_limit_is_read_from_its_end(tmp_path: Path, monkeypatch) -> None:
    from envkit.failures import explain as explaining

    monkeypatch.setattr(explaining, "MAX_BYTES", 1000)
    log = tmp_path / "big.log"
    log.write_text("x" * 5000 + "\nFailed to initialize NVML: Unknown Error\n")
    report = explaining.explain(explaining.read_log(str(log)))
    assert report.log.truncated and report.log.size == log.stat().st_size
    assert [d.signature.id for d in report.diagnoses] == ["nvml-unknown-error"]
    assert "only its last 1,000 bytes read" in "\n".join(explaining.as_text(report))
