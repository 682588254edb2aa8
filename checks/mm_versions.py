"""Do mmdet and mmpose import, or do their mmcv/mmengine version guards assert?"""

import sys

from _common import FAIL, OK, SKIP, WARN, expectation, last_line, result, version_tuple
from _packages import dist_version, installed

CHECK = {
    "id": "mm_versions",
    "title": "mmdet / mmpose version guards",
    "scope": "env",
    "depends": ["torch_import"],
}

# env-anchors.md B.3/B.4 (mmdet/__init__.py v3.3.0: mmcv < 2.2.0, strict; mmdetection#12312, mmcv#3096).
FIX = {
    "mmdet": "install mmcv 2.1.0 (built from source with ops), or patch mmdet: sed -i "
    "\"s/mmcv_maximum_version = '2.2.0'/mmcv_maximum_version = '2.3.0'/\" <site-packages>/mmdet/__init__.py",
    "mmpose": "install the mmcv / mmengine versions the assertion names",
}


def try_import(name):
    """None when `import name` works, else the exception (the version guards raise AssertionError)."""
    try:
        __import__(name)
        return None
    except BaseException as error:  # an AssertionError is the guard; anything else is reported too
        if isinstance(error, KeyboardInterrupt):
            raise
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
        return error


def run(ctx):
    present = [name for name in ("mmdet", "mmpose") if installed(name)]
    if not present:
        return result(SKIP, "neither mmdet nor mmpose is installed")
    versions = {name: dist_version(name) for name in ("mmcv", "mmcv-lite", "mmengine", "mmdet", "mmpose")}
    details = ", ".join("%s %s" % (k, v) for k, v in versions.items() if v)
    lines, fixes, status = [], [], OK
    for name in present:
        error = try_import(name)
        if error is None:
            lines.append("%s %s imports" % (name, versions[name]))
        elif isinstance(error, AssertionError):
            status = FAIL
            lines.append("import %s: AssertionError: %s" % (name, str(error).strip()))
            fixes.append(FIX[name])
        else:
            status = FAIL
            lines.append("import %s: %s" % (name, last_line(error)))
            fixes.append("see mmcv_ext and the details; reinstall %s" % name)
    for name in ("mmcv", "mmdet", "mmengine", "mmpose"):
        wanted, have = (
            expectation(ctx, name),
            versions.get(name) or (name == "mmcv" and versions.get("mmcv-lite")),
        )
        if wanted and have and version_tuple(have) != version_tuple(wanted):
            status = FAIL if status == FAIL else WARN
            lines.append("%s %s, the recipe pins %s" % (name, have, wanted))
            fixes.append("pip install %s==%s" % (name, wanted))
    # mmpose 1.x's mim extra wants mmdet<3.3.0 (requirements/mminstall.txt), which pip never enforces.
    if versions.get("mmpose") and versions.get("mmdet") and version_tuple(versions["mmdet"]) >= (3, 3):
        status = status if status == FAIL else WARN
        lines.append("mmdet %s is outside mmpose's declared mmdet<3.3.0" % versions["mmdet"])
        fixes.append("pip install mmdet==3.2.0")
    return result(status, "; ".join(lines), details, "; ".join(fixes))
