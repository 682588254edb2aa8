"""Optional Rerun sink: the composed picture and every 3D skeleton, per frame (needs rerun-sdk)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posemamba.errors import PoseMambaError
from posemamba.live.draw import skeletons_3d
from posemamba.live.types import H36M_EDGES, Frame, TrackedPerson


class RerunSink:
    """Logs to out/live.rrd when recording, else to a spawned Rerun viewer."""

    def __init__(self, out: Path | None) -> None:
        try:
            import rerun as rr
        except ImportError as error:
            raise PoseMambaError(f"--rerun needs rerun-sdk ({error})", fix="pip install rerun-sdk") from error
        self._rr = rr
        rr.init("envkit-live-pose")
        if out is not None:
            Path(out).mkdir(parents=True, exist_ok=True)
            rr.save(str(Path(out) / "live.rrd"))
        else:
            rr.spawn()

    def _time(self, index: int) -> None:
        rr = self._rr
        if hasattr(rr, "set_time"):  # rerun-sdk >= 0.23
            rr.set_time("frame", sequence=index)
        else:
            rr.set_time_sequence("frame", index)

    def write(self, frame: Frame, people: list[TrackedPerson], canvas: np.ndarray | None) -> bool:
        rr = self._rr
        self._time(frame.index)
        if canvas is not None:
            rr.log("view", rr.Image(canvas[:, :, ::-1]))
        for track_id, points in skeletons_3d(people):
            rr.log(f"skeleton/{track_id}/joints", rr.Points3D(points, radii=0.02))
            rr.log(f"skeleton/{track_id}/bones", rr.LineStrips3D([points[[a, b]] for a, b in H36M_EDGES]))
        return True

    def close(self) -> None:
        pass
