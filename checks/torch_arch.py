"""Does the installed torch carry kernels for every visible GPU (same-major rule)?"""

from _common import (
    FAIL,
    INFO,
    OK,
    SKIP,
    WARN,
    covering_arch,
    exact_arch,
    fact,
    gpus,
    has_cubin,
    has_fact,
    result,
)
from _packages import installed

CHECK = {
    "id": "torch_arch",
    "title": "torch arch coverage per GPU",
    "scope": "env",
    "depends": ["torch_import"],
}

NO_KERNEL = "CUDA error: no kernel image is available for execution on the device"  # env-anchors.md B.4


def visible(ctx):
    """[(name, capability)] and torch's arch list; injected GPU facts stand in for a real device."""
    import torch

    if has_fact(ctx, "gpus"):
        arch_list = fact(ctx, "torch_arch_list", torch.cuda.get_arch_list() if torch.version.cuda else [])
        return [(g["name"], g["compute_capability"]) for g in fact(ctx, "gpus")], list(arch_list)
    if not (torch.version.cuda and torch.cuda.is_available()):
        return [(g["name"], g["compute_capability"]) for g in gpus(ctx)], list(torch.cuda.get_arch_list())
    cards = []
    for index in range(torch.cuda.device_count()):
        major, minor = torch.cuda.get_device_capability(index)
        cards.append((torch.cuda.get_device_name(index), "%d.%d" % (major, minor)))
    return cards, list(torch.cuda.get_arch_list())


def run(ctx):
    if not installed("torch"):
        return result(SKIP, "torch is not installed (see torch_import)")
    import torch

    cards, arch_list = visible(ctx)
    if not cards:
        return result(SKIP, "no GPU visible to torch")
    if not arch_list:
        return result(
            FAIL,
            "torch %s has no CUDA kernels (a CPU build) but %s is here" % (torch.__version__, cards[0][0]),
            "",
            "install a CUDA build of torch whose arch list covers the GPU (see gpu_arch)",
        )
    lines, status, fixes = [], OK, []
    for name, cap in cards:
        entry = covering_arch(arch_list, cap)
        label = "%s (sm_%s)" % (name, cap.replace(".", ""))
        if entry is None:
            status = FAIL
            lines.append("%s: not in %s -> %s" % (label, arch_list, NO_KERNEL))
            fixes.append(
                "install a torch build with sm_%s (RTX 50xx: torch >= 2.7 cu128; Pascal: a cu126 build)"
                % cap.replace(".", "")
            )
        elif exact_arch(arch_list, cap):
            lines.append("%s: %s" % (label, entry))
        elif has_cubin(entry):
            # pytorch#164596, #172629: torch 2.9 warns "Found GPU0 NVIDIA GB10 which is of cuda capability
            # 12.1 ... (8.0) - (12.0)"; sm_121 runs sm_120 cubins, so the warning is false.
            status = INFO if status == OK else status
            lines.append(
                "%s: runs the %s cubins (same major); torch's capability warning is harmless" % (label, entry)
            )
        else:
            status = WARN if status in (OK, INFO) else status
            lines.append("%s: only PTX %s (JIT at first use)" % (label, entry))
    return result(status, "; ".join(lines), "torch.cuda.get_arch_list(): %s" % arch_list, "; ".join(fixes))
