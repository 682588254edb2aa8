"""Lift a file of 2D keypoints (.npz, pixels) to a file of root-relative 3D poses (.npz).

INPUT holds `keypoints` (T, 17, 2|3) in pixels, `width`, `height` and `format` (coco|h36m). OUTPUT gets
`poses3d` (T, 17, 3), root-relative (pelvis = 0), in the model's normalised units (x, y divided by
width/2 like the input), plus the settings used. Any T >= 1: sequences are cut into clips
(posemamba.keypoints.split_clips). The output is written to a temporary file and renamed, so an error
or Ctrl-C never leaves a half-written file. Every bad input raises a PoseMambaError with the fix.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from posemamba.device import check_device
from posemamba.errors import PoseMambaError
from posemamba.files import save_npz
from posemamba.scan.choice import usable_backend

FORMATS = ("coco", "h36m")
MAPPINGS = ("demo", "mmpose")
INPUT_FIX = (
    "save an .npz with keypoints (frames, 17, 2 or 3) in pixels, width, height and format "
    "('coco' or 'h36m'), e.g. np.savez(path, keypoints=k, width=1920, height=1080, format='coco')"
)


class KeypointFileError(PoseMambaError):
    """A 2D keypoint file that cannot be read, or an output that cannot be written."""


@dataclass(frozen=True)
class KeypointFile:
    keypoints: np.ndarray  # (T, 17, 2|3) float32, pixels
    width: float
    height: float
    format: str  # coco | h36m


@dataclass(frozen=True)
class LiftResult:
    output: Path
    frames: int
    variant: str
    backend: str
    flip_tta: bool
    seconds: float

    def line(self) -> str:
        return (
            f"wrote {self.output}: {self.frames} frames, PoseMamba-{self.variant}, scan backend "
            f"{self.backend}, flip-TTA {'on' if self.flip_tta else 'off'}, {self.seconds:.1f} s"
        )


def _scalar(data: dict[str, np.ndarray], key: str, path: Path) -> Any:
    value = data[key]
    if value.size != 1:
        raise KeypointFileError(f"{path}: '{key}' must be a single value, got shape {value.shape}", INPUT_FIX)
    return value.reshape(()).item()


def _load_members(path: Path) -> dict[str, np.ndarray]:
    keys = ("keypoints", "width", "height", "format")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):  # a plain .npy gives one array
            raise KeypointFileError(f"{path} is a single array, not an .npz archive", INPUT_FIX)
        with loaded as archive:
            missing = [key for key in keys if key not in archive.files]
            if missing:
                raise KeypointFileError(f"{path} has no {', '.join(repr(k) for k in missing)}", INPUT_FIX)
            return {key: archive[key] for key in keys}
    except KeypointFileError:
        raise
    except (
        OSError,
        ValueError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
        KeyError,
        NotImplementedError,
        RuntimeError,
    ) as error:
        # another format, a truncated or corrupt archive, pickled (object) members refused; zipfile raises
        # NotImplementedError / RuntimeError for a damaged header's version, flag bits or "encrypted" bit
        raise KeypointFileError(f"{path} is not a readable .npz file ({error})", INPUT_FIX) from None


def read_keypoints(path: Path) -> KeypointFile:
    """The keypoints (float32), width, height and format of INPUT, each checked."""
    if not path.is_file():
        raise KeypointFileError(f"input {path} does not exist", "give the path of a 2D keypoints .npz file")
    data = _load_members(path)
    keypoints = data["keypoints"]
    if keypoints.ndim != 3 or keypoints.shape[0] < 1 or keypoints.shape[1:] not in ((17, 2), (17, 3)):
        raise KeypointFileError(
            f"{path}: 'keypoints' has shape {keypoints.shape}, expected (frames >= 1, 17, 2 or 3)", INPUT_FIX
        )
    if not np.issubdtype(keypoints.dtype, np.number):
        raise KeypointFileError(
            f"{path}: 'keypoints' has dtype {keypoints.dtype}, expected numbers", INPUT_FIX
        )
    width, height, keypoint_format = (_scalar(data, key, path) for key in ("width", "height", "format"))
    try:
        width, height = float(width), float(height)
    except (TypeError, ValueError):
        raise KeypointFileError(f"{path}: width and height must be numbers", INPUT_FIX) from None
    if not (width > 0 and height > 0 and np.isfinite(width) and np.isfinite(height)):
        raise KeypointFileError(
            f"{path}: width {width} and height {height} must be positive pixels", INPUT_FIX
        )
    if isinstance(keypoint_format, bytes):
        keypoint_format = keypoint_format.decode(errors="replace")
    if str(keypoint_format) not in FORMATS:
        raise KeypointFileError(
            f"{path}: format is {keypoint_format!r}, expected 'coco' or 'h36m'", INPUT_FIX
        )
    return KeypointFile(keypoints.astype(np.float32), width, height, str(keypoint_format))


def _check_output(input_path: Path, output: Path, overwrite: bool) -> None:
    if output.resolve() == input_path.resolve():
        raise KeypointFileError("the output would overwrite the input keypoints", "give another path with -o")
    if output.exists() and not overwrite:
        raise KeypointFileError(f"{output} already exists", "choose another -o path or pass --overwrite")
    if not output.parent.is_dir():
        raise KeypointFileError(
            f"folder {output.parent} does not exist", "create it or choose another -o path"
        )


def distribution_version() -> str:
    """The installed version of the distribution that carries posemamba ("envkit"), or "unknown"."""
    try:
        return metadata.version("envkit")
    except metadata.PackageNotFoundError:
        return "unknown"


def lift_file(
    input_path: Path,
    output: Path,
    checkpoint: Path,
    *,
    flip_tta: bool = False,
    backend: str | None = None,
    mapping: str = "demo",
    device: str = "cpu",
    overwrite: bool = False,
) -> LiftResult:
    """Read INPUT, lift it with the checkpoint, write OUTPUT atomically (settings included)."""
    if mapping not in MAPPINGS:
        raise PoseMambaError(f"unknown mapping {mapping!r}", "use --mapping demo or --mapping mmpose")
    _check_output(input_path, output, overwrite)
    source = read_keypoints(input_path)
    check_device(device)
    scan_backend = usable_backend(device, backend)

    import posemamba
    from posemamba import keypoints as kp
    from posemamba.lifting import lift_sequence

    model = posemamba.load(checkpoint, device=device)
    model.scan_backend = backend
    coco = source.format == "coco"
    h36m = kp.coco_to_h36m(source.keypoints, method=mapping) if coco else source.keypoints
    started = time.perf_counter()
    poses3d = lift_sequence(model, kp.normalize_screen(h36m, source.width, source.height), flip_tta=flip_tta)
    seconds = time.perf_counter() - started
    settings = {
        "checkpoint": str(Path(checkpoint).resolve()),
        "variant": model.variant,
        "frames": model.frames,
        "dim": model.dim,
        "depth": model.depth,
        "backend": scan_backend,
        "device": device,
        "flip_tta": flip_tta,
        "format": source.format,
        "mapping": mapping if coco else "none",
        "clips": f"{model.frames}-frame clips, last one end-aligned (overlapping); shorter ones resampled",
        "width": source.width,
        "height": source.height,
        "envkit_version": distribution_version(),
    }
    try:
        save_npz(output, {"poses3d": poses3d, **{k: np.asarray(v) for k, v in settings.items()}})
    except OSError as error:
        raise KeypointFileError(
            f"cannot write {output}: {error.strerror}", "give a writable path with -o"
        ) from None
    return LiftResult(output, len(poses3d), model.variant, scan_backend, flip_tta, seconds)
