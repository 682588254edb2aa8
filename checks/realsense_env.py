"""Does pyrealsense2 import here, and does it see a camera (on USB 3)?"""

import platform

from _common import FAIL, OK, SKIP, WARN, expectation, fact, has_fact, last_line, result
from _packages import installed

CHECK = {
    "id": "realsense_env",
    "title": "pyrealsense2 imports and sees devices",
    "scope": "env",
    "depends": [],
}

# env-anchors.md B.4 (librealsense#12022, #11368, #9982, PR #9268; #11718, #12188 for aarch64).
CONTAINER = (
    "-v /dev/bus/usb:/dev/bus/usb --device-cgroup-rule 'c 189:* rmw' --device-cgroup-rule 'c 81:* rmw'"
)


def devices(ctx):
    """[{'name', 'serial', 'usb'}] from librealsense; injected camera facts stand in for a device."""
    import pyrealsense2 as rs

    if has_fact(ctx, "realsense_devices"):
        return fact(ctx, "realsense_devices")
    keys = {
        "name": rs.camera_info.name,
        "serial": rs.camera_info.serial_number,
        "usb": rs.camera_info.usb_type_descriptor,
    }
    found = []
    for device in rs.context().query_devices():
        found.append(
            {field: device.get_info(key) if device.supports(key) else "" for field, key in keys.items()}
        )
    return found


def run(ctx):
    if not installed("pyrealsense2"):
        if platform.machine() == "aarch64":
            fix = (
                "no aarch64 wheel on PyPI: build librealsense with -DBUILD_PYTHON_BINDINGS=ON (RSUSB backend)"
            )
        else:
            fix = "pip install pyrealsense2"
        return result(
            FAIL if expectation(ctx, "realsense") else SKIP, "pyrealsense2 is not installed", "", fix
        )
    try:
        found = devices(ctx)
    except Exception as error:
        return result(
            FAIL,
            "pyrealsense2 does not work: %s" % last_line(error),
            "",
            "reinstall pyrealsense2 (pip install --force-reinstall pyrealsense2)",
        )
    if not found:
        return result(
            WARN,
            "pyrealsense2 imports but sees no device (RuntimeError: No device connected)",
            "",
            "plug the camera into USB 3; in a container: %s (envkit run adds these); "
            "on the host, librealsense's udev rules" % CONTAINER,
        )
    lines, status, fixes = [], OK, []
    for device in found:
        usb = str(device.get("usb") or "")
        lines.append("%s #%s on USB %s" % (device.get("name"), device.get("serial"), usb or "?"))
        if usb.startswith("2"):
            status = WARN
            fixes.append(
                "%s is on USB %s: depth and colour at full rate need USB 3 (port and cable)"
                % (device.get("name"), usb)
            )
    return result(status, "; ".join(lines), "", "; ".join(fixes))
