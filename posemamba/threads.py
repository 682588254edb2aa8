"""How many threads a PoseMamba forward uses, and how its idle OpenMP threads wait.

Every torch op of the dense part, and the compiled scan, is an OpenMP parallel region that ends in a
barrier. libgomp's default lets a thread that reaches a barrier spin (up to 300,000 rounds, some
milliseconds) before it sleeps; on a CPU that other processes keep busy, the spinning thread burns
the time slice that the thread it waits for needs, and a 2-thread PoseMamba-S forward on 2 busy cores
takes 3-4x as long as a one-thread one (bench/contention.py). With passive waits (idle threads sleep
at once) the same 2 threads take about half the one-thread time on those busy cores: a sleeping thread
is scheduled soon after it wakes, and two runnable threads get two fair shares of the CPU.

So `set_wait_defaults`, run when `posemamba` is imported, sets OMP_WAIT_POLICY=PASSIVE unless the user
chose a wait policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT); libgomp reads it once, when torch loads it,
so it takes effect only when posemamba is imported before torch. And each forward takes
`choose_threads`' count (`for_forward`): torch's own setting (its default, `torch.set_num_threads`,
$OMP_NUM_THREADS), never more than the usable cores; where the waits spin (torch was imported first,
or the user's policy), no more than the idle cores, and one thread when the CPU is busy.
$POSEMAMBA_THREADS=N pins the count. This module does not import torch at import time.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from posemamba.errors import PoseMambaError

THREADS_ENV = "POSEMAMBA_THREADS"
# What libgomp (torch's OpenMP runtime, shared by the compiled scan) reads for its wait policy; a user
# who set either keeps libgomp's behaviour for both.
WAIT_ENV = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
PASSIVE = "PASSIVE"
# The machine's load is sampled at most this often: a sample costs a fraction of a millisecond, but
# forwards can come every few milliseconds (small windows, a GPU).
FACTS_TTL_S = 1.0
SAMPLES, SAMPLE_GAP_S = 3, 0.001
MAX_THREADS = 1024  # a bound for $POSEMAMBA_THREADS (torch accepts any count and starts them all)


@dataclass(frozen=True)
class CpuFacts:
    """What the thread count is chosen from.

    cores: the CPUs this process may run on (its affinity mask, lowered to a cgroup CPU quota).
    others_running: runnable threads of other processes (the median of a few samples of the running
    count in /proc/loadavg minus this process's own running threads).
    """

    cores: int
    others_running: int


@dataclass(frozen=True)
class Choice:
    """A forward's thread count and why."""

    threads: int
    reason: str


def choose_threads(facts: CpuFacts, ceiling: int, passive: bool) -> Choice:
    """The threads for a forward: torch's setting (`ceiling`) within the usable cores; when waits spin
    (`passive` False), within the idle cores too, and 1 on a busy CPU. At least 1."""
    usable = min(ceiling, facts.cores)
    if usable <= 1:
        return Choice(1, f"1 thread (torch's setting {ceiling}, {facts.cores} usable cores)")
    if passive:
        return Choice(usable, f"{usable} threads (torch's setting {ceiling}, {facts.cores} usable cores)")
    idle = facts.cores - facts.others_running
    busy = f"{facts.others_running} runnable threads of other processes on {facts.cores} cores"
    if idle <= 1:
        return Choice(1, f"1 thread: the CPU is busy and OpenMP waits spin ({busy})")
    threads = min(usable, idle)
    return Choice(threads, f"{threads} threads: OpenMP waits spin, {idle} cores idle ({busy})")


def requested(environ: MutableMapping[str, str] | None = None) -> int | None:
    """$POSEMAMBA_THREADS as a count; None when unset or `auto` (choose from the machine's load)."""
    value = (os.environ if environ is None else environ).get(THREADS_ENV, "").strip()
    if value in ("", "auto"):
        return None
    if not re.fullmatch(r"[0-9]{1,4}", value) or not 1 <= int(value) <= MAX_THREADS:
        raise PoseMambaError(
            f"${THREADS_ENV}={value[:40]!r} is not a thread count",
            fix=f"set {THREADS_ENV} to 1..{MAX_THREADS}, or unset it (auto: follow the load)",
        )
    return int(value)


def quota_cores(
    cgroup_root: Path = Path("/sys/fs/cgroup"), self_cgroup: Path = Path("/proc/self/cgroup")
) -> int | None:
    """The CPU count a cgroup v2 quota (cpu.max, e.g. `docker run --cpus`) allows; None without one."""
    folders = [cgroup_root]
    with contextlib.suppress(OSError):
        for line in self_cgroup.read_text().splitlines():
            if line.startswith("0::"):
                folders.insert(0, cgroup_root / line[3:].strip().lstrip("/"))
    for folder in folders:
        try:
            quota, period = (folder / "cpu.max").read_text().split()[:2]
        except (OSError, ValueError):
            continue
        if quota == "max":
            return None
        with contextlib.suppress(ValueError, ZeroDivisionError):
            return max(1, math.floor(int(quota) / int(period)))
    return None


def usable_cores() -> int:
    """The CPUs this process may run on: its affinity mask, lowered to a cgroup CPU quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    quota = quota_cores()
    return min(cores, quota) if quota else cores


def _own_running() -> int:
    """This process's threads that are running or waiting for a CPU (state R)."""
    count = 0
    with contextlib.suppress(OSError):
        for task in os.scandir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task.name}/stat", "rb") as handle:
                    stat = handle.read()
            except OSError:  # the thread ended
                continue
            state = stat.rpartition(b")")[2][1:2]  # after the command name, which may hold any byte
            count += state == b"R"
    return count


def others_running() -> int:
    """Runnable threads of other processes now: /proc/loadavg's running count minus our own (median
    of SAMPLES samples SAMPLE_GAP_S apart); 0 where /proc is missing."""
    samples = []
    for index in range(SAMPLES):
        if index:
            time.sleep(SAMPLE_GAP_S)
        try:
            running = int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return 0
        samples.append(max(0, running - _own_running()))
    return round(statistics.median(samples))


_cache_lock = threading.Lock()
_cache: tuple[float, CpuFacts] | None = None
_last: Choice | None = None


def machine_facts(ttl_s: float = FACTS_TTL_S) -> CpuFacts:
    """This machine's CpuFacts, sampled at most every `ttl_s` seconds."""
    global _cache
    with _cache_lock:
        now = time.monotonic()
        if _cache is None or now - _cache[0] > ttl_s:
            _cache = (now, CpuFacts(usable_cores(), others_running()))
        return _cache[1]


def last_choice() -> Choice | None:
    """The choice of the latest forward (for reports and benches)."""
    return _last


def decide(ceiling: int) -> Choice:
    """The thread count for a forward now: $POSEMAMBA_THREADS, else `choose_threads` on this machine."""
    pinned = requested()
    if pinned is not None:
        return Choice(pinned, f"{pinned} threads (${THREADS_ENV})")
    passive = _waits.passive
    facts = machine_facts() if not passive else CpuFacts(usable_cores(), 0)
    return choose_threads(facts, ceiling, passive)


@contextlib.contextmanager
def for_forward() -> Iterator[Choice]:
    """Run the body with the chosen thread count (this thread's torch setting restored afterwards)."""
    import torch

    global _last
    current = torch.get_num_threads()
    choice = _last = decide(current)
    if choice.threads == current:
        yield choice
        return
    torch.set_num_threads(choice.threads)
    try:
        yield choice
    finally:
        torch.set_num_threads(current)


@dataclass(frozen=True)
class Waits:
    """The OpenMP wait policy in effect: whether idle threads sleep at once, and why."""

    passive: bool
    note: str


def wait_policy(environ: MutableMapping[str, str], torch_loaded: bool) -> Waits:
    """The wait policy libgomp takes from `environ` (GOMP_SPINCOUNT wins over OMP_WAIT_POLICY), or
    posemamba's PASSIVE when neither is set and torch is not `torch_loaded` yet."""
    spin = environ.get("GOMP_SPINCOUNT")
    policy = environ.get("OMP_WAIT_POLICY")
    if spin is not None:
        return Waits(re.fullmatch(r"\s*0+\s*", spin) is not None, f"the user's GOMP_SPINCOUNT={spin[:40]!r}")
    if policy is not None:
        return Waits(policy.strip().lower() == "passive", f"the user's OMP_WAIT_POLICY={policy[:40]!r}")
    if torch_loaded:
        return Waits(False, "libgomp's default, spinning: torch was imported before posemamba")
    return Waits(True, f"passive (OMP_WAIT_POLICY={PASSIVE}, set by posemamba before torch loaded)")


_waits = Waits(False, "posemamba.threads.set_wait_defaults has not run")


def set_wait_defaults(
    environ: MutableMapping[str, str] | None = None, torch_loaded: bool | None = None
) -> dict[str, str]:
    """OMP_WAIT_POLICY=PASSIVE in `environ` (os.environ) unless the user chose a wait policy or torch
    (and with it libgomp, which reads it once) is loaded already; returns what it set."""
    global _waits
    environ = os.environ if environ is None else environ
    _waits = wait_policy(environ, "torch" in sys.modules if torch_loaded is None else torch_loaded)
    if _waits.passive and not any(name in environ for name in WAIT_ENV):
        environ["OMP_WAIT_POLICY"] = PASSIVE
        return {"OMP_WAIT_POLICY": PASSIVE}
    return {}


def waits() -> Waits:
    """The wait policy `set_wait_defaults` found or set when posemamba was imported."""
    return _waits


def report() -> str:
    """One line: the thread count a forward would take now and the OpenMP wait policy, with why."""
    import torch

    return f"forward threads: {decide(torch.get_num_threads()).reason}; OpenMP waits: {_waits.note}"
