"""Does every compiled extension of the stack load, each on its own, and if not, why?"""

import glob
import json
import os
import subprocess
import sys

from _common import FAIL, OK, SKIP, result
from _import_causes import cause_of
from _packages import installed, package_dir

CHECK = {
    "id": "extension_imports",
    "title": "compiled extensions load",
    "scope": "env",
    "depends": [],
    "timeout": 150,
}

# (package folder or None for a top-level module, module file stem, distribution, what it is). Each is
# loaded from its file with importlib's ExtensionFileLoader, so a package __init__ that fails for another
# reason (torchvision raises "operator torchvision::nms does not exist") does not hide the extension's own
# error.
EXTENSIONS = (
    ("mmcv", "_ext", "mmcv", "mmcv's compiled ops"),
    ("torchvision", "_C", "torchvision", "torchvision's compiled ops"),
    ("xtcocotools", "_mask", "xtcocotools", "xtcocotools' mask API"),
    ("pycocotools", "_mask", "pycocotools", "pycocotools' mask API"),
    ("posemamba_selective_scan", "_C", "posemamba-selective-scan", "PoseMamba's selective-scan kernel"),
    (None, "selective_scan_cuda", "mamba-ssm", "mamba-ssm's selective-scan kernel"),
    (None, "selective_scan_cuda_core", "selective_scan", "VMamba's selective-scan kernel"),
    (None, "causal_conv1d_cuda", "causal-conv1d", "causal-conv1d's kernel"),
)
NAMES = ("%s.so", "%s.*.so", "%s.pyd", "%s.*.pyd")  # _ext.so or _ext.cpython-311-x86_64-linux-gnu.so

# Run in a child: torch (and numpy) first, as the packages themselves import them before their
# extensions; one JSON line per extension; a crash takes down the child, not the doctor's worker.
LOADER = r"""
import importlib.machinery, importlib.util, json, sys
for name in ("torch", "numpy"):
    try:
        __import__(name)
    except Exception:
        pass
for line in sys.stdin:
    item = json.loads(line)
    try:
        loader = importlib.machinery.ExtensionFileLoader(item["module"], item["path"])
        spec = importlib.util.spec_from_file_location(item["module"], item["path"], loader=loader)
        loader.exec_module(importlib.util.module_from_spec(spec))
        error = None
    except BaseException as caught:
        text = str(caught).strip()
        error = "%s: %s" % (type(caught).__name__, text.splitlines()[0] if text else "")
    print(json.dumps({"module": item["module"], "error": error}), flush=True)
"""


def present():
    """[{'module', 'path', 'what'}] for the extensions whose file exists here, without importing anything."""
    found = []
    for package, stem, dist, what in EXTENSIONS:
        if package is not None:
            folder = package_dir(package) if installed(package) else None
            folders = [folder] if folder else []
            module = "%s.%s" % (package, stem)
        else:
            folders = [p for p in sys.path if p and os.path.isdir(p)]
            module = stem
        for folder in folders:
            files = sorted(f for name in NAMES for f in glob.glob(os.path.join(folder, name % stem)))
            if files:
                found.append({"module": module, "path": files[0], "dist": dist, "what": what})
                break
    return found


def _child(items):
    """({module: error or None}, how the child ended) for `items` loaded by one child process."""
    feed = "".join(json.dumps(item) + "\n" for item in items)
    try:
        done = subprocess.run(
            [sys.executable, "-c", LOADER], input=feed, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return {}, "it did not finish within 60 s"
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {line["module"]: line["error"] for line in lines}, "exit code %s" % done.returncode


def load(items):
    """{module: error or None}: all in one child; any the child did not answer for, each alone."""
    outcome, _ = _child(items)
    for item in items:
        if item["module"] not in outcome:
            alone, ended = _child([item])
            outcome[item["module"]] = alone.get(item["module"], "the process loading it died (%s)" % ended)
    return outcome


def run(ctx):
    items = present()
    if not items:
        return result(SKIP, "no compiled extension of the stack is installed here")
    errors = load(items)
    failed = [item for item in items if errors.get(item["module"])]
    details = "\n".join(
        "%s (%s): %s" % (item["module"], item["path"], errors.get(item["module"]) or "loads")
        for item in items
    )
    if not failed:
        names = ", ".join(item["module"] for item in items)
        return result(OK, "%d compiled extension(s) load: %s" % (len(items), names), details)
    summaries, fixes = [], []
    for item in failed:
        error = errors[item["module"]]
        known = cause_of(error)
        if known:
            signature_id, cause, fix = known
            summaries.append("%s does not load: %s (%s)" % (item["module"], cause, error))
            fix = fix.replace("<package>", item["dist"])
            fixes.append("%s: %s (signature %s)" % (item["what"], fix, signature_id))
        else:
            summaries.append("%s does not load: %s" % (item["module"], error))
            fixes.append("%s: reinstall %s for this environment" % (item["what"], item["dist"]))
    return result(FAIL, "; ".join(summaries), details, "; ".join(fixes))
