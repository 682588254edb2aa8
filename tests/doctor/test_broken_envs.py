"""Real broken environments (built once, cached): the doctor names each failure and its fix."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from envkit.doctor import run_checks

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def openmmlab(openmmlab_python: Path) -> dict:
    """Every env check once in the OpenMMLab venv (one shared worker: the way users run it)."""
    return {result.id: result for result in run_checks(scope="env", python=str(openmmlab_python))}


def test_mmcv_lite_has_no_ext_and_the_fix_is_a_source_build(openmmlab):
    result = openmmlab["mmcv_ext"]
    assert result.status == "fail"
    assert "mmcv-lite 2.2.0 has no compiled ops" in result.summary
    assert "No module named 'mmcv._ext'" in result.summary
    assert "pip uninstall -y mmcv mmcv-lite" in result.fix and "--no-build-isolation" in result.fix


def test_mmdet_330_beside_mmcv_220_is_the_version_assertion(openmmlab):
    result = openmmlab["mm_versions"]
    assert result.status == "fail"
    assert "AssertionError: MMCV==2.2.0 is used but incompatible" in result.summary
    assert "mmcv_maximum_version" in result.fix and "mmcv 2.1.0" in result.fix


def test_mmengine_0107_cannot_load_a_checkpoint_under_this_torch(openmmlab):
    result = openmmlab["mmengine_checkpoint"]
    assert result.status == "fail"
    assert "UnpicklingError: Weights only load failed" in result.summary
    assert "#1670" in result.fix


def test_chumpy_070_on_python_311_is_named_and_known_to_be_harmless(openmmlab):
    result = openmmlab["chumpy_import"]
    assert result.status == "warn"
    assert "module 'inspect' has no attribute 'getargspec'" in result.summary
    assert "never imports chumpy" in result.fix


def test_realsense_imports_but_sees_no_device(openmmlab):
    result = openmmlab["realsense_env"]
    assert result.status == "warn"
    assert "No device connected" in result.summary
    assert "device-cgroup-rule" in result.fix


def test_editable_mmpose_without_mim_and_its_fix_works(openmmlab, openmmlab_python: Path):
    result = openmmlab["mmpose_mim"]
    assert result.status == "fail"
    assert "mmpose/.mim/configs/_base_/datasets/coco.py does not exist" in result.summary
    command = result.fix.split(" (or ")[0]
    mim = Path(command.split()[2])
    try:
        subprocess.run(["bash", "-c", command], check=True)
        (fixed,) = run_checks(only=["mmpose_mim"], python=str(openmmlab_python))
        assert fixed.status == "ok", fixed
    finally:
        shutil.rmtree(mim, ignore_errors=True)  # the cached venv stays broken for the next run


def test_the_other_checks_still_answer_in_the_broken_env(openmmlab):
    assert openmmlab["torch_cuda"].status == "ok"
    assert openmmlab["python_version"].status == "ok"
    assert openmmlab["torch_arch"].status == "skip"


def test_xtcocotools_wheel_against_numpy_2(xtcocotools_python: Path):
    (result,) = run_checks(only=["xtcocotools_abi"], python=str(xtcocotools_python))
    assert result.status == "fail"
    assert "numpy.dtype size changed, may indicate binary incompatibility" in result.summary
    assert "numpy<2" in result.fix and "--no-binary xtcocotools" in result.fix


def test_realsense_camera_on_usb2_is_a_warning(openmmlab_python: Path):
    facts = {"realsense_devices": [{"name": "Intel RealSense D435", "serial": "0123", "usb": "2.1"}]}
    (result,) = run_checks(only=["realsense_env"], python=str(openmmlab_python), facts=facts)
    assert result.status == "warn" and "USB 2.1" in result.summary
    facts["realsense_devices"][0]["usb"] = "3.2"
    (result,) = run_checks(only=["realsense_env"], python=str(openmmlab_python), facts=facts)
    assert result.status == "ok"


def test_cuda_torchvision_beside_a_cpu_torch(openmmlab):
    result = openmmlab["torchvision_match"]
    assert result.status == "fail"
    assert "RuntimeError: operator torchvision::nms does not exist" in result.summary
    assert "a cu130 torchvision beside a cpu torch" in result.summary
    assert "download.pytorch.org/whl/cpu" in result.fix


def test_setuptools_without_pkg_resources_beside_mmengine_0107(xtcocotools_python: Path):
    (result,) = run_checks(only=["setuptools_pkg_resources"], python=str(xtcocotools_python))
    assert result.status == "fail"
    assert "No module named 'pkg_resources' (setuptools 84.2.1)" in result.summary
    assert "mmengine 0.10.7" in result.summary
    assert "setuptools>=77.0.3,<82" in result.fix


def test_a_wrong_torch_for_the_recipe_does_not_hide_the_other_failures(openmmlab_python: Path):
    from .hardware import RECIPE_RTX5090

    results = {
        r.id: r for r in run_checks(scope="env", python=str(openmmlab_python), expectations=RECIPE_RTX5090)
    }
    assert results["torch_import"].status == "ok"
    assert (
        results["torch_cuda"].status == "fail"
        and "the recipe needs CUDA 12.8" in results["torch_cuda"].summary
    )
    assert results["mmcv_ext"].status == "fail" and "mmcv._ext" in results["mmcv_ext"].summary
    assert results["python_version"].status == "fail"  # the recipe pins 3.10


def test_extension_imports_names_a_cuda_extension_beside_a_cpu_torch(openmmlab):
    result = openmmlab["extension_imports"]
    assert result.status == "fail"
    assert "torchvision._C does not load" in result.summary
    assert "libc10_cuda.so: cannot open shared object file" in result.summary
    assert "signature torch-cuda-library-missing" in result.fix and "/whl/cpu" in result.fix


def test_extension_imports_names_a_numpy_1_build_under_numpy_2(xtcocotools_python: Path):
    (result,) = run_checks(only=["extension_imports"], python=str(xtcocotools_python))
    assert result.status == "fail"
    assert "xtcocotools._mask does not load" in result.summary
    assert "numpy.dtype size changed" in result.summary
    assert "--no-binary xtcocotools" in result.fix and "numpy<2" in result.fix


def test_extension_imports_names_an_extension_built_against_another_torch(skew_python: Path):
    (result,) = run_checks(only=["extension_imports"], python=str(skew_python))
    assert result.status == "fail"
    assert "selective_scan_cuda does not load: it was compiled against a different torch" in result.summary
    assert "undefined symbol: _ZN3c104cuda9SetDeviceEi" in result.summary
    assert "mamba-ssm's selective-scan kernel" in result.fix and "signature torch-extension-abi" in result.fix
    # the same text in a log: explain gives the same family
    from envkit.failures.match import diagnose

    (found,) = diagnose(result.summary)
    assert found.signature.id == "torch-extension-abi"


def test_numpy_aliases_finds_the_removed_names_in_installed_code(openmmlab):
    result = openmmlab["numpy_aliases"]
    assert result.status == "warn"
    assert "chumpy/__init__.py:11 (" in result.summary  # from numpy import bool, int, float, ...
    assert "mmdet/evaluation/functional/ytviseval.py:444 (np.float)" in result.summary
    assert "scipy" not in result.summary  # scipy's `try: np.long` / `except AttributeError` copes
    assert "np.float -> float or np.float64" in result.fix


def test_numpy_aliases_under_numpy_2(xtcocotools_python: Path):
    (result,) = run_checks(only=["numpy_aliases"], python=str(xtcocotools_python))
    assert result.status == "ok", result
    assert "numpy 2.2.6" in result.summary
