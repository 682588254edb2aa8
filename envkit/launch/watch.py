"""Run `docker run` in the foreground, pass its output through, and explain a failure.

docker's own errors (exit 125: the container did not start) and a target's crash both end in a
few stderr lines whose cause is often a known one: no NVIDIA runtime, a driver too old for the
image's CUDA, a /dev/shm too small. Those lines are matched against the build's failure
signatures (envkit/failures/signatures.toml), so `envkit run` answers with the diagnosis and the fix
instead of leaving the user with docker's text.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass
from typing import TextIO

from envkit.failures.match import diagnose

TAIL_LINES = 400  # stderr lines kept for matching; a failure's cause is near the end
# Exit codes that are the user's own stop (SIGINT, SIGTERM), not a failure to explain.
STOPPED = {130, 143}
DOCKER_CODES = {
    125: "the container did not start (docker run failed)",
    126: "the command in the container cannot be executed",
    127: "the command in the container was not found",
}


@dataclass
class Finished:
    """How a watched `docker run` ended: its exit code and the last lines of its stderr."""

    returncode: int
    stderr_tail: list[str]


def run_watched(argv: list[str], passthrough: TextIO | None = None) -> Finished:
    """Run `argv` with stdin/stdout inherited and stderr copied to `passthrough` line by line.

    Ctrl-C reaches the container through docker's sig-proxy; we keep waiting so the target can
    finish writing (the live pipeline closes its recording) before we return.
    """
    sink = passthrough or sys.stderr
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, errors="replace", bufsize=1)
    tail: deque[str] = deque(maxlen=TAIL_LINES)

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            sink.write(line)
            sink.flush()
            tail.append(line.rstrip("\n"))

    reader = threading.Thread(target=pump, name="docker-stderr", daemon=True)
    reader.start()
    while True:
        try:
            returncode = process.wait()
            break
        except KeyboardInterrupt:
            continue
    reader.join(timeout=5)
    return Finished(returncode, list(tail))


def explain(finished: Finished) -> list[str]:
    """Lines that say why the run failed and how to fix it; none for success or a user's stop."""
    code = finished.returncode
    if code == 0 or code in STOPPED:
        return []
    what = DOCKER_CODES.get(code, f"the container exited with code {code}")
    found = diagnose(finished.stderr_tail)
    if not found:
        if code not in DOCKER_CODES:
            return []  # the target's own failure; its output above says what happened
        return [f"envkit: {what}; no known failure matches docker's message above"]
    first, *others = found
    lines = [
        f"envkit: {what}: {first.signature.diagnosis}",
        f"fix: {first.signature.fix}",
        f"matched: {first.line}  (source: {first.signature.source})",
    ]
    lines += [f"also: {d.signature.diagnosis} — fix: {d.signature.fix}" for d in others]
    return lines
