"""--window auto: the largest lift window whose expected 3D age fits the budget, kept there while running.

The judgement is tested with lift times measured on real machines (bench/live_pipeline.py on this
2-core CPU; a GPU's few milliseconds); the lifter's own calibration runs the real PoseMamba-S.
"""

from __future__ import annotations

import pytest

from posemamba.live.window_size import CANDIDATES, FIT_SHARE, LOOP_SLOWDOWN, WindowSize, expected_age_s

# bench/live_pipeline.py, quiet 2-core EPYC: a PoseMamba-S lift of 243 frames, one thread, with the
# machine to itself, as calibration before the first frame sees it (652 ms median in the running loop).
CPU_LIFT_243_S = 0.529
# (median lift s in the loop, stride, measured p95 age s) from the same bench run.
MEASURED_AGES = [
    (0.101, 8, 0.333),
    (0.161, 4, 0.471),
    (0.203, 2, 0.553),
    (0.237, 4, 0.585),
    (0.657, 4, 1.405),
]


def linear_lift(seconds_at_243: float, calls: list[int]):
    def time_forward(frames: int) -> float:
        calls.append(frames)
        return seconds_at_243 * frames / 243

    return time_forward


@pytest.mark.parametrize(("lift", "stride", "age"), MEASURED_AGES)
def test_expected_age_is_close_to_the_measured_one(lift: float, stride: int, age: float) -> None:
    assert expected_age_s(lift, stride) == pytest.approx(age, rel=0.15)
    assert expected_age_s(lift, stride) / FIT_SHARE >= age, "a window that fits keeps the p95 age in budget"


def test_cpu_picks_the_largest_window_that_fits() -> None:
    calls: list[int] = []
    size = WindowSize(None, max_age_s=1.0, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, calls))
    # With LOOP_SLOWDOWN: 81 frames ~282 ms -> ~697 ms of age, 162 frames ~564 ms -> ~1261 ms; the
    # budget's fitting share is 850 ms.
    assert size.window == 81
    assert calls == [27, 54, 81, 162], "smallest up to the first that does not fit"
    assert "81 frames" in size.reason and "within the 1000 ms budget" in size.reason


def test_cpu_default_budget_gets_the_smallest_window_that_fits() -> None:
    size = WindowSize(None, max_age_s=0.5, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, []))
    assert size.window == 27 and "within the 500 ms budget" in size.reason


def test_gpu_keeps_the_full_context() -> None:
    calls: list[int] = []
    size = WindowSize(None, max_age_s=0.5, stride=1)
    size.calibrate(linear_lift(0.008, calls))
    assert size.window == 243 and calls == sorted(CANDIDATES)


def test_nothing_fits_takes_the_smallest_and_says_so() -> None:
    calls: list[int] = []
    size = WindowSize(None, max_age_s=0.05, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, calls))
    assert size.window == min(CANDIDATES) and calls == [27]
    assert "the smallest window; budget 50 ms" in size.reason


def test_the_warm_up_lift_has_the_size_the_run_starts_with() -> None:
    assert WindowSize(81, max_age_s=0.5, stride=4).warmup_frames == 81
    assert WindowSize(None, max_age_s=0.5, stride=4).warmup_frames == min(CANDIDATES)


def test_a_fixed_window_is_never_timed_or_changed() -> None:
    calls: list[int] = []
    size = WindowSize(81, max_age_s=0.01, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, calls))
    for _ in range(10):
        size.observe(5.0)
    assert calls == [] and size.window == 81 and size.reason == "81 frames (--window)"


def test_steps_down_when_lifts_stop_fitting_not_on_one_slow_lift() -> None:
    size = WindowSize(None, max_age_s=1.0, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, []))
    assert size.window == 81
    in_loop = LOOP_SLOWDOWN * CPU_LIFT_243_S * 81 / 243
    for lift in (in_loop, in_loop, 3 * in_loop, in_loop, in_loop, in_loop):
        size.observe(lift)
    assert size.window == 81, "one slow lift among fitting ones is noise"
    for _ in range(5):  # a second person joins: every lift takes twice as long
        size.observe(2 * in_loop)
    assert size.window == 54 and size.steps_down == 1
    assert "stepped down: 81 frames took 564 ms; budget 1000 ms" in size.reason
    for _ in range(20):  # fits again: no step back up
        size.observe(in_loop / 2)
    assert size.window == 54


def test_lifter_calibrates_the_real_model(checkpoint) -> None:
    from posemamba.live.lifter import Lifter, load_model

    model = load_model(checkpoint)
    roomy = Lifter(model, window_size=WindowSize(None, max_age_s=60.0, stride=4))
    tight = Lifter(model, window_size=WindowSize(None, max_age_s=1e-4, stride=4))
    try:
        for lifter in (roomy, tight):
            assert lifter.ready.wait(300), "calibration did not finish"
            assert lifter.error is None, lifter.error
        assert roomy.window_size.window == 243 and "within the 60000 ms budget" in roomy.window_size.reason
        assert tight.window_size.window == 27 and "smallest window" in tight.window_size.reason
    finally:
        roomy.close()
        tight.close()
