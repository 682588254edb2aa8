"""Shared pytest fixtures and helpers: paths to the project and its golden data, Xvfb, the Docker engine."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


# The registry-free Debian base the docker tests build FROM (.ci/setup.d/30-base-image.sh makes it).
DOCKER_BASE = os.environ.get("ENVKIT_BASE_TAG", "local/debian:bookworm")


def skip_unless_docker_engine() -> None:
    """Skip, saying why and what sets it up, unless the docker CLI, an engine and DOCKER_BASE are here."""
    from envkit.builder import engines

    if shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed (.ci/setup.d/10-apt.sh installs docker.io)")
    reason = engines.engine_answers()
    if reason:
        pytest.skip(f"no Docker engine answers ({reason}); .ci/setup.d/20-dockerd.sh starts one")
    inspect = subprocess.run(["docker", "image", "inspect", DOCKER_BASE], capture_output=True, timeout=120)
    if inspect.returncode != 0:
        pytest.skip(f"base image {DOCKER_BASE} is missing (.ci/setup.d/30-base-image.sh makes it)")


BUSY_LOOP = "while True: pass"


def _cpu_ticks(pid: int) -> int:
    """utime + stime of process `pid` in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


@contextlib.contextmanager
def busy_loops(count: int, start_timeout_s: float = 120) -> Iterator[list[subprocess.Popen]]:
    """`count` processes running `python -c 'while True: pass'` (one always-runnable thread each, nice
    0), each past its interpreter's start-up before the body runs; killed afterwards."""
    started = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(count)]
    try:
        deadline = time.monotonic() + start_timeout_s
        for process in started:
            while _cpu_ticks(process.pid) < 3:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"a busy-loop process did not start within {start_timeout_s:g} s")
                time.sleep(0.05)
        yield started
    finally:
        for process in started:
            process.kill()
        for process in started:
            process.wait()


def pytest_configure(config: pytest.Config) -> None:
    """Every child a test starts sees SIGINT with its default disposition, however pytest was started.

    A job started in the background by a non-interactive shell (`cmd &`, `nohup`, a CI runner) inherits
    SIGINT as ignored, and an ignored signal stays ignored across exec: a child would never see a test's
    Ctrl-C. A handled signal is reset to the default on exec, so pytest handles it (as Python would have).
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def golden() -> Path:
    """PoseMamba's golden data from the original implementation (tests/fixtures/posemamba/README.md)."""
    return FIXTURES / "posemamba"


class XDisplay:
    """A running Xvfb server with its own xauth cookie file (no `xhost +` anywhere)."""

    def __init__(self, display: str, xauthority: Path) -> None:
        self.display = display
        self.xauthority = xauthority

    def env(self) -> dict[str, str]:
        """os.environ plus DISPLAY and XAUTHORITY for this server."""
        import os

        return {**os.environ, "DISPLAY": self.display, "XAUTHORITY": str(self.xauthority)}


@pytest.fixture(scope="session")
def xvfb(tmp_path_factory: pytest.TempPathFactory):
    """Start a real Xvfb on a free display with an MIT cookie; skip with the reason if Xvfb is absent."""
    import secrets
    import shutil
    import subprocess

    for tool in ("Xvfb", "xauth"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian packages xvfb and xauth; .ci/run installs them)")
    folder = tmp_path_factory.mktemp("xvfb")
    xauthority = folder / "Xauthority"
    xauthority.touch()
    read_fd, write_fd = __import__("os").pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
            "-auth",
            str(xauthority),
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import os

    os.close(write_fd)
    with os.fdopen(read_fd) as reader:
        number = reader.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb started but did not report a display number")
    display = f":{number}"
    subprocess.run(
        ["xauth", "-f", str(xauthority), "add", display, "MIT-MAGIC-COOKIE-1", secrets.token_hex(16)],
        check=True,
    )
    yield XDisplay(display, xauthority)
    server.terminate()
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
