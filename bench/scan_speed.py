"""Selective-scan speed per backend at PoseMamba-S/-B shapes, and the full model's training step.

    python bench/scan_speed.py                       # every backend that runs here, S and B, batch 1
    python bench/scan_speed.py --batch 4 --repeats 10 --backends torch,cuda --model

Prints one table of medians (ms) for the scan forward and forward+backward, each with its ratio to
the first backend measured in this run (backends through posemamba.scan.selective_scan(backend=...);
the `cpu` backend's backward is the `torch` backend's), then (with --model) the training-step time
of PoseMamba-S at the given batch. Shapes from research/posemamba-spec.md section 5: S u (Bt, 512, 4131), B/L
u (Bt, 1024, 4131), N = 16, K = 4 groups; 20 scan calls per S/B forward. On a GPU, mamba_ssm's
selective_scan_fn is measured too when it is installed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from posemamba import scan

SHAPES = {"S": 512, "B": 1024}  # channels K*D at 243 frames x 17 joints
LENGTH, DSTATE, GROUPS = 243 * 17, 16, 4
ScanFn = Callable[..., torch.Tensor]


def scan_backends(requested: list[str]) -> dict[str, tuple[ScanFn | None, str]]:
    """name -> (function, note); function None when the backend cannot run here (note says why)."""
    found: dict[str, tuple[ScanFn | None, str]] = {}
    for name in requested:
        if name == "mamba_ssm":
            found[name] = _mamba_ssm()
            continue
        ok, why = scan.available(name)
        run = (lambda *a, _name=name, **k: scan.selective_scan(*a, backend=_name, **k)) if ok else None
        found[name] = (run, why)
    return found


def _mamba_ssm() -> tuple[ScanFn | None, str]:
    try:
        from mamba_ssm.ops.selective_scan_interface import selective_scan_fn
    except ImportError as error:
        return None, f"not installed ({error})"

    def run(u, delta, A, B, C, D, delta_bias, delta_softplus=True):
        return selective_scan_fn(u, delta, A, B, C, D, delta_bias=delta_bias, delta_softplus=delta_softplus)

    return run, "mamba_ssm selective_scan_fn"


def problem(channels: int, batch: int, device: torch.device, grad: bool) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)

    def rand(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return (torch.randn(*shape, generator=g) * scale).to(device).requires_grad_(grad)

    return [
        rand(batch, channels, LENGTH),
        rand(batch, channels, LENGTH, scale=0.5),
        (-torch.exp(torch.randn(channels, DSTATE, generator=g) * 0.5)).to(device).requires_grad_(grad),
        rand(batch, GROUPS, DSTATE, LENGTH),
        rand(batch, GROUPS, DSTATE, LENGTH),
        rand(channels),
        rand(channels, scale=0.5),
    ]


def median_ms(step: Callable[[], object], repeats: int, device: torch.device) -> float:
    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    step()  # warm-up (compilation, caches)
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def bench_scans(args: argparse.Namespace, device: torch.device) -> list[list[str]]:
    rows = []
    backends = scan_backends(args.backends.split(","))
    for shape in args.shapes.split(","):
        channels = SHAPES[shape]
        baseline: dict[str, float] = {}
        for name, (fn, note) in backends.items():
            if fn is None:
                rows.append([shape, name, "-", "-", "-", f"skipped: {note}"])
                continue
            where = device if name in ("cuda", "mamba_ssm") or device.type == "cuda" else torch.device("cpu")
            if name in ("cuda", "mamba_ssm") and where.type != "cuda":
                continue
            repeats = 1 if name == "ref" else args.repeats
            fwd_args = problem(channels, args.batch, where, grad=False)
            with torch.no_grad():
                fwd = median_ms(lambda fn=fn, a=fwd_args: fn(*a), repeats, where)
            grad_args = problem(channels, args.batch, where, grad=True)

            def fwd_bwd(fn=fn, a=grad_args) -> None:
                fn(*a).sum().backward()

            both = median_ms(fwd_bwd, repeats, where)
            baseline.setdefault("fwd", fwd)
            baseline.setdefault("both", both)
            rows.append(
                [
                    shape,
                    name,
                    str(where),
                    f"{fwd:.1f} ({baseline['fwd'] / fwd:.1f}x)",
                    f"{both:.1f} ({baseline['both'] / both:.1f}x)",
                    note,
                ]
            )
    return rows


def bench_model(args: argparse.Namespace, device: torch.device) -> str:
    import posemamba

    if not hasattr(posemamba, "PoseMamba"):
        return "model: skipped (posemamba.PoseMamba is not in this checkout yet)"
    model = posemamba.PoseMamba(frames=243, dim=64, depth=10).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randn(args.batch, 243, 17, 2, device=device)
    target = torch.randn(args.batch, 243, 17, 3, device=device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.mse_loss(model(x), target).backward()
        optimizer.step()

    ms = median_ms(step, args.repeats, device)
    return f"model: PoseMamba-S training step, batch {args.batch}, {device}: median {ms:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="ref,cpu,torch,cuda,mamba_ssm")
    parser.add_argument("--shapes", default="S,B")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--model", action="store_true", help="also time the full model's training step")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")
    gpu = torch.cuda.get_device_name(0) if device.type == "cuda" else "none"
    print(f"torch {torch.__version__}, GPU: {gpu}, threads: {args.threads}, batch {args.batch}, L={LENGTH}")
    header = ["shape", "backend", "device", "fwd ms (vs first)", "fwd+bwd ms (vs first)", "note"]
    rows = [header, *bench_scans(args, device)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if args.model:
        print(bench_model(args, device))


if __name__ == "__main__":
    main()
