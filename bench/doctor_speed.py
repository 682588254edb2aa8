"""Wall time of `envkit doctor` (all local checks) against a bare `import torch` and torch's collect_env.

Runs the three commands interleaved, `--repeat` times each, in one process, and prints a table of
medians and the ratio to `import torch` (target: doctor <= 1.5x). Usage:

    python bench/doctor_speed.py [--repeat 7] [--python PATH]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET = 1.5


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--python", default=sys.executable, help="the interpreter to measure (default: this one)"
    )
    args = parser.parse_args()
    commands = {
        'python -c "import torch"': [args.python, "-c", "import torch"],
        "python -m torch.utils.collect_env": [args.python, "-m", "torch.utils.collect_env"],
        "envkit doctor (all checks)": [args.python, "-m", "envkit", "doctor"],
    }
    for argv in commands.values():  # warm the page cache once, unmeasured
        timed(argv)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, argv in commands.items():
            samples[name].append(timed(argv))
    base = statistics.median(samples['python -c "import torch"'])
    print(f"{args.repeat} runs each, interleaved; {args.python}")
    print(f"| {'command':<36} | median s | min s | x import torch |")
    print(f"|{'-' * 38}|----------|-------|----------------|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| {name:<36} | {median:8.2f} | {min(values):5.2f} | {median / base:14.2f} |")
    ratio = statistics.median(samples["envkit doctor (all checks)"]) / base
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"doctor / import torch = {ratio:.2f} ({verdict} the {TARGET}x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
