"""posemamba.stopping: signals held while a block writes, SIGTERM as a KeyboardInterrupt; real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from posemamba import files
from posemamba.stopping import Terminated, interrupts_deferred, sigterm_raises


def _signal_self(signum: int) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.01)  # a Python handler runs at the next bytecode of the main thread


def test_held_signals_are_delivered_once_in_order_after_the_block(tmp_path: Path) -> None:
    steps = []
    with sigterm_raises(), pytest.raises(KeyboardInterrupt) as stopped, interrupts_deferred():
        files.save_npz(tmp_path / "a.npz", {"a": [0.0]})
        _signal_self(signal.SIGINT)
        steps.append("after SIGINT")
        _signal_self(signal.SIGTERM)
        files.save_npz(tmp_path / "b.npz", {"b": [1.0]})  # its own inner block delivers nothing
        steps.append("second file")
    assert steps == ["after SIGINT", "second file"]
    assert not isinstance(stopped.value, Terminated), "SIGINT came first: Ctrl-C's KeyboardInterrupt"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "b.npz"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the handlers are given back"


def test_sigterm_raises_terminated_and_gives_the_handler_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), sigterm_raises():
        _signal_self(signal.SIGTERM)
        pytest.fail("SIGTERM did not stop the block")
    assert signal.getsignal(signal.SIGTERM) == before


def test_ignored_and_default_handlers_are_left_alone() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts_deferred():
            _signal_self(signal.SIGINT)
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # not Python's: not held
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


CHILD = """
import os, signal, sys, time
from posemamba.stopping import sigterm_raises
with sigterm_raises():
    ready, say_ready = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(say_ready, b"1")  # a signal sent before the child runs Python is dropped by CPython
        time.sleep(60)  # a forked worker: SIGTERM must end it, not raise in it
        os._exit(0)
    os.read(ready, 1)
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    print(os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM)
"""


def test_a_forked_child_ends_on_sigterm_as_by_default() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=50)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True", "the child died of SIGTERM, like a process without the handler"
