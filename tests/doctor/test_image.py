"""`envkit doctor --image` against an image envkit did not build: the local Debian base + apt's python3."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from envkit.containers.devices import CONTAINER_XAUTH, Devices, device_args
from envkit.resources import data_dir

pytestmark = [pytest.mark.docker, pytest.mark.slow]

BASE = os.environ.get("ENVKIT_BASE_TAG", "local/debian:bookworm")
IMAGE = "envkit-test/doctor-debian-python3:1"
DOCKERFILE = (
    f"FROM {BASE}\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 \\\n"
)
DOCKERFILE += " && rm -rf /var/lib/apt/lists/*\n"


def docker(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def image() -> str:
    """Debian bookworm with its own python3 (3.11), built once; no envkit inside."""
    if shutil.which("docker") is None or docker("info", timeout=30).returncode != 0:
        pytest.skip("no Docker engine answers (.ci/setup.d/20-dockerd.sh starts one)")
    if docker("image", "inspect", IMAGE).returncode == 0:
        return IMAGE
    if docker("image", "inspect", BASE).returncode != 0:
        pytest.skip(f"base image {BASE} is missing (.ci/setup.d/30-base-image.sh makes it)")
    with tempfile.TemporaryDirectory() as context:
        (Path(context) / "Dockerfile").write_text(DOCKERFILE)
        built = docker(
            "build", "-q", "-t", IMAGE, context, timeout=600, env={**os.environ, "DOCKER_BUILDKIT": "0"}
        )
    if built.returncode != 0:
        pytest.fail(f"could not build {IMAGE}: {built.stderr[-2000:]}")
    return IMAGE


def doctor_json(*args: str) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "envkit", "doctor", "--json", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, json.loads(done.stdout)


def test_env_checks_run_inside_the_image_and_merge_with_host_checks(image: str):
    code, document = doctor_json("--image", image)
    checks = {check["id"]: check for check in document["checks"]}
    assert document["env"] == f"image {image}"
    assert checks["docker_daemon"]["where"] == "host" and checks["docker_daemon"]["status"] == "ok"
    assert checks["python_version"]["where"] == f"image {image}"
    assert checks["python_version"]["summary"].startswith("Python 3.11.")  # Debian's, not this venv's
    assert checks["torch_import"]["status"] == "skip" and "not installed" in checks["torch_import"]["summary"]
    assert "pip install torch" in checks["torch_import"]["fix"]
    assert (
        checks["torch_arch"]["status"] == "skip"
        and "torch_import was skipped" in checks["torch_arch"]["summary"]
    )
    # envkit run's settings: --shm-size 8g when no recipe says otherwise.
    assert checks["env_shm"]["status"] == "ok" and "8.0 GiB" in checks["env_shm"]["summary"]
    assert code == (1 if document["counts"]["fail"] else 0)
    assert docker("ps", "-aq", "--filter", f"ancestor={image}").stdout.strip() == "", "container left behind"


def test_the_recipe_decides_the_shm_and_the_python_it_expects(image: str):
    code, document = doctor_json("--image", image, "--recipe", "cpu", "--only", "python_version,env_shm")
    checks = {check["id"]: check for check in document["checks"]}
    assert checks["env_shm"]["status"] == "ok" and "2.0 GiB" in checks["env_shm"]["summary"]
    assert checks["python_version"]["status"] == "fail" and "pins 3.10" in checks["python_version"]["summary"]
    assert code == 1


def test_missing_image_is_a_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "envkit", "doctor", "--image", "envkit-test/does-not-exist:0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "needs the docker CLI" in done.stderr:
        pytest.skip("the docker CLI is not installed")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--image envkit-test/does-not-exist:0" in done.stderr


@pytest.mark.xvfb
def test_the_container_reaches_the_display_with_the_cookie_and_no_xhost(
    image: str, xvfb, monkeypatch, tmp_path
):
    monkeypatch.setenv("DISPLAY", xvfb.display)
    monkeypatch.setenv("XAUTHORITY", str(xvfb.xauthority))
    args = device_args({}, Devices(gpus=False, camera=False), tmp_path)
    assert f"XAUTHORITY={CONTAINER_XAUTH}" in args
    probe = (
        "import os, sys; sys.path.append('/opt/checks'); import _x11\n"
        "number = _x11.parse_display(os.environ['DISPLAY'])[1]\n"
        "print(_x11.handshake(os.environ['DISPLAY'], _x11.find_cookie(number)))\n"
    )
    done = docker(
        "run",
        "--rm",
        "-v",
        f"{data_dir('checks')}:/opt/checks:ro",
        *args,
        image,
        "python3",
        "-c",
        probe,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "(True, 'accepted')" in done.stdout


def test_an_image_without_python3_is_a_usage_error_with_the_fix(image: str):
    done = subprocess.run(
        [sys.executable, "-m", "envkit", "doctor", "--image", BASE, "--only", "python_version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"cannot start a container of {BASE}" in done.stderr
    assert '"python3": executable file not found' in done.stderr
