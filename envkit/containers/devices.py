"""What a container gets from this host: the GPU, shared memory, the X display (by a cookie, never
`xhost +`) and RealSense cameras over USB (device cgroup rules, never --privileged).

`None` for a device means "decide from this host" (or from injected facts, since a test machine has no
GPU or camera: envkit.resources.injected_facts).
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from envkit.resources import data_dir

DEFAULT_SHM = "8g"  # pytorch#5040: Docker's 64 MiB default kills DataLoader workers (env-anchors B.4)
CONTAINER_XAUTH = "/tmp/.envkit.xauth"
# librealsense udev/cgroup setup (env-anchors B.4: librealsense#12022, PR #9268): 189 = USB devices,
# 81 = video4linux. /dev/bus/usb is mounted rather than all of /dev, which would also replace the
# container's /dev/shm (and with it --shm-size) by the host's.
USB_RULES = ("c 189:* rmw", "c 81:* rmw")


@dataclass(frozen=True)
class Devices:
    """What the container gets; None = decide from this host (or from injected facts)."""

    gpus: bool | None = None
    display: bool | None = None
    camera: bool | None = None


def _x11_helpers() -> ModuleType:
    """checks/_x11.py (the Xauthority reader and writer), loaded from the checks data folder."""
    spec = importlib.util.spec_from_file_location("envkit_checks_x11", data_dir("checks") / "_x11.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gpu_available() -> bool:
    """True when this host has an NVIDIA driver (nvidia-smi) to give containers with --gpus."""
    return shutil.which("nvidia-smi") is not None


def wants_gpus(expectations: dict[str, Any], wanted: bool | None, facts: dict[str, Any]) -> bool:
    """--gpus/--no-gpus, else injected GPU facts, else a driver here; never for a CPU recipe."""
    if wanted is not None:
        return wanted
    cpu_recipe = "cuda" in expectations and expectations["cuda"] is None
    if "gpus" in facts:
        return bool(facts["gpus"]) and not cpu_recipe
    return gpu_available() and not cpu_recipe


def wants_camera(expectations: dict[str, Any], wanted: bool | None, facts: dict[str, Any]) -> bool:
    """--camera/--no-camera, else injected USB facts, else the recipe's realsense and /dev/bus/usb."""
    if wanted is not None:
        return wanted
    for key in ("realsense_devices", "usb_devices"):
        if key in facts:
            return bool(facts[key])
    return bool(expectations.get("realsense", True)) and os.path.isdir("/dev/bus/usb")


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
    """/dev/bus/usb with the RealSense cgroup rules (whether or not it exists here: the host may be
    judged from injected facts), plus every /dev/video* node of this host."""
    args = ["-v", "/dev/bus/usb:/dev/bus/usb"]
    for rule in USB_RULES:
        args += ["--device-cgroup-rule", rule]
    for node in sorted(glob.glob("/dev/video*")):
        args += ["--device", node]
    return args


def device_args(
    expectations: dict[str, Any], devices: Devices, workdir: Path, facts: dict[str, Any] | None = None
) -> list[str]:
    """The device options for a container of the recipe `expectations` describes."""
    facts = facts or {}
    args: list[str] = []
    if wants_gpus(expectations, devices.gpus, facts):
        args += ["--gpus", "all"]
    shm = expectations.get("shm_size_bytes")
    args += ["--shm-size", str(shm) if shm else DEFAULT_SHM]
    if devices.display if devices.display is not None else expectations.get("display", True):
        args += display_args(workdir)
    if wants_camera(expectations, devices.camera, facts):
        args += camera_args()
    return args
