"""The demo video is fetched on first use: the pinned sports2d wheel from PyPI, both digests checked, only the
video kept in the cache; a failed or altered download is one line with the fix, and nothing is left behind."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from posemamba.live import demo


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENVKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "live-pose" / "sports2d"


@pytest.mark.slow
def test_first_use_fetches_the_pinned_wheel_and_keeps_only_the_video(cache: Path, capsys) -> None:
    try:
        path = demo.fetch_demo_video()
    except demo.DemoVideoError as error:
        if "could not be fetched" in str(error):
            pytest.skip(f"PyPI is not reachable from here: {error}")
        raise
    assert path == cache / "demo.mp4" and list(cache.iterdir()) == [path]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == demo.VIDEO_SHA256
    said = capsys.readouterr().err
    assert "live-pose: fetching the demo video (Sports2D/Demo/demo.mp4 from the sports2d==0.8.34" in said
    assert f"live-pose: demo video ready: {path}" in said


def test_an_altered_download_is_refused_and_leaves_nothing(cache: Path, tmp_path: Path) -> None:
    fake = tmp_path / "sports2d-0.8.34-py3-none-any.whl"
    with zipfile.ZipFile(fake, "w") as wheel:
        wheel.writestr(demo.MEMBER, b"not the video")
    with pytest.raises(demo.DemoVideoError, match=r"has sha256 [0-9a-f]{64}, not the pinned") as raised:
        demo.fetch_demo_video(url=fake.as_uri())
    assert raised.value.fix.startswith("retry (a proxy may have altered the download)")
    assert not cache.exists() or list(cache.iterdir()) == []


def test_no_network_says_what_to_do(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(demo.DemoVideoError, match="the demo video could not be fetched from PyPI") as raised:
        demo.fetch_demo_video(url=(tmp_path / "nowhere.whl").as_uri())
    assert "pip install --no-deps sports2d==0.8.34" in raised.value.fix
    assert "--source PATH|webcam:N|realsense" in raised.value.fix
    assert raised.value.exit_code == 2
