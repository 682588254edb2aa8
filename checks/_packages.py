"""Installed-distribution helpers for the checks (importlib.metadata; stdlib, Python >= 3.8)."""

import importlib.util

try:
    from importlib import metadata
except ImportError:  # pragma: no cover - Python < 3.8 is not supported anyway
    metadata = None


def dist_version(name):
    """The installed version of distribution `name`, or None."""
    try:
        return metadata.version(name)
    except Exception:
        return None


def installed(module):
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def package_dir(module):
    """The folder of an installed package (works for editable installs), without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(iter(spec.submodule_search_locations))
