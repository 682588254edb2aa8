"""Is torch the build the recipe pins (CUDA or CPU), and does it see the GPU?"""

from _common import FAIL, OK, expectation, gpus, result, version_tuple

CHECK = {
    "id": "torch_cuda",
    "title": "torch CUDA build vs runtime",
    "scope": "env",
    "depends": ["torch_import"],
}


def run(ctx):
    import torch  # torch_import has checked that it imports

    built = torch.version.cuda
    cards = gpus(ctx)
    available = torch.cuda.is_available() if built else False
    count = torch.cuda.device_count() if available else 0
    details = "torch %s from %s; CUDA build %s; cuDNN %s; cuda.is_available() %s; devices %d" % (
        torch.__version__,
        torch.__file__,
        built or "none (CPU build)",
        torch.backends.cudnn.version() if built else "-",
        available,
        count,
    )
    problems = []
    wanted_torch, wanted_cuda = expectation(ctx, "torch"), expectation(ctx, "cuda")
    if wanted_torch and version_tuple(torch.__version__) != version_tuple(wanted_torch):
        problems.append(
            (
                "torch %s, but the recipe pins %s" % (torch.__version__, wanted_torch),
                "pip install torch==%s" % wanted_torch,
            )
        )
    if wanted_cuda and not built:
        problems.append(
            (
                "torch %s is a CPU build; the recipe needs CUDA %s" % (torch.__version__, wanted_cuda),
                "install the cu%s build: pip install torch==%s --index-url https://download.pytorch.org/whl/cu%s"
                % (
                    wanted_cuda.replace(".", ""),
                    wanted_torch or torch.__version__.split("+")[0],
                    wanted_cuda.replace(".", ""),
                ),
            )
        )
    elif wanted_cuda and version_tuple(built)[:2] != version_tuple(wanted_cuda)[:2]:
        problems.append(
            (
                "torch is built for CUDA %s; the recipe pins %s" % (built, wanted_cuda),
                "install the cu%s build of torch" % wanted_cuda.replace(".", ""),
            )
        )
    if cards and not built and not wanted_cuda:
        problems.append(
            (
                "torch %s is a CPU build, but this machine has %s" % (torch.__version__, cards[0]["name"]),
                "install a CUDA build of torch that covers the GPU (see gpu_arch)",
            )
        )
    if cards and built and not available:
        problems.append(
            (
                "torch is built for CUDA %s but torch.cuda.is_available() is False" % built,
                "check the driver (driver_cuda) and, in a container, that it runs with --gpus all",
            )
        )
    if problems:
        return result(FAIL, "; ".join(p[0] for p in problems), details, "; ".join(p[1] for p in problems))
    where = "%d GPU(s) visible" % count if available else ("CPU build" if not built else "no GPU here")
    return result(OK, "torch %s (%s)" % (torch.__version__, where), details)
