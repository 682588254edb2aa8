"""Is torchvision the build that matches torch (CPU vs cuXYZ), and do its compiled ops load?"""

import os
import re

from _common import FAIL, OK, SKIP, last_line, result, version_tuple
from _packages import installed, package_dir

CHECK = {
    "id": "torchvision_match",
    "title": "torchvision matches torch",
    "scope": "env",
    "depends": ["torch_import"],
}

# openmmlab-install.md rows 6c/6e and "Checks a diagnoser should run" #4: PyPI's torchvision 0.28.0 is
# a +cu130 build; beside a +cpu torch its _C.so cannot load and `import torchvision` raises
# RuntimeError (not ImportError): "operator torchvision::nms does not exist" (pytorch#122494).


def local_tag(version):
    """'2.13.0+cpu' -> 'cpu'; '0.28.0+cu130' -> 'cu130'; no tag -> ''."""
    return version.split("+", 1)[1] if "+" in version else ""


def torchvision_version():
    """torchvision's own version string (with its build tag), read from its version.py unimported."""
    try:
        with open(os.path.join(package_dir("torchvision"), "version.py")) as handle:
            match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)", handle.read(), re.MULTILINE)
    except OSError:
        return ""
    return match.group(1) if match else ""


def pair_for(ctx, torch_version):
    for build in (ctx.get("knowledge") or {}).get("torch", []):
        if version_tuple(build.get("torch")) == version_tuple(torch_version) and build.get("torchvision"):
            return build["torchvision"]
    return None


def run(ctx):
    if not installed("torchvision"):
        return result(SKIP, "torchvision is not installed (only mmpose.apis and its visualizer need it)")
    import torch

    vision = torchvision_version()
    torch_tag = local_tag(torch.__version__) or (
        "cu" + torch.version.cuda.replace(".", "") if torch.version.cuda else ""
    )
    vision_tag = local_tag(vision)
    os.environ["TORCHVISION_WARN_WHEN_EXTENSION_LOADING_FAILS"] = "1"
    try:
        import torchvision  # noqa: F401

        error = None
    except Exception as caught:  # RuntimeError, not ImportError, when _C.so does not fit this torch
        error = caught
    details = "torch %s, torchvision %s" % (torch.__version__, vision or "?")
    mismatch = bool(torch_tag and vision_tag and torch_tag != vision_tag)
    index = torch_tag if torch_tag.startswith("cu") or torch_tag == "cpu" else "cpu"
    pair = (
        pair_for(ctx, torch.__version__)
        or "<the release paired with torch %s>" % torch.__version__.split("+")[0]
    )
    fix = "pip install --no-deps torchvision==%s --index-url https://download.pytorch.org/whl/%s" % (
        pair,
        index,
    )
    if error is not None:
        why = " (a %s torchvision beside a %s torch)" % (vision_tag, torch_tag) if mismatch else ""
        return result(FAIL, "import torchvision: %s%s" % (last_line(error), why), details, fix)
    if mismatch:
        return result(
            FAIL, "torchvision is a %s build but torch is %s" % (vision_tag, torch_tag), details, fix
        )
    return result(OK, "torchvision %s imports and matches torch %s" % (vision, torch.__version__), details)
