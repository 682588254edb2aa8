"""`python -m posemamba.train --config FILE [--resume] ...` (and under torchrun)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from posemamba.stopping import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, sigterm_raises
from posemamba.terminal import run_app
from posemamba.train import checkpoints
from posemamba.train.config import RELEASED, load_config, released_config_path, validate
from posemamba.train.loop import RunOptions, train
from posemamba.train.output import resume_config

HELP = "Train PoseMamba on Human3.6M (the released S/B/L configs, MLflow tracking, torchrun)."
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _config_path(value: str) -> Path:
    return released_config_path(value) if value in RELEASED else Path(value)


@app.command(help=HELP)
def main(
    config: Annotated[
        str | None,
        typer.Option("--config", help="YAML config, or S, B, L for the released ones (posemamba/configs)."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="h36m_sh_conf_cam_source_final.pkl or a converted folder "
            "(default: <data_root>/<dt_file> of the config).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output folder (checkpoints, config.yaml, mlflow.db). Default runs/<name>."
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the run in --out from latest_epoch.bin.")
    ] = False,
    epochs: Annotated[int | None, typer.Option("--epochs", help="Override the config's epochs.")] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="Override batch_size (global).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Override the seed.")] = None,
    limb_gradient: Annotated[
        str | None,
        typer.Option("--limb-gradient", help="exact (default) or original (the original's backward)."),
    ] = None,
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda, cuda:N.")] = "auto",
    backend: Annotated[
        str | None,
        typer.Option("--backend", help="Scan backend: ref, torch, cpu, cuda (default: automatic)."),
    ] = None,
    precision: Annotated[str, typer.Option("--precision", help="fp32, bf16 or fp16 (autocast).")] = "fp32",
    compile_model: Annotated[bool, typer.Option("--compile", help="torch.compile the model.")] = False,
    checkpoint_blocks: Annotated[
        bool,
        typer.Option(
            "--checkpoint-blocks", help="Recompute block activations in the backward (less memory)."
        ),
    ] = False,
    workers: Annotated[int, typer.Option("--workers", help="DataLoader worker processes.")] = 2,
    mlflow_uri: Annotated[
        str | None, typer.Option("--mlflow-uri", help="MLflow tracking URI (default: sqlite in --out).")
    ] = None,
    no_mlflow: Annotated[bool, typer.Option("--no-mlflow", help="Do not track in MLflow.")] = False,
    experiment: Annotated[str, typer.Option("--experiment", help="MLflow experiment name.")] = "PoseMamba",
) -> None:
    if config is None and not (resume and out is not None):
        raise typer.BadParameter("pass --config (or --resume with the --out of a run)", param_hint="--config")
    settings = load_config(_config_path(config)) if config is not None else resume_config(out)
    overrides = {"epochs": epochs, "batch_size": batch_size, "seed": seed, "limb_gradient": limb_gradient}
    values = {**settings, **{key: value for key, value in overrides.items() if value is not None}}
    settings = validate(values, "the command line" if values != settings else str(config or out))
    folder = out or Path("runs") / settings.name
    options = RunOptions(
        out=folder, data=data, resume=resume, device=device, backend=backend, precision=precision,
        compile=compile_model, checkpoint_blocks=checkpoint_blocks, workers=workers, mlflow=not no_mlflow,
        mlflow_uri=mlflow_uri, experiment=experiment,
    )  # fmt: skip
    try:
        with sigterm_raises():
            summary = train(settings, options)
    except KeyboardInterrupt as stop:
        terminated = isinstance(stop, Terminated)
        latest = folder / checkpoints.LATEST
        kept = f"the last complete checkpoint is {latest}" if latest.is_file() else "no epoch had finished"
        how = "terminated (SIGTERM)" if terminated else "interrupted"
        print(f"posemamba.train: {how}; {kept}; continue with --resume --out {folder}", file=sys.stderr)
        raise typer.Exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED) from None
    typer.echo(f"done: {summary.epochs_done} epochs in {folder}; best test MPJPE {summary.min_loss:.2f} mm")


if __name__ == "__main__":
    run_app(app, prog_name="python -m posemamba.train")
