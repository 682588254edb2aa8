"""Fixtures of the training tests: a small file in the real layout, a tiny config, one shared run.

The model is tiny (9 frames, dim 8, depth 2: drop-path is active in the second block) and the data
small (synthetic.small_layout with one camera): a training step takes about 0.1 s on an idle core and a
few seconds at a load average of 14 on 2 cores. Training runs with one torch thread: on a machine
loaded beyond its cores two OpenMP threads spin at every op's barrier (README, "PoseMamba speed").
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest
import torch

from posemamba.data import synthetic
from posemamba.terminal import run_app

CONFIG = """\
epochs: 2
checkpoint_frequency: 1
batch_size: 4
learning_rate: 0.002
maxlen: 9
clip_len: 9
data_stride: 9
dim_feat: 8
depth: 2
"""
# Train: 4 videos of 27 frames -> 12 clips of 9 frames (3 batches of 4, so a global batch splits evenly
# over 2 processes). Test: both test subjects, 4 actions (3 of them with a skipped S9 sequence),
# lengths 20, 37 and 6 (a stretched clip).
TRAIN_LENGTHS = (27,)
TEST_LENGTHS = (20, 37, 6)


@contextlib.contextmanager
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private ENVKIT_CACHE_DIR for converted data (the compiled CPU scan is reused from the real one)."""
    return tmp_path_factory.mktemp("data-cache")


@pytest.fixture(scope="session")
def small_pkl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    train, test = synthetic.small_layout(TRAIN_LENGTHS, TEST_LENGTHS, cameras=1, train_subjects=1)
    return synthetic.write(tmp_path_factory.mktemp("data") / "h36m_sh_conf_cam_source_final.pkl", train, test)


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "tiny.yaml"
    path.write_text(CONFIG)
    return path


def child_env(cache: Path) -> dict[str, str]:
    """Environment of a training subprocess: one thread, the test's data cache, this checkout first."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return {**os.environ, "OMP_NUM_THREADS": "1", "POSEMAMBA_DATA_CACHE": str(cache), "PYTHONPATH": path}


def train_cli(args: list[str], cache: Path) -> int:
    """`python -m posemamba.train ARGS` in this process (one torch thread); its exit code."""
    from posemamba.train.__main__ import app

    with one_thread(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSEMAMBA_DATA_CACHE", str(cache))
        return run_app(app, "python -m posemamba.train", args)


def eval_cli(args: list[str], cache: Path) -> int:
    from posemamba.eval import app

    with one_thread(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSEMAMBA_DATA_CACHE", str(cache))
        return run_app(app, "python -m posemamba.eval", args)


@pytest.fixture(scope="session")
def two_epochs(tmp_path_factory, small_pkl: Path, tiny_config: Path, cache_dir: Path) -> Path:
    """One 2-epoch run through the command line with MLflow in its output folder (shared by tests)."""
    out = tmp_path_factory.mktemp("run") / "tiny"
    code = train_cli(
        ["--config", str(tiny_config), "--data", str(small_pkl), "--out", str(out), "--device", "cpu",
         "--workers", "0"],
        cache_dir,
    )  # fmt: skip
    assert code == 0, f"training exited {code}"
    return out


PYTHON = sys.executable
