"""Is the NVIDIA driver new enough for the recipe's CUDA (or for the CUDA the GPUs here need)?"""

from _common import (
    FAIL,
    OK,
    SKIP,
    WARN,
    driver_version,
    expectation,
    gpus,
    known_gpu,
    min_driver_for,
    result,
    version_tuple,
)

CHECK = {"id": "driver_cuda", "title": "NVIDIA driver vs the CUDA version", "scope": "host", "depends": []}


def needed_cuda(ctx, cards):
    """The recipe's CUDA, else the newest minimum CUDA among the GPUs found (knowledge table)."""
    if expectation(ctx, "cuda"):
        return expectation(ctx, "cuda"), "the recipe %s" % expectation(ctx, "recipe")
    floors = [(known_gpu(ctx, card["name"]) or {}).get("min_cuda") for card in cards]
    floors = [floor for floor in floors if floor]
    if not floors:
        return None, None
    return max(floors, key=version_tuple), "the GPU (%s)" % ", ".join(card["name"] for card in cards)


def run(ctx):
    cards = gpus(ctx)
    driver = driver_version(ctx)
    if not driver:
        if expectation(ctx, "cuda"):
            return result(
                WARN,
                "no NVIDIA driver here, but the recipe needs CUDA %s" % expectation(ctx, "cuda"),
                "nvidia-smi is absent or found no GPU: this machine can build the image, "
                "but not run it on a GPU",
                "run on a machine with an NVIDIA GPU and driver >= %s"
                % (expectation(ctx, "min_driver") or "?"),
            )
        return result(SKIP, "no NVIDIA driver found (no nvidia-smi, no /proc/driver/nvidia): CPU only")
    cuda, why = needed_cuda(ctx, cards)
    if not cuda:
        return result(OK, "driver %s (no recipe and no known GPU to judge it against)" % driver)
    floor = expectation(ctx, "min_driver") if expectation(ctx, "cuda") else None
    floor = floor or min_driver_for(ctx, cuda)
    if not floor:
        return result(WARN, "driver %s; no known minimum driver for CUDA %s" % (driver, cuda), "", "")
    details = "CUDA %s (needed by %s) requires driver >= %s (CUDA release notes; env-anchors B.1)" % (
        cuda,
        why,
        floor,
    )
    if version_tuple(driver) >= version_tuple(floor):
        return result(OK, "driver %s >= %s, enough for CUDA %s" % (driver, floor, cuda), details)
    # env-anchors.md B.4 (nvidia-container-toolkit#152): what the container runtime then says.
    return result(
        FAIL,
        "driver %s is older than %s, needed for CUDA %s: `nvidia-container-cli: requirement error: "
        "unsatisfied condition: cuda>=%s, please update your driver`" % (driver, floor, cuda, cuda),
        details,
        "install NVIDIA driver >= %s (for example the R%s branch)" % (floor, floor.split(".")[0]),
    )
