"""Files that are whole or absent, and one writer at a time.

`atomic_write(path, write)`: a temporary file beside `path`, fsync, rename, fsync of the folder; an
error or a full disk half-way leaves the previous file (if any) untouched and no temporary file behind.
A Ctrl-C (or a SIGTERM Python handles) during the write waits until the file is whole.
`save_npz` writes an .npz that way and, unlike np.savez, closes its zip archive on a failed write, so a
full disk is one OSError rather than also an "Exception ignored" at exit. `file_lock(path)` holds an
exclusive flock (concurrent first uses of a cache build it once).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from posemamba.stopping import interrupts_deferred


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


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Call `write(handle)` on a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    with interrupts_deferred():
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        # The rename itself is durable only once the folder entry is on disk.
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _write_npz(stream: IO[bytes], arrays: Mapping[str, Any]) -> None:
    # np.savez leaves its ZipFile open when a write fails; `with` closes it (and its handle) here.
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, value in arrays.items():
            with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)


def save_npz(path: Path, arrays: Mapping[str, Any]) -> None:
    """An uncompressed .npz (what np.load reads) of `arrays`, written atomically; no pickled objects."""
    atomic_write(path, lambda stream: _write_npz(stream, arrays))
