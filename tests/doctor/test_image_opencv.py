"""OpenCV's GUI wheel in an image without the system libraries it links against (libGL.so.1).

The host has libGL, so only an image can show this: the Debian test image of test_image.py plus the
opencv-python and numpy wheels, unpacked into its dist-packages (no pip inside). A second image adds what
the fix says to install, and the same check then gets past the import.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from envkit.failures.match import diagnose

from .test_image import docker, doctor_json, image  # noqa: F401 - `image` is the fixture both use

pytestmark = [pytest.mark.docker, pytest.mark.slow]

WHEELS = ("numpy==1.26.4", "opencv-python==4.11.0.86")  # cv2 as in the openmmlab venv, with a numpy 1
BROKEN = "envkit-test/doctor-opencv-no-libgl:1"
FIXED = "envkit-test/doctor-opencv-libgl:1"
SITE = "/usr/local/lib/python3.11/dist-packages/"


def _build(tag: str, dockerfile: str, context: Path) -> None:
    (context / "Dockerfile").write_text(dockerfile)
    built = docker(
        "build", "-q", "-t", tag, str(context), timeout=900, env={**os.environ, "DOCKER_BUILDKIT": "0"}
    )
    if built.returncode != 0:
        pytest.fail(f"could not build {tag}: {built.stderr[-2000:]}")


@pytest.fixture(scope="module")
def broken(image: str) -> str:  # noqa: F811 - the fixture imported above
    """Debian's python3 with opencv-python and numpy, and no libGL."""
    if docker("image", "inspect", BROKEN).returncode == 0:
        return BROKEN
    with tempfile.TemporaryDirectory() as work:
        wheels, context = Path(work) / "wheels", Path(work) / "context"
        target = ["--python-version", "3.11", "--platform", "manylinux2014_x86_64", "--only-binary", ":all:"]
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", *target, "-d", str(wheels), *WHEELS],
            capture_output=True,
            text=True,
        )
        if fetched.returncode != 0:
            pytest.skip(f"could not download {', '.join(WHEELS)} (needs PyPI): {fetched.stderr[-300:]}")
        for wheel in wheels.glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(context / "site")
        _build(BROKEN, f"FROM {image}\nCOPY site {SITE}\n", context)
    return BROKEN


@pytest.fixture(scope="module")
def fixed(broken: str) -> str:
    """The same image after the check's fix: apt-get install -y libgl1 libglib2.0-0."""
    if docker("image", "inspect", FIXED).returncode == 0:
        return FIXED
    with tempfile.TemporaryDirectory() as context:
        _build(
            FIXED,
            f"FROM {broken}\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends "
            "libgl1 libglib2.0-0 && rm -rf /var/lib/apt/lists/*\n",
            Path(context),
        )
    return FIXED


def test_opencv_without_libgl_names_the_library_and_the_packages(broken: str):
    code, document = doctor_json("--image", broken, "--only", "opencv_gui")
    (check,) = [c for c in document["checks"] if c["id"] == "opencv_gui"]
    assert check["status"] == "fail" and code == 1
    assert "libGL.so.1 is missing" in check["summary"]
    assert "apt-get install -y libgl1 libglib2.0-0" in check["fix"]
    assert "--force-reinstall" not in check["fix"]  # reinstalling the wheel brings no libGL


def test_the_same_failure_in_a_log_gets_the_same_answer(broken: str):
    done = docker("run", "--rm", broken, "python3", "-c", "import cv2", timeout=120)
    assert done.returncode != 0
    assert "libGL.so.1: cannot open shared object file" in done.stderr
    (found,) = diagnose(done.stderr)
    assert found.signature.id == "libgl-missing"
    assert "apt-get install -y libgl1 libglib2.0-0" in found.signature.fix


def test_after_the_fix_opencv_imports_and_only_the_display_is_missing(fixed: str):
    _, document = doctor_json("--image", fixed, "--only", "opencv_gui")
    (check,) = [c for c in document["checks"] if c["id"] == "opencv_gui"]
    assert check["status"] == "skip", check
    assert "DISPLAY is not set" in check["summary"]
