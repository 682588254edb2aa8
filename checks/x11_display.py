"""Is there an X display to open windows on, with an xauth cookie a container can use (no `xhost +`)?"""

import os

from _common import FAIL, OK, WARN, expectation, result
from _x11 import find_cookie, handshake, parse_display, socket_path, xauthority_path

CHECK = {"id": "x11_display", "title": "X11 display and xauth cookie", "scope": "host", "depends": []}

MOUNTS = "-e DISPLAY -v /tmp/.X11-unix:/tmp/.X11-unix (envkit run adds these and a cookie file)"


def run(ctx):
    wanted = FAIL if expectation(ctx, "display") else WARN
    display = os.environ.get("DISPLAY", "")
    if not display:
        # env-anchors.md B.4 (jozo/docker-pyqt5#7): "qt.qpa.xcb: could not connect to display".
        return result(
            wanted,
            "DISPLAY is not set: no window can open (qt.qpa.xcb: could not connect to display)",
            "live pose shows its output in a window; headless runs can record to a file instead",
            "run from a desktop session (or `ssh -X`), or export DISPLAY=:0; "
            "headless: `Xvfb :99 & export DISPLAY=:99`",
        )
    parsed = parse_display(display)
    if parsed is None:
        return result(FAIL, "DISPLAY=%s is not host:number" % display, "", "export DISPLAY=:0")
    host, number = parsed
    if not host and not os.path.exists(socket_path(number)):
        return result(
            FAIL,
            "DISPLAY=%s but %s does not exist: cannot open display" % (display, socket_path(number)),
            "",
            "start the X server for this display, or set DISPLAY to a running one",
        )
    cookie = find_cookie(number)
    accepted, reason = handshake(display, cookie)
    details = "socket %s; Xauthority %s; cookie %s" % (
        socket_path(number) if not host else "%s:%d" % (host, 6000 + number),
        xauthority_path(),
        "found" if cookie else "not found",
    )
    if not accepted:
        return result(
            FAIL,
            "display %s refused the connection: %s" % (display, reason),
            details,
            "export XAUTHORITY=<the file with this display's cookie> (see `xauth list`); never `xhost +`",
        )
    if not cookie:
        return result(
            WARN,
            "display %s answers without a cookie (access control is off): a container can reach it, "
            "but so can anyone" % display,
            details,
            "enable access control (the display manager's default) and use an xauth cookie",
        )
    return result(
        OK,
        "display %s answers and accepts the xauth cookie from %s" % (display, xauthority_path()),
        details + "; " + MOUNTS,
    )
