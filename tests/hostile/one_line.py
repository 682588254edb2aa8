"""What every hostile-input case asserts: the exit code, exactly one stderr line naming the problem and
the fix, no traceback, no library noise; and helpers to run envkit or live-pose as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENVKIT = [sys.executable, "-m", "envkit"]
LIVE = [*ENVKIT, "run", "live-pose", "--native"]


def run(
    argv: list[str], env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """A real process (exact stderr bytes), with `env` added to this environment."""
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def assert_one_line(done: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    """Exit `code`, stderr exactly one 'envkit: error: ... — fix: ...' line holding every needle."""
    lines = done.stderr.splitlines()
    assert done.returncode == code, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1, f"stderr must be one line, got {len(lines)}:\n{done.stderr}"
    line = lines[0]
    assert line.startswith("envkit: error: ") and line.count(" fix: ") == 1, line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


def assert_failure_line(done: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    """A run that started and then failed: its progress lines, then exactly one error line, last, with the
    fix and every needle; no traceback."""
    lines = done.stderr.splitlines()
    assert done.returncode == code, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in lines if line.startswith("envkit: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], f"one error line, last:\n{done.stderr}"
    assert errors[0].count(" fix: ") == 1, errors[0]
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below `folder` with its size and mtime: compare before and after to see nothing changed."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


def processes_with(marker: str) -> list[str]:
    """Command lines of running processes that mention `marker` (orphans a test must not leave)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in command:
            found.append(f"{entry.name}: {command}")
    return found
