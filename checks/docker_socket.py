"""Can this user talk to the Docker daemon's socket (docker group membership)?"""

import grp
import os
import pwd

from _common import FAIL, OK, SKIP, result

CHECK = {
    "id": "docker_socket",
    "title": "Docker socket permission / docker group",
    "scope": "host",
    "depends": [],
}

# env-anchors.md B.4: "permission denied while trying to connect to the Docker daemon socket"
# (docker/compose#1214); fix: usermod -aG docker, then a new login.
DENIED = "permission denied while trying to connect to the Docker daemon socket at unix://%s"


def socket_path():
    host = os.environ.get("DOCKER_HOST", "")
    if host and not host.startswith("unix://"):
        return None
    return host[len("unix://") :] if host else "/var/run/docker.sock"


def run(ctx):
    path = socket_path()
    if path is None:
        return result(
            SKIP,
            "DOCKER_HOST=%s is not a unix socket: no file permission to check" % os.environ["DOCKER_HOST"],
        )
    if not os.path.exists(path):
        return result(SKIP, "no Docker socket at %s (the daemon is not running or not installed)" % path)
    if os.access(path, os.R_OK | os.W_OK):
        return result(OK, "%s is readable and writable by this user" % path)
    user = pwd.getpwuid(os.getuid()).pw_name
    gid = os.stat(path).st_gid
    try:
        group = grp.getgrgid(gid)
    except KeyError:
        group = None
    name = group.gr_name if group else str(gid)
    details = "socket %s is owned by group %s; user %s has groups %s" % (
        path,
        name,
        user,
        sorted(os.getgroups()),
    )
    if group is not None and user in group.gr_mem:
        return result(
            FAIL,
            DENIED % path + " (you are in group %s, but this login predates it)" % name,
            details,
            "log out and back in, or run `newgrp %s`, so this session gets the group" % name,
        )
    return result(
        FAIL,
        DENIED % path,
        details,
        "sudo usermod -aG %s %s, then log out and back in (or `newgrp %s`)" % (name, user, name),
    )
