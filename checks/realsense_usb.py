"""Is a RealSense camera on USB, on a USB 3 port, with the host's udev rules installed?"""

import glob
import os

from _common import FAIL, OK, SKIP, WARN, expectation, fact, has_fact, result

CHECK = {
    "id": "realsense_usb",
    "title": "RealSense on USB (USB 3, udev rules)",
    "scope": "host",
    "depends": [],
}

INTEL = "8086"
# librealsense's rules file; env-anchors.md B.4 (librealsense#12022, #11368, PR #9268).
RULES = (
    "/etc/udev/rules.d/99-realsense-libusb.rules",
    "/lib/udev/rules.d/60-librealsense2-udev-rules.rules",
    "/usr/lib/udev/rules.d/60-librealsense2-udev-rules.rules",
)
RULES_FIX = (
    "install librealsense's udev rules on the host: download config/99-realsense-libusb.rules to "
    "/etc/udev/rules.d/, then `sudo udevadm control --reload-rules && sudo udevadm trigger`"
)


def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""


def usb_devices():
    """RealSense devices from sysfs: [{'vendor', 'product', 'name', 'speed'}] (speed in Mb/s)."""
    found = []
    for folder in sorted(glob.glob("/sys/bus/usb/devices/*")):
        if _read(os.path.join(folder, "idVendor")) != INTEL:
            continue
        name = _read(os.path.join(folder, "product"))
        if "realsense" not in name.lower():
            continue
        found.append(
            {
                "vendor": INTEL,
                "product": _read(os.path.join(folder, "idProduct")),
                "name": name,
                "speed": _read(os.path.join(folder, "speed")),
            }
        )
    return found


def installed_rules():
    return [path for path in RULES if os.path.exists(path)] + sorted(
        glob.glob("/etc/udev/rules.d/*realsense*")
    )


def run(ctx):
    devices = fact(ctx, "usb_devices") if has_fact(ctx, "usb_devices") else usb_devices()
    rules = sorted(set(installed_rules()))
    if not devices:
        if expectation(ctx, "realsense"):
            return result(
                WARN,
                "no RealSense camera on USB (the recipe uses one)",
                "udev rules: %s" % (rules or "not installed"),
                "plug the camera into a USB 3 port; `lsusb -d 8086:` should list it",
            )
        return result(SKIP, "no RealSense camera on USB")
    lines, status, fixes = [], OK, []
    for device in devices:
        speed = str(device.get("speed") or "")
        usb3 = speed.isdigit() and int(speed) >= 5000
        lines.append("%s (8086:%s) at %s Mb/s" % (device.get("name"), device.get("product"), speed or "?"))
        if not usb3:
            status = WARN
            fixes.append("%s is on USB 2 (%s Mb/s): use a USB 3 port and cable" % (device.get("name"), speed))
    if not rules:
        status = FAIL if os.getuid() != 0 else WARN
        fixes.append(RULES_FIX)
    summary = "; ".join(lines) + ("" if rules else "; udev rules NOT installed (the camera is root-only)")
    return result(status, summary, "udev rules: %s" % (rules or "none"), "; ".join(fixes))
