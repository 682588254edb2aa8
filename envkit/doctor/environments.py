"""Where env checks run: this interpreter, another one (--python), or a container (--image)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from envkit.errors import UsageError
from posemamba import process

VERSION_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"
VERSION_LINE = re.compile(r"(\d{1,3})\.(\d{1,4})")
# A python3 answers the probe in well under a second; the margin is for a loaded machine. On timeout the
# interpreter's whole process group is killed (posemamba.process), so a wrapper's children go too.
PROBE_TIMEOUT_S = 15.0


@dataclass
class Environment:
    """A place to start workers in: `argv` starts checks/_worker.py there."""

    name: str
    argv: list[str]
    closers: list = field(default_factory=list)

    def close(self) -> None:
        for closer in reversed(self.closers):
            closer()
        self.closers.clear()


def local(checks: Path, python: str | None = None) -> Environment:
    """Checks run by `python` (default: the interpreter running envkit)."""
    if python is None:
        return Environment(f"python {sys.executable}", [sys.executable, str(checks / "_worker.py")])
    found = shutil.which(python) or (python if Path(python).is_file() else None)
    if not found:
        raise UsageError(
            f"--python {python}: no such interpreter", fix="give the path of a python3 executable"
        )
    try:
        probe = process.run([found, "-c", VERSION_PROBE], timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"--python {python} did not answer `-c {VERSION_PROBE}` within {PROBE_TIMEOUT_S:g} s "
            "(killed with everything it started)",
            fix="give the path of a python3 executable that runs",
        ) from None
    except OSError as error:
        raise UsageError(
            f"--python {python} does not run: {error.strerror or error}",
            fix="give the path of a python3 executable",
        ) from None
    answer = probe.stdout.strip()
    version = VERSION_LINE.fullmatch(answer) if probe.returncode == 0 else None
    if version is None or tuple(map(int, version.groups())) < (3, 8):
        said = (answer or probe.stderr.strip() or "nothing").splitlines()[0][:120]
        raise UsageError(
            f"--python {python} is not a Python >= 3.8: asked for its version, it printed {said!r} "
            f"(exit {probe.returncode})",
            fix="give the path of a python3 (3.8 or newer) executable",
        )
    return Environment(f"python {found}", [found, str(checks / "_worker.py")])
