"""Display checks against a real X server (Xvfb with an MIT cookie; no `xhost +`)."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import pytest

from envkit.doctor import run_checks

pytestmark = pytest.mark.xvfb


def one(check_id: str, **kwargs):
    (result,) = [r for r in run_checks(only=[check_id], **kwargs) if r.id == check_id]
    return result


@pytest.fixture
def on_display(xvfb, monkeypatch):
    monkeypatch.setenv("DISPLAY", xvfb.display)
    monkeypatch.setenv("XAUTHORITY", str(xvfb.xauthority))
    return xvfb


def test_display_with_its_cookie_is_ok(on_display):
    result = one("x11_display")
    assert result.status == "ok", result
    assert "accepts the xauth cookie" in result.summary


def test_a_wrong_cookie_is_refused_by_the_server(on_display, tmp_path: Path, monkeypatch):
    wrong = tmp_path / "Xauthority"
    wrong.touch()
    cookie = secrets.token_hex(16)
    subprocess.run(
        ["xauth", "-f", str(wrong), "add", on_display.display, "MIT-MAGIC-COOKIE-1", cookie], check=True
    )
    monkeypatch.setenv("XAUTHORITY", str(wrong))
    result = one("x11_display")
    assert result.status == "fail"
    assert "refused the connection" in result.summary
    assert "XAUTHORITY" in result.fix and "xhost +" in result.fix  # says: never `xhost +`


def test_a_display_without_a_socket(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":4711")
    result = one("x11_display")
    assert result.status == "fail" and "/tmp/.X11-unix/X4711 does not exist" in result.summary


def test_opencv_opens_a_window_on_the_display(on_display, openmmlab_python):
    result = one("opencv_gui", python=str(openmmlab_python))
    assert result.status == "ok", result
    assert "opened a window" in result.summary and "QT" in result.summary


def test_opencv_without_the_cookie_cannot_open_a_window(on_display, openmmlab_python, tmp_path, monkeypatch):
    monkeypatch.setenv("XAUTHORITY", str(tmp_path / "none"))
    result = one("opencv_gui", python=str(openmmlab_python))
    assert result.status == "fail"
    assert "cannot open a window" in result.summary
    assert "xauth cookie" in result.fix


def test_a_headless_opencv_has_no_gui_backend(on_display, xtcocotools_python):
    result = one("opencv_gui", python=str(xtcocotools_python))
    assert result.status == "fail"
    assert "has no GUI backend" in result.summary
    # uninstall every OpenCV wheel first: they share cv2/, so removing only the -headless one breaks cv2
    assert result.fix.startswith(
        "pip uninstall -y opencv-python opencv-python-headless && pip install opencv-python"
    )
