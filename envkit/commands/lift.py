"""`envkit lift INPUT -o OUTPUT [--checkpoint PATH]`: 2D keypoints (.npz) -> 3D poses (.npz) with PoseMamba.

Without --checkpoint (or $POSEMAMBA_CHECKPOINT) the demo model shipped in the package lifts, and the
last line says so, with its measured error and where research weights come from.

A face over posemamba.lift_file, which reads, checks, lifts and writes (and raises PoseMambaError,
printed as one line with exit 2, for bad input).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

CHECKPOINT_ENV = "POSEMAMBA_CHECKPOINT"


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
                "--checkpoint",
                envvar=CHECKPOINT_ENV,
                help="PoseMamba weights (.bin/.pth/.safetensors). Default: the demo model in the package.",
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
        from posemamba import demo_model
        from posemamba.lift_file import lift_file  # numpy and torch load only when lifting

        demo = checkpoint is None

        done = lift_file(
            input_path,
            output,
            demo_model.WEIGHTS if demo else checkpoint,
            flip_tta=flip_tta,
            backend=backend,
            mapping=mapping,
            device=device,
            overwrite=overwrite,
        )
        print(done.line())
        if demo:
            print(f"lift: {demo_model.describe()}")
