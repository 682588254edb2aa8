"""posemamba.threads: the forward's thread count from the machine's facts, and the OpenMP wait default.

The choice is tested with injected facts (cores, other processes' runnable threads, the wait policy);
the facts themselves are read on this machine with real busy-loop processes running; the wait default
is checked in libgomp itself (OMP_DISPLAY_ENV), in fresh interpreters.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

import posemamba
from posemamba import threads
from posemamba.errors import PoseMambaError
from posemamba.threads import CpuFacts, choose_threads, wait_policy
from tests.conftest import busy_loops

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "posemamba"
TINY = FIXTURES / "tiny_f27_d32_l2_checkpoint.bin"


# --- the choice ------------------------------------------------------------------------------------


@pytest.mark.parametrize("others", [0, 1, 2, 6, 40])
def test_passive_waits_keep_torchs_count_at_any_load(others: int) -> None:
    # Sleeping waits cost a busy CPU nothing: 2 threads took about half the one-thread time with one
    # and three busy-loop processes per core (bench/contention.py).
    choice = choose_threads(CpuFacts(cores=2, others_running=others), ceiling=2, passive=True)
    assert choice.threads == 2


@pytest.mark.parametrize("others", [1, 2, 6])
def test_spinning_waits_take_one_thread_on_a_busy_cpu(others: int) -> None:
    choice = choose_threads(CpuFacts(cores=2, others_running=others), ceiling=2, passive=False)
    assert choice.threads == 1
    assert "busy" in choice.reason and f"{others} runnable" in choice.reason


@pytest.mark.parametrize(
    ("cores", "others", "ceiling", "want"),
    [
        (2, 0, 2, 2),  # an idle machine: torch's count
        (8, 3, 8, 5),  # the idle cores
        (8, 3, 4, 4),  # torch's count, below the idle cores
        (8, 6, 8, 2),
        (8, 7, 8, 1),
        (16, 0, 16, 16),
    ],
)
def test_spinning_waits_take_no_more_threads_than_idle_cores(
    cores: int, others: int, ceiling: int, want: int
) -> None:
    choice = choose_threads(CpuFacts(cores, others), ceiling=ceiling, passive=False)
    assert choice.threads == want, choice.reason


@pytest.mark.parametrize("passive", [True, False])
def test_never_more_threads_than_usable_cores_nor_torchs_setting(passive: bool) -> None:
    # A torch default from the machine's cores, in a process limited to 2 (taskset, a cgroup quota).
    assert choose_threads(CpuFacts(cores=2, others_running=0), ceiling=16, passive=passive).threads == 2
    assert choose_threads(CpuFacts(cores=16, others_running=0), ceiling=1, passive=passive).threads == 1
    assert choose_threads(CpuFacts(cores=1, others_running=0), ceiling=4, passive=passive).threads == 1


# --- $POSEMAMBA_THREADS ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "want"), [(None, None), ("", None), ("auto", None), ("3", 3), (" 4 ", 4)])
def test_requested_count(value: str | None, want: int | None) -> None:
    environ = {} if value is None else {"POSEMAMBA_THREADS": value}
    assert threads.requested(environ) == want


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "²", "٣", "99999", "2\nOMP", "1e3"])
def test_a_bad_requested_count_is_one_line_with_the_fix(value: str) -> None:
    with pytest.raises(PoseMambaError) as raised:
        threads.requested({"POSEMAMBA_THREADS": value})
    message = str(raised.value)
    assert "\n" not in message and "POSEMAMBA_THREADS" in message and "fix: set POSEMAMBA_THREADS" in message


# --- the wait policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "torch_loaded", "passive"),
    [
        ({}, False, True),  # posemamba sets PASSIVE
        ({}, True, False),  # too late: libgomp took its spinning default when torch loaded
        ({"OMP_WAIT_POLICY": "passive"}, True, True),
        ({"OMP_WAIT_POLICY": "ACTIVE"}, False, False),
        ({"GOMP_SPINCOUNT": "0"}, False, True),
        ({"GOMP_SPINCOUNT": "10000"}, False, False),
        ({"GOMP_SPINCOUNT": "1000", "OMP_WAIT_POLICY": "PASSIVE"}, False, False),  # GOMP_SPINCOUNT wins
    ],
)
def test_wait_policy_in_effect(environ: dict[str, str], torch_loaded: bool, passive: bool) -> None:
    assert wait_policy(environ, torch_loaded).passive is passive


def test_passive_default_is_set_only_when_the_user_set_no_policy_and_torch_is_not_loaded() -> None:
    environ: dict[str, str] = {}
    assert threads.set_wait_defaults(environ, torch_loaded=False) == {"OMP_WAIT_POLICY": "PASSIVE"}
    assert environ == {"OMP_WAIT_POLICY": "PASSIVE"}
    for users in (
        {"OMP_WAIT_POLICY": "active"},
        {"GOMP_SPINCOUNT": "300000"},
        {"OMP_WAIT_POLICY": "passive"},
    ):
        environ = dict(users)
        assert threads.set_wait_defaults(environ, torch_loaded=False) == {}
        assert environ == users, "the user's setting is kept as it is, and nothing is added"
    environ = {}
    assert threads.set_wait_defaults(environ, torch_loaded=True) == {}
    assert environ == {}, "after torch loaded libgomp a default would only mislead child processes"
    threads.set_wait_defaults(dict(os.environ), torch_loaded=False)  # this process's state again


def _libgomp_settings(code: str, **env: str) -> dict[str, str]:
    """libgomp's own report of its settings (OMP_DISPLAY_ENV) in a fresh interpreter running `code`."""
    environ = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**environ, "OMP_DISPLAY_ENV": "VERBOSE", **env},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    settings = {}
    for line in done.stderr.splitlines():
        name, _, value = line.strip().partition(" = ")
        if name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
            settings[name] = value.strip("'")
    assert settings, f"libgomp printed no settings: {done.stderr[-2000:]}"
    return settings


def test_libgomp_sleeps_at_once_when_posemamba_is_imported_first() -> None:
    assert _libgomp_settings("import posemamba, torch")["GOMP_SPINCOUNT"] == "0"


def test_libgomp_keeps_the_users_policy_and_its_default_after_torch() -> None:
    assert _libgomp_settings("import posemamba, torch", OMP_WAIT_POLICY="ACTIVE") == {
        "OMP_WAIT_POLICY": "ACTIVE",
        "GOMP_SPINCOUNT": "30000000000",
    }
    assert _libgomp_settings("import torch, posemamba")["GOMP_SPINCOUNT"] == "300000"


# --- the machine's facts -------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/loadavg").is_file(), reason="needs Linux's /proc/loadavg")
def test_busy_loops_are_seen_and_spinning_waits_get_one_thread() -> None:
    cores = threads.usable_cores()
    with busy_loops(2 * cores):
        seen = threads.others_running()
        facts = threads.machine_facts(ttl_s=0)
    # Busy loops are always runnable, so every sample counts them (and whatever else runs here).
    assert seen >= 2 * cores
    assert choose_threads(facts, ceiling=cores, passive=False).threads == 1


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc/self/task")
def test_own_running_threads_are_not_counted_as_other_processes() -> None:
    stop = threading.Event()

    def hash_without_the_gil() -> None:  # hashlib releases the GIL on large buffers: a running thread
        data = bytes(1 << 24)
        while not stop.is_set():
            hashlib.sha256(data).digest()

    worker = threading.Thread(target=hash_without_the_gil, daemon=True)
    worker.start()
    try:
        own = [threads._own_running() for _ in range(20)]
    finally:
        stop.set()
        worker.join()
    assert max(own) >= 2, own  # this thread and the hashing one


def test_a_cgroup_quota_lowers_the_cores(tmp_path: Path) -> None:
    (tmp_path / "docker" / "abc").mkdir(parents=True)
    self_cgroup = tmp_path / "self-cgroup"
    self_cgroup.write_text("0::/docker/abc\n")
    for quota, want in (
        ("150000 100000", 1),
        ("400000 100000", 4),
        ("50000 100000", 1),
        ("max 100000", None),
    ):
        (tmp_path / "docker" / "abc" / "cpu.max").write_text(quota + "\n")
        assert threads.quota_cores(tmp_path, self_cgroup) == want, quota
    (tmp_path / "docker" / "abc" / "cpu.max").unlink()
    assert threads.quota_cores(tmp_path, self_cgroup) is None
    (tmp_path / "cpu.max").write_text("200000 100000\n")  # a container's own cgroup namespace
    assert threads.quota_cores(tmp_path, self_cgroup) == 2


# --- the forward -------------------------------------------------------------------------------------


def _threads_inside_forward(model) -> list[int]:
    seen: list[int] = []
    model.head.register_forward_hook(lambda *_: seen.append(torch.get_num_threads()))
    with torch.inference_mode():
        model(torch.zeros(1, 27, 17, 2))
    return seen


def test_the_forward_takes_the_pinned_count_and_restores_torchs(monkeypatch: pytest.MonkeyPatch) -> None:
    model = posemamba.load(str(TINY))
    before = torch.get_num_threads()
    monkeypatch.setenv("POSEMAMBA_THREADS", "3")
    assert _threads_inside_forward(model) == [3]
    assert threads.last_choice().threads == 3 and "POSEMAMBA_THREADS" in threads.last_choice().reason
    assert torch.get_num_threads() == before


def test_the_forward_takes_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    model = posemamba.load(str(TINY))
    monkeypatch.delenv("POSEMAMBA_THREADS", raising=False)
    monkeypatch.setattr(threads, "machine_facts", lambda: CpuFacts(cores=4, others_running=5))
    monkeypatch.setattr(threads, "_waits", threads.Waits(False, "spinning (test)"))
    torch.set_num_threads(2)
    try:
        assert _threads_inside_forward(model) == [1]
        assert torch.get_num_threads() == 2
        monkeypatch.setattr(threads, "_waits", threads.Waits(True, "passive (test)"))
        assert _threads_inside_forward(model) == [2]
    finally:
        torch.set_num_threads(2)


def test_a_bad_requested_count_stops_envkit_lift_with_one_line(tmp_path: Path) -> None:
    import numpy as np

    source = tmp_path / "in.npz"
    np.savez(source, keypoints=np.zeros((5, 17, 3), np.float32), width=640, height=480, format="coco")
    command = ["lift", str(source), "-o", str(tmp_path / "out.npz"), "--checkpoint", str(TINY)]
    done = subprocess.run(
        [sys.executable, "-m", "envkit", *command], env={**os.environ, "POSEMAMBA_THREADS": "lots"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "POSEMAMBA_THREADS='lots' is not a thread count" in lines[0], done.stderr
    assert not (tmp_path / "out.npz").exists()
