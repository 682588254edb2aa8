"""The Docker checks against the real engine: up, down (a dead socket), a non-root user, no NVIDIA runtime."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from envkit.doctor import run_checks
from envkit.resources import data_dir

from .hardware import RTX_5090

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module", autouse=True)
def engine():
    if shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed")
    if subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("no Docker engine answers (.ci/setup.d/20-dockerd.sh starts one)")


def one(check_id: str, **kwargs):
    (result,) = [r for r in run_checks(only=[check_id], **kwargs) if r.id == check_id]
    return result


def test_daemon_reachable():
    result = one("docker_daemon")
    assert result.status == "ok" and "answers" in result.summary


def test_daemon_down_is_a_failure_with_the_fix(tmp_path: Path, monkeypatch):
    dead = tmp_path / "dead.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(dead))
    listener.close()  # the file stays, nobody listens: connection refused
    monkeypatch.setenv("DOCKER_HOST", f"unix://{dead}")
    result = one("docker_daemon")
    assert result.status == "fail"
    assert f"no Docker daemon answers at unix://{dead}" in result.summary
    assert "systemctl start docker" in result.fix


def test_no_nvidia_runtime_on_this_engine_with_a_gpu_present():
    result = one("nvidia_runtime", facts={"gpus": [RTX_5090]})
    assert result.status == "fail"
    assert 'could not select device driver "" with capabilities: [[gpu]]' in result.summary
    assert "nvidia-ctk runtime configure --runtime=docker" in result.fix


def worker_as(user: int, python: str, checks: Path, check_id: str) -> dict:
    """Run one check through the real worker protocol as another (non-root) user."""
    done = subprocess.run(
        [python, str(checks / "_worker.py")],
        input=json.dumps({"id": check_id, "ctx": {}}) + "\n",
        capture_output=True,
        text=True,
        user=user,
        group=user,
        extra_groups=[],
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
        timeout=60,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("@@envkit-result ")]
    assert lines, done.stderr
    return json.loads(lines[0].split(" ", 1)[1])


def test_socket_permission_for_a_user_outside_the_docker_group():
    if os.getuid() != 0:
        pytest.skip("switching to another user needs root")
    socket_path = Path("/var/run/docker.sock")
    if not socket_path.exists() or socket_path.stat().st_mode & 0o006:
        pytest.skip("no /var/run/docker.sock, or it is world-accessible")
    python = "/usr/bin/python3"
    if not os.access(python, os.X_OK):
        pytest.skip("needs a system python3 that a non-root user can run")
    folder = Path(tempfile.mkdtemp(prefix="envkit-doctor-checks-"))
    try:
        shutil.copytree(data_dir("checks"), folder / "checks")
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755)
        nobody = 65534
        sock = worker_as(nobody, python, folder / "checks", "docker_socket")
        assert sock["status"] == "fail"
        assert "permission denied while trying to connect to the Docker daemon socket" in sock["summary"]
        assert "usermod -aG docker" in sock["fix"]
        daemon = worker_as(nobody, python, folder / "checks", "docker_daemon")
        assert daemon["status"] == "fail" and "permission denied" in daemon["summary"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
