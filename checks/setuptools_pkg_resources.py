"""Is pkg_resources there for the packages that still import it (setuptools < 82)?"""

from _common import FAIL, OK, expectation, result, version_tuple
from _packages import dist_version, installed

CHECK = {
    "id": "setuptools_pkg_resources",
    "title": "pkg_resources (setuptools < 82)",
    "scope": "env",
    "depends": [],
}

# env-anchors.md B.4 (mmcv#3325, mim#246) and openmmlab-install.md rows 1b, 2a, 6e: setuptools 82 removed
# pkg_resources; mmengine <= 0.10.7 imports it in get_installed_path (called when mmpose.apis imports),
# and mmcv's setup.py imports it, so a source build of mmcv fails too.
FIX = 'pip install "setuptools>=77.0.3,<82" (torch needs >= 77.0.3)'


def run(ctx):
    setuptools = dist_version("setuptools")
    if installed("pkg_resources"):
        return result(OK, "pkg_resources is available (setuptools %s)" % setuptools)
    mmengine = dist_version("mmengine")
    needs = []
    if mmengine and version_tuple(mmengine) <= (0, 10, 7):
        needs.append("mmengine %s (get_installed_path, used by mmpose.apis)" % mmengine)
    if expectation(ctx, "mmcv"):
        needs.append("a source build of mmcv (its setup.py)")
    summary = "No module named 'pkg_resources' (setuptools %s)" % (setuptools or "not installed")
    if needs:
        return result(FAIL, summary + ": needed by " + " and ".join(needs), "", FIX)
    return result(OK, summary + "; nothing installed here needs it")
