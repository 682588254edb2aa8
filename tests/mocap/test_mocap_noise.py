"""The detector noise model: what it adds is what the measurement it was set from finds again."""

from __future__ import annotations

import numpy as np
import pytest

from posemamba.data import cameras, deepmimic, detector_noise, mocap
from posemamba.data.detector_noise import DEFAULT


@pytest.fixture(scope="module")
def clean_tracks() -> list[np.ndarray]:
    """COCO pixels of upright clips through 24 random cameras at 30 fps."""
    rng = np.random.default_rng(7)
    tracks = []
    for name in ("dance_b", "walker/turn_left0", "punch", "spin"):
        seq = mocap.sequence(deepmimic.load_motions([name])[name], 30)
        for _ in range(6):
            camera = cameras.random_camera(seq.h36m, rng)
            tracks.append(camera.project(camera.to_camera(seq.coco)))
    return tracks


def _pooled_jitter(tracks: list[np.ndarray]) -> np.ndarray:
    return np.sqrt(np.mean([detector_noise.jitter_sigma(t) ** 2 for t in tracks], axis=0))


def test_measuring_the_noisy_tracks_finds_mediapipes_jitter_again(clean_tracks):
    rng = np.random.default_rng(1)
    noisy = [DEFAULT.apply(track, rng)[0] for track in clean_tracks]
    found = detector_noise.quadrature(_pooled_jitter(noisy), _pooled_jitter(clean_tracks))
    np.testing.assert_allclose(found, detector_noise.MEDIAPIPE_JITTER, rtol=0.15)  # each joint
    assert np.median(found / np.asarray(detector_noise.MEDIAPIPE_JITTER)) == pytest.approx(1.0, abs=0.05)
    # and the bias the model corrects for is what this measurement shows
    assert 1.05 < np.median(found / np.asarray(DEFAULT.jitter)) < 1.2
    # twice the noise is found twice as large: the figure measures the noise, not the motion
    doubled = [DEFAULT.scaled(2.0).apply(track, rng)[0] for track in clean_tracks]
    found2 = detector_noise.quadrature(_pooled_jitter(doubled), _pooled_jitter(clean_tracks))
    assert np.median(found2 / found) == pytest.approx(2.0, rel=0.15)


def test_swaps_and_lost_joints_come_at_the_configured_rates(clean_tracks):
    rng = np.random.default_rng(2)
    frames = sum(len(t) for t in clean_tracks)
    body = legs = 0
    lost = np.zeros(17)
    for track in clean_tracks:
        noisy, scores = DEFAULT.apply(track, rng)
        found = detector_noise.measure(noisy, scores)
        body += found.body_jumps
        legs += found.leg_jumps
        lost += found.lost_fraction * len(track)
    clean_body = sum(detector_noise.measure(t).body_jumps for t in clean_tracks)
    assert clean_body == 0
    # a swap stretch is two jumps; some are short of the 0.15-torso threshold in side views
    expected = 2 * DEFAULT.body_swap_rate * frames
    assert 0.5 * expected <= body <= 1.2 * expected, (body, expected)
    assert legs > 0
    np.testing.assert_allclose(lost / frames, DEFAULT.lost_fraction, atol=0.06)
    assert (lost[np.asarray(DEFAULT.lost_fraction) == 0] == 0).all()


def test_noise_is_reproducible_from_the_generator_and_zero_noise_is_clean(clean_tracks):
    track = clean_tracks[0]
    a = DEFAULT.apply(track, np.random.default_rng(4))
    b = DEFAULT.apply(track, np.random.default_rng(4))
    np.testing.assert_array_equal(a[0], b[0])
    clean, scores = DEFAULT.scaled(0.0).apply(track, np.random.default_rng(4))
    np.testing.assert_allclose(clean, track, atol=1e-3)
    assert (scores == 1).all()


def test_a_whole_body_swap_exchanges_every_left_right_pair():
    track = np.random.default_rng(0).normal(size=(40, 17, 2)) * 50 + 300
    noise = detector_noise.DetectorNoise((0.0,) * 17, 1.0, 0.0, 1, (0.0,) * 17, 1)
    swapped, _ = noise.apply(track, np.random.default_rng(0))
    for left, right in detector_noise.COCO_PAIRS:
        np.testing.assert_allclose(swapped[:, left], track[:, right], atol=1e-3)
    np.testing.assert_allclose(swapped[:, 0], track[:, 0], atol=1e-3)  # the nose has no pair
