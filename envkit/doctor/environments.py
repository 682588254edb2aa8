"""Where env checks run: this interpreter, another one (--python), or a container (--image)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from envkit.errors import UsageError


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
        probe = subprocess.run(
            [found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(
            f"--python {python} does not run: {error}", fix="give the path of a python3 executable"
        ) from error
    version = tuple(int(part) for part in probe.stdout.strip().split(".")) if probe.returncode == 0 else ()
    if version < (3, 8):
        raise UsageError(
            f"--python {python} is not a Python >= 3.8 ({(probe.stdout or probe.stderr).strip()[:200]})",
            fix="give the path of a python3 (3.8 or newer) executable",
        )
    return Environment(f"python {found}", [found, str(checks / "_worker.py")])
