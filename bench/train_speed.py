"""PoseMamba training step: forward + loss + backward + AdamW, per variant, batch, scan backend, precision.

    python bench/train_speed.py                       # S and B, batch 4 and 16, the default backends here
    python bench/train_speed.py --variants S --batches 4 --backends torch --precisions fp32,bf16 --repeats 1
    python bench/train_speed.py --device cuda --batches 4,32      # on a GPU (cuda backend when installed)

Synthetic input of the real shapes (243 frames, 17 joints; no dataset needed), the model in training
mode with drop-path 0.2 and the exact loss of posemamba.losses. One warm-up step, then --repeats
measured steps (0: the warm-up step's times): the median time of the forward, the backward and the
whole step, samples/s, and the loss of the first step relative to fp32 on the same weights and batch
(the effect of autocast on the loss). Backends: `torch` (the chunked scan, autograd), `cpu` (its compiled
forward; the backward recomputes with torch), `cuda` (the kernel, GPU only), `ref` (sequential loop; only
when named).
Without the kernel the `torch` scan keeps its per-step tensors for autograd (an S step did not fit in
12 GB at batch 1 on a CPU): --checkpoint-blocks recomputes each block in the backward.
The 1-minute load average is printed before and after: on a small shared machine it moves every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import torch
from rich.console import Console
from rich.table import Table

from posemamba import VARIANTS, PoseMamba, scan
from posemamba.losses import training_loss
from posemamba.train.step import PRECISIONS

WEIGHTS = {"lambda_3d": 1.0, "lambda_scale": 0.5, "lambda_3d_velocity": 20.0, "lambda_diff": 0.5}


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def step_times(
    model, optimizer, inputs, target, precision: str, device: torch.device
) -> tuple[float, float, float, float]:
    """(forward s, backward s, whole step s, loss) of one training step."""
    dtype = PRECISIONS[precision]
    sync(device)
    start = time.perf_counter()
    with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        pred = model(inputs)
    total, _ = training_loss(pred, target, WEIGHTS)
    sync(device)
    forward = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    sync(device)
    backward = time.perf_counter()
    optimizer.step()
    sync(device)
    end = time.perf_counter()
    return forward - start, backward - forward, end - start, float(total)


def measure(
    variant: str,
    batch: int,
    backend: str,
    precision: str,
    device: torch.device,
    repeats: int,
    recompute: bool,
) -> dict:
    torch.manual_seed(0)
    config = VARIANTS[variant]
    model = PoseMamba(**config, drop_path_rate=0.2).to(device).train()
    model.scan_backend = backend
    model.checkpoint_blocks = recompute
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-4, weight_decay=0.01)
    generator = torch.Generator().manual_seed(1)
    inputs = (torch.rand(batch, config["frames"], 17, 2, generator=generator) * 2 - 1).to(device)
    target = (torch.rand(batch, config["frames"], 17, 3, generator=generator) - 0.5).to(device)
    target = target - target[:, :, :1]
    torch.manual_seed(2)  # the same drop-path draws for every precision
    first = step_times(model, optimizer, inputs, target, precision, device)  # also the warm-up
    first_loss = first[3]
    # --repeats 0: the first step's own times (for configurations that take minutes per step).
    runs = [step_times(model, optimizer, inputs, target, precision, device) for _ in range(repeats)] or [
        first
    ]
    forward, backward, step = (statistics.median(r[i] for r in runs) for i in range(3))
    return {
        "forward": forward,
        "backward": backward,
        "step": step,
        "loss": first_loss,
        "samples": batch / step,
    }


def run_one(spec: str, device: str, repeats: int, threads: int | None, max_ram_gb: float) -> dict:
    """Measure one variant,batch,backend,precision in a child process: its own peak RSS, and an
    out-of-memory there (address space capped at --max-ram-gb) cannot take other processes down."""
    command = [sys.executable, __file__, "--one", spec, "--device", device, "--repeats", str(repeats),
               "--max-ram-gb", str(max_ram_gb)]  # fmt: skip
    command += ["--threads", str(threads)] if threads else []
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1]
        return {"error": "out of memory" if "memory" in last.lower() else last[:60]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(args: argparse.Namespace) -> None:
    limit = int(args.max_ram_gb * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if args.threads:
        torch.set_num_threads(args.threads)
    variant, batch, backend, precision, recompute = args.one.split(",")
    device = torch.device(args.device)
    result = measure(variant, int(batch), backend, precision, device, args.repeats, recompute == "1")
    result["max_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variants", default="S,B")
    parser.add_argument("--batches", default="4,16")
    parser.add_argument("--backends", default=None, help="default: torch on the CPU, cuda and torch on a GPU")
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--max-ram-gb", type=float, default=12.0, help="address-space cap of each measurement"
    )
    parser.add_argument(
        "--checkpoint-blocks", action="store_true", help="recompute block activations in the backward"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        child(args)
        return
    device = torch.device(args.device)
    backends = (args.backends or ("cuda,torch" if device.type == "cuda" else "torch")).split(",")
    console = Console()
    name = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or platform.machine()
    )
    console.print(
        f"device {device} ({name}), torch {torch.__version__}, "
        f"{args.threads or torch.get_num_threads()} threads, "
        f"blocks recomputed in the backward: {args.checkpoint_blocks}; "
        f"load average before {os.getloadavg()[0]:.2f}"
    )
    table = Table(title="PoseMamba training step (forward + loss + backward + AdamW)")
    columns = ("variant", "batch", "backend", "precision", "forward s", "backward s", "step s", "samples/s")
    for column in (*columns, "peak RSS GB", "loss vs fp32"):
        table.add_column(column, justify="right")
    for variant in args.variants.split(","):
        for batch in map(int, args.batches.split(",")):
            for backend in backends:
                ok, why = scan.available(backend)
                if not ok:
                    table.add_row(variant, str(batch), backend, "-", *["-"] * 5, f"skipped: {why[:60]}")
                    continue
                reference = None
                for precision in args.precisions.split(","):
                    spec = f"{variant},{batch},{backend},{precision},{int(args.checkpoint_blocks)}"
                    result = run_one(spec, args.device, args.repeats, args.threads, args.max_ram_gb)
                    if "error" in result:
                        table.add_row(variant, str(batch), backend, precision, *["-"] * 5, result["error"])
                        continue
                    reference = result["loss"] if precision == "fp32" else reference
                    change = "-" if reference is None else f"{(result['loss'] - reference) / reference:+.2e}"
                    table.add_row(
                        variant, str(batch), backend, precision, f"{result['forward']:.2f}",
                        f"{result['backward']:.2f}", f"{result['step']:.2f}", f"{result['samples']:.3f}",
                        f"{result['max_rss_gb']:.1f}", change,
                    )  # fmt: skip
                    console.print(f"{spec}: {result}")
    console.print(table)
    console.print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
