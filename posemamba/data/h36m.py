"""MotionBERT's preprocessed Human3.6M file (`h36m_sh_conf_cam_source_final.pkl`): layout, safe reading.

Layout (research posemamba-training.md 1.1; key lists from a dump of the real file, LeyangWen/vicon-read
conversion_scripts/c3d_to_MB.py:215-220): a pickled dict {"train": {...}, "test": {...}} with, per frame,

    joint_2d           (N, 17, >=2)  stacked-hourglass 2D detections, pixels       train, test
    confidence         (N, 17) or (N, 17, 1)                                       train, test
    joint3d_image      (N, 17, >=3)  3D target, x y in pixels, z scaled alike      train, test
    camera_name        (N,)  '54138969' | '55011271' | '58860488' | '60457274'     train, test
    source             (N,)  video id, e.g. 's_09_act_05_subact_02_ca_01'          train, test
    joints_2.5d_image  (N, 17, 3)    ground truth in millimetres                   test
    2.5d_factor        (N,)          pixels -> millimetres, per frame              test
    action             (N,)          action name                                   test

The raw dtypes are UNKNOWN (the original casts everything to float32, datareader_h36m.py:26,47,61):
any float array is accepted; string columns may be lists or numpy arrays. The file is unpickled with an
allowlist of the numpy globals an array pickle needs (under numpy 1.x and 2.x module names), never
with plain pickle.load, so a file from elsewhere cannot run code.
"""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posemamba.errors import DataFileError
from posemamba.keypoints import NUM_JOINTS, normalize_screen

FILE_NAME = "h36m_sh_conf_cam_source_final.pkl"
SPLITS = ("train", "test")
COMMON_KEYS = ("joint_2d", "confidence", "joint3d_image", "camera_name", "source")
TEST_KEYS = ("joints_2.5d_image", "2.5d_factor", "action")
# (width, height) in pixels per camera, hard-coded in MotionBERT datareader_h36m.py:30-35.
CAMERA_RESOLUTION: dict[str, tuple[int, int]] = {
    "54138969": (1000, 1002),
    "55011271": (1000, 1000),
    "58860488": (1000, 1000),
    "60457274": (1000, 1002),
}
_FIX = f"pass MotionBERT's preprocessed Human3.6M file ({FILE_NAME}, see the README's 'Train and evaluate')"

# What a pickle of numpy arrays and scalars references (numpy 1.x module path, numpy 2.x path).
_NUMPY_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("collections", "OrderedDict"),
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, strings and numpy arrays; refuses every other global."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in _NUMPY_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        if module.startswith("numpy._core"):
            try:
                return super().find_class(module, name)
            except ImportError:  # a file written by numpy 2 read under numpy 1.x
                module = module.replace("numpy._core", "numpy.core")
        return super().find_class(module, name)


@dataclass(frozen=True)
class SplitArrays:
    """One split of the file, normalised as the original's DataReaderH36M (datareader_h36m.py:26-82).

    inputs (N, 17, 2) float32: x/w*2-1, y/w*2-h/w (confidence dropped: no_conf); labels (N, 17, 3)
    float32: x, y alike and z/w*2; videos (N,) int32 codes into video_names; cameras (N,) int8 codes into
    camera_names. Test only: gt_mm (N, 17, 3) float32 joints_2.5d_image, factors (N,) float64 2.5d_factor,
    actions (N,) int16 codes into action_names.
    """

    inputs: np.ndarray
    labels: np.ndarray
    videos: np.ndarray
    video_names: list[str]
    cameras: np.ndarray
    camera_names: list[str]
    gt_mm: np.ndarray | None = None
    factors: np.ndarray | None = None
    actions: np.ndarray | None = None
    action_names: list[str] | None = None


def read_pickle(path: str | Path) -> dict:
    """The raw dict of the file at `path` (DataFileError when missing, not a pickle or another layout)."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"data file {path} does not exist or is not a file", fix=_FIX)
    try:
        with open(path, "rb") as handle:
            data = _ArrayUnpickler(handle).load()
    except pickle.UnpicklingError as error:
        raise DataFileError(f"{path} is not a Human3.6M data file ({error})", fix=_FIX) from None
    # Foreign or truncated bytes fail with many exception types (EOFError, ValueError, KeyError, ...).
    except Exception as error:
        raise DataFileError(
            f"{path} cannot be read as a pickle (truncated or another format: {type(error).__name__}: "
            f"{str(error).strip()[:120]})",
            fix=_FIX,
        ) from None
    check_layout(data, path)
    return data


def _column(split: dict, key: str, name: str, path: Path) -> object:
    """The entry `key` of a split (an array or a list: only its length and items are used)."""
    if key not in split:
        raise DataFileError(f"{path}: split '{name}' has no '{key}' entry", fix=_FIX)
    if not hasattr(split[key], "__len__"):
        raise DataFileError(
            f"{path}: '{name}/{key}' is a {type(split[key]).__name__}, not per-frame values", fix=_FIX
        )
    return split[key]


def check_layout(data: object, path: Path) -> None:
    """Raise DataFileError naming the first key, shape or value that differs from the layout above."""
    if not isinstance(data, dict) or any(name not in data for name in SPLITS):
        kind = (
            f"a dict with keys {sorted(map(str, data))[:6]}"
            if isinstance(data, dict)
            else type(data).__name__
        )
        raise DataFileError(f"{path} holds {kind}, not {{'train': ..., 'test': ...}}", fix=_FIX)
    for name in SPLITS:
        split = data[name]
        if not isinstance(split, dict):
            raise DataFileError(f"{path}: '{name}' is a {type(split).__name__}, not a dict", fix=_FIX)
        keys = COMMON_KEYS + (TEST_KEYS if name == "test" else ())
        frames = len(_column(split, "joint_2d", name, path))
        for key in keys:
            column = _column(split, key, name, path)
            if len(column) != frames:
                raise DataFileError(
                    f"{path}: '{name}/{key}' has {len(column)} frames, 'joint_2d' has {frames}", fix=_FIX
                )
        _check_shape(split, name, "joint_2d", 2, path)
        _check_shape(split, name, "joint3d_image", 3, path)
        if name == "test":
            _check_shape(split, name, "joints_2.5d_image", 3, path)
        unknown = sorted(
            set(map(str, np.unique(_column(split, "camera_name", name, path)))) - set(CAMERA_RESOLUTION)
        )
        if unknown:
            raise DataFileError(
                f"{path}: '{name}/camera_name' has unknown cameras {unknown[:4]} "
                f"(known: {', '.join(CAMERA_RESOLUTION)})",
                fix=_FIX,
            )


def _check_shape(split: dict, name: str, key: str, channels: int, path: Path) -> None:
    array = split[key]
    shape = getattr(array, "shape", None)
    if shape is None or len(shape) != 3 or shape[1] != NUM_JOINTS or shape[2] < channels:
        raise DataFileError(
            f"{path}: '{name}/{key}' has shape {shape}, expected (frames, 17, >={channels})", fix=_FIX
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise DataFileError(f"{path}: '{name}/{key}' has dtype {array.dtype}, expected floats", fix=_FIX)


def _codes(column: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Integer codes per frame and the sorted distinct strings they index."""
    names, codes = np.unique(column.astype(str), return_inverse=True)
    return codes.astype(np.int32), [str(n) for n in names]


def normalise_split(split: dict, name: str) -> SplitArrays:
    """The arrays of one split, normalised per camera exactly as the original reader does."""
    cameras, camera_names = _codes(np.asarray(split["camera_name"]))
    inputs = np.asarray(split["joint_2d"])[..., :2].astype(np.float32)
    labels = np.asarray(split["joint3d_image"])[..., :3].astype(np.float32)
    for code, camera in enumerate(camera_names):
        width, height = CAMERA_RESOLUTION[camera]
        rows = cameras == code
        inputs[rows] = normalize_screen(inputs[rows], width, height)
        labels[rows] = normalize_screen(labels[rows], width, height)
        labels[rows, :, 2] = labels[rows, :, 2] / width * 2
    videos, video_names = _codes(np.asarray(split["source"]))
    arrays = SplitArrays(inputs, labels, videos, video_names, cameras.astype(np.int8), camera_names)
    if name != "test":
        return arrays
    actions, action_names = _codes(np.asarray(split["action"]))
    return dataclasses.replace(
        arrays,
        gt_mm=np.asarray(split["joints_2.5d_image"])[..., :3].astype(np.float32),
        factors=np.asarray(split["2.5d_factor"]).astype(np.float64).reshape(-1),
        actions=actions.astype(np.int16),
        action_names=action_names,
    )
