"""Where posemamba keeps what it builds or fetches once (the compiled CPU scan, the demo video).

$ENVKIT_CACHE_DIR, else $XDG_CACHE_HOME/envkit, else ~/.cache/envkit: the same folder, with the same
meaning, for envkit's own cache (build logs, run folders: envkit.resources.cache_dir is this one),
since both ship in one distribution and CI's setup scripts fill it once for both.
"""

from __future__ import annotations

import os
from pathlib import Path

from posemamba.errors import PoseMambaError


def cache_dir() -> Path:
    """The cache folder (not created here); PoseMambaError when that path is a file, not a folder."""
    explicit = os.environ.get("ENVKIT_CACHE_DIR")
    if explicit:
        folder, named = Path(explicit).expanduser(), f"ENVKIT_CACHE_DIR={explicit}"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder, named = Path(base).expanduser() / "envkit", "the cache folder"
    if folder.exists() and not folder.is_dir():
        raise PoseMambaError(
            f"{named}: {folder} is a file, not a folder",
            fix="point ENVKIT_CACHE_DIR at a folder (it is created when missing), or unset it",
        )
    return folder
