"""Is there disk space for an image build where Docker keeps its data?"""

import os

from _common import FAIL, OK, WARN, expectation, result, size_text

CHECK = {"id": "disk_free", "title": "Free disk for a build", "scope": "host", "depends": []}

GIB = 1024**3
# A CUDA devel base (~10 GiB) + torch (~5 GiB) + the mmcv build tree, twice over during export.
NEED_GPU = 40 * GIB
NEED_CPU = 10 * GIB


def data_root():
    for path in (os.environ.get("ENVKIT_DOCKER_ROOT"), "/var/lib/docker", os.path.expanduser("~")):
        if path and os.path.isdir(path):
            return path
    return "/"


def run(ctx):
    root = data_root()
    stats = os.statvfs(root)
    free = stats.f_bavail * stats.f_frsize
    need = NEED_GPU if expectation(ctx, "cuda") or not expectation(ctx, "recipe") else NEED_CPU
    summary = "%s free on %s (a %s image build needs about %s)" % (
        size_text(free),
        root,
        "GPU" if need == NEED_GPU else "CPU",
        size_text(need),
    )
    if free >= need:
        return result(OK, summary)
    status = FAIL if free < need / 4 else WARN
    return result(
        status, summary, "", "free space on %s (`docker system prune`, `docker builder prune`)" % root
    )
