"""`python -m posemamba.data convert PKL [FOLDER]` and `python -m posemamba.data synthetic OUT.pkl`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from posemamba.data import cache, synthetic
from posemamba.terminal import run_app

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, help=__doc__)


@app.command()
def convert(
    pkl: Annotated[Path, typer.Argument(help="h36m_sh_conf_cam_source_final.pkl")],
    folder: Annotated[
        Path | None, typer.Argument(help="Where to write the arrays (default: the shared cache).")
    ] = None,
) -> None:
    """Convert the data file into memory-mappable arrays (what training and evaluation read)."""
    data = cache.open_data(pkl) if folder is None else cache.load_converted(cache.convert(pkl, folder))
    typer.echo(f"{data.folder}: train {data.train.frames} frames, test {data.test.frames} frames")


@app.command("synthetic")
def write_synthetic(
    out: Annotated[Path, typer.Argument(help="The .pkl to write.")],
    frames_per_video: Annotated[int, typer.Option(help="Frames of a regular video.")] = 60,
    real_size: Annotated[
        bool, typer.Option("--real-size", help="All 840 videos with the real file's frame counts.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the made-up motion.")] = 0,
) -> None:
    """Write a format fixture: the real file's layout, made-up motion (not Human3.6M data)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lengths = (frames_per_video, frames_per_video + 17, frames_per_video // 3)
    train, test = synthetic.real_size_layout() if real_size else synthetic.small_layout(lengths, lengths)
    synthetic.write(out, train, test, seed=seed)
    frames = sum(v.frames for v in train), sum(v.frames for v in test)
    typer.echo(f"{out}: train {frames[0]} frames in {len(train)} videos, test {frames[1]} in {len(test)}")


if __name__ == "__main__":
    run_app(app, prog_name="python -m posemamba.data")
