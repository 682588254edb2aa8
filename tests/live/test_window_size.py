"""--window auto: the largest lift window whose expected 3D age fits the budget, kept there while running.

The judgement is tested with lift times measured on real machines (bench/live_pipeline.py on this
2-core CPU; a GPU's few milliseconds); the lifter's own calibration runs the real PoseMamba-S.
"""

from __future__ import annotations

import pytest

from posemamba.live.window_size import CANDIDATES, WindowSize, expected_age_s

# bench/live_pipeline.py, quiet 2-core EPYC, PoseMamba-S in the loop (one thread): ms per lift.
CPU_LIFT_243_S = 0.612
# (lift s, stride, measured p95 age s) from the same runs: windows 27, 81 and 243.
MEASURED_AGES = [(0.103, 8, 0.337), (0.222, 4, 0.534), (0.612, 4, 1.299)]


def linear_lift(seconds_at_243: float, calls: list[int]):
    def time_forward(frames: int) -> float:
        calls.append(frames)
        return seconds_at_243 * frames / 243

    return time_forward


@pytest.mark.parametrize(("lift", "stride", "age"), MEASURED_AGES)
def test_expected_age_is_close_to_the_measured_one(lift: float, stride: int, age: float) -> None:
    assert expected_age_s(lift, stride) == pytest.approx(age, rel=0.15)
    assert expected_age_s(lift, stride) >= 0.95 * age, "the estimate errs on the safe side"


def test_cpu_picks_the_largest_window_that_fits() -> None:
    calls: list[int] = []
    size = WindowSize(None, max_age_s=0.5, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, calls))
    # Lifts every 4/30 s: 54 frames (136 ms) give ~405 ms, 81 frames (204 ms) ~541 ms.
    assert size.window == 54
    assert calls == [27, 243, 162, 81, 54], "a warm-up lift first, then largest to smallest"
    assert "54 frames" in size.reason and "fits the 500 ms budget" in size.reason


def test_gpu_keeps_the_full_context_after_one_timed_lift() -> None:
    calls: list[int] = []
    size = WindowSize(None, max_age_s=0.5, stride=1)
    size.calibrate(linear_lift(0.008, calls))
    assert size.window == 243 and calls == [27, 243]


def test_nothing_fits_takes_the_smallest_and_says_so() -> None:
    size = WindowSize(None, max_age_s=0.05, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, []))
    assert size.window == min(CANDIDATES)
    assert "over the 50 ms budget" in size.reason


def test_a_fixed_window_is_never_timed_or_changed() -> None:
    calls: list[int] = []
    size = WindowSize(81, max_age_s=0.01, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, calls))
    for _ in range(10):
        size.observe(5.0)
    assert calls == [] and size.window == 81 and size.reason == "81 frames (--window)"


def test_steps_down_when_lifts_stop_fitting_not_on_one_slow_lift() -> None:
    size = WindowSize(None, max_age_s=0.5, stride=4)
    size.calibrate(linear_lift(CPU_LIFT_243_S, []))
    assert size.window == 54
    one_person = CPU_LIFT_243_S * 54 / 243
    for lift in (one_person, one_person, 3 * one_person, one_person, one_person, one_person):
        size.observe(lift)
    assert size.window == 54, "one slow lift among fitting ones is noise"
    for _ in range(5):  # a second person joins: every lift takes twice as long
        size.observe(2 * one_person)
    assert size.window == 27 and size.steps_down == 1
    assert "stepped down" in size.reason
    for _ in range(20):  # fits again: no step back up
        size.observe(one_person * 27 / 54)
    assert size.window == 27


def test_lifter_calibrates_the_real_model(checkpoint) -> None:
    from posemamba.live.lifter import Lifter, load_model

    model = load_model(checkpoint)
    roomy = Lifter(model, window_size=WindowSize(None, max_age_s=60.0, stride=4))
    tight = Lifter(model, window_size=WindowSize(None, max_age_s=1e-4, stride=4))
    try:
        for lifter in (roomy, tight):
            assert lifter.ready.wait(300), "calibration did not finish"
            assert lifter.error is None, lifter.error
        assert roomy.window_size.window == 243 and "fits the 60000 ms budget" in roomy.window_size.reason
        assert tight.window_size.window == 27 and "over the 0 ms budget" in tight.window_size.reason
    finally:
        roomy.close()
        tight.close()
