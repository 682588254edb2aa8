"""Is PoseMamba's selective-scan CUDA kernel built, and does it match the reference scan?"""

from _common import FAIL, OK, SKIP, expectation, last_line, result
from _packages import installed

CHECK = {
    "id": "selective_scan",
    "title": "selective-scan kernel vs reference",
    "scope": "env",
    "depends": ["torch_cuda"],
}

TOLERANCE = 1e-3


def status_of(report):
    """kernel_status() may answer a dict or an object: read 'available'/'ok' and 'reason' from either."""
    get = (
        report.get if isinstance(report, dict) else (lambda key, default=None: getattr(report, key, default))
    )
    available = get("available", None)
    if available is None:
        available = get("ok", False)
    return bool(available), str(get("reason", "") or get("detail", "") or report)


def small_problem(torch, device):
    generator = torch.Generator().manual_seed(0)
    batch, dim, state, length = 1, 4, 4, 16

    def rand(*shape):
        return torch.randn(*shape, generator=generator).to(device)

    return dict(
        u=rand(batch, dim, length),
        delta=rand(batch, dim, length),
        A=-torch.rand(dim, state, generator=generator).to(device),
        B=rand(batch, 1, state, length),
        C=rand(batch, 1, state, length),
        D=rand(dim),
        delta_bias=rand(dim),
    )


def run(ctx):
    needed = bool(expectation(ctx, "builds_kernels"))
    missing = FAIL if needed else SKIP
    if not installed("posemamba"):
        return result(missing, "posemamba is not installed", "", "pip install envkit (it ships posemamba)")
    try:
        from posemamba.scan import cuda as scan_cuda
    except Exception as error:
        return result(
            missing,
            "posemamba.scan.cuda is not importable: %s" % last_line(error),
            "",
            "build the kernel (kernels/)",
        )
    kernel_status = getattr(scan_cuda, "kernel_status", None)
    if kernel_status is None:
        return result(
            missing,
            "posemamba.scan.cuda has no kernel_status() yet (the kernels part is not in this install)",
        )
    available, reason = status_of(kernel_status())
    if not available:
        return result(
            missing,
            "selective-scan kernel not available: %s" % reason,
            "",
            "build it: see kernels/ (needs nvcc and a CUDA torch)",
        )
    import torch

    from posemamba.scan import selective_scan

    device = "cuda" if torch.cuda.is_available() else "cpu"
    problem = small_problem(torch, device)
    try:
        fast = selective_scan(backend="cuda", **problem)
        reference = selective_scan(backend="ref", **problem)
    except Exception as error:
        return result(
            FAIL,
            "the selective-scan kernel raised: %s" % last_line(error),
            reason,
            "rebuild the kernel for this GPU's arch",
        )
    error = float((fast - reference).abs().max())
    if error > TOLERANCE:
        return result(
            FAIL,
            "kernel differs from the reference scan by %.2e (> %.0e)" % (error, TOLERANCE),
            reason,
            "rebuild the kernel",
        )
    return result(
        OK, "selective-scan kernel on %s matches the reference (max error %.1e)" % (device, error), reason
    )
