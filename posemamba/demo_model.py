"""The demo lifter shipped inside the package: a small PoseMamba trained on pybullet's DeepMimic mocap.

`posemamba.load("demo")` loads it; the live pipeline and `envkit lift` use it when no checkpoint is
given. It is a safetensors file whose metadata holds how it was made (`recipe`, the training data's
digest, the loss of every step) and its held-out error (`errors`), written by
`python -m posemamba.train.demo --ship`. It shows a plausible 3D skeleton offline; for research
numbers load the released checkpoints (RELEASED_WEIGHTS).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from posemamba.errors import CheckpointError

NAME = "demo"
WEIGHTS = Path(str(resources.files("posemamba") / "weights" / "demo_mocap_s81.safetensors"))
RELEASED_WEIGHTS = "the authors' PoseMamba_S/B/L.bin, linked from github.com/nankingjing/PoseMamba's README"
REPRODUCE = "python -m posemamba.train.demo --ship"


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
    """Write `model`'s weights and `meta` (each top-level value JSON-encoded) as safetensors."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    state = {key: value.detach().cpu().contiguous() for key, value in model.state_dict().items()}
    save_file(state, str(path), metadata={key: json.dumps(value) for key, value in meta.items()})
    return path


def read_metadata(path: Path = WEIGHTS) -> dict:
    """The metadata of a demo weights file, JSON-decoded."""
    from safetensors import safe_open

    if not path.is_file():
        raise CheckpointError(
            f"the demo weights {path} are missing from this installation",
            fix=f"reinstall envkit, or make them with `{REPRODUCE}`",
        )
    with safe_open(str(path), framework="pt") as handle:
        return {key: json.loads(value) for key, value in (handle.metadata() or {}).items()}


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
