"""How fast envkit.failures.match.diagnose reads large and hostile logs (target: a 10 MB log in < 1 s).

Builds each input in memory, runs diagnose() `--repeat` times on it and prints a table of medians and
minimums with the throughput, then the slowest signature on a pathological line (each signature's
keywords next to 4,000-character runs of one character, the shape that makes a backtracking pattern
slow). Usage:

    python bench/explain_speed.py [--repeat 5] [--megabytes 10]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from envkit.failures.catalog import signatures
from envkit.failures.match import diagnose
from tests.failures import corpus

TARGET_S = 1.0
TRAINING = (
    "2025/01/01 12:00:{s:02d} - mmengine - INFO - Epoch(train) [{e}][{i}/3000]  lr: 4.0e-03  eta: 1 day, "
    "2:03:04  time: 0.4321  data_time: 0.0123  memory: 10234  loss: 0.{i:04d}  loss_kpt: 0.0012\n"
)
FAILURE = "RuntimeError: unable to write to file </torch_31911_952036340_6686>: No space left on device\n"


def training_log(size: int) -> str:
    """A long mmengine training log that ends in one real failure."""
    lines, total, i = [], 0, 0
    while total < size:
        line = TRAINING.format(s=i % 60, e=1 + i // 3000, i=i % 3000)
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines) + FAILURE


def corpus_log(size: int) -> str:
    """Every real text of the corpus, over and over: many candidate lines, many matches."""
    texts = "\n".join(t.lines for t in corpus.load())
    return (texts * (size // len(texts) + 1))[:size]


def binary_log(size: int) -> str:
    return random.Random(1).randbytes(size).decode("utf-8", errors="replace")


def one_line(size: int) -> str:
    rng = random.Random(2)
    return "".join(rng.choice("abcdefghij ") for _ in range(size))


def keyword_storm(size: int) -> str:
    """Every line holds a keyword and nothing that completes a pattern: the prefilter lets it all through."""
    keywords = sorted({k for s in signatures() for k in s.keywords})
    rng = random.Random(3)
    lines, total = [], 0
    while total < size:
        line = "x" * rng.randint(0, 120) + rng.choice(keywords) + "/" * rng.randint(0, 120) + "\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)


INPUTS: dict[str, Callable[[int], str]] = {
    "training log, one failure at the end": training_log,
    "the field corpus repeated": corpus_log,
    "random bytes (decoded with replace)": binary_log,
    "one line, no newline": one_line,
    "keyword on every line, no match": keyword_storm,
}


def timed(text: str) -> tuple[float, int]:
    started = time.perf_counter()
    found = diagnose(text)
    return time.perf_counter() - started, len(found)


def slowest_pattern() -> tuple[str, float]:
    """The signature that takes longest on its own keywords beside 4,000-character runs."""
    worst = ("", 0.0)
    for signature in signatures():
        for filler in ("a", " ", "/", "9", "_", "'"):
            line = (filler * 4000).join(signature.keywords * 2)
            started = time.perf_counter()
            diagnose(line, (signature,))
            elapsed = time.perf_counter() - started
            if elapsed > worst[1]:
                worst = (f"{signature.id} (runs of {filler!r})", elapsed)
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--megabytes", type=float, default=10.0)
    args = parser.parse_args()
    size = int(args.megabytes * 1_000_000)
    print(f"{len(signatures())} signatures, {args.repeat} runs per input, {args.megabytes:g} MB inputs")
    print(f"| {'input':<38} | median s | min s | MB/s  | found |")
    print(f"|{'-' * 40}|----------|-------|-------|-------|")
    failed = False
    for name, build in INPUTS.items():
        text = build(size)
        samples = [timed(text) for _ in range(args.repeat)]
        median = statistics.median(s for s, _ in samples)
        fastest = min(s for s, _ in samples)
        rate = len(text.encode("utf-8", errors="replace")) / 1e6 / median
        print(f"| {name:<38} | {median:8.3f} | {fastest:5.3f} | {rate:5.1f} | {samples[0][1]:5d} |")
        failed |= name.startswith("training") and median >= TARGET_S
    pattern, seconds = slowest_pattern()
    print(f"slowest signature on a pathological line: {pattern}, {seconds * 1000:.1f} ms")
    print(f"training log: {'meets' if not failed else 'misses'} the {TARGET_S:g} s target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
