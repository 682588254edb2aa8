"""Where envkit's files are: the data folders (recipes/, dockerfiles/, checks/, kernels/), the project files
(pyproject.toml, README.md), in a checkout or in an installed wheel; the cache and log folders; and the
file of injected host facts.

In a checkout the data folders and project files sit at the top level beside the `envkit` package; a wheel
carries them under `envkit/_data/` (pyproject's force-include). This is the only place that knows both
layouts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from envkit.errors import UsageError
from posemamba.cache import cache_dir as posemamba_cache_dir

DataFolder = Literal["recipes", "dockerfiles", "checks", "kernels"]
DATA_FOLDERS: tuple[DataFolder, ...] = ("recipes", "dockerfiles", "checks", "kernels")
PACKAGES = ("envkit", "posemamba")
# The top-level files a wheel carries under envkit/_data/project/ (pyproject's force-include), so that a
# wheel install can give `envkit build` the same source tree a checkout gives.

_PACKAGE_DIR = Path(__file__).resolve().parent
_WHEEL_DATA = PurePosixPath("envkit", "_data")


def data_dir(name: DataFolder) -> Path:
    """The folder `name`, from the installed wheel if it carries one, else from the checkout."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"envkit data folder {name!r} not found under {_PACKAGE_DIR / '_data'} or {_PACKAGE_DIR.parent}; "
        "reinstall envkit (pip install .) from a complete checkout"
    )


def project_root() -> Path | None:
    """The checkout's root when envkit runs from one (editable install or source tree), else None."""
    root = _PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() and (root / "recipes").is_dir() else None


def cache_dir() -> Path:
    """envkit's cache folder: posemamba's (posemamba.cache), one folder for the whole distribution
    ($ENVKIT_CACHE_DIR, else $XDG_CACHE_HOME/envkit, else ~/.cache/envkit; a file there is refused)."""
    return posemamba_cache_dir()


def log_dir() -> Path:
    """Where build logs (and the Dockerfile each build used) are kept: $ENVKIT_LOG_DIR or <cache>/logs."""
    return Path(os.environ.get("ENVKIT_LOG_DIR") or cache_dir() / "logs")


FACTS_ENV = "ENVKIT_DOCTOR_FACTS"  # a JSON file of probe results (tests: GPUs, driver, camera)


def injected_facts(explicit: dict[str, Any] | None = None) -> dict[str, Any]:
    """Probe results injected for what cannot exist on a test machine (a GPU, a driver, a camera): the
    argument, else the JSON object in the file $ENVKIT_DOCTOR_FACTS names, else {}."""
    if explicit is not None:
        return explicit
    path = os.environ.get(FACTS_ENV)
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            facts = json.load(handle)
    except (OSError, ValueError) as error:
        raise UsageError(
            f"{FACTS_ENV}={path} is not a readable JSON file: {error}", fix=f"unset {FACTS_ENV}"
        ) from None
    if not isinstance(facts, dict):
        raise UsageError(f"{FACTS_ENV}={path} holds no JSON object", fix=f"unset {FACTS_ENV}")
    return facts


def _checkout_path(installed: PurePosixPath) -> PurePosixPath | None:
    """Where a file the wheel installed (path relative to site-packages) sits in a checkout; None: not
    part of the source tree (dist-info, scripts, files Python compiled at install time)."""
    parts = installed.parts
    if not parts or parts[0] not in PACKAGES or "__pycache__" in parts:
        return None
    if installed.is_relative_to(_WHEEL_DATA / "project"):
        return installed.relative_to(_WHEEL_DATA / "project")
    if installed.is_relative_to(_WHEEL_DATA):
        inside = installed.relative_to(_WHEEL_DATA)
        return inside if inside.parts[0] in DATA_FOLDERS else None
    return installed


def installed_source_files() -> Iterator[tuple[PurePosixPath, Path, str]]:
    """(path in a checkout, installed file, the wheel's hash of it) for every source file a wheel install
    carries: the two packages, the data folders and the project files, as the wheel's RECORD lists them."""
    distribution = metadata.distribution("envkit")
    for entry in distribution.files or []:
        where = _checkout_path(PurePosixPath(str(entry)))
        if where is not None:
            digest = f"{entry.hash.mode}={entry.hash.value}" if entry.hash else ""
            yield where, Path(str(distribution.locate_file(entry))), digest
