"""The data file converted once into memory-mappable .npy arrays, so DataLoader workers share pages.

The pickle holds ~2.1 M frames; unpickling it in every worker (or slicing it into 20 k clip pickles,
as the original does) multiplies the RAM. Converted, a split is a few flat float32 arrays that every
process maps read-only: the page cache holds one copy however many workers read it. A converted folder:

    manifest.json                format, sha256 and size of the source file, frame counts, names
    {train,test}_inputs.npy      (N, 17, 2) float32   normalised 2D input
    {train,test}_labels.npy      (N, 17, 3) float32   normalised 3D target
    {train,test}_videos.npy      (N,) int32           codes into manifest videos
    {train,test}_cameras.npy     (N,) int8            codes into manifest cameras
    test_gt_mm.npy               (N, 17, 3) float32   joints_2.5d_image
    test_factors.npy             (N,) float64         2.5d_factor
    test_actions.npy             (N,) int16           codes into manifest actions

`open_data(path)` takes the .pkl (converted on first use into data_cache()/<sha256>,
under a file lock so concurrent processes convert once) or an already converted folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posemamba.cache import cache_dir
from posemamba.data import h36m
from posemamba.errors import DataFileError
from posemamba.files import file_lock

FORMAT = "posemamba-h36m/1"
MANIFEST = "manifest.json"
_ARRAYS = ("inputs", "labels", "videos", "cameras")
_TEST_ARRAYS = ("gt_mm", "factors", "actions")


@dataclass
class Split:
    """One split, memory-mapped: the arrays of posemamba.data.h36m.SplitArrays and their folder."""

    name: str
    folder: Path
    frames: int
    video_names: list[str]
    camera_names: list[str]
    action_names: list[str] | None = None
    _arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def array(self, key: str) -> np.ndarray:
        """The read-only memory map of `key` (opened on first use in each process)."""
        if key not in self._arrays:
            self._arrays[key] = np.load(self.folder / f"{self.name}_{key}.npy", mmap_mode="r")
        return self._arrays[key]

    def __getstate__(self) -> dict:
        # Spawned workers re-open the maps instead of receiving pickled copies of the arrays.
        return {**self.__dict__, "_arrays": {}}


@dataclass(frozen=True)
class H36MData:
    """Both splits of a converted data file and where it came from."""

    folder: Path
    source: str
    sha256: str
    train: Split
    test: Split


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(16 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def convert(pkl: str | Path, folder: str | Path, sha256: str | None = None) -> Path:
    """Read `pkl`, normalise both splits and write the arrays into `folder` (atomically: a temporary
    folder renamed into place). Returns `folder`. `sha256`: the file's, when already known."""
    pkl, folder = Path(pkl), Path(folder)
    data = h36m.read_pickle(pkl)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    manifest = {
        "format": FORMAT,
        "source": str(pkl),
        "sha256": sha256 or file_sha256(pkl),
        "size": pkl.stat().st_size,
    }
    for name in h36m.SPLITS:
        arrays = h36m.normalise_split(data[name], name)
        data[name] = None  # let the raw split go before the next one is normalised
        keys = _ARRAYS + (_TEST_ARRAYS if name == "test" else ())
        for key in keys:
            np.save(partial / f"{name}_{key}.npy", getattr(arrays, key))
        manifest[name] = {
            "frames": len(arrays.inputs),
            "videos": arrays.video_names,
            "cameras": arrays.camera_names,
            "actions": arrays.action_names,
        }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))
    if folder.exists():
        shutil.rmtree(folder)
    partial.rename(folder)
    return folder


def _split(folder: Path, manifest: dict, name: str) -> Split:
    entry = manifest[name]
    return Split(name, folder, entry["frames"], entry["videos"], entry["cameras"], entry.get("actions"))


def load_converted(folder: str | Path) -> H36MData:
    """A converted folder (DataFileError when it is not one)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise DataFileError(
            f"{folder} is not a converted data folder ({type(error).__name__}: {error})",
            fix=f"pass the {h36m.FILE_NAME} file or a folder made by `python -m posemamba.data convert`",
        ) from None
    if manifest.get("format") != FORMAT:
        raise DataFileError(
            f"{folder} holds data format {manifest.get('format')!r}, this posemamba reads {FORMAT!r}",
            fix="convert the .pkl again (`python -m posemamba.data convert PKL`)",
        )
    missing = [
        f"{name}_{key}.npy"
        for name in h36m.SPLITS
        for key in _ARRAYS + (_TEST_ARRAYS if name == "test" else ())
        if not (folder / f"{name}_{key}.npy").is_file()
    ]
    if missing:
        raise DataFileError(
            f"{folder} lacks {', '.join(missing[:3])}", fix="convert the .pkl again into an empty folder"
        )
    return H36MData(
        folder,
        manifest["source"],
        manifest["sha256"],
        _split(folder, manifest, "train"),
        _split(folder, manifest, "test"),
    )


def data_cache() -> Path:
    """$POSEMAMBA_DATA_CACHE, else $ENVKIT_CACHE_DIR/posemamba-data (default ~/.cache/envkit/...)."""
    return Path(os.environ.get("POSEMAMBA_DATA_CACHE") or cache_dir() / "posemamba-data")


def open_data(path: str | Path, cache: Path | None = None) -> H36MData:
    """The data at `path`: a converted folder, or the .pkl converted (once) into the cache."""
    path = Path(path)
    if path.is_dir():
        return load_converted(path)
    if not path.is_file():
        raise DataFileError(
            f"data file {path} does not exist",
            fix=f"pass --data with the path of {h36m.FILE_NAME} (or of a converted folder)",
        )
    digest = file_sha256(path)
    folder = (cache or data_cache()) / digest[:32]
    with file_lock(folder.with_name(folder.name + ".lock")):
        if not (folder / MANIFEST).is_file():
            convert(path, folder, digest)
    return load_converted(folder)
