"""Real broken environments for the doctor's tests, built once and cached under $ENVKIT_CACHE_DIR.

Each is a small venv that reproduces a seed failure for real (openmmlab-install.md, env-anchors B.4).
The OpenMMLab one sees the test venv's torch and numpy through a .pth file, so torch is never
installed twice; everything else is installed with --no-deps at pinned versions.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

CACHE = Path(os.environ.get("ENVKIT_CACHE_DIR") or Path.home() / ".cache" / "envkit") / "doctor-venvs"

# openmmlab-install.md rows 2g/2h (mmcv-lite: no _ext), 3b (mmdet 3.3.0 + mmcv 2.2.0: the assertion),
# 4a-4c (chumpy 0.70 on Python 3.11), 6j (editable mmpose: no .mim), env-anchors B.3 (mmengine 0.10.7
# under torch >= 2.6). The rest is what those need to get as far as their real failure.
OPENMMLAB = [
    "mmengine==0.10.7",
    "mmcv-lite==2.2.0",
    "mmdet==3.3.0",
    "addict==2.4.0",
    "yapf==0.43.0",
    "platformdirs==4.14.7",
    "termcolor==3.3.0",
    "PyYAML==6.0.3",
    "pillow==13.0.0",
    "opencv-python==4.11.0.86",  # the GUI build (Qt), numpy-1 compatible (row 7b)
    "pyrealsense2==2.59.1.11053",
    "scipy==1.13.1",
    "six==1.17.0",
    "wheel",
    "torchvision==0.28.0",  # PyPI's is +cu130: beside the +cpu torch its ops cannot load (row 6c)
]
# openmmlab-install.md row 5a: the prebuilt xtcocotools wheel against numpy 2 (xtcocoapi#45).
# Rows 1b/6e: setuptools >= 82 has no pkg_resources, which mmengine 0.10.7 imports (mmcv#3325).
# And a -headless OpenCV, which has no GUI backend for cv2.imshow (live-pose's window).
XTCOCOTOOLS = [
    "numpy==2.2.6",
    "xtcocotools==1.14.3",
    "setuptools==84.2.1",
    "mmengine==0.10.7",
    "opencv-python-headless==4.12.0.88",
]


def _pip(python: Path, *args: str) -> None:
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"pip install {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )


def _build(name: str, key: str, steps) -> Path:
    """The venv `name` for this spec `key`: from the cache, or built now (atomically renamed in)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    target = CACHE / f"{name}-{digest}"
    if (target / ".complete").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    work = CACHE / f".{name}-{digest}.{os.getpid()}"  # downloads; removed afterwards
    shutil.rmtree(work, ignore_errors=True)
    # Built at its final path (a venv embeds its path); `.complete` marks a finished build.
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    steps(target, target / "bin" / "python", work)
    shutil.rmtree(work, ignore_errors=True)
    (target / ".complete").write_text(key)
    for stale in CACHE.glob(f"{name}-*"):  # older specs of this venv: a few hundred MB each
        if stale != target and len(stale.name) == len(target.name):
            shutil.rmtree(stale, ignore_errors=True)
    return target


def _site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def openmmlab_venv() -> Path:
    """mmcv-lite 2.2.0 + mmdet 3.3.0 + mmengine 0.10.7 + chumpy 0.70 + editable mmpose 1.3.2 (no .mim)."""
    main_site = sysconfig.get_paths()["purelib"]
    key = "|".join(
        [*OPENMMLAB, "chumpy==0.70", "mmpose==1.3.2 sdist as a clone, -e pep517", main_site, sys.version]
    )

    def steps(venv: Path, python: Path, work: Path) -> None:
        # torch and numpy come from the test venv: the .pth appends its site-packages to sys.path.
        (_site_packages(venv) / "zz_envkit_test_main.pth").write_text(main_site + "\n")
        _pip(python, "--no-deps", *OPENMMLAB)
        _pip(python, "--no-deps", "--no-build-isolation", "chumpy==0.70")  # its setup.py imports pip
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "mmpose==1.3.2",
                "-d",
                str(work),
            ],
            check=True,
            capture_output=True,
        )
        clone = venv / "src"
        with tarfile.open(next(work.glob("mmpose-*.tar.gz"))) as archive:
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            archive.extractall(clone, **safe)
        source = next(clone.glob("mmpose-*"))
        # The sdist carries mmpose/.mim (setup.py sdist copies it in); a git clone has those folders at
        # the top instead and no .mim (openmmlab-install.md row 6j). Make the sdist look like a clone.
        mim = source / "mmpose" / ".mim"
        for item in mim.iterdir():
            shutil.move(str(item), str(source / item.name))
        mim.rmdir()
        # --use-pep517: the PEP 660 editable build of today's pip (pip 23.2 would fall back to
        # `setup.py develop`, which makes the .mim links that a modern editable install lacks).
        _pip(python, "--no-deps", "--no-build-isolation", "--use-pep517", "-e", str(source))

    # One venv per test venv (the .pth points into it): other checkouts' venvs are left alone.
    site = hashlib.sha256(main_site.encode()).hexdigest()[:6]
    return _build(f"openmmlab-{site}", key, steps)


def xtcocotools_venv() -> Path:
    """numpy 2 with the prebuilt xtcocotools 1.14.3 wheel (built against numpy 1); setuptools 84 (no
    pkg_resources) beside mmengine 0.10.7 (--no-deps: only its metadata and files matter here); a
    -headless OpenCV."""

    def steps(venv: Path, python: Path, work: Path) -> None:
        _pip(python, "--no-deps", *XTCOCOTOOLS)

    return _build("xtcocotools-numpy2", "|".join([*XTCOCOTOOLS, sys.version]), steps)


# An extension built against another torch, the way mamba-ssm's wheels break (state-spaces/mamba#317:
# "selective_scan_cuda...so: undefined symbol: _ZN3c104cuda9SetDeviceEi"): a real CPython extension,
# compiled here, that calls c10::cuda::SetDevice(int), which this (+cpu) torch does not export.
SKEW_SOURCE = """\
#include <Python.h>
namespace c10 { namespace cuda { void SetDevice(int device); } }
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "selective_scan_cuda", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_selective_scan_cuda(void) {
    c10::cuda::SetDevice(0);
    return PyModule_Create(&module);
}
"""


def skew_venv() -> Path:
    """The test venv's torch and numpy (a .pth, as openmmlab_venv) and selective_scan_cuda built here."""
    main_site = sysconfig.get_paths()["purelib"]
    compiler = shutil.which("g++") or shutil.which("c++")
    if compiler is None:
        raise RuntimeError("no C++ compiler (g++) to build the extension")

    def steps(venv: Path, python: Path, work: Path) -> None:
        site = _site_packages(venv)
        (site / "zz_envkit_test_main.pth").write_text(main_site + "\n")
        work.mkdir(parents=True, exist_ok=True)
        (work / "ext.cpp").write_text(SKEW_SOURCE)
        output = site / ("selective_scan_cuda" + sysconfig.get_config_var("EXT_SUFFIX"))
        include = sysconfig.get_paths()["include"]
        subprocess.run(
            [compiler, "-shared", "-fPIC", "-O0", f"-I{include}", str(work / "ext.cpp"), "-o", str(output)],
            check=True,
            capture_output=True,
        )

    site = hashlib.sha256(main_site.encode()).hexdigest()[:6]
    return _build(f"skew-extension-{site}", "|".join([SKEW_SOURCE, main_site, sys.version]), steps)
