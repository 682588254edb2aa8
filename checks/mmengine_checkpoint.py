"""Can mmengine load an mm*-style checkpoint under this torch (weights_only default since torch 2.6)?"""

import os
import tempfile

from _common import FAIL, OK, SKIP, last_line, result
from _packages import dist_version, installed

CHECK = {
    "id": "mmengine_checkpoint",
    "title": "mmengine checkpoint loading (torch >= 2.6)",
    "scope": "env",
    "depends": ["torch_import"],
}

# env-anchors.md B.3/B.4: mmengine <= 0.10.7 calls torch.load without weights_only=False, so torch >= 2.6
# raises "_pickle.UnpicklingError: Weights only load failed" (mmengine#1655, PR #1650; fixed by #1670).
FIX = (
    "install an mmengine newer than 0.10.7: from git main after PR #1670 "
    "(pip install 'mmengine @ git+https://github.com/open-mmlab/mmengine.git'), or torch < 2.6"
)


def run(ctx):
    if not installed("mmengine"):
        return result(SKIP, "mmengine is not installed")
    import numpy as np
    import torch
    from mmengine.runner.checkpoint import _load_checkpoint

    folder = tempfile.mkdtemp(prefix="envkit-doctor-")
    path = os.path.join(folder, "tiny.pth")
    # Real OpenMMLab checkpoints carry numpy values in `meta` (that is what weights_only rejects).
    torch.save(
        {"meta": {"epoch": 1, "best_score": np.float64(0.5)}, "state_dict": {"w": torch.zeros(2)}}, path
    )
    details = "mmengine %s, torch %s" % (dist_version("mmengine"), torch.__version__)
    try:
        loaded = _load_checkpoint(path, map_location="cpu")
    except Exception as error:
        # torch's message goes on for a paragraph; its first sentence is the one users search for.
        first = last_line(error).split(". ")[0].rstrip(".")
        return result(FAIL, "mmengine cannot load a checkpoint: %s" % first, details + "\n" + str(error), FIX)
    finally:
        os.remove(path)
        os.rmdir(folder)
    if "state_dict" not in loaded:
        return result(FAIL, "mmengine loaded the checkpoint without its state_dict", details, FIX)
    return result(
        OK,
        "mmengine %s loads checkpoints under torch %s" % (dist_version("mmengine"), torch.__version__),
        details,
    )
