"""A recording folder: what may record into it, joining its chunks, recovering a killed run.

Policy (README, "Security"): a recording goes into a new or empty folder. A folder that holds anything
is refused before the run starts, with what it holds and the fix, and nothing in it is touched; a
folder holding a killed run's chunks is finished on request (`recover`, `live-pose --recover DIR`).
Joining writes poses.npz, overlay.mp4 and recording.json, checks that they hold every frame, and only
then removes the chunk files it joined, never another file in chunks/. Any failure (an unreadable or
foreign chunk, a gap between chunks, a full disk) keeps every chunk and raises RecordingError saying
what is saved and how to finish it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path

import cv2
import numpy as np

from posemamba.errors import PoseMambaError, RecordingError
from posemamba.files import save_npz

CHUNKS = "chunks"
POSES = "poses.npz"
VIDEO = "overlay.mp4"
META = "recording.json"
CHUNK_NAME = re.compile(r"(poses|video)-(\d{6})\.(npz|mp4)")
SUFFIX = {"poses": ".npz", "video": ".mp4"}
FIELDS = {  # every chunk's arrays: dtype and the shape of one row
    "frame_index": (np.int64, ()),
    "timestamp": (np.float64, ()),
    "received": (np.float64, ()),
    "frame": (np.int64, ()),
    "track_id": (np.int64, ()),
    "keypoints2d": (np.float32, (17, 2)),
    "scores2d": (np.float32, (17,)),
    "bbox": (np.float32, (4,)),
    "pose3d": (np.float32, (17, 3)),
    "pose3d_frame": (np.int64, ()),
    "pose3d_age": (np.float64, ()),
    "metric3d": (np.float32, (17, 3)),
    "root3d": (np.float32, (3,)),
}


def reason(error: BaseException) -> str:
    """An error in words: "No space left on device (path)" for an OSError, else its text."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror} ({error.filename})" if error.filename else error.strerror
    return str(error) or type(error).__name__


def recover_fix(out: Path) -> str:
    return f"run `envkit run live-pose --native --recover {out}` to finish it"


def chunk_files(folder: Path, kind: str) -> list[Path]:
    """The chunk files of `kind` (poses | video) in `folder`, in order; other files are not chunks."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = CHUNK_NAME.fullmatch(path.name)
        if match and match.group(1) == kind and f".{match.group(3)}" == SUFFIX[kind] and path.is_file():
            found.append((int(match.group(2)), path))
    return [path for _, path in sorted(found)]


def read_meta(out: Path) -> dict:
    try:
        meta = json.loads((Path(out) / META).read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def describe(out: Path) -> str:
    """What a non-empty folder holds, in words (for the refusal)."""
    out = Path(out)
    chunks = chunk_files(out / CHUNKS, "poses")
    if (out / POSES).exists() and read_meta(out).get("complete"):
        return f"a recording ({read_meta(out).get('frames', '?')} frames)"
    if chunks:
        return f"an unfinished recording ({len(chunks)} chunks of a run that was killed or failed)"
    names = sorted(path.name for path in out.iterdir())
    return f"{len(names)} other entries ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})"


def check_out(out: Path) -> None:
    """PoseMambaError unless `out` is a new or empty folder this process can create files in.

    Nothing is created: the test makes and removes a temporary folder in `out` or its nearest
    existing parent.
    """
    out = Path(out).expanduser()
    fix = "give --out a new or empty folder for the recording"
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise PoseMambaError(f"--out {out} is a file, not a folder", fix=fix)
        try:
            entries = next(out.iterdir(), None)
        except OSError as error:
            raise PoseMambaError(f"--out {out} cannot be read: {error.strerror}", fix=fix) from None
        if entries is not None:
            unfinished = bool(chunk_files(out / CHUNKS, "poses")) and not read_meta(out).get("complete")
            raise PoseMambaError(
                f"--out {out} already holds {describe(out)}; a recording never replaces or joins another",
                fix=f"{recover_fix(out)}, or {fix}" if unfinished else f"{fix} (or move that one away)",
            )
        probe = out
    else:
        probe = out.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise PoseMambaError(f"--out {out} is below {probe}, which is a file", fix=fix)
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".envkit-probe-", dir=probe))
    except OSError as error:
        raise PoseMambaError(
            f"--out {out} cannot be written: creating a folder in {probe} fails ({error.strerror})",
            fix=f"{fix} on a writable file system",
        ) from None


def _read_chunk(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in FIELDS}
    except Exception as error:  # not an npz, truncated, a member missing or pickled: not our chunk
        raise ValueError(
            f"{path.name} is not a readable recorder chunk ({type(error).__name__}: {error})"
        ) from None
    for key, (dtype, shape) in FIELDS.items():
        value = arrays[key]
        if value.shape[1:] != shape or value.ndim != 1 + len(shape) or not np.can_cast(value.dtype, dtype):
            raise ValueError(f"{path.name}: '{key}' has shape {value.shape} {value.dtype}, not a chunk's")
        arrays[key] = value.astype(dtype)
    return arrays


def read_chunks(folder: Path) -> dict[str, np.ndarray]:
    """The chunks' arrays joined; ValueError naming a chunk that is foreign, broken or out of sequence."""
    parts = [_read_chunk(path) for path in chunk_files(folder, "poses")]
    if not parts:
        return {key: np.zeros((0, *shape), dtype=dtype) for key, (dtype, shape) in FIELDS.items()}
    joined = {key: np.concatenate([part[key] for part in parts]) for key in FIELDS}
    frames = joined["frame_index"]
    if len(frames) and not np.array_equal(frames, np.arange(frames[0], frames[0] + len(frames))):
        raise ValueError(
            f"the chunks' frames are not one run (frame indices {frames[0]}..{frames[-1]} with gaps)"
        )
    return joined


def _join_video(segments: list[Path], target: Path, fps: float) -> int:
    """Append every readable frame of `segments` to a new video at `target`; the frames written."""
    writer, count = None, 0
    try:
        for segment in segments:
            capture = cv2.VideoCapture(str(segment))
            while True:
                ok, image = capture.read()
                if not ok:
                    break
                if writer is None:
                    height, width = image.shape[:2]
                    writer = cv2.VideoWriter(
                        str(target), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height)
                    )
                writer.write(image)
                count += 1
            capture.release()
    finally:
        if writer is not None:
            writer.release()
    return count


def video_frames(path: Path) -> int:
    """How many frames OpenCV decodes from `path` (0 for a missing or unreadable file)."""
    capture, count = cv2.VideoCapture(str(path)), 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def _saved(out: Path) -> str:
    chunks = chunk_files(out / CHUNKS, "poses")
    return f"saved: {len(chunks)} chunk files in {out / CHUNKS}, untouched"


def consolidate(out: Path, fps: float, meta: dict, expect: tuple[int, int] | None = None) -> dict:
    """Join out/chunks into poses.npz, overlay.mp4 and recording.json; remove the joined chunks after.

    expect: (frames, video frames) the run handed over; a result with fewer is a failure (a full disk
    makes OpenCV's writer drop frames silently). Returns recording.json's content; RecordingError with
    every chunk kept when anything fails.
    """
    out = Path(out)
    chunks_dir = out / CHUNKS
    partial_video = out / (VIDEO + ".partial.mp4")
    try:
        arrays = read_chunks(chunks_dir)
        segments = chunk_files(chunks_dir, "video")
        frames, shown = len(arrays["frame_index"]), 0
        if segments:
            shown = _join_video(segments, partial_video, fps)
            if shown and video_frames(partial_video) != shown:
                raise OSError(f"the joined video holds {video_frames(partial_video)} of {shown} frames")
        if expect is not None and (frames, shown) != expect:
            raise OSError(
                f"{frames} frames and {shown} video frames were written of {expect[0]} and {expect[1]}"
            )
        save_npz(out / POSES, arrays)
        if shown:
            os.replace(partial_video, out / VIDEO)
        info = {**meta, "frames": frames, "video_frames": shown, "fps": fps, "complete": True}
        write_meta(out, info)
    except (OSError, ValueError) as error:
        partial_video.unlink(missing_ok=True)
        why = (
            f"{error.strerror} ({error.filename})" if isinstance(error, OSError) and error.strerror else error
        )
        raise RecordingError(
            f"the recording in {out} could not be completed: {why}; {_saved(out)}",
            fix=f"free space or remove the foreign file, then {recover_fix(out)}",
        ) from None
    for path in [*chunk_files(chunks_dir, "poses"), *segments]:
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # removed only when empty: a file the user put there stays
        chunks_dir.rmdir()
    return info


def write_meta(out: Path, info: dict) -> None:
    partial = Path(out) / (META + ".partial")
    try:
        partial.write_text(json.dumps(info, indent=2) + "\n")
        os.replace(partial, Path(out) / META)
    finally:
        partial.unlink(missing_ok=True)


def recover(out: Path) -> dict:
    """Finish a killed run's recording in `out` from its chunks (frames up to the last whole chunk)."""
    out = Path(out).expanduser()
    meta = read_meta(out)
    if meta.get("complete") and (out / POSES).is_file():
        raise PoseMambaError(f"{out} holds a complete recording already", fix="nothing to recover")
    if not chunk_files(out / CHUNKS, "poses"):
        raise PoseMambaError(
            f"{out} holds no recorder chunks ({out / CHUNKS}/poses-*.npz)",
            fix="give the --out folder of the killed run",
        )
    fps = float(meta.get("fps") or 30.0)
    return consolidate(out, fps, {**{k: v for k, v in meta.items() if k == "source"}, "recovered": True})


def load_recording(out: Path) -> dict[str, np.ndarray]:
    """The recorded arrays: poses.npz, or the chunks of a run that was killed before closing."""
    out = Path(out)
    if (out / POSES).is_file():
        with np.load(out / POSES) as data:
            return {key: data[key] for key in data.files}
    return read_chunks(out / CHUNKS)
