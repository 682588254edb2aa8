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


DISTS = (
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
)


def gui_backend(build_info):
    match = re.search(r"^\s*GUI:\s*(\S+)", build_info, re.MULTILINE)
    return match.group(1) if match else "NONE"


def reinstall(dists):
    """Uninstall every OpenCV wheel, then install the GUI one: they all write the same cv2/ folder, so
    uninstalling only the -headless one also deletes files of the one that stays (opencv-python#18)."""
    names = " ".join(sorted(set(dists) | {"opencv-python"}))
    return "pip uninstall -y %s && pip install opencv-python" % names


def run(ctx):
    if not installed("cv2"):
        status = FAIL if expectation(ctx, "display") else SKIP
        return result(status, "OpenCV (cv2) is not installed", "", "pip install opencv-python")
    versions = {name: dist_version(name) for name in DISTS if dist_version(name)}
    dists = ", ".join("%s %s" % item for item in sorted(versions.items()))
    try:
        import cv2
    except Exception as error:
        text = last_line(error)
        library = re.search(r"(lib(?:GL|EGL|gthread-2\.0|SM|ICE|Xext|Xrender)\.so\.\d+)", text)
        if library:
            return result(
                FAIL,
                "import cv2 failed: %s is missing, a system library OpenCV's GUI wheel links against (%s)"
                % (library.group(1), text),
                dists,
                "install it: `apt-get install -y libgl1 libglib2.0-0` (in the image, if this is one); or, if "
                "nothing opens a window, use opencv-python-headless, which needs neither (signature "
                "libgl-missing)",
            )
        return result(FAIL, "import cv2 failed: %s" % text, dists, reinstall(versions))
    backend = gui_backend(cv2.getBuildInformation())
    details = "cv2 %s (%s); GUI backend %s" % (cv2.__version__, dists or "?", backend)
    if backend.upper() == "NONE":
        both = " (%s are all installed into the same cv2/ folder)" % dists if len(versions) > 1 else ""
        return result(
            FAIL,
            "OpenCV %s has no GUI backend (a -headless build)%s: cv2.imshow cannot open a window"
            % (cv2.__version__, both),
            details,
            reinstall(versions) + " (signature opencv-no-gui)",
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
