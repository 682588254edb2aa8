"""The output folder of a training run: start a new run there, or resume the one it holds.

A new run refuses a folder that already holds checkpoints (nothing trained is overwritten); --resume
needs latest_epoch.bin and the folder's config.yaml, and refuses a config that differs from it in
anything but `epochs` (which may grow to train longer). The output folder has no timestamp suffix
(the original's makes its own auto-resume unreachable, fragile point 9).
"""

from __future__ import annotations

from pathlib import Path

from posemamba.errors import TrainingStateError
from posemamba.train import checkpoints
from posemamba.train.config import Config, differences, load_config, save_config

CONFIG_FILE = "config.yaml"


def prepare_output(config: Config, out: Path, resume: bool, main: bool) -> tuple[Config, Path | None]:
    """(the config to run, the checkpoint to resume from or None); rank 0 (`main`) writes config.yaml."""
    latest = out / checkpoints.LATEST
    if not resume:
        existing = [name for name in (checkpoints.LATEST, checkpoints.BEST) if (out / name).is_file()]
        if existing:
            raise TrainingStateError(
                f"{out} already holds a training run ({', '.join(existing)})",
                fix="pass --resume to continue it, or choose another --out",
            )
        if main:
            out.mkdir(parents=True, exist_ok=True)
            save_config(config, out / CONFIG_FILE)
        return config, None
    if not latest.is_file():
        raise TrainingStateError(
            f"nothing to resume in {out}: it has no {checkpoints.LATEST}",
            fix="start without --resume (or pass the --out of the run to continue)",
        )
    saved_path = out / CONFIG_FILE
    if not saved_path.is_file():
        raise TrainingStateError(
            f"{out} has {checkpoints.LATEST} but no {CONFIG_FILE}", fix="start a new run in another --out"
        )
    saved = load_config(saved_path)
    changed = differences(saved, config, ignore=("epochs",))
    if changed:
        raise TrainingStateError(
            f"the config differs from the run in {out} ({'; '.join(changed[:3])})",
            fix=f"resume with {saved_path} (only epochs may change), or start a new run in another --out",
        )
    if main and saved.epochs != config.epochs:
        save_config(config, saved_path)
    return config, latest


def resume_config(out: Path) -> Config:
    """The config of the run in `out` (for --resume without --config)."""
    path = out / CONFIG_FILE
    if not path.is_file():
        raise TrainingStateError(
            f"nothing to resume in {out}: it has no {CONFIG_FILE}",
            fix="pass --out with the folder of the run to continue, or --config to start one",
        )
    return load_config(path)
