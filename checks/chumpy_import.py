"""Does chumpy import, or is it knowingly absent (mmpose lists it but never imports it)?"""

from _common import OK, WARN, last_line, result
from _packages import dist_version, installed

CHECK = {"id": "chumpy_import", "title": "chumpy importable or absent", "scope": "env", "depends": []}

# env-anchors.md B.3/B.4 (chumpy#55, #57, PR #59; mmpose#3218) and openmmlab-install.md row 4c.
FIX = (
    "mmpose never imports chumpy: `pip uninstall -y chumpy` (install mmpose with --no-deps), or, if your "
    "code needs it, chumpy from git at commit 9b045ff5 (github.com/mattloper/chumpy, the fix of PR #59), "
    "installed with --no-build-isolation"
)


def run(ctx):
    if not installed("chumpy"):
        return result(OK, "chumpy is not installed (mmpose lists it but never imports it)")
    try:
        import chumpy  # noqa: F401
    except Exception as error:
        return result(
            WARN,
            "chumpy %s is installed but does not import: %s" % (dist_version("chumpy"), last_line(error)),
            "chumpy 0.70 uses inspect.getargspec (gone in Python 3.11) and `from numpy import bool` "
            "(gone in numpy 1.24)",
            FIX,
        )
    return result(OK, "chumpy %s imports" % dist_version("chumpy"))
