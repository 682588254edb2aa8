"""Host RAM of the training data path at the real size: convert once, then DataLoader workers.

    python bench/train_data_ram.py [--workers 4] [--batches 2000] [--keep DIR]

Writes a format fixture with the real file's frame counts (posemamba.data.synthetic.real_size_layout:
1,559,752 train + 566,920 test frames in 840 videos; made-up motion, the real layout), converts it
the way training does (a child process: its peak RSS is the conversion's cost), then iterates the
train clips (243 frames, stride 81) with a DataLoader of --workers processes, batch 4, shuffled, and the
test arrays mapped as evaluation maps them, while sampling every process's memory from /proc:

* RSS summed over the main process and its workers (counts the shared, memory-mapped data once per
  process: an upper bound),
* PSS summed (each shared page divided among the processes that map it: what they cost together),
* the page cache the mapped arrays occupy is part of both.

No model runs here: on a GPU the model, its activations and the optimizer live in GPU memory; what a
training process adds on the host is the torch/CUDA runtime (not measured on this CPU-only machine).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from torch.utils.data import DataLoader

from posemamba.data import ClipDataset, open_data, synthetic

MB = 1 << 20


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of one process, from /proc/<pid>/smaps_rollup."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss"):
                values[name] = int(rest.split()[0]) * 1024
    return values.get("Rss", 0), values.get("Pss", 0)


def family(pid: int) -> list[int]:
    """`pid` and its children (the DataLoader workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *map(int, children)]


class Sampler(threading.Thread):
    """Samples the summed RSS and PSS of this process and its children every 0.2 s; keeps the peaks."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            rss = pss = 0
            pids = family(os.getpid())
            for pid in pids:
                try:
                    r, p = memory(pid)
                except OSError:
                    continue
                rss, pss = rss + r, pss + p
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            time.sleep(0.2)


def convert_in_child(pkl: Path, cache: Path) -> tuple[float, int]:
    """Seconds and peak RSS (bytes) of converting `pkl` in a fresh process."""
    code = (
        "import resource, sys; from posemamba.data import open_data; from pathlib import Path; "
        "open_data(Path(sys.argv[1]), cache=Path(sys.argv[2])); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(pkl), str(cache)], capture_output=True, text=True, check=True
    )
    return time.perf_counter() - start, int(done.stdout.split()[-1]) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batches", type=int, default=2000, help="train batches to load (0: a whole epoch)")
    parser.add_argument("--keep", type=Path, help="a folder for the fixture and its conversion (reused)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        pkl = folder / "h36m_real_size.pkl"
        if not pkl.is_file():
            start = time.perf_counter()
            train, test = synthetic.real_size_layout()
            synthetic.write(pkl, train, test)
            print(f"wrote {pkl} ({pkl.stat().st_size / MB:.0f} MB) in {time.perf_counter() - start:.0f} s")
        shutil.rmtree(folder / "cache", ignore_errors=True)  # measure a real conversion every time
        seconds, convert_rss = convert_in_child(pkl, folder / "cache")
        data = open_data(pkl, cache=folder / "cache")
        arrays = sum(f.stat().st_size for f in data.folder.glob("*.npy"))
        sampler = Sampler()
        sampler.start()
        dataset = ClipDataset(data.train, 243, 81)
        test = ClipDataset(data.test, 243, 243)
        for key in ("gt_mm", "factors", "actions", "cameras"):
            data.test.array(key)
        loader = DataLoader(
            dataset, batch_size=4, shuffle=True, num_workers=args.workers,
            persistent_workers=args.workers > 0,
            prefetch_factor=4 if args.workers else None,
        )  # fmt: skip
        start = time.perf_counter()
        loaded = 0
        for loaded, _ in enumerate(loader, start=1):
            if args.batches and loaded >= args.batches:
                break
        elapsed = time.perf_counter() - start
        time.sleep(0.5)
        sampler.running = False
        sampler.join()
        print(f"train clips {len(dataset)}, test clips {len(test)}; converted arrays {arrays / MB:.0f} MB")
        print(f"conversion (once, child process): {seconds:.0f} s, peak RSS {convert_rss / MB:.0f} MB")
        print(
            f"loading {loaded} batches of 4 with {args.workers} workers: {loaded * 4 / elapsed:.0f} clips/s; "
            f"peak over {sampler.peak_processes} processes: RSS sum {sampler.peak_rss / MB:.0f} MB, "
            f"PSS sum {sampler.peak_pss / MB:.0f} MB; main process max RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )


if __name__ == "__main__":
    main()
