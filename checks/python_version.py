"""Is this the Python the recipe pins (or one the stack supports)?"""

import sys

from _common import FAIL, OK, WARN, expectation, result, version_tuple

CHECK = {"id": "python_version", "title": "Python version", "scope": "env", "depends": []}

MINIMUM = (3, 10)  # torch 2.9 wheels: Python 3.10-3.14 (env-anchors.md B.2, PyTorch RELEASE.md)


def run(ctx):
    here = "%d.%d.%d" % sys.version_info[:3]
    details = sys.executable
    wanted = expectation(ctx, "python")
    if wanted:
        if version_tuple(here)[:2] == version_tuple(wanted)[:2]:
            return result(OK, "Python %s, as the recipe pins (%s)" % (here, wanted), details)
        return result(
            FAIL,
            "Python %s, but the recipe %s pins %s" % (here, expectation(ctx, "recipe"), wanted),
            details,
            "use the recipe's image (`envkit build`), or a Python %s environment" % wanted,
        )
    if sys.version_info[:2] < MINIMUM:
        return result(
            WARN,
            "Python %s is older than %d.%d (torch 2.9 needs 3.10+)" % (here, MINIMUM[0], MINIMUM[1]),
            details,
            "use Python 3.10 or newer",
        )
    return result(OK, "Python %s" % here, details)
