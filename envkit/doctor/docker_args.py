"""The `docker run` options that give a container the GPU, shm, camera and display, as `envkit run` does.

One function, `container_run_args`, shared by `envkit doctor --image` and `envkit run` so the doctor
judges a container set up exactly like the one the pipeline runs in. No `--privileged`, no
`xhost +` (DESIGN.md, "Conventions").
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

from envkit.resources import data_dir

DEFAULT_SHM = "8g"  # pytorch#5040: Docker's 64 MiB default kills DataLoader workers (env-anchors B.4)
CONTAINER_XAUTH = "/tmp/.envkit.xauth"
# librealsense udev/cgroup setup (env-anchors B.4: librealsense#12022, PR #9268): 189 = USB devices,
# 81 = video4linux. /dev/bus/usb is mounted rather than all of /dev, which would also replace the
# container's /dev/shm (and with it --shm-size) by the host's.
USB_RULES = ("c 189:* rmw", "c 81:* rmw")


def _x11_helpers():
    """checks/_x11.py (the Xauthority reader and writer), loaded from the checks data folder."""
    spec = importlib.util.spec_from_file_location("envkit_checks_x11", data_dir("checks") / "_x11.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gpu_available() -> bool:
    """True when this host has an NVIDIA driver (nvidia-smi) to give containers with --gpus."""
    return shutil.which("nvidia-smi") is not None


def display_args(workdir: Path) -> list[str]:
    """DISPLAY, the X socket and a FamilyWild copy of the display's cookie (valid under any hostname)."""
    x11 = _x11_helpers()
    parsed = x11.parse_display(os.environ.get("DISPLAY", ""))
    if parsed is None or parsed[0] or not os.path.exists(x11.socket_path(parsed[1])):
        return []
    number = parsed[1]
    args = ["-e", f"DISPLAY=:{number}", "-v", "/tmp/.X11-unix:/tmp/.X11-unix:ro"]
    cookie = x11.find_cookie(number)
    if cookie:
        cookie_file = workdir / "xauth"
        x11.write_wild_cookie(str(cookie_file), number, cookie)
        args += ["-v", f"{cookie_file}:{CONTAINER_XAUTH}:ro", "-e", f"XAUTHORITY={CONTAINER_XAUTH}"]
    return args


def camera_args() -> list[str]:
    if not os.path.isdir("/dev/bus/usb"):
        return []
    args = ["-v", "/dev/bus/usb:/dev/bus/usb"]
    for rule in USB_RULES:
        args += ["--device-cgroup-rule", rule]
    for node in sorted(glob.glob("/dev/video*")):
        args += ["--device", node]
    return args


def container_run_args(
    expectations: dict[str, Any] | None,
    workdir: Path,
    *,
    gpus: bool | None = None,
    display: bool | None = None,
    camera: bool | None = None,
    user: str | None = None,
) -> list[str]:
    """`docker run` options for the recipe's container; None means "decide from this host".

    `workdir` is a private folder that outlives the container (the X cookie file is written there).
    """
    expect = expectations or {}
    args: list[str] = []
    if gpus if gpus is not None else (gpu_available() and expect.get("cuda", True) is not None):
        args += ["--gpus", "all"]
    shm = expect.get("shm_size_bytes")
    args += ["--shm-size", str(shm) if shm else DEFAULT_SHM]
    if display if display is not None else expect.get("display", True):
        args += display_args(workdir)
    if camera if camera is not None else expect.get("realsense", True):
        args += camera_args()
    if user:
        args += ["--user", user]
    return args
