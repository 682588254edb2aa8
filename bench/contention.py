"""PoseMamba on a busy CPU: the forward and a live run with busy-loop hogs on every core.

    python bench/contention.py                          # both parts
    python bench/contention.py --part forward --repeats 7
    python bench/contention.py --part live --live-runs 3 [--compare DIR]

Hogs: child processes running `while True: pass` in pure Python (one runnable thread each, nice 0,
no memory traffic), started by the bench, checked to be running, and killed at the end (also on
Ctrl-C). The machine's own load is reported with each table: the runnable threads of other processes
before the hogs start (posemamba.threads.others_running) and the 1-minute load average.

(a) forward: PoseMamba-S (tests/fixtures/posemamba/posemamba_s_checkpoint.bin and its golden input:
batch 1, 243 frames, torch.inference_mode), one child process per setting, all started before the
first measurement and driven round-robin, one forward each in turn, so every setting sees the same
moments of the machine:
  default           `import posemamba` ... `posemamba.load(...)(x)`: passive OpenMP waits, torch's
                    thread count (posemamba.threads)
  default, torch imported first
                    the same after `import torch`: libgomp keeps spinning, so threads from the idle
                    cores, one on a busy CPU
  1 thread          POSEMAMBA_THREADS=1
  N threads, spin (before)
                    POSEMAMBA_THREADS=N GOMP_SPINCOUNT=300000 (N: the usable cores; libgomp's own
                    default spin count): what a forward did before posemamba chose either
at 0 hogs and at one hog per core. Target: with one hog per core, default <= 2x the 1-thread time.

(b) live: `posemamba.live.run` in a child process with the live-pose defaults (stride 4, --window
auto, MediaPipe 2D, the S checkpoint above), headless with the recorder on, --max-frames 60 of the
demo video, at 3 hogs per core. --compare DIR adds the same runs against another checkout's posemamba
(e.g. `git archive main`), interleaved with this one's. Target: 3D in most frames.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "posemamba"
CHECKPOINT = FIXTURES / "posemamba_s_checkpoint.bin"
# libgomp's documented default spin count when OMP_WAIT_POLICY is unset (GCC manual, GOMP_SPINCOUNT).
LIBGOMP_DEFAULT_SPIN = "300000"


def _cores() -> int:
    from posemamba.threads import usable_cores

    return usable_cores()


def _background() -> str:
    """The machine's own load: runnable threads of other processes now, and the 1-minute average."""
    from posemamba.threads import others_running

    samples = []
    for _ in range(5):
        samples.append(others_running())
        time.sleep(0.2)
    return f"{statistics.median(samples):.0f} runnable, load avg {os.getloadavg()[0]:.1f}"


def busy_loops(count: int):
    """The tests' busy-loop processes (tests/conftest.py), for the driver (children never import it:
    with --compare their `tests` package is another checkout's)."""
    sys.path.insert(0, str(ROOT))
    from tests.conftest import busy_loops

    return busy_loops(count)


def child_env(extra: dict[str, str], code: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.pop("POSEMAMBA_THREADS", None)
    env.update(extra)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return env


# ----------------------------------------------------------------------------------------------- (a)


def forward_settings(cores: int) -> dict[str, tuple[dict[str, str], bool]]:
    """name -> (environment, whether the child imports torch before posemamba)."""
    return {
        "default": ({}, False),
        "default, torch imported first": ({}, True),
        "1 thread": ({"POSEMAMBA_THREADS": "1"}, False),
        f"{cores} threads, spin (before)": (
            {"POSEMAMBA_THREADS": str(cores), "GOMP_SPINCOUNT": LIBGOMP_DEFAULT_SPIN},
            False,
        ),
    }


def forward_child(torch_first: bool) -> None:
    """Load S, warm up, then one timed forward per `run` line on stdin; JSON lines on stdout."""
    if torch_first:
        import torch  # as many scripts do: libgomp then keeps its spinning default
    import posemamba  # before torch, as the live-pose command does: its OpenMP wait default applies
    from posemamba import threads

    model = posemamba.load(str(CHECKPOINT))
    import numpy as np
    import torch

    x = torch.from_numpy(np.load(FIXTURES / "posemamba_s_io.npz")["model_input"])
    with torch.inference_mode():
        model(x)
        print(json.dumps({"ready": True, "waits": threads.waits().note}), flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                break
            wall, cpu = time.perf_counter(), time.process_time()
            model(x)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            choice = threads.last_choice()
            print(json.dumps({"wall": wall, "cpu": cpu, "threads": choice.threads}), flush=True)


class ForwardChild:
    def __init__(self, env: dict[str, str], torch_first: bool) -> None:
        command = [
            sys.executable,
            __file__,
            "--child",
            "forward",
            *(["--torch-first"] if torch_first else []),
        ]
        self.process = subprocess.Popen(
            command, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        self.ready = self._read()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"a forward child ended (exit {self.process.wait()})")
        return json.loads(line)

    def run(self) -> dict:
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.process.wait(timeout=60)


def forward_part(cores: int, repeats: int, hog_counts: list[int], names: list[str] | None) -> None:
    settings = {name: env for name, env in forward_settings(cores).items() if names is None or name in names}
    print(f"\n(a) PoseMamba-S forward, batch 1, 243 frames: {repeats} interleaved runs per setting")
    children: dict[str, ForwardChild] = {}
    try:
        for name, (extra, torch_first) in settings.items():
            children[name] = ForwardChild(child_env(extra), torch_first)
            print(f"  {name}: OpenMP waits {children[name].ready['waits']}", flush=True)
        rows = []
        for count in hog_counts:
            background = _background()
            results: dict[str, list[dict]] = {name: [] for name in settings}
            with busy_loops(count):
                load_start = os.getloadavg()[0]
                for _ in range(repeats):
                    for name, child in children.items():
                        results[name].append(child.run())
                        print(f"  hogs {count}, {name}: {results[name][-1]['wall']:.2f} s", flush=True)
                load_end = os.getloadavg()[0]
            one = statistics.median(r["wall"] for r in results.get("1 thread", results["default"]))
            for name, runs in results.items():
                wall = [r["wall"] for r in runs]
                used = sorted({r["threads"] for r in runs})
                rows.append([
                    f"{count} ({count // cores} per core)" if count else "0", name,
                    f"{used[0]}-{used[-1]}" if len(used) > 1 else str(used[0]),
                    f"{statistics.median(wall):.2f}", f"{min(wall):.2f}",
                    f"{statistics.median(r['cpu'] for r in runs):.2f}",
                    f"{statistics.median(wall) / one:.2f}x", background,
                    f"{load_start:.1f} -> {load_end:.1f}",
                ])  # fmt: skip
        header = ["hogs", "setting", "threads used", "median s", "min s", "CPU s", "vs 1 thread",
                  "background before hogs", "load avg during"]  # fmt: skip
        table([header, *rows])
    finally:
        for child in children.values():
            child.close()


# ----------------------------------------------------------------------------------------------- (b)


def live_child(frames: int) -> None:
    """One live-pose run with the command's defaults; its summary as one JSON line on stdout."""
    import posemamba  # noqa: F401  (first: its OpenMP wait default precedes torch)
    from posemamba.live import LiveConfig, run
    from posemamba.live.demo import demo_video
    from posemamba.terminal import quiet_libraries

    quiet_libraries()
    with tempfile.TemporaryDirectory() as out:
        config = LiveConfig(source=str(demo_video()), estimator="mediapipe", checkpoint=CHECKPOINT,
                            headless=True, out=Path(out), max_frames=frames)  # fmt: skip
        s = run(config)
    fields = ("frames", "frames_with_3d", "frames_without_person", "frames_awaiting_lift",
              "display_fps", "pose3d_age_ms", "lifter_runs", "lifter_ms", "window", "lifter_warmup_s",
              "seconds")  # fmt: skip
    print(json.dumps({name: getattr(s, name) for name in fields}), flush=True)


def live_run(frames: int, code: Path | None) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", "live", "--frames", str(frames)],
        env=child_env({}, code), capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"a live run failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(lines[-1])


def live_part(cores: int, runs: int, frames: int, hog_count: int, compare: Path | None) -> None:
    from posemamba.live.demo import demo_video

    demo_video()  # fetched before the hogs start
    codes = {"this checkout": None, **({f"{compare}": compare} if compare else {})}
    print(f"\n(b) live run: {frames} frames of the demo video, MediaPipe 2D, PoseMamba-S, stride 4, "
          f"--window auto, headless + recorder; {runs} runs per checkout")  # fmt: skip
    background = _background()
    results: dict[str, list[dict]] = {name: [] for name in codes}
    with busy_loops(hog_count):
        load_start = os.getloadavg()[0]
        for index in range(runs):
            for name, code in codes.items():
                s = live_run(frames, code)
                results[name].append(s)
                print(f"  {name}, run {index + 1}: 3D in {s['frames_with_3d']}/{s['frames']}, "
                      f"{s['display_fps']:.1f} FPS", flush=True)  # fmt: skip
        load_end = os.getloadavg()[0]
    header = ["code", "run", "frames with 3D", "loop FPS", "3D age ms p50/p95", "lifter ms p50",
              "lifter runs", "window", "ready s", "no person / awaiting lift"]  # fmt: skip
    rows = []
    for name, found in results.items():
        for index, s in enumerate(found, 1):
            rows.append([name, str(index), f"{s['frames_with_3d']}/{s['frames']}", f"{s['display_fps']:.1f}",
                         f"{s['pose3d_age_ms'][0]:.0f} / {s['pose3d_age_ms'][1]:.0f}",
                         f"{s['lifter_ms'][0]:.0f}", str(s["lifter_runs"]), str(s["window"]),
                         f"{s['lifter_warmup_s']:.1f}",
                         f"{s['frames_without_person']} / {s['frames_awaiting_lift']}"])  # fmt: skip

        def med(key: str, part: int | None = None, found: list[dict] = found) -> float:
            return statistics.median(s[key] if part is None else s[key][part] for s in found)

        age = f"{med('pose3d_age_ms', 0):.0f} / {med('pose3d_age_ms', 1):.0f}"
        rows.append([f"**{name}**", "median", f"{med('frames_with_3d'):.0f}/{found[0]['frames']}",
                     f"{med('display_fps'):.1f}", age,
                     f"{med('lifter_ms', 0):.0f}", f"{med('lifter_runs'):.0f}", f"{med('window'):.0f}",
                     f"{med('lifter_warmup_s'):.1f}", "-"])  # fmt: skip
    table([header, *rows])
    print(f"hogs {hog_count} ({hog_count // cores} per core); background before hogs: {background}; "
          f"load avg during {load_start:.1f} -> {load_end:.1f}")  # fmt: skip


def table(rows: list[list[str]]) -> None:
    print()
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        print("| " + " | ".join(row) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("forward", "live", "both"), default="both")
    parser.add_argument("--repeats", type=int, default=7, help="(a) forwards per setting and load")
    parser.add_argument(
        "--hogs-per-core", default="0,1", help="(a) the loads to measure at, comma-separated hogs per core"
    )
    parser.add_argument("--settings", help="(a) a comma-separated subset of the settings (default: all)")
    parser.add_argument("--live-runs", type=int, default=3)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--live-hogs-per-core", type=int, default=3)
    parser.add_argument("--compare", type=Path, help="(b) also run another checkout's posemamba")
    parser.add_argument("--child", choices=("forward", "live"), help=argparse.SUPPRESS)
    parser.add_argument("--torch-first", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "forward":
        forward_child(args.torch_first)
        return 0
    if args.child == "live":
        live_child(args.frames)
        return 0
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # the hogs are killed on SIGTERM too
    cores = _cores()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {cores} usable; "
          f"hogs: {sys.executable} -c 'while True: pass'")  # fmt: skip
    if args.part in ("forward", "both"):
        loads = [int(per_core) * cores for per_core in args.hogs_per_core.split(",")]
        forward_part(cores, args.repeats, loads, args.settings.split(",") if args.settings else None)
    if args.part in ("live", "both"):
        live_part(cores, args.live_runs, args.frames, args.live_hogs_per_core * cores, args.compare)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
