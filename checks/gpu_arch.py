"""Does the recipe's CUDA arch list cover every GPU here (same-major rule), or which builds would?"""

from _common import (
    FAIL,
    INFO,
    OK,
    SKIP,
    WARN,
    covering_arch,
    exact_arch,
    expectation,
    gpus,
    has_cubin,
    known_gpu,
    result,
)

CHECK = {"id": "gpu_arch", "title": "GPU compute capability vs the arch list", "scope": "host", "depends": []}


def builds_covering(ctx, capability):
    """'torch 2.9.1+cu128' for each known torch build whose archs (or PTX) cover the capability."""
    found = []
    for build in (ctx.get("knowledge") or {}).get("torch", []):
        arches = list(build.get("archs", [])) + [p + "+PTX" for p in build.get("ptx", [])]
        if build.get("cuda") != "cpu" and covering_arch(arches, capability):
            found.append("torch %s+cu%s" % (build["torch"], str(build["cuda"]).replace(".", "")))
    return found


def judge(ctx, card, arch_list):
    """(status, line, fix) for one GPU against an arch list."""
    cap = str(card.get("compute_capability") or "")
    label = "%s (sm_%s)" % (card.get("name", "GPU"), cap.replace(".", ""))
    entry = covering_arch(arch_list, cap)
    if entry is None:
        builds = builds_covering(ctx, cap)
        fix = "build for %s (TORCH_CUDA_ARCH_LIST) with a toolkit that knows it" % cap
        if builds:
            fix += "; torch builds that cover it: " + ", ".join(builds)
        return FAIL, "%s: no entry of %s runs on it (no kernel image is available)" % (label, arch_list), fix
    if exact_arch(arch_list, cap):
        return OK, "%s: built for it (%s)" % (label, entry), ""
    if has_cubin(entry):
        # pytorch#164596/#172629: sm_121 runs sm_120 cubins; torch 2.9's warning about it is false.
        return (
            INFO,
            "%s runs the %s cubins (same major, minor >= built); any warning about it is harmless"
            % (
                label,
                entry,
            ),
            "",
        )
    return (
        WARN,
        "%s: only PTX %s covers it: JIT-compiled at first launch (slow start)" % (label, entry),
        ("add %s to the arch list for native cubins" % cap),
    )


def run(ctx):
    cards = gpus(ctx)
    if not cards:
        return result(SKIP, "no NVIDIA GPU found")
    arch_list = expectation(ctx, "arch_list")
    if arch_list is None or not expectation(ctx, "cuda"):
        lines = []
        for card in cards:
            row = known_gpu(ctx, card["name"]) or {}
            builds = builds_covering(ctx, card.get("compute_capability"))
            lines.append(
                "%s: compute capability %s, needs CUDA >= %s; covered by %s"
                % (
                    card["name"],
                    card.get("compute_capability"),
                    row.get("min_cuda", "?"),
                    ", ".join(builds) or "no known torch build",
                )
            )
        status = OK if all(builds_covering(ctx, c.get("compute_capability")) for c in cards) else WARN
        fix = "" if status == OK else "pick a torch build whose arch list covers the GPU (see details)"
        return result(status, "; ".join(line.split(";")[0] for line in lines), "\n".join(lines), fix)
    verdicts = [judge(ctx, card, arch_list) for card in cards]
    order = [FAIL, WARN, INFO, OK]
    worst = min((verdict[0] for verdict in verdicts), key=order.index)
    return result(
        worst,
        "; ".join(verdict[1] for verdict in verdicts),
        "recipe %s arch list %s" % (expectation(ctx, "recipe"), arch_list),
        "; ".join(verdict[2] for verdict in verdicts if verdict[2]),
    )
