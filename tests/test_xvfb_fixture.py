"""The shared Xvfb fixture gives a display that only clients with its cookie can open."""

from __future__ import annotations

import shutil
import subprocess

import pytest


@pytest.mark.xvfb
def test_display_opens_with_cookie_and_refuses_without(xvfb) -> None:
    if shutil.which("xdpyinfo") is None:
        pytest.skip("xdpyinfo is not installed (Debian package x11-utils)")
    with_cookie = subprocess.run(["xdpyinfo"], env=xvfb.env(), capture_output=True, text=True, timeout=20)
    assert with_cookie.returncode == 0, with_cookie.stderr
    assert "1280x800" in with_cookie.stdout
    env = xvfb.env()
    env["XAUTHORITY"] = "/nonexistent"
    without = subprocess.run(["xdpyinfo"], env=env, capture_output=True, text=True, timeout=20)
    assert without.returncode != 0
