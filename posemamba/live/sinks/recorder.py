"""The recorder: overlay video + npz of per-frame timestamps, track ids, 2D and 3D poses.

Nothing already seen is lost when the run stops early: every `chunk_frames` frames a chunk is made
durable (an npz written to a temporary name and renamed, and a closed mp4 segment). A normal stop,
Ctrl-C, the end of the source or a lost camera all end in `close()`, which joins the chunks into
`poses.npz` and `overlay.mp4`; a run killed outright leaves the chunks, which `load_recording` reads
and `recording.recover` joins. The folder must not hold a recording already (recording.py's policy);
a write that fails (a full disk) ends the run with RecordingError saying what is saved.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from posemamba.errors import PoseMambaError, RecordingError
from posemamba.files import save_npz
from posemamba.live.sinks.recording import (
    CHUNKS,
    META,
    POSES,
    VIDEO,
    chunk_files,
    consolidate,
    describe,
    load_recording,
    write_meta,
)
from posemamba.live.types import Frame, TrackedPerson

__all__ = ["Recorder", "consolidate", "load_recording"]
NAN3 = np.full((17, 3), np.nan, dtype=np.float32)


class Recorder:
    """Writes chunks while running and one consolidated recording on close.

    Encoding runs in a writer thread (OpenCV releases the GIL while it encodes), in the order the
    frames came, so a chunk's npz is written after its video segment is closed.
    """

    def __init__(self, out: Path, fps: float, source: str, chunk_frames: int = 30) -> None:
        self.out = Path(out)
        self.chunks = self.out / CHUNKS
        if any((self.out / name).exists() for name in (POSES, VIDEO, META, CHUNKS)):
            raise PoseMambaError(
                f"--out {self.out} already holds {describe(self.out)}; a recording never replaces another",
                fix="give --out a new or empty folder for the recording",
            )
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self.chunks.mkdir()  # exclusive: a second run starting into the same folder fails here
            write_meta(self.out, {"source": source, "fps": fps, "complete": False, "started": time.time()})
        except OSError as error:
            raise PoseMambaError(
                f"--out {self.out} cannot be written: {error.strerror}", fix="give --out a writable folder"
            ) from None
        self.fps, self.source, self.chunk_frames = fps, source, chunk_frames
        self.canvases = 0
        self._chunk = 0
        self._chunk_video = 0
        self._writer: cv2.VideoWriter | None = None
        self._frames: list[tuple[int, float, float]] = []
        self._rows: list[dict] = []
        self.frames_written = 0
        self._start: float | None = None
        self._closed = False
        self._queue: queue.Queue = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="live-pose-recorder", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            kind, payload = self._queue.get()
            if kind == "stop":
                self._queue.task_done()
                return
            try:
                if kind == "frame":
                    self._encode(payload)
                else:
                    self._release()
                    frames, rows, chunk = payload
                    save_npz(self.chunks / f"poses-{chunk:06d}.npz", _arrays(frames, rows))
            except BaseException as error:  # reported by write(); the thread keeps draining
                self._error = error
            finally:
                self._queue.task_done()

    def sync(self) -> None:
        """Wait until everything handed over so far is on disk."""
        self._queue.join()

    def _encode(self, canvas: np.ndarray) -> None:
        if self._writer is None:
            path = self.chunks / f"video-{self._chunk_video:06d}.mp4"
            height, width = canvas.shape[:2]
            self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps,
                                           (width, height))  # fmt: skip
        self._writer.write(canvas)

    def _release(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        self._chunk_video += 1

    def write(self, frame: Frame, people: list[TrackedPerson], canvas: np.ndarray | None) -> bool:
        if self._error is not None:
            raise self._failure()
        if self._start is None:
            self._start = frame.received
        self._frames.append((frame.index, frame.timestamp, frame.received - self._start))
        for tracked in people:
            person = tracked.person
            self._rows.append(
                {
                    "frame": frame.index,
                    "track_id": tracked.track_id,
                    "keypoints2d": person.keypoints,
                    "scores2d": person.scores,
                    "bbox": person.bbox,
                    "pose3d": tracked.pose3d if tracked.pose3d is not None else NAN3,
                    "pose3d_frame": tracked.pose3d_frame,
                    "pose3d_age": tracked.pose3d_age,
                    "metric3d": tracked.metric3d if tracked.metric3d is not None else NAN3,
                    "root3d": tracked.extra.get("root3d", np.full(3, np.nan)),
                }
            )
        if canvas is not None:
            self._queue.put(("frame", canvas))
            self.canvases += 1
        self.frames_written += 1
        if len(self._frames) >= self.chunk_frames:
            self.flush()
        return True

    def flush(self) -> None:
        """Close the video segment and write the npz of everything since the last chunk."""
        if not self._frames:
            return
        self._queue.put(("chunk", (self._frames, self._rows, self._chunk)))
        self._frames, self._rows = [], []
        self._chunk += 1

    def _failure(self) -> RecordingError:
        error = self._error
        why = (
            f"{error.strerror} ({error.filename})" if isinstance(error, OSError) and error.strerror else error
        )
        chunks = chunk_files(self.chunks, "poses")
        return RecordingError(
            f"writing the recording in {self.out} failed: {why}; saved: {len(chunks)} whole chunks "
            f"({CHUNKS}/poses-*.npz) of {self.frames_written} frames seen, untouched",
            fix=f"free space, then `envkit run live-pose --native --recover {self.out}` joins what was saved",
        )

    def close(self) -> None:
        """Flush, then join the chunks into poses.npz and overlay.mp4 (RecordingError if that fails)."""
        if self._closed:
            return
        self._closed = True
        self.flush()
        self._queue.put(("stop", None))
        self._thread.join()
        try:
            self._release()
        except Exception as error:  # a video segment that cannot be finished: a failed write like any other
            self._error = self._error or error
        if self._error is not None:
            raise self._failure()
        consolidate(self.out, self.fps, {"source": self.source}, expect=(self.frames_written, self.canvases))


def _arrays(frames: list[tuple[int, float, float]], rows: list[dict]) -> dict[str, np.ndarray]:
    def stack(key: str, shape: tuple, dtype=np.float32) -> np.ndarray:
        if not rows:
            return np.zeros((0, *shape), dtype=dtype)
        return np.stack([np.asarray(row[key], dtype=dtype) for row in rows])

    return {
        "frame_index": np.array([f[0] for f in frames], dtype=np.int64),
        "timestamp": np.array([f[1] for f in frames], dtype=np.float64),
        "received": np.array([f[2] for f in frames], dtype=np.float64),
        "frame": stack("frame", (), np.int64),
        "track_id": stack("track_id", (), np.int64),
        "keypoints2d": stack("keypoints2d", (17, 2)),
        "scores2d": stack("scores2d", (17,)),
        "bbox": stack("bbox", (4,)),
        "pose3d": stack("pose3d", (17, 3)),
        "pose3d_frame": stack("pose3d_frame", (), np.int64),
        "pose3d_age": stack("pose3d_age", (), np.float64),
        "metric3d": stack("metric3d", (17, 3)),
        "root3d": stack("root3d", (3,)),
    }
