"""Where posemamba keeps what it builds or fetches once (the compiled CPU scan, the demo video).

$ENVKIT_CACHE_DIR, else $XDG_CACHE_HOME/envkit, else ~/.cache/envkit: the same folder, with the same
meaning, as envkit's own cache (envkit.resources.cache_dir), since both ship in one distribution and
CI's setup scripts fill it once for both.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The cache folder (not created here)."""
    explicit = os.environ.get("ENVKIT_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "envkit"
