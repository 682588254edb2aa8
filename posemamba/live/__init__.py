"""Live pose: camera -> 2D pose -> tracks -> PoseMamba 3D -> window / recording / Rerun.

API: `run(LiveConfig) -> RunSummary`; the CLI glue for `envkit run live-pose --native` is
`posemamba.live.cli.register(run_app)`.
"""

from posemamba.live.config import LiveConfig, RunSummary
from posemamba.live.pipeline import run

__all__ = ["LiveConfig", "RunSummary", "run"]
