"""On a machine with an NVIDIA GPU: the GPU checks judge the real device, driver and torch build."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from envkit.doctor import run_checks

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module", autouse=True)
def gpu():
    if (
        shutil.which("nvidia-smi") is None
        or subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode
    ):
        pytest.skip("no NVIDIA GPU here (nvidia-smi is absent or finds none)")


def test_gpu_checks_answer_with_the_real_device():
    results = {
        r.id: r
        for r in run_checks(only=["driver_cuda", "gpu_arch", "torch_arch", "mmcv_ext", "selective_scan"])
    }
    for result in results.values():
        assert "the check itself raised" not in result.summary, result.details
        assert "was killed" not in result.summary and "no answer within" not in result.summary, result
    assert results["driver_cuda"].status in ("ok", "fail") and results["driver_cuda"].summary.startswith(
        "driver"
    )
    assert results["gpu_arch"].status != "skip", results["gpu_arch"]
