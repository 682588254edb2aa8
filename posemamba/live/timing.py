"""Per-stage latency samples and their percentiles."""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

import numpy as np


class StageTimes:
    """Seconds spent per named stage, one sample per frame (or per lifter run)."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)

    @contextmanager
    def measure(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.samples[stage].append(time.perf_counter() - start)

    def add(self, stage: str, seconds: float) -> None:
        self.samples[stage].append(seconds)

    def last_ms(self, stage: str) -> float:
        values = self.samples.get(stage)
        return values[-1] * 1e3 if values else float("nan")

    def percentiles_ms(self) -> dict[str, tuple[float, float]]:
        """{stage: (p50, p95)} in milliseconds."""
        return {name: percentiles_ms(values) for name, values in self.samples.items() if values}


def percentiles_ms(values) -> tuple[float, float]:
    values = np.asarray([v for v in values if v == v], dtype=float)
    if values.size == 0:
        return float("nan"), float("nan")
    return float(np.percentile(values, 50) * 1e3), float(np.percentile(values, 95) * 1e3)
