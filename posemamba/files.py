"""File helpers shared by posemamba: the cache folder, an inter-process lock, atomic writes."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


def cache_dir(name: str) -> Path:
    """$ENVKIT_CACHE_DIR/<name> (default ~/.cache/envkit/<name>); not created."""
    base = os.environ.get("ENVKIT_CACHE_DIR") or str(Path.home() / ".cache" / "envkit")
    return Path(base) / name


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created if needed) for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call write(handle) on a temporary file beside `path`, fsync it, then rename it over `path`.

    A crash or Ctrl-C at any moment leaves either the old file or the new one, never a partial file;
    the temporary file is removed when `write` fails.
    """
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with open(partial, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    # The rename itself is durable only once the folder entry is on disk.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
