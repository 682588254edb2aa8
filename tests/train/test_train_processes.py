"""Real processes: two gloo ranks under torchrun against one process, and Ctrl-C in the middle of an epoch."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from posemamba.checkpoint import read_checkpoint
from posemamba.errors import PoseMambaError
from tests.train.conftest import child_env

pytestmark = pytest.mark.slow


def _run(command: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def test_two_gloo_processes_train_the_same_weights_as_one(
    two_epochs: Path, small_pkl: Path, tiny_config: Path, cache_dir: Path, tmp_path: Path
) -> None:
    """Same config, same global batch of 4 (2 per rank). Drop-path and flips stay on: they are drawn
    per clip from (seed, epoch, clip), so the split of a batch over processes does not change them."""
    out = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               "-m", "posemamba.train", "--config", str(tiny_config), "--data", str(small_pkl),
               "--out", str(out), "--device", "cpu", "--workers", "0", "--no-mlflow"]  # fmt: skip
    done = _run(command, child_env(cache_dir))
    assert done.returncode == 0, done.stderr[-3000:]
    ddp = read_checkpoint(out / "latest_epoch.bin")
    single = read_checkpoint(two_epochs / "latest_epoch.bin")
    assert ddp["epoch"] == single["epoch"] == 2
    assert list(ddp["model_pos"]) == list(single["model_pos"])  # `module.` keys either way
    for key, value in single["model_pos"].items():
        # Gradients averaged over two half-batches differ from one batch's in the last bits only.
        torch.testing.assert_close(ddp["model_pos"][key], value, rtol=1e-4, atol=1e-5, msg=key)
    # The sharded evaluation adds up to the same test MPJPE.
    assert float(ddp["min_loss"]) == pytest.approx(float(single["min_loss"]), rel=1e-4)
    # Only rank 0 wrote: one config, no stray files from rank 1.
    assert sorted(p.name for p in out.iterdir()) == sorted(
        p.name
        for p in two_epochs.iterdir()
        if p.suffix != ".db" and p.name not in ("mlruns", "mlflow_run.json")
    )


@pytest.mark.parametrize(
    ("signum", "code", "said", "tracked"),
    [
        (signal.SIGINT, 130, "interrupted", False),  # Ctrl-C
        (signal.SIGTERM, 143, "terminated (SIGTERM)", True),  # docker stop, a scheduler, torchrun
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_a_stop_mid_epoch_keeps_the_last_checkpoint_and_resumes(
    signum: int, code: int, said: str, tracked: bool, small_pkl: Path, tiny_config: Path, cache_dir: Path,
    tmp_path: Path,
) -> None:  # fmt: skip
    out = tmp_path / "interrupted"
    base = [sys.executable, "-m", "posemamba.train", "--data", str(small_pkl), "--out", str(out),
            "--device", "cpu", "--workers", "0", "--epochs", "3"]  # fmt: skip
    base += [] if tracked else ["--no-mlflow"]
    child = subprocess.Popen(
        [*base, "--config", str(tiny_config)], env=child_env(cache_dir), stderr=subprocess.PIPE, text=True
    )
    latest = out / "latest_epoch.bin"
    deadline = time.monotonic() + 600
    while not latest.is_file() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, "training ended before its first checkpoint"
    child.send_signal(signum)  # right after epoch 1's first file: while its others are written, or later
    _, err = child.communicate(timeout=300)
    assert child.returncode == code, err[-2000:]
    assert f"posemamba.train: {said}; the last complete checkpoint is" in err
    kept = read_checkpoint(latest)  # complete and loadable
    assert 1 <= kept["epoch"] < 3
    assert (out / f"epoch_{kept['epoch'] - 1}.bin").is_file(), "the epoch's periodic file was written too"
    assert not list(out.glob(".*partial*")), "a temporary checkpoint was left behind"
    if tracked:
        assert _mlflow_statuses(out) == ["KILLED"]
    done = _run([*base, "--resume"], child_env(cache_dir))
    assert done.returncode == 0, done.stderr[-2000:]
    assert read_checkpoint(latest)["epoch"] == 3
    if tracked:
        assert _mlflow_statuses(out) == ["FINISHED"], "the resumed run is the same MLflow run"


def _mlflow_statuses(out: Path) -> list[str]:
    from mlflow.tracking import MlflowClient

    from posemamba.train.tracking import default_uri

    client = MlflowClient(tracking_uri=default_uri(out))
    return [
        run.info.status
        for run in client.search_runs([client.get_experiment_by_name("PoseMamba").experiment_id])
    ]


def test_resume_needs_a_run(tmp_path: Path, tiny_config: Path) -> None:
    from posemamba.train.config import load_config
    from posemamba.train.output import prepare_output

    with pytest.raises(PoseMambaError, match="nothing to resume"):
        prepare_output(load_config(tiny_config), tmp_path, resume=True, main=True)
