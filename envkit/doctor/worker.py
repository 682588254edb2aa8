"""One worker process (checks/_worker.py under some python3): send a check, wait for its result."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from typing import Any

READY, START, RESULT = "@@envkit-ready ", "@@envkit-start ", "@@envkit-result "


class WorkerLost(Exception):
    """The worker died or hung while running a check; `reason` says which, in words."""

    def __init__(self, reason: str, timed_out: bool, stderr_tail: str, startup: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out
        self.stderr_tail = stderr_tail
        self.startup = startup  # the worker never said it was ready: the environment itself is broken


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "did not exit"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Worker:
    """A running checks/_worker.py; `run()` is called from one thread at a time."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            start_new_session=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=40)
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        self._stderr_pump = threading.Thread(target=self._pump_stderr, daemon=True)
        self._stderr_pump.start()

    def _pump_stdout(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        for line in self.process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr)

    def wait_ready(self, timeout: float) -> None:
        """Return once the worker said it runs; WorkerLost(startup=True) if it exits or stays silent."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._next_line(
                deadline,
                f"started no checks' worker within {timeout:g} s (hung; killed with what it started)",
                "cannot run the checks' worker: it",
                startup=True,
            )
            if line.startswith(READY):
                return

    def _next_line(self, deadline: float, hung: str, gone: str, startup: bool = False) -> str:
        """The worker's next stdout line before `deadline`; WorkerLost(`hung`) when none comes (the worker
        is killed), WorkerLost(`gone` + how it exited) when it exits."""
        try:
            line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self.kill()
            raise WorkerLost(hung, True, self.stderr_tail(), startup=startup) from None
        if line is None:
            self.process.wait()
            self._stderr_pump.join(timeout=5)  # its last words arrive after stdout closed
            exit_words = _describe_exit(self.process.returncode)
            raise WorkerLost(f"{gone} {exit_words}", False, self.stderr_tail(), startup=startup)
        return line

    def run(self, check_id: str, ctx: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The check's result dict; WorkerLost when the process dies or does not answer in time."""
        try:
            self.process.stdin.write(json.dumps({"id": check_id, "ctx": ctx}) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.process.wait()
            raise WorkerLost(
                f"the worker {_describe_exit(self.process.returncode)}", False, self.stderr_tail()
            ) from None
        deadline = time.monotonic() + timeout
        while True:
            line = self._next_line(
                deadline, f"no answer within {timeout:g} s (hung); killed", "the check's process"
            )
            if line.startswith(RESULT):
                try:
                    result = json.loads(line[len(RESULT) :])
                except ValueError:
                    result = None
                if not isinstance(result, dict):
                    self.kill()
                    raise WorkerLost(
                        f"the worker sent a malformed result line {line.strip()[:120]!r}",
                        False,
                        self.stderr_tail(),
                    )
                return result
            # START lines are progress only; the deadline covers the whole check.

    def kill(self) -> None:
        """Kill the worker and whatever it started (it leads its own process group)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        self.process.wait()

    def close(self) -> None:
        """Let the worker finish (stdin EOF), or kill it if it does not."""
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
