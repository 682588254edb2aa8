"""PoseMamba training on Human3.6M, faithful to the original (research posemamba-training.md 2-3).

    python -m posemamba.train --config S --data h36m_sh_conf_cam_source_final.pkl --out runs/S
    torchrun --nproc-per-node 2 -m posemamba.train --config S --data ... --out runs/S

`posemamba.train.config` (the released configs, validation, round-trip), `loop.train(config,
RunOptions)` (the run), `checkpoints` (the released layout), `tracking` (MLflow).
"""

from posemamba.train.config import Config, load_config, released_config_path, save_config
from posemamba.train.loop import RunOptions, Summary, train

__all__ = ["Config", "RunOptions", "Summary", "load_config", "released_config_path", "save_config", "train"]
