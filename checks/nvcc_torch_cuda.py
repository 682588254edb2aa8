"""When kernels get built here: is nvcc's CUDA major the one torch was built with?"""

import os
import re
import shutil

from _common import FAIL, OK, SKIP, WARN, expectation, result, run_tool, version_tuple
from _packages import installed

CHECK = {
    "id": "nvcc_torch_cuda",
    "title": "nvcc major == torch CUDA major",
    "scope": "env",
    "depends": ["torch_import"],
}


def find_nvcc():
    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")
    for candidate in (
        (home + "/bin/nvcc") if home else None,
        shutil.which("nvcc"),
        "/usr/local/cuda/bin/nvcc",
    ):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def run(ctx):
    if not installed("torch"):
        return result(SKIP, "torch is not installed (see torch_import)")
    import torch

    builds = bool(expectation(ctx, "builds_kernels"))
    nvcc = find_nvcc()
    version = None
    if nvcc:
        code, out, _ = run_tool([nvcc, "--version"], timeout=15)
        match = re.search(r"release (\d+\.\d+)", out or "")
        version = match.group(1) if code == 0 and match else None
    built = torch.version.cuda
    details = "nvcc %s (%s); torch %s built for CUDA %s" % (version, nvcc, torch.__version__, built)
    if not builds and not (nvcc and built):
        why = "no nvcc" if not nvcc else "torch is a CPU build"
        return result(SKIP, "no CUDA kernels to build here (%s)" % why, details)
    if builds and not nvcc:
        return result(
            FAIL,
            "the recipe builds kernels but no nvcc is found",
            details,
            "use the recipe's devel image (it carries the toolkit), or set CUDA_HOME",
        )
    if builds and not built:
        return result(
            FAIL,
            "the recipe builds CUDA kernels but torch %s is a CPU build" % torch.__version__,
            details,
            "install the recipe's CUDA build of torch",
        )
    if version_tuple(version)[:1] != version_tuple(built)[:1]:
        # state-spaces/mamba#772: torch.utils.cpp_extension refuses a different major.
        return result(
            FAIL if builds else WARN,
            "RuntimeError: The detected CUDA version (%s) mismatches the version that was used to "
            "compile PyTorch (%s)" % (version, built),
            details,
            "use a CUDA %s.x toolkit (CUDA_HOME=/usr/local/cuda-%s), or the torch build for CUDA %s"
            % (built.split(".")[0], built, version),
        )
    return result(OK, "nvcc %s and torch CUDA %s share the major version" % (version, built), details)
