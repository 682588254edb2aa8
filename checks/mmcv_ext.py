"""Are mmcv's compiled ops there, and does a tiny op (nms) actually run, on the GPU when there is one?"""

from _common import FAIL, OK, SKIP, expectation, last_line, result
from _import_causes import cause_of
from _packages import dist_version, installed

CHECK = {
    "id": "mmcv_ext",
    "title": "mmcv._ext present and an op runs",
    "scope": "env",
    "depends": ["torch_import"],
}

# env-anchors.md B.3/B.4 (mmcv#2059, #3310, #3319; mmcv setup.py; openmmlab-install.md rows 2b-2h).
BUILD = (
    "pip uninstall -y mmcv mmcv-lite; then build mmcv with its ops: MMCV_WITH_OPS=1 FORCE_CUDA=1 "
    "TORCH_CUDA_ARCH_LIST=<your arch> pip install mmcv==2.1.0 --no-build-isolation --no-cache-dir "
    "(setuptools<82; nvcc major == torch CUDA major)"
)


def tiny_nms(device):
    import torch
    from mmcv.ops import nms

    boxes = torch.tensor(
        [[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], dtype=torch.float32, device=device
    )
    scores = torch.tensor([0.9, 0.8, 0.7], device=device)
    _, keep = nms(boxes, scores, 0.5)
    return sorted(int(i) for i in keep.cpu().tolist())


def run(ctx):
    full, lite = dist_version("mmcv"), dist_version("mmcv-lite")
    if not installed("mmcv"):
        if expectation(ctx, "mmcv"):
            return result(
                FAIL, "mmcv is not installed; the recipe pins %s" % expectation(ctx, "mmcv"), "", BUILD
            )
        return result(SKIP, "mmcv is not installed")
    details = "distributions: mmcv %s, mmcv-lite %s" % (full, lite)
    if full and lite:
        return result(
            FAIL,
            "both mmcv %s and mmcv-lite %s are installed into the same mmcv/ folder (a mixed tree)"
            % (full, lite),
            details,
            "pip uninstall -y mmcv mmcv-lite, delete the leftover site-packages/mmcv/, then install one: "
            + BUILD,
        )
    try:
        import mmcv.ops  # noqa: F401
        from mmcv.ops import get_compiling_cuda_version
    except Exception as error:
        known = cause_of(str(error))
        if known and not lite:  # the ops are there but do not load: why, not "built without its ops"
            summary = "mmcv %s's ops do not load: %s (%s)" % (full, known[1], last_line(error))
            fix = "%s (signature %s); a source build: %s" % (
                known[2].replace("<package>", "mmcv"),
                known[0],
                BUILD,
            )
            return result(FAIL, summary, details, fix)
        what = (
            "mmcv-lite %s has no compiled ops" % lite if lite else "mmcv %s was built without its ops" % full
        )
        return result(FAIL, "%s: %s" % (what, last_line(error)), details, BUILD)
    import torch

    try:
        keep = tiny_nms("cpu")
    except Exception as error:
        return result(FAIL, "mmcv.ops.nms failed on CPU: %s" % last_line(error), details, BUILD)
    if keep != [0, 2]:
        return result(FAIL, "mmcv.ops.nms returned %s, expected [0, 2]" % keep, details, BUILD)
    compiled_cuda = get_compiling_cuda_version()
    details += "; compiled with CUDA %s" % compiled_cuda
    if torch.version.cuda and torch.cuda.is_available():
        try:
            keep = tiny_nms("cuda")
        except Exception as error:
            # mmcv docs/en/faq.md: "nms is not compiled with GPU support" -> rebuild with FORCE_CUDA=1.
            return result(FAIL, "mmcv.ops.nms on the GPU: %s" % last_line(error), details, BUILD)
        if keep != [0, 2]:
            return result(FAIL, "mmcv.ops.nms on the GPU returned %s, expected [0, 2]" % keep, details, BUILD)
        return result(
            OK, "mmcv %s: nms runs on CPU and GPU (CUDA %s)" % (full or lite, compiled_cuda), details
        )
    return result(OK, "mmcv %s: nms runs on CPU (no GPU here)" % (full or lite), details)
