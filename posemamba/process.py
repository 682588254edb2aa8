"""Run a command with a deadline that ends the command and everything it started.

`subprocess.run(timeout=...)` kills only the direct child: a shell script or a compiler driver that
started its own children leaves them running, and since they hold the output pipes open, run() then
waits for them anyway (a `CXX` or an interpreter that hangs blocked envkit for as long as the orphan
lived). Here the command leads its own process group, and a timeout (or Ctrl-C) kills the group. The
output kept is bounded too: a program that prints without end (`--python /usr/bin/yes`) is killed
once it has printed `limit` bytes, not read into memory for the whole deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from typing import IO

OUTPUT_LIMIT = 1 << 20  # bytes kept per stream


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process group that `process` leads (it was started with start_new_session).

    Safe after the leader exited: Linux never gives a new process an id still used by a group.
    """
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        if process.poll() is None:
            process.kill()


def _drain(stream: IO[bytes], into: bytearray, limit: int, process: subprocess.Popen) -> None:
    while chunk := stream.read1(65536):
        into += chunk[: limit - len(into)]
        if len(into) >= limit:
            kill_group(process)
            return


def run(
    argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None, limit: int = OUTPUT_LIMIT
) -> subprocess.CompletedProcess[str]:
    """`argv`'s exit code, stdout and stderr (text, each cut at `limit` bytes, the command then killed).

    subprocess.TimeoutExpired after killing its process group; OSError when it cannot start.
    """
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if env is None else dict(env),
        start_new_session=True,
    )
    outputs = (bytearray(), bytearray())
    readers = [
        threading.Thread(target=_drain, args=(stream, kept, limit, process), daemon=True)
        for stream, kept in zip((process.stdout, process.stderr), outputs, strict=True)
    ]
    for reader in readers:
        reader.start()
    try:
        process.wait(timeout=timeout)
    finally:  # the timeout, Ctrl-C, or a normal exit: nothing it started outlives the call
        kill_group(process)
        process.wait()
        for reader, stream in zip(readers, (process.stdout, process.stderr), strict=True):
            reader.join(timeout=5)  # a process that left the group may hold a pipe: give its output up
            if not reader.is_alive():
                stream.close()
    stdout, stderr = (bytes(kept).decode(errors="replace") for kept in outputs)
    return subprocess.CompletedProcess(list(argv), process.returncode, stdout, stderr)
