"""`envkit lift INPUT -o OUTPUT --checkpoint PATH`: 2D keypoints (.npz) -> 3D poses (.npz) with PoseMamba.

INPUT holds `keypoints` (T, 17, 2|3) in pixels, `width`, `height` and `format` (coco|h36m). OUTPUT gets
`poses3d` (T, 17, 3), root-relative (pelvis = 0), in the model's normalised units (x, y divided by
width/2 like the input; README "PoseMamba"), plus the settings used. Any T >= 1: sequences are cut into
243-frame clips (posemamba.keypoints.split_clips). The output is written to a temporary file and renamed,
so an error or Ctrl-C never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from envkit import __version__
from envkit.errors import UsageError

FORMATS = ("coco", "h36m")
CHECKPOINT_ENV = "POSEMAMBA_CHECKPOINT"
INPUT_FIX = (
    "save an .npz with keypoints (frames, 17, 2 or 3) in pixels, width, height and format "
    "('coco' or 'h36m'), e.g. np.savez(path, keypoints=k, width=1920, height=1080, format='coco')"
)


def _scalar(data: Any, key: str, path: Path) -> Any:
    value = data[key]
    if value.size != 1:
        raise UsageError(f"{path}: '{key}' must be a single value, got shape {value.shape}", fix=INPUT_FIX)
    return value.reshape(()).item()


def read_input(path: Path) -> tuple[Any, float, float, str]:
    """keypoints (float32), width, height and format from INPUT, checked."""
    import numpy as np

    if not path.is_file():
        raise UsageError(f"input {path} does not exist", fix="give the path of a 2D keypoints .npz file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in ("keypoints", "width", "height", "format") if key not in archive.files]
            if missing:
                raise UsageError(f"{path} has no {', '.join(repr(k) for k in missing)}", fix=INPUT_FIX)
            data = {key: archive[key] for key in ("keypoints", "width", "height", "format")}
    except (OSError, ValueError, EOFError, AttributeError) as error:
        # np.load of another format: OSError/ValueError; object arrays refused: ValueError.
        raise UsageError(f"{path} is not a readable .npz file ({error})", fix=INPUT_FIX) from None
    keypoints = data["keypoints"]
    if keypoints.ndim != 3 or keypoints.shape[0] < 1 or keypoints.shape[1:] not in ((17, 2), (17, 3)):
        raise UsageError(
            f"{path}: 'keypoints' has shape {keypoints.shape}, expected (frames >= 1, 17, 2 or 3)",
            fix=INPUT_FIX,
        )
    if not np.issubdtype(keypoints.dtype, np.number):
        raise UsageError(f"{path}: 'keypoints' has dtype {keypoints.dtype}, expected numbers", fix=INPUT_FIX)
    width, height, keypoint_format = (_scalar(data, key, path) for key in ("width", "height", "format"))
    try:
        width, height = float(width), float(height)
    except (TypeError, ValueError):
        raise UsageError(f"{path}: width and height must be numbers", fix=INPUT_FIX) from None
    if not (width > 0 and height > 0 and np.isfinite(width) and np.isfinite(height)):
        raise UsageError(f"{path}: width {width} and height {height} must be positive pixels", fix=INPUT_FIX)
    if isinstance(keypoint_format, bytes):
        keypoint_format = keypoint_format.decode(errors="replace")
    if str(keypoint_format) not in FORMATS:
        raise UsageError(f"{path}: format is {keypoint_format!r}, expected 'coco' or 'h36m'", fix=INPUT_FIX)
    return keypoints.astype(np.float32), width, height, str(keypoint_format)


def _check_backend(backend: str | None, device: str) -> str:
    from posemamba import scan

    try:
        choice = scan.choose(device, backend)
    except scan.UnknownBackendError as error:
        raise UsageError(str(error), fix="omit --backend to choose automatically") from None
    ok, why = scan.available(choice.backend)
    if not ok:
        raise UsageError(
            f"scan backend {choice.backend} cannot run here: {why}",
            fix=f"omit --backend (and unset ${scan.ENV_VAR}) to choose automatically",
        )
    return choice.backend


def write_atomically(output: Path, arrays: dict[str, Any]) -> None:
    """np.savez into a temporary file beside OUTPUT, then rename it over OUTPUT."""
    import numpy as np

    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp.npz", dir=output.parent)
    os.close(handle)
    try:
        np.savez(temporary, **arrays)  # the name ends in .npz: numpy writes exactly this file
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def lift_command(
    input_path: Path,
    output: Path,
    checkpoint: Path | None,
    flip_tta: bool,
    backend: str | None,
    mapping: str,
    device: str,
    overwrite: bool,
) -> None:
    if checkpoint is None:
        raise UsageError(
            "no PoseMamba checkpoint given",
            fix=f"pass --checkpoint PATH (e.g. the authors' PoseMamba_S.bin) or set ${CHECKPOINT_ENV}",
        )
    if output.resolve() == input_path.resolve():
        raise UsageError("the output would overwrite the input keypoints", fix="give another path with -o")
    if output.exists() and not overwrite:
        raise UsageError(f"{output} already exists", fix="choose another -o path or pass --overwrite")
    if not output.parent.is_dir():
        raise UsageError(f"folder {output.parent} does not exist", fix="create it or choose another -o path")
    keypoints, width, height, keypoint_format = read_input(input_path)

    import numpy as np
    import torch

    import posemamba
    from posemamba import keypoints as kp
    from posemamba.lifting import lift_sequence

    if device != "cpu" and not (device.startswith("cuda") and torch.cuda.is_available()):
        raise UsageError(f"device {device!r} is not available here", fix="use --device cpu")
    scan_backend = _check_backend(backend, device)
    try:
        model = posemamba.load(checkpoint, device=device)
        model.scan_backend = backend
        h36m = kp.coco_to_h36m(keypoints, method=mapping) if keypoint_format == "coco" else keypoints
        started = time.perf_counter()
        poses3d = lift_sequence(model, kp.normalize_screen(h36m, width, height), flip_tta=flip_tta)
        seconds = time.perf_counter() - started
    except posemamba.PoseMambaError as error:
        raise UsageError(error.message, fix=error.fix) from None
    settings = {
        "checkpoint": str(checkpoint.resolve()),
        "variant": model.variant,
        "frames": model.frames,
        "dim": model.dim,
        "depth": model.depth,
        "backend": scan_backend,
        "device": device,
        "flip_tta": flip_tta,
        "format": keypoint_format,
        "mapping": mapping if keypoint_format == "coco" else "none",
        "clips": "243-frame clips, last one end-aligned (overlapping); shorter sequences resampled",
        "width": width,
        "height": height,
        "envkit_version": __version__,
    }
    try:
        write_atomically(output, {"poses3d": poses3d, **{k: np.asarray(v) for k, v in settings.items()}})
    except OSError as error:
        raise UsageError(
            f"cannot write {output}: {error.strerror}", fix="give a writable path with -o"
        ) from None
    print(
        f"wrote {output}: {len(poses3d)} frames, PoseMamba-{model.variant}, scan backend {scan_backend}, "
        f"flip-TTA {'on' if flip_tta else 'off'}, {seconds:.1f} s"
    )


def register(app: typer.Typer) -> None:
    @app.command("lift", help="Lift 2D keypoints (.npz, pixels) to root-relative 3D poses with PoseMamba.")
    def _lift(
        input_path: Annotated[
            Path,
            typer.Argument(
                metavar="INPUT", help="An .npz with keypoints (T, 17, 2|3) in pixels, width, height, format."
            ),
        ],
        output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the 3D poses (.npz).")],
        checkpoint: Annotated[
            Path | None,
            typer.Option(
                "--checkpoint", envvar=CHECKPOINT_ENV, help="PoseMamba weights (.bin/.pth/.safetensors)."
            ),
        ] = None,
        flip_tta: Annotated[
            bool, typer.Option("--flip-tta", help="Average with the flipped input (as in the paper).")
        ] = False,
        backend: Annotated[
            str | None, typer.Option("--backend", help="Selective-scan backend: ref, torch, cpu or cuda.")
        ] = None,
        mapping: Annotated[
            str, typer.Option("--mapping", help="COCO -> H36M conversion for coco input: demo or mmpose.")
        ] = "demo",
        device: Annotated[str, typer.Option("--device", help="cpu, or cuda when available.")] = "cpu",
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing OUTPUT.")] = False,
    ) -> None:
        if mapping not in ("demo", "mmpose"):
            raise UsageError(f"unknown --mapping {mapping!r}", fix="use --mapping demo or --mapping mmpose")
        lift_command(input_path, output, checkpoint, flip_tta, backend, mapping, device, overwrite)
