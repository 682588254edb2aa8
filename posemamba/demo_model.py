"""The demo lifter shipped inside the package: a small PoseMamba trained on pybullet's DeepMimic mocap.

`posemamba.load("demo")` loads it; the live pipeline and `envkit lift` use it when no checkpoint is
given. It is a torch file, `{"model_pos": weights, "demo_metadata": JSON text}`, which torch alone
reads (every lifter has torch; the Docker images install no safetensors). Its metadata holds how it
was made (`recipe`, the training data's digest, the loss of every step) and its held-out error
(`errors`), written by `python -m posemamba.train.demo --ship`. It shows a plausible 3D skeleton
offline; for research numbers load the released checkpoints (RELEASED_WEIGHTS).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from posemamba.errors import CheckpointError

NAME = "demo"
WEIGHTS = Path(str(resources.files("posemamba") / "weights" / "demo_mocap_s81.pth"))
RELEASED_WEIGHTS = "the authors' PoseMamba_S/B/L.bin, linked from github.com/nankingjing/PoseMamba's README"
REPRODUCE = "python -m posemamba.train.demo --ship"
METADATA_KEY = "demo_metadata"


def metadata(recipe: dict, trained, errors: dict) -> dict:
    """The metadata a shipped file carries (values JSON-encodable)."""
    from posemamba.mocap_eval import mean_error

    return {
        "recipe": recipe,
        "data_digest": trained.digest,
        "losses": [round(loss, 6) for loss in trained.losses],
        "steps": len(trained.losses),
        "train_seconds": round(trained.seconds),
        "train_cpu_seconds": round(trained.cpu_seconds),
        "errors": {
            method: {
                noise: [[e.motion, e.frames, round(e.mpjpe, 1), round(e.p_mpjpe, 1)] for e in rows]
                for noise, rows in by_noise.items()
            }
            for method, by_noise in errors.items()
        },
        "mean_mpjpe_mm": {
            method: round(mean_error(by_noise["clean"])[0], 1) for method, by_noise in errors.items()
        },
    }


def save(model, meta: dict, path: Path) -> Path:
    """Write `model`'s weights and `meta` (as JSON text) atomically."""
    import torch

    from posemamba.checkpoint import WEIGHTS_KEY
    from posemamba.files import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {key: value.detach().cpu().contiguous() for key, value in model.state_dict().items()}
    content = {WEIGHTS_KEY: state, METADATA_KEY: json.dumps(meta)}
    atomic_write(path, lambda handle: torch.save(content, handle))
    return path


def read_metadata(path: Path = WEIGHTS) -> dict:
    """The metadata of a demo weights file, JSON-decoded."""
    from posemamba.checkpoint import read_checkpoint

    if not path.is_file():
        raise CheckpointError(
            f"the demo weights {path} are missing from this installation",
            fix=f"reinstall envkit, or make them with `{REPRODUCE}`",
        )
    content = read_checkpoint(path)
    if not isinstance(content, dict) or METADATA_KEY not in content:
        raise CheckpointError(
            f"{path} is not a demo lifter file (no {METADATA_KEY})", fix=f"run `{REPRODUCE}`"
        )
    return json.loads(content[METADATA_KEY])


def resolve(path: str | Path) -> Path:
    """`path`, or the shipped demo weights when it is "demo"."""
    return WEIGHTS if str(path) == NAME else Path(path)


def describe(path: Path = WEIGHTS) -> str:
    """One line for a command's start: that this is the demo model, its held-out error, where real
    weights come from."""
    meta = read_metadata(path)
    recipe = meta.get("recipe", {})
    lift = meta.get("mean_mpjpe_mm", {}).get("lift")
    flat = meta.get("mean_mpjpe_mm", {}).get("flat")
    error = f"held-out mocap MPJPE {lift:.0f} mm (flat 2D baseline {flat:.0f} mm)" if lift and flat else ""
    return (
        f"3D: the demo PoseMamba (dim {recipe.get('dim')}, depth {recipe.get('depth')}, "
        f"{max(recipe.get('windows', [0]))} frames, trained on pybullet's DeepMimic mocap; {error}); "
        f"for research-grade 3D pass --checkpoint with {RELEASED_WEIGHTS}"
    )
