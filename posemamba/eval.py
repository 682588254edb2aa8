"""`python -m posemamba.eval --checkpoint PATH --data PATH`: Human3.6M P1/P2 of a PoseMamba checkpoint.

Loads any checkpoint posemamba.load takes (the released PoseMamba_{S,B,L}.bin, our best_epoch.bin,
state dicts, safetensors), evaluates it on the test clips of the data file with the original's
protocol (posemamba.metrics; flip test-time augmentation unless --no-flip), prints a per-action table
and the mean over actions, writes the same as JSON with --json-out, and logs the numbers to MLflow
(--mlflow-uri, default MLflow's own default store: ./mlflow.db; --no-mlflow to skip).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import posemamba
from posemamba.data import open_data
from posemamba.evaluation import Evaluation, evaluate
from posemamba.files import atomic_write
from posemamba.scan import BACKENDS, UnknownBackendError
from posemamba.terminal import run_app
from posemamba.train.distributed import pick_device

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def result_table(evaluation: Evaluation, title: str) -> Table:
    """Rows per action (sorted), then the mean over actions (the paper's number)."""
    table = Table(title=title)
    for column in ("action", "P1 MPJPE (mm)", "P2 P-MPJPE (mm)", "frames"):
        table.add_column(column, justify="left" if column == "action" else "right")
    for name, (p1, p2, frames) in evaluation.result.per_action.items():
        table.add_row(name, f"{p1:.2f}", f"{p2:.2f}", str(frames))
    table.add_section()
    result = evaluation.result
    table.add_row("mean over actions", f"[bold]{result.p1:.2f}", f"[bold]{result.p2:.2f}", str(result.frames))
    return table


def log_to_mlflow(uri: str | None, report: dict) -> str:
    """One MLflow run in experiment PoseMamba-eval with the settings as params and P1/P2 as metrics."""
    from mlflow.tracking import MlflowClient

    from posemamba.train.tracking import envkit_version, git_commit

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("PoseMamba-eval")
    experiment_id = experiment.experiment_id if experiment else client.create_experiment("PoseMamba-eval")
    tags = {"git_commit": git_commit(), "envkit_version": envkit_version()}
    run = client.create_run(experiment_id, run_name=Path(report["checkpoint"]).name, tags=tags)
    for key in ("checkpoint", "data", "variant", "flip", "backend", "device", "clips", "clips_skipped"):
        client.log_param(run.info.run_id, key, str(report[key]))
    client.log_metric(run.info.run_id, "test_mpjpe", report["p1_mm"])
    client.log_metric(run.info.run_id, "test_p_mpjpe", report["p2_mm"])
    for name, values in report["per_action"].items():
        client.log_metric(run.info.run_id, f"test_mpjpe.{name}", values["p1_mm"])
    client.set_terminated(run.info.run_id)
    return run.info.run_id


@app.command(help="Evaluate a PoseMamba checkpoint on Human3.6M (P1 MPJPE, P2 P-MPJPE, per action).")
def main(
    checkpoint: Annotated[
        Path, typer.Option("--checkpoint", help="PoseMamba weights (.bin, .pth, .safetensors).")
    ],
    data: Annotated[
        Path, typer.Option("--data", help="h36m_sh_conf_cam_source_final.pkl or a converted folder.")
    ],
    no_flip: Annotated[bool, typer.Option("--no-flip", help="No flip test-time augmentation.")] = False,
    backend: Annotated[
        str | None, typer.Option("--backend", help=f"Scan backend: {', '.join(BACKENDS)}.")
    ] = None,
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda, cuda:N.")] = "auto",
    batch_size: Annotated[int, typer.Option("--batch-size", help="Clips per forward call.")] = 4,
    workers: Annotated[int, typer.Option("--workers", help="DataLoader worker processes.")] = 2,
    json_out: Annotated[
        Path | None, typer.Option("--json-out", help="Write the results as JSON here.")
    ] = None,
    mlflow_uri: Annotated[str | None, typer.Option("--mlflow-uri", help="MLflow tracking URI.")] = None,
    no_mlflow: Annotated[bool, typer.Option("--no-mlflow", help="Do not log to MLflow.")] = False,
) -> None:
    if backend is not None and backend not in BACKENDS:
        raise typer.BadParameter(
            f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}", param_hint="--backend"
        )
    target = pick_device(device, 0)
    model = posemamba.load(checkpoint, device=target)
    model.scan_backend = backend
    dataset = open_data(data)
    console = Console(stderr=True)
    with console.status(
        f"evaluating {checkpoint.name} ({model.variant}) on {dataset.test.frames} test frames"
    ):
        try:
            evaluation = evaluate(
                model, dataset.test, model.frames, batch_size=batch_size, flip=not no_flip, device=target,
                workers=workers,
            )  # fmt: skip
        except UnknownBackendError as error:
            raise typer.BadParameter(str(error), param_hint="--backend") from None
    report = {
        "checkpoint": str(checkpoint),
        "data": str(data),
        "variant": model.variant,
        "backend": backend or "auto",
        "device": str(target),
        **evaluation.as_dict(),
    }
    Console().print(
        result_table(evaluation, f"{checkpoint.name} on Human3.6M ({'flip' if not no_flip else 'no flip'})")
    )
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(json_out, lambda handle: handle.write(json.dumps(report, indent=1).encode()))
    if not no_mlflow:
        report["mlflow_run_id"] = log_to_mlflow(mlflow_uri, report)


if __name__ == "__main__":
    run_app(app, prog_name="python -m posemamba.eval")
