"""PoseMamba forward time per scan backend: S and B, batch 1, 243 frames, 2 threads.

    python bench/lift_speed.py                          # S and B, every backend that runs here
    python bench/lift_speed.py --variants S --backends cpu,torch --repeats 20

Prints one table measured in one run: median (and min) wall seconds per forward under
torch.inference_mode, the median process CPU seconds per forward (all threads; less sensitive to
other jobs than wall time, and an upper bound of the wall time on idle cores), the ratio to `ref`,
and the largest deviation from the golden outputs when the golden checkpoint of the variant is
found (tests/fixtures/posemamba for S, ../shared/golden/posemamba or $POSEMAMBA_GOLDEN_DIR for B;
otherwise random weights, seeded).
The forward runs exactly --threads threads ($POSEMAMBA_THREADS) with posemamba's passive OpenMP waits
(bench/contention.py compares thread counts and wait policies on a busy CPU).
The 1-minute load average is printed before and after: other jobs on a small machine change every
figure, so read the table with it. `ref` (the sequential Python loop) and `torch` on the CPU take
seconds to minutes per forward: they run --slow-repeats times (default 1) without a warm-up.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

# isort: off
import posemamba  # before torch: its OpenMP wait default (passive) precedes libgomp (posemamba.threads)

# isort: on
import numpy as np
import torch

from posemamba import scan, threads

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIRS = [
    Path(os.environ["POSEMAMBA_GOLDEN_DIR"]) if os.environ.get("POSEMAMBA_GOLDEN_DIR") else None,
    ROOT / "tests" / "fixtures" / "posemamba",
    ROOT.parent / "shared" / "golden" / "posemamba",
    Path("/work/shared/golden/posemamba"),
]


def golden(variant: str) -> tuple[Path, Path] | None:
    """(checkpoint, io.npz) of the golden model of `variant`, if present."""
    name = f"posemamba_{variant.lower()}"
    for folder in filter(None, GOLDEN_DIRS):
        checkpoint, io = folder / f"{name}_checkpoint.bin", folder / f"{name}_io.npz"
        if checkpoint.is_file() and io.is_file():
            return checkpoint, io
    return None


def build(variant: str, device: torch.device) -> tuple[torch.nn.Module, torch.Tensor, np.ndarray | None, str]:
    found = golden(variant)
    if found:
        model = posemamba.load(found[0]).to(device)
        io = np.load(found[1])
        x = torch.from_numpy(io["model_input"]).to(device)
        return model, x, io["output"], f"golden weights ({found[0].name})"
    torch.manual_seed(0)
    model = posemamba.PoseMamba(**posemamba.VARIANTS[variant]).eval().to(device)
    x = torch.randn(1, 243, 17, 2, generator=torch.Generator().manual_seed(0)).to(device)
    return model, x, None, "random weights (golden checkpoint not found)"


def time_forward(
    model, x, repeats: int, warmup: int, device: torch.device
) -> tuple[list[float], torch.Tensor]:
    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    with torch.inference_mode():
        out = None
        for _ in range(warmup):
            out = model(x)
        sync()
        times, cpu_times = [], []
        for _ in range(repeats):
            start, cpu_start = time.perf_counter(), time.process_time()
            out = model(x)
            sync()
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    return times, cpu_times, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="S,B")
    parser.add_argument("--backends", default="ref,torch,cpu,cuda")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--slow-repeats", type=int, default=1, help="repeats for ref and torch (seconds to minutes each)"
    )
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ[threads.THREADS_ENV] = str(args.threads)  # exactly --threads, whatever the machine's load
    cuda_ok = torch.cuda.is_available()
    print(
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"threads {args.threads}, GPU: {torch.cuda.get_device_name(0) if cuda_ok else 'none'}"
    )
    print(f"default backend: {scan.backend_report('cpu')}")
    print(threads.report())
    load_before = os.getloadavg()
    header = [
        "variant",
        "backend",
        "device",
        "median s",
        "min s",
        "CPU s",
        "runs",
        "vs ref",
        "max |d| golden",
        "note",
    ]
    rows = [header]
    medians: dict[tuple[str, str], float] = {}
    for variant in args.variants.split(","):
        for backend in args.backends.split(","):
            ok, why = scan.available(backend)
            device = torch.device("cuda" if backend == "cuda" or (cuda_ok and backend == "torch") else "cpu")
            if not ok:
                rows.append([variant, backend, "-", "-", "-", "-", "-", "-", "-", f"skipped: {why}"])
                continue
            model, x, want, note = build(variant, device)
            model.scan_backend = backend
            slow = backend == "ref" or (backend == "torch" and device.type == "cpu")
            repeats = args.slow_repeats if slow else args.repeats
            times, cpu_times, out = time_forward(model, x, repeats, 0 if slow else 2, device)
            median = medians[variant, backend] = statistics.median(times)
            error = "-" if want is None else f"{np.abs(out.float().cpu().numpy() - want).max():.1e}"
            row = [
                variant,
                backend,
                str(device),
                f"{median:.3f}",
                f"{min(times):.3f}",
                f"{statistics.median(cpu_times):.3f}",
                str(repeats),
                "-",
                error,
            ]
            rows.append([*row, note])
            print("  ".join(rows[-1]), flush=True)
    load_after = os.getloadavg()
    for row in rows[1:]:  # the ratio to ref of the same variant, once every backend has run
        ref = medians.get((row[0], "ref"))
        if ref and (row[0], row[1]) in medians:
            row[7] = f"{ref / medians[row[0], row[1]]:.1f}x"
    print()
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
    print(
        f"\n1-minute load average: {load_before[0]:.2f} before, {load_after[0]:.2f} after "
        f"({os.cpu_count()} CPUs; other jobs share them)"
    )


if __name__ == "__main__":
    main()
