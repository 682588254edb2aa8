"""Two epochs on the small file: loss, checkpoints in the released layout, resume, MLflow, round-trip."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
import torch
from mlflow.tracking import MlflowClient

import posemamba
from posemamba.checkpoint import read_checkpoint
from posemamba.train.config import KEYS, load_config
from posemamba.train.tracking import default_uri
from tests.train.conftest import train_cli

pytestmark = pytest.mark.slow


def _metric_history(out: Path, key: str) -> list[float]:
    client = MlflowClient(tracking_uri=default_uri(out))
    run = client.search_runs([client.get_experiment_by_name("PoseMamba").experiment_id])[0]
    return [m.value for m in sorted(client.get_metric_history(run.info.run_id, key), key=lambda m: m.step)]


def test_loss_decreases_over_two_epochs(two_epochs: Path) -> None:
    losses = _metric_history(two_epochs, "train_loss_total")
    assert len(losses) == 2
    assert losses[1] < losses[0]


def test_checkpoints_have_the_released_layout_and_load(two_epochs: Path) -> None:
    names = {p.name for p in two_epochs.glob("*.bin")}
    # checkpoint_frequency 1: the periodic files of both 0-based epochs as well.
    assert names == {"best_epoch.bin", "latest_epoch.bin", "epoch_0.bin", "epoch_1.bin"}
    latest = read_checkpoint(two_epochs / "latest_epoch.bin")
    assert list(latest) == ["epoch", "lr", "optimizer", "model_pos", "min_loss"]
    assert latest["epoch"] == 2
    assert latest["lr"] == pytest.approx(0.002 * 0.99**2)
    assert isinstance(latest["min_loss"], np.float64)
    assert all(key.startswith("module.") for key in latest["model_pos"])
    assert set(latest["optimizer"]) == {"state", "param_groups"}
    for name in ("best_epoch.bin", "latest_epoch.bin"):
        model = posemamba.load(two_epochs / name)
        assert (model.frames, model.dim, model.depth) == (9, 8, 2)
        saved = read_checkpoint(two_epochs / name)["model_pos"]
        for key, value in model.state_dict().items():
            assert torch.equal(value, saved["module." + key])
    # best_epoch.bin holds the epoch with the lowest test MPJPE, and its min_loss is that MPJPE.
    p1 = _metric_history(two_epochs, "val_mpjpe")
    best = read_checkpoint(two_epochs / "best_epoch.bin")
    assert best["epoch"] == int(np.argmin(p1)) + 1
    assert best["min_loss"] == pytest.approx(min(p1))
    assert latest["min_loss"] == pytest.approx(min(p1))


def test_saved_config_round_trips(two_epochs: Path, tiny_config: Path) -> None:
    saved = load_config(two_epochs / "config.yaml")
    original = load_config(tiny_config)
    assert saved == original
    assert list(saved) == list(KEYS)


def test_resume_after_epoch_one_gives_the_same_epoch_two_weights(
    two_epochs: Path, small_pkl: Path, tiny_config: Path, cache_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "resumed"
    base = ["--data", str(small_pkl), "--out", str(out), "--device", "cpu", "--workers", "0", "--no-mlflow"]
    assert train_cli(["--config", str(tiny_config), "--epochs", "1", *base], cache_dir) == 0
    assert read_checkpoint(out / "latest_epoch.bin")["epoch"] == 1
    # --resume without --config: the run's own config.yaml, with epochs raised to 2.
    assert train_cli(["--resume", "--epochs", "2", *base], cache_dir) == 0
    resumed = read_checkpoint(out / "latest_epoch.bin")
    straight = read_checkpoint(two_epochs / "latest_epoch.bin")
    assert resumed["epoch"] == straight["epoch"] == 2
    assert resumed["lr"] == straight["lr"]
    for key, value in straight["model_pos"].items():
        assert torch.equal(resumed["model_pos"][key], value), key
    moments = zip(
        resumed["optimizer"]["state"].values(), straight["optimizer"]["state"].values(), strict=True
    )
    for got, want in moments:
        assert torch.equal(got["exp_avg_sq"], want["exp_avg_sq"])
    assert resumed["min_loss"] == straight["min_loss"]


def test_mlflow_run_has_params_metrics_artifacts_and_tags(two_epochs: Path, tiny_config: Path) -> None:
    client = MlflowClient(tracking_uri=default_uri(two_epochs))
    experiment = client.get_experiment_by_name("PoseMamba")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED"
    config = load_config(tiny_config)
    for key, value in config.items():
        assert run.data.params[key] == str(value), key
    assert run.data.params["run.precision"] == "fp32"
    for key in (
        "train_loss_total",
        "train_loss_3d_pos",
        "train_loss_3d_scale",
        "train_loss_3d_velocity",
        "train_loss_diff",
        "learning_rate",
        "val_mpjpe",
        "val_p_mpjpe",
        "best_mpjpe",
        "samples_per_s",
    ):
        history = client.get_metric_history(run.info.run_id, key)
        assert sorted(m.step for m in history) == [1, 2], key  # fmt: skip
    assert _metric_history(two_epochs, "learning_rate") == pytest.approx([0.002, 0.002 * 0.99])
    assert run.data.tags["envkit_version"] == metadata.version("envkit")
    assert len(run.data.tags["git_commit"]) in (40, len("unknown"))
    artifacts = {
        a.path for folder in ("config", "checkpoints") for a in client.list_artifacts(run.info.run_id, folder)
    }
    assert artifacts == {"config/config.yaml", "checkpoints/best_epoch.bin", "checkpoints/latest_epoch.bin"}
    # The artifacts sit in the output folder, beside mlflow.db: `mlflow ui` there shows them.
    assert (two_epochs / "mlflow.db").is_file()
    assert experiment.artifact_location == (two_epochs.resolve() / "mlruns").as_uri()
    local = client.download_artifacts(run.info.run_id, "config/config.yaml")
    assert load_config(local) == config


def test_a_folder_with_a_run_is_not_overwritten(
    two_epochs: Path, small_pkl: Path, tiny_config: Path, cache_dir: Path, capsys
) -> None:
    before = (two_epochs / "latest_epoch.bin").read_bytes()
    args = ["--config", str(tiny_config), "--data", str(small_pkl), "--out", str(two_epochs), "--no-mlflow"]
    assert train_cli(args, cache_dir) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds a training run" in err[0] and "fix: pass --resume" in err[0]
    assert (two_epochs / "latest_epoch.bin").read_bytes() == before
