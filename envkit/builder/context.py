"""The build context `envkit build` sends: the source tree the Dockerfiles COPY from (project_install.j2,
kernels_build.j2, models_fetch.j2).

From a checkout it is the checkout itself (`.dockerignore` keeps `.venv/`, `.git/` and build outputs out).
From a wheel install it is that tree rebuilt from the files the wheel installed (envkit.resources maps each
back to its checkout path) in `<cache>/build-context/<digest>/`: the digest covers every file's hash in the
wheel's RECORD, so one install assembles it once and reuses it, and an upgrade gets a fresh folder.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from envkit.errors import FailedError
from envkit.resources import cache_dir, installed_source_files, project_root


def build_context() -> Path:
    """The checkout's root, or the source tree assembled from the installed wheel."""
    root = project_root()
    return root if root is not None else assembled_context()


def assembled_context() -> Path:
    """`<cache>/build-context/<digest>/`, made from the installed wheel's files unless it already exists."""
    files = sorted(installed_source_files())
    if not any(str(where) == "pyproject.toml" for where, _, _ in files):
        raise FailedError(
            "this envkit install carries no pyproject.toml, so it cannot give envkit build its source tree",
            fix="reinstall envkit from its wheel or checkout (pip install --force-reinstall envkit)",
        )
    digest = hashlib.sha256("\n".join(f"{where} {hashed}" for where, _, hashed in files).encode())
    target = cache_dir() / "build-context" / digest.hexdigest()[:16]
    if (target / "pyproject.toml").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".assembling-", dir=target.parent))
    try:
        for where, installed, _ in files:
            destination = staging / where
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(installed, destination)
        try:
            staging.rename(target)
        except OSError:  # another build assembled the same tree meanwhile; theirs is identical
            if not (target / "pyproject.toml").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
