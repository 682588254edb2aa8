"""tomllib on Python >= 3.11, tomli before."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 images
    import tomli as tomllib

__all__ = ["tomllib"]
