"""Is torch installed, and does it import? (What the torch-dependent checks need before they can run.)"""

from _common import FAIL, OK, SKIP, expectation, last_line, result
from _packages import installed

CHECK = {"id": "torch_import", "title": "torch imports", "scope": "env", "depends": []}


def run(ctx):
    if not installed("torch"):
        wanted = expectation(ctx, "torch")
        return result(
            FAIL if wanted else SKIP,
            "torch is not installed in this environment",
            "",
            "pip install torch==%s from the index of its CUDA build (or use the recipe's image)"
            % (wanted or "<version>"),
        )
    try:
        import torch
    except Exception as error:
        return result(
            FAIL, "import torch failed: %s" % last_line(error), "", "reinstall torch in this environment"
        )
    kind = "CUDA %s build" % torch.version.cuda if torch.version.cuda else "CPU build"
    return result(OK, "torch %s imports (%s)" % (torch.__version__, kind), torch.__file__)
