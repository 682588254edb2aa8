"""The GPU judgement of the checks, with the injected facts of real GPUs (no GPU exists here)."""

from __future__ import annotations

import pytest

from .conftest import load_check
from .hardware import (
    GB10,
    H100,
    PASCAL,
    RECIPE_HOPPER,
    RECIPE_RTX5090,
    RECIPE_SPARK,
    RTX_5090,
    TORCH_29_CU126,
    TORCH_29_CU128,
    TORCH_29_CU130,
)

common = load_check("_common")


@pytest.mark.parametrize(
    ("arch_list", "capability", "runs"),
    [
        (["12.0"], "12.0", True),
        (["12.0"], "12.1", True),  # GB10 runs sm_120 cubins (pytorch#164596)
        (["12.1"], "12.0", False),  # never downwards
        (TORCH_29_CU128, "6.1", False),  # Pascal on a cu128 wheel: no kernel image
        (TORCH_29_CU126, "6.1", True),  # sm_60 cubins run on 6.1
        (["8.0", "9.0"], "12.0", False),  # cubins never cross a major
        (["9.0+PTX"], "12.0", True),  # PTX is JIT-compiled on anything newer
        (["compute_120"], "12.1", True),
        (["compute_120"], "10.0", False),
        (TORCH_29_CU128, "9.0", True),
    ],
)
def test_same_major_rule_reads_torch_spellings(arch_list, capability, runs):
    """torch.cuda.get_arch_list() spellings (sm_XX, compute_XX); the rule: tests/test_same_major_rule.py."""
    assert common.arch_runs_on(arch_list, capability) is runs


def torch_arch(gpu, arch_list):
    return load_check("torch_arch").run({"facts": {"gpus": [gpu], "torch_arch_list": arch_list}})


def test_torch_arch_rtx5090_on_cu128_is_native():
    outcome = torch_arch(RTX_5090, TORCH_29_CU128)
    assert outcome["status"] == "ok", outcome
    assert "sm_120" in outcome["summary"]


def test_torch_arch_gb10_warning_is_info_not_fail():
    outcome = torch_arch(GB10, TORCH_29_CU128)
    assert outcome["status"] == "info", outcome
    assert "harmless" in outcome["summary"] and "sm_120" in outcome["summary"]


def test_torch_arch_h100_is_native():
    assert torch_arch(H100, TORCH_29_CU130)["status"] == "ok"


def test_torch_arch_pascal_on_cu128_fails_with_the_no_kernel_error_and_a_fix():
    outcome = torch_arch(PASCAL, TORCH_29_CU128)
    assert outcome["status"] == "fail"
    assert "no kernel image is available" in outcome["summary"]
    assert "cu126" in outcome["fix"]
    assert torch_arch(PASCAL, TORCH_29_CU126)["status"] == "info"  # runs the sm_60 cubins


def test_torch_arch_cpu_torch_with_a_gpu_fails():
    outcome = torch_arch(RTX_5090, [])
    assert outcome["status"] == "fail" and "CPU build" in outcome["summary"]


def driver(gpu, recipe):
    return load_check("driver_cuda").run({"facts": {"gpus": [gpu]}, "expectations": recipe})


def test_driver_570_is_enough_for_cuda_12_8():
    outcome = driver(RTX_5090, RECIPE_RTX5090)
    assert outcome["status"] == "ok" and "570.133.07" in outcome["summary"]


def test_driver_too_old_names_the_container_error_and_the_driver_to_install():
    outcome = driver(H100, RECIPE_HOPPER)  # 550 < 570.26
    assert outcome["status"] == "fail"
    assert "unsatisfied condition: cuda>=12.8" in outcome["summary"]
    assert "570.26" in outcome["fix"]


def test_driver_580_runs_the_cuda13_spark_recipe_but_570_does_not():
    assert driver(GB10, RECIPE_SPARK)["status"] == "ok"
    old = driver({**GB10, "driver": "570.133.07"}, RECIPE_SPARK)
    assert old["status"] == "fail" and "580.65.06" in old["fix"]


def test_driver_without_recipe_uses_what_the_gpu_needs(knowledge):
    run = load_check("driver_cuda").run
    ok = run({"facts": {"gpus": [RTX_5090]}, "knowledge": knowledge})
    assert ok["status"] == "ok" and "12.8" in ok["summary"]
    old = run({"facts": {"gpus": [{**RTX_5090, "driver": "560.35.03"}]}, "knowledge": knowledge})
    assert old["status"] == "fail" and "570" in old["fix"]


def gpu_arch(gpu, recipe, knowledge=None):
    return load_check("gpu_arch").run(
        {"facts": {"gpus": [gpu]}, "expectations": recipe, "knowledge": knowledge or {}}
    )


def test_gpu_arch_against_recipes():
    assert gpu_arch(RTX_5090, RECIPE_RTX5090)["status"] == "ok"
    spark = gpu_arch(GB10, RECIPE_SPARK)
    assert spark["status"] == "info" and "harmless" in spark["summary"]
    assert gpu_arch(GB10, RECIPE_RTX5090)["status"] == "info"  # 12.0 cubins run on 12.1
    assert gpu_arch(H100, RECIPE_HOPPER)["status"] == "ok"
    wrong = gpu_arch(H100, RECIPE_RTX5090)
    assert wrong["status"] == "fail" and "no kernel image" in wrong["summary"]
    pascal = gpu_arch(PASCAL, RECIPE_SPARK)  # PTX 12.0 cannot run on 6.1 either
    assert pascal["status"] == "fail"


def test_gpu_arch_failure_names_the_torch_builds_that_would_work(knowledge):
    outcome = gpu_arch(PASCAL, RECIPE_RTX5090, knowledge)
    assert outcome["status"] == "fail"
    assert "cu126" in outcome["fix"]


def test_torch_check_flags_a_cpu_torch_next_to_a_gpu():
    outcome = load_check("torch_cuda").run({"facts": {"gpus": [RTX_5090]}})
    assert outcome["status"] == "fail"
    assert "CPU build" in outcome["summary"] and "NVIDIA GeForce RTX 5090" in outcome["summary"]


def test_torch_check_flags_a_cpu_torch_for_a_cuda_recipe():
    outcome = load_check("torch_cuda").run({"expectations": RECIPE_RTX5090})
    assert outcome["status"] == "fail"
    assert "cu128" in outcome["fix"]


def test_realsense_on_usb2_without_udev_rules():
    camera = {
        "vendor": "8086",
        "product": "0b07",
        "name": "Intel(R) RealSense(TM) Depth Camera 435",
        "speed": "480",
    }
    outcome = load_check("realsense_usb").run({"facts": {"usb_devices": [camera]}})
    assert outcome["status"] in ("warn", "fail")
    assert "480 Mb/s" in outcome["summary"]
    assert "USB 3" in outcome["fix"]
    if "udev rules NOT installed" in outcome["summary"]:  # this machine has no librealsense rules
        assert "99-realsense-libusb.rules" in outcome["fix"]


def test_no_camera_is_a_skip_unless_the_recipe_uses_one():
    run = load_check("realsense_usb").run
    assert run({"facts": {"usb_devices": []}})["status"] == "skip"
    assert run({"facts": {"usb_devices": []}, "expectations": {"realsense": True}})["status"] == "warn"


def kernel(status: dict, recipe: dict | None = None):
    return load_check("selective_scan").run(
        {"facts": {"kernel_status": status}, "expectations": recipe or {}}
    )


def test_selective_scan_judgement_of_the_kernels_self_check():
    gpu = {"name": "NVIDIA GeForce RTX 5090", "capability": "12.0"}
    good = {"importable": True, "runs_on_gpu": True, "numerics_ok": True, "max_abs_error": 3e-6, "gpu": gpu}
    assert kernel(good)["status"] == "ok"
    wrong_arch = {**good, "runs_on_gpu": False, "reason": "built for 8.0, 9.0, which cannot run on this GPU"}
    outcome = kernel(wrong_arch)
    assert outcome["status"] == "fail" and "cannot run on this GPU" in outcome["summary"]
    assert "TORCH_CUDA_ARCH_LIST" in outcome["fix"]
    assert kernel({**good, "numerics_ok": False, "max_abs_error": 0.3})["status"] == "fail"
    not_built = {"importable": False, "reason": "No module named 'posemamba_selective_scan'"}
    assert kernel(not_built)["status"] == "skip"
    assert kernel(not_built, RECIPE_RTX5090)["status"] == "fail"  # the recipe builds kernels


def test_selective_scan_in_this_install_says_why_it_cannot_run():
    outcome = load_check("selective_scan").run({})
    assert outcome["status"] == "skip"
    assert outcome["summary"]  # the reason: not installed, no kernel_status yet, or not built here


def test_gpu_arch_without_a_recipe_says_what_the_gpu_needs(knowledge):
    outcome = load_check("gpu_arch").run({"facts": {"gpus": [RTX_5090]}, "knowledge": knowledge})
    assert outcome["status"] == "ok"
    assert "compute capability 12.0, needs CUDA >= 12.8" in outcome["summary"]
    assert "cu128" in outcome["details"]
