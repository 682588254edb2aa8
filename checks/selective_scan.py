"""Is PoseMamba's selective-scan CUDA kernel built, does it run on this GPU, and match the reference?"""

from _common import FAIL, OK, SKIP, expectation, fact, has_fact, last_line, result
from _packages import installed

CHECK = {
    "id": "selective_scan",
    "title": "selective-scan kernel vs reference",
    "scope": "env",
    "depends": ["torch_import"],
    "timeout": 120,
}

BUILD = "build it: see kernels/ (needs nvcc with torch's CUDA major, and TORCH_CUDA_ARCH_LIST with this GPU)"


def kernel_status(ctx):
    """posemamba.scan.cuda_status.kernel_status(): the kernels part runs the kernel against the reference scan
    on a small problem on the GPU (keys importable, runs_on_gpu, numerics_ok, max_abs_error, reason).
    Injected facts stand in for it in tests, since it only means something on a GPU."""
    if has_fact(ctx, "kernel_status"):
        return fact(ctx, "kernel_status"), None
    if not installed("posemamba"):
        return None, "posemamba is not installed"
    try:
        from posemamba.scan import cuda_status
    except Exception as error:
        return None, "posemamba.scan.cuda_status is not importable: %s" % last_line(error)
    return cuda_status.kernel_status(), None


def run(ctx):
    missing = FAIL if expectation(ctx, "builds_kernels") else SKIP
    status, why = kernel_status(ctx)
    if status is None:
        return result(missing, why, "", BUILD if missing == FAIL else "")
    if not isinstance(status, dict):
        return result(FAIL, "kernel_status() returned %r, not a dict" % (status,))
    # kernel_status() appends its own fix to the reason; the fix column already carries ours.
    reason = str(status.get("reason") or "").split(" \u2014 fix: ")[0]
    details = ", ".join("%s=%s" % (k, v) for k, v in sorted(status.items()) if k != "reason")
    if not status.get("importable"):
        return result(missing, "selective-scan kernel not built: %s" % reason, details, BUILD)
    if status.get("runs_on_gpu") is None:
        return result(SKIP, "kernel importable, but no CUDA GPU here to run it on", details)
    if not status.get("runs_on_gpu"):
        return result(FAIL, "selective-scan kernel cannot run on this GPU: %s" % reason, details, BUILD)
    if status.get("numerics_ok") is False:
        return result(
            FAIL,
            "selective-scan kernel differs from the reference scan (max error %s)"
            % status.get("max_abs_error"),
            details,
            "rebuild the kernel for this GPU (kernels/); report the numbers if it persists",
        )
    gpu = (status.get("gpu") or {}).get("name", "the GPU")
    return result(
        OK,
        "selective-scan kernel runs on %s, max error vs reference %s" % (gpu, status.get("max_abs_error")),
        details,
    )
