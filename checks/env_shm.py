"""Is /dev/shm here big enough for DataLoader workers?"""

import os

from _common import FAIL, OK, expectation, result, size_text

CHECK = {"id": "env_shm", "title": "/dev/shm for DataLoader workers", "scope": "env", "depends": []}

# env-anchors.md B.4 (pytorch#5040, mmdetection#1997): Docker's default 64 MiB kills workers.
BUS_ERROR = "DataLoader worker (pid N) is killed by signal: Bus error"
MINIMUM = 1024**3


def run(ctx):
    need = expectation(ctx, "shm_size_bytes") or MINIMUM
    try:
        stats = os.statvfs("/dev/shm")
    except OSError as error:
        return result(
            FAIL, "/dev/shm is missing: %s" % error, "", "run the container with --shm-size=8g or --ipc=host"
        )
    total = stats.f_blocks * stats.f_frsize
    free = stats.f_bavail * stats.f_frsize
    summary = "/dev/shm is %s (%s free)" % (size_text(total), size_text(free))
    if total + 1024**2 < need:
        return result(
            FAIL,
            summary + ", below %s: workers die with `%s`" % (size_text(need), BUS_ERROR),
            "",
            "start the container with --shm-size=8g (envkit run does) or --ipc=host; or num_workers=0",
        )
    return result(OK, summary)
