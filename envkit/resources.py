"""Find the data folders (recipes/, dockerfiles/, checks/, kernels/) in a checkout or an installed wheel.

In a checkout they are top-level folders beside the `envkit` package; a wheel carries them under
`envkit/_data/` (pyproject's force-include). This is the only place that knows both layouts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

DataFolder = Literal["recipes", "dockerfiles", "checks", "kernels"]

_PACKAGE_DIR = Path(__file__).resolve().parent


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
