"""Helpers shared by the checks: results, versions, the same-major arch rule, GPU and tool probes.

Stdlib only and Python >= 3.8: the checks run under any python3 in any image, without envkit.
Not a check itself (files that start with "_" are not collected).
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess

OK, WARN, FAIL, SKIP, INFO = "ok", "warn", "fail", "skip", "info"


def result(status, summary, details="", fix=""):
    """The dict every check returns (docs/interfaces.md, "Doctor")."""
    return {"status": status, "summary": summary, "details": details, "fix": fix}


def version_tuple(text):
    """'2.9.1+cu128' -> (2, 9, 1); '12.0' -> (12, 0); the numeric release part only."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(text or ""))
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def expectation(ctx, key):
    """What the recipe promises for `key`, or None when judging against the hardware found."""
    return (ctx.get("expectations") or {}).get(key)


def fact(ctx, key, default=None):
    """An injected probe result (tests inject only what cannot exist here: GPUs, driver, camera)."""
    return (ctx.get("facts") or {}).get(key, default)


def has_fact(ctx, key):
    return key in (ctx.get("facts") or {})


# --- the same-major rule -------------------------------------------------------------------------
# A cubin built for X.Y runs on X.Z when Z >= Y; PTX for X.Y is JIT-compiled on any capability >= X.Y.
# NVIDIA: a binary "compiled with 12.0 can directly run on 12.1 (Spark)" (pytorch#164596);
# env-anchors.md B.1 and B.4 (cog pkg/doctor/gpu_compatibility.go).


def parse_arch_entry(entry):
    """'sm_120' / '12.0' / '12.0+PTX' / 'compute_120' / '12.0a' -> (major, minor, is_ptx) or None."""
    text = str(entry).strip().lower()
    ptx = text.endswith("+ptx") or text.startswith("compute_")
    text = text.replace("+ptx", "")
    match = re.match(r"^(?:sm_|compute_)(\d+?)(\d)[af]?$", text) or re.match(r"^(\d+)\.(\d+)[af]?$", text)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), ptx


def arch_runs_on(arch_list, capability):
    """True when code built for `arch_list` can run on a GPU of compute `capability` ('12.1')."""
    return covering_arch(arch_list, capability) is not None


def has_cubin(entry):
    """'12.0' and '12.0+PTX' ship a cubin; 'compute_120' is PTX only."""
    return not str(entry).strip().lower().startswith("compute_")


def covering_arch(arch_list, capability):
    """The arch entry that covers `capability` (cubin of the same major first, then PTX), or None."""
    cap = version_tuple(capability)
    if len(cap) < 2:
        return None
    cubins, ptxs = [], []
    for entry in arch_list or []:
        parsed = parse_arch_entry(entry)
        if parsed is None:
            continue
        major, minor, ptx = parsed
        if has_cubin(entry) and major == cap[0] and minor <= cap[1]:
            cubins.append(((major, minor), entry))
        if ptx and (major, minor) <= cap[:2]:
            ptxs.append(((major, minor), entry))
    for group in (cubins, ptxs):
        if group:
            return max(group)[1]
    return None


def exact_arch(arch_list, capability):
    """True when the list holds a cubin for exactly this capability (no same-major stretch)."""
    cap = version_tuple(capability)[:2]
    return any(has_cubin(e) and (parse_arch_entry(e) or ())[:2] == cap for e in arch_list or [])


# --- knowledge (compat.knowledge_json(), passed in as JSON) --------------------------------------


def _norm(name):
    return re.sub(r"[\s_\-]+", "", str(name).lower())


def known_gpu(ctx, name):
    """The knowledge row for a GPU name or alias ('NVIDIA GeForce RTX 5090'), or None."""
    wanted = _norm(name)
    for row in (ctx.get("knowledge") or {}).get("gpus", []):
        names = [row.get("name", ""), *row.get("aliases", [])]
        if any(_norm(candidate) == wanted for candidate in names):
            return row
    return None


def min_driver_for(ctx, cuda):
    """The minimum Linux driver for a CUDA toolkit 'X.Y' (cuda_drivers table), or None."""
    want = version_tuple(cuda)[:2]
    for row in (ctx.get("knowledge") or {}).get("cuda_drivers", []):
        if version_tuple(row.get("cuda"))[:2] == want:
            return row.get("min_driver")
    return None


# --- probes ---------------------------------------------------------------------------------------


def run_tool(argv, timeout=10):
    """(returncode, stdout, stderr) of a command; (None, '', reason) when it is missing or hangs."""
    if shutil.which(argv[0]) is None and not os.path.isfile(argv[0]):
        return None, "", "%s not found on PATH" % argv[0]
    # Its own process group, killed whole on timeout: a wrapper script's children would otherwise
    # outlive it and hold the pipes open (envkit's posemamba.process does the same; checks/ cannot
    # import it, they run under any python3 in any image).
    try:
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            universal_newlines=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as error:
        return None, "", str(error)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=5)
        process.wait()
        return None, "", "%s did not answer within %ss" % (argv[0], timeout)
    return process.returncode, out, err


def gpus(ctx):
    """The NVIDIA GPUs of this machine: [{'name', 'compute_capability', 'driver'}].

    Injected facts win (tests); otherwise nvidia-smi, which ships with the driver (and is mounted
    into containers by the NVIDIA runtime). An empty list means no GPU or no driver.
    """
    if has_fact(ctx, "gpus"):
        return list(fact(ctx, "gpus") or [])
    code, out, _ = run_tool(
        ["nvidia-smi", "--query-gpu=name,compute_cap,driver_version", "--format=csv,noheader"], timeout=15
    )
    found = []
    if code == 0:
        for line in out.strip().splitlines():
            parts = [part.strip() for part in line.split(",")]
            if len(parts) >= 3:
                found.append({"name": parts[0], "compute_capability": parts[1], "driver": parts[2]})
    return found


def driver_version(ctx):
    """The NVIDIA driver version ('570.133.07'), or None without a driver."""
    if has_fact(ctx, "driver"):
        return fact(ctx, "driver")
    found = gpus(ctx)
    if found and found[0].get("driver"):
        return found[0]["driver"]
    for path in ("/sys/module/nvidia/version", "/proc/driver/nvidia/version"):
        try:
            with open(path) as handle:
                match = re.search(r"(\d+\.\d+(?:\.\d+)?)", handle.read())
        except OSError:
            continue
        if match:
            return match.group(1)
    return None


def dumps(value):
    return json.dumps(value, sort_keys=True)


def size_text(num_bytes):
    """1073741824 -> '1.0 GiB'."""
    value = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return "%.1f %s" % (value, unit) if unit != "B" else "%d B" % value
        value /= 1024
    return "%d B" % num_bytes


def last_line(error):
    """'ValueError: numpy.dtype size changed ...': the exception as its type and first message line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()  # torch bolds its advice
    return "%s: %s" % (type(error).__name__, text[0] if text else "")
