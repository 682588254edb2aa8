"""How a long run stops: Ctrl-C and SIGTERM end it between steps, never half-way through a file.

`interrupts_deferred()` holds SIGINT and SIGTERM during a block (a checkpoint being written) and
delivers them to their handlers when it ends. `sigterm_raises()` makes SIGTERM raise `Terminated`, a
KeyboardInterrupt, so that `docker stop`, a job scheduler or torchrun passing on its own SIGTERM take
the same way out as Ctrl-C: the files written stay whole and the MLflow run is marked KILLED.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

EXIT_INTERRUPTED = 130  # shell convention: 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
HELD = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived inside `sigterm_raises()`."""


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM that arrive during the block; deliver them, in order, at its end.

    A KeyboardInterrupt raised inside a writer that C++ calls back (torch.save's zip writer) is not
    seen as one: torch.save turned it into "RuntimeError: unexpected pos", so a Ctrl-C while a
    checkpoint was written ended training with a traceback. Only Python handlers are held (a signal
    that is ignored or left to the OS stays as it is), and only in the main thread, which owns them.
    """
    previous = {signum: signal.getsignal(signum) for signum in HELD} if _in_main_thread() else {}
    guarded = {signum: handler for signum, handler in previous.items() if callable(handler)}
    held: list[tuple[int, FrameType | None]] = []
    for signum in guarded:
        signal.signal(signum, lambda number, frame: held.append((number, frame)))
    try:
        yield
    finally:
        for signum, handler in guarded.items():
            signal.signal(signum, handler)
        for signum, frame in held:
            guarded[signum](signum, frame)


def _raise_terminated(signum: int, frame: FrameType | None, owner: int) -> None:
    if os.getpid() != owner:
        # A forked child (a DataLoader worker) inherits the handler; it ends as SIGTERM would end it.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Terminated


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block (main thread), SIGTERM raises Terminated in this process."""
    owner = os.getpid()
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: _raise_terminated(signum, frame, owner))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
