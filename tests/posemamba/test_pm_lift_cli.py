"""`envkit lift`: 10 and 1000 frames, coco and h36m input, the golden S clip end to end, error paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from posemamba_golden import FIXTURES, assert_golden
from typer.testing import CliRunner

import posemamba
from envkit.cli import app
from posemamba import demo_model
from posemamba import keypoints as kp
from posemamba.lifting import lift_sequence

TINY = FIXTURES / "tiny_f27_d32_l2_checkpoint.bin"
S = FIXTURES / "posemamba_s_checkpoint.bin"
RNG = np.random.default_rng(3)


def _coco_walk(frames: int, width: int = 1920, height: int = 1080) -> np.ndarray:
    """A COCO-17 person in pixels drifting across the image, with confidences."""
    base = np.array(
        [(0, -170), (8, -180), (-8, -180), (16, -175), (-16, -175), (40, -120), (-40, -120), (55, -50),
         (-55, -50), (60, 20), (-60, 20), (25, 40), (-25, 40), (28, 140), (-28, 140), (30, 240), (-30, 240)],
        dtype=np.float32,
    )  # fmt: skip
    t = np.arange(frames, dtype=np.float32)[:, None]
    xy = base[None] + np.stack([width / 2 + 2 * t, height / 2 + 10 * np.sin(t / 7)], axis=-1)
    xy += RNG.normal(scale=1.5, size=xy.shape).astype(np.float32)
    conf = RNG.uniform(0.3, 1.0, size=(frames, 17, 1)).astype(np.float32)
    return np.concatenate([xy, conf], axis=-1)


def _write_input(
    path: Path, keypoints: np.ndarray, fmt: str, width: float = 1920, height: float = 1080
) -> Path:
    np.savez(path, keypoints=keypoints, width=width, height=height, format=fmt)
    return path


def _lift(*args: str) -> None:
    result = CliRunner().invoke(app, ["lift", *map(str, args)])
    assert result.exit_code == 0, result.output + repr(result.exception)


@pytest.mark.parametrize(
    ("frames", "fmt", "mapping"), [(1000, "coco", "demo"), (10, "coco", "mmpose"), (10, "h36m", None)]
)
def test_lift_writes_poses_and_settings(tmp_path: Path, frames: int, fmt: str, mapping: str | None) -> None:
    coco = _coco_walk(frames)
    keypoints = coco if fmt == "coco" else kp.coco_to_h36m(coco)
    source = _write_input(tmp_path / "in.npz", keypoints, fmt)
    extra = ["--mapping", mapping] if mapping else []
    _lift(source, "-o", tmp_path / "out.npz", "--checkpoint", TINY, *extra)
    out = np.load(tmp_path / "out.npz")
    poses = out["poses3d"]
    assert poses.shape == (frames, 17, 3) and poses.dtype == np.float32
    assert np.isfinite(poses).all() and (poses[:, 0] == 0).all()
    # The same pipeline called directly: the command wires mapping, normalisation and clips as documented.
    model = posemamba.load(TINY)
    h36m = kp.coco_to_h36m(coco, method=mapping) if fmt == "coco" else keypoints
    want = lift_sequence(model, kp.normalize_screen(h36m, 1920, 1080))
    np.testing.assert_allclose(poses, want, atol=1e-6)
    assert str(out["format"]) == fmt and str(out["mapping"]) == (mapping or "none")
    assert str(out["checkpoint"]) == str(TINY.resolve()) and str(out["variant"]) == "custom"
    assert (int(out["frames"]), int(out["dim"]), int(out["depth"])) == (27, 32, 2)
    assert float(out["width"]) == 1920 and float(out["height"]) == 1080 and not bool(out["flip_tta"])
    assert str(out["backend"]) in posemamba.scan.BACKENDS and str(out["envkit_version"])


@pytest.mark.slow
def test_lift_reproduces_golden_s_with_flip_tta(tmp_path: Path) -> None:
    """PoseMamba-S through the whole command: pixels in, the original's flip-TTA root-zeroed output out."""
    io = np.load(FIXTURES / "posemamba_s_io.npz")
    pixels = kp.denormalize_screen(io["input_raw_xyconf"][0], 1000, 1002)
    source = _write_input(tmp_path / "in.npz", pixels, "h36m", 1000, 1002)
    _lift(source, "-o", tmp_path / "out.npz", "--checkpoint", S, "--flip-tta")
    out = np.load(tmp_path / "out.npz")
    assert_golden(out["poses3d"], io["output_pipeline_rootzeroed"][0], "envkit lift, S, flip-TTA")
    assert str(out["variant"]) == "S" and bool(out["flip_tta"])


def _run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "envkit", "lift", *map(str, args)], capture_output=True, text=True, check=False
    )


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list, str]]:
    good = _coco_walk(12)
    text = tmp_path / "weights.bin"
    text.write_text("not weights")
    np.savez(tmp_path / "no_format.npz", keypoints=good, width=1920, height=1080)
    existing = tmp_path / "existing.npz"
    existing.write_bytes(b"keep me")
    ok = _write_input(tmp_path / "ok.npz", good, "coco")
    whole = ok.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(whole[: len(whole) // 2])
    np.save(tmp_path / "plain.npy", good)
    np.savez_compressed(tmp_path / "deflated.npz", keypoints=good, width=1920, height=1080, format="coco")
    deflated = bytearray((tmp_path / "deflated.npz").read_bytes())
    deflated[200:260] = bytes(60)  # inside the first member's compressed data
    (tmp_path / "corrupt.npz").write_bytes(bytes(deflated))
    return {
        "truncated npz": ([tmp_path / "truncated.npz", "--checkpoint", TINY], "not a readable .npz"),
        "plain npy": ([tmp_path / "plain.npy", "--checkpoint", TINY], "not an .npz archive"),
        "corrupt deflate": ([tmp_path / "corrupt.npz", "--checkpoint", TINY], "not a readable .npz"),
        "missing input": ([tmp_path / "nope.npz", "--checkpoint", TINY], "does not exist"),
        "missing key": ([tmp_path / "no_format.npz", "--checkpoint", TINY], "has no 'format'"),
        "wrong shape": (
            [_write_input(tmp_path / "shape.npz", good[:, :16], "coco"), "--checkpoint", TINY],
            "expected (frames >= 1, 17, 2 or 3)",
        ),
        "no frames": (
            [_write_input(tmp_path / "empty.npz", good[:0], "coco"), "--checkpoint", TINY],
            "frames >= 1",
        ),
        "bad format": (
            [_write_input(tmp_path / "fmt.npz", good, "openpose"), "--checkpoint", TINY],
            "expected 'coco' or 'h36m'",
        ),
        "bad size": (
            [_write_input(tmp_path / "size.npz", good, "coco", 0, 1080), "--checkpoint", TINY],
            "positive",
        ),
        "not an npz": ([text, "--checkpoint", TINY], "not a readable .npz"),
        "object array": (
            [
                _write_input(tmp_path / "objects.npz", np.array([None], dtype=object), "coco"),
                "--checkpoint",
                TINY,
            ],
            "Object arrays cannot be loaded",
        ),
        "bad checkpoint": ([ok, "--checkpoint", text], "cannot be read as a PyTorch checkpoint"),
        "missing checkpoint": ([ok, "--checkpoint", tmp_path / "none.bin"], "does not exist"),
        "unknown backend": (
            [ok, "--checkpoint", TINY, "--backend", "fast"],
            "unknown selective-scan backend",
        ),
        "output exists": ([ok, "--checkpoint", TINY, "-o", existing], "already exists"),
        "bad mapping": ([ok, "--checkpoint", TINY, "--mapping", "midpoints"], "unknown mapping"),
        "nan keypoints": (
            [
                _write_input(
                    tmp_path / "nan.npz", np.where(np.arange(12)[:, None, None] == 5, np.nan, good), "coco"
                ),
                "--checkpoint",
                TINY,
            ],
            "NaN",
        ),
    }


BAD_INPUT_CASES = (
    "truncated npz", "plain npy", "corrupt deflate",
    "missing input", "missing key", "wrong shape", "no frames", "bad format", "bad size", "not an npz",
    "object array", "bad checkpoint", "missing checkpoint", "unknown backend",
    "output exists", "bad mapping", "nan keypoints",
)  # fmt: skip


@pytest.mark.parametrize("case", BAD_INPUT_CASES)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSEMAMBA_CHECKPOINT", raising=False)
    args, expected = _bad_inputs(tmp_path)[case]
    if "-o" not in args:
        args = [*args, "-o", tmp_path / "out.npz"]
    done = _run_cli(*args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "fix:" in lines[0], done.stderr
    assert not (tmp_path / "out.npz").exists()
    assert (tmp_path / "existing.npz").read_bytes() == b"keep me"


def test_without_a_checkpoint_the_demo_model_lifts_and_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("POSEMAMBA_CHECKPOINT", raising=False)
    source = _write_input(tmp_path / "in.npz", _coco_walk(100), "coco")
    done = _run_cli(source, "-o", tmp_path / "out.npz")
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("lift: 3D: the demo PoseMamba") and "held-out mocap MPJPE" in last
    assert "github.com/nankingjing/PoseMamba" in last, "where research weights come from"
    out = np.load(tmp_path / "out.npz")
    assert str(out["checkpoint"]) == str(demo_model.WEIGHTS.resolve())
    assert np.isfinite(out["poses3d"]).all() and out["poses3d"].shape == (100, 17, 3)
    coco = np.load(source)["keypoints"]
    want = lift_sequence(posemamba.load("demo"), kp.normalize_screen(kp.coco_to_h36m(coco), 1920, 1080))
    np.testing.assert_allclose(out["poses3d"], want, atol=1e-5)


def test_unavailable_backend_is_a_usage_error(tmp_path: Path) -> None:
    if posemamba.scan.available("cuda")[0]:
        pytest.skip("the cuda scan backend is available here: nothing to refuse")
    source = _write_input(tmp_path / "in.npz", _coco_walk(5), "coco")
    done = _run_cli(source, "-o", tmp_path / "out.npz", "--checkpoint", TINY, "--backend", "cuda")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "scan backend cuda cannot run here" in done.stderr
    assert not (tmp_path / "out.npz").exists()
