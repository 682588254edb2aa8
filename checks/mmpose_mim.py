"""Are mmpose's bundled configs (mmpose/.mim) there, as its model lookups expect?"""

import os

from _common import FAIL, OK, SKIP, result
from _packages import dist_version, package_dir

CHECK = {"id": "mmpose_mim", "title": "mmpose .mim configs resolvable", "scope": "env", "depends": []}

# env-anchors.md B.3/B.4 (mmpose#3241, mmcv#3143) and openmmlab-install.md row 6j: setup.py only makes
# .mim for `develop` / `bdist_wheel`; a PEP 660 editable install (`pip install -e`) makes none.
LINKS = ("configs", "tools", "demo", "model-index.yml", "dataset-index.yml")
PROBE = os.path.join("configs", "_base_", "datasets", "coco.py")


def run(ctx):
    folder = package_dir("mmpose")
    if folder is None:
        return result(SKIP, "mmpose is not installed")
    mim = os.path.join(folder, ".mim")
    details = "mmpose %s at %s" % (dist_version("mmpose"), folder)
    if os.path.isfile(os.path.join(mim, PROBE)):
        return result(OK, "mmpose configs resolve (%s)" % os.path.join(mim, PROBE), details)
    clone = os.path.dirname(folder)
    present = [name for name in LINKS if os.path.exists(os.path.join(clone, name))]
    if present:
        links = "ln -sfn %s ." % " ".join("../../" + name for name in present)
        fix = "mkdir -p %s && cd %s && %s" % (mim, mim, links)
        fix += " (or install the clone without -e: pip install --no-build-isolation %s)" % clone
    else:
        fix = (
            "install mmpose from its wheel (it ships .mim), or install the clone without -e "
            "(pip install --no-build-isolation <clone>)"
        )
    return result(
        FAIL,
        "FileNotFoundError: %s does not exist (an editable install makes no .mim; config lookups fail)"
        % os.path.join(mim, PROBE),
        details,
        fix,
    )
