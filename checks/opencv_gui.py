"""Does OpenCV have a GUI backend, and can it open a window on this display?"""

import os
import re
import subprocess
import sys

from _common import FAIL, OK, SKIP, WARN, expectation, last_line, result
from _packages import dist_version, installed

CHECK = {"id": "opencv_gui", "title": "OpenCV GUI backend and a window", "scope": "env", "depends": []}

# Opens, draws and closes a window in a child process: Qt aborts the whole process when it cannot
# reach the display (env-anchors.md B.4: "qt.qpa.xcb: could not connect to display").
WINDOW = (
    "import cv2, numpy\n"
    "cv2.namedWindow('envkit-doctor')\n"
    "cv2.imshow('envkit-doctor', numpy.zeros((48, 64, 3), numpy.uint8))\n"
    "cv2.waitKey(50)\n"
    "cv2.destroyAllWindows()\n"
    "print('window-ok')\n"
)


def gui_backend(build_info):
    match = re.search(r"^\s*GUI:\s*(\S+)", build_info, re.MULTILINE)
    return match.group(1) if match else "NONE"


def run(ctx):
    if not installed("cv2"):
        status = FAIL if expectation(ctx, "display") else SKIP
        return result(status, "OpenCV (cv2) is not installed", "", "pip install opencv-python")
    try:
        import cv2
    except Exception as error:
        return result(
            FAIL,
            "import cv2 failed: %s" % last_line(error),
            "",
            "pip install --force-reinstall opencv-python",
        )
    backend = gui_backend(cv2.getBuildInformation())
    dists = ", ".join(
        "%s %s" % (n, dist_version(n))
        for n in ("opencv-python", "opencv-python-headless", "opencv-contrib-python")
        if dist_version(n)
    )
    details = "cv2 %s (%s); GUI backend %s" % (cv2.__version__, dists or "?", backend)
    if backend.upper() == "NONE":
        return result(
            FAIL,
            "OpenCV %s has no GUI backend (a -headless build): cv2.imshow cannot open a window"
            % cv2.__version__,
            details,
            "pip uninstall -y opencv-python-headless && pip install opencv-python",
        )
    display = os.environ.get("DISPLAY")
    if not display:
        return result(
            WARN if expectation(ctx, "display") else SKIP,
            "OpenCV has %s, but DISPLAY is not set" % backend,
            details,
            "run with a display (see x11_display)",
        )
    try:
        child = subprocess.run([sys.executable, "-c", WINDOW], capture_output=True, text=True, timeout=20)
        ok, output = child.returncode == 0 and "window-ok" in child.stdout, (child.stderr or "").strip()
    except subprocess.TimeoutExpired:
        ok, output = False, "opening a window did not finish within 20 s"
    if not ok:
        first = next(
            (line for line in output.splitlines() if "display" in line.lower()),
            output.splitlines()[-1] if output else "",
        )
        return result(
            FAIL,
            "OpenCV (%s) cannot open a window on %s: %s" % (backend, display, first),
            details + "\n" + output[-2000:],
            "give the process the display: DISPLAY, /tmp/.X11-unix and an xauth cookie (XAUTHORITY); "
            "never `xhost +`",
        )
    return result(OK, "OpenCV %s opened a window on %s (%s)" % (cv2.__version__, display, backend), details)
