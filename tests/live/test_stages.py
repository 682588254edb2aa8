"""The small stages on their own: ring buffer, tracker, root depth with holes, back-projection, recorder."""

from __future__ import annotations

import numpy as np
import pytest

from posemamba.live import metric
from posemamba.live.sinks.recorder import Recorder, load_recording
from posemamba.live.tracking import RingBuffer, Tracker, iou, oks
from posemamba.live.types import Frame, Intrinsics, Person2D, TrackedPerson


def _person(x: float, y: float, size: float = 100.0) -> Person2D:
    rng = np.random.default_rng(int(x * 7 + y))
    keypoints = np.array([x, y], dtype=np.float32) + rng.uniform(0, size, (17, 2)).astype(np.float32)
    box = np.array([x, y, x + size, y + size], dtype=np.float32)
    return Person2D(keypoints, np.ones(17, dtype=np.float32), box)


def test_ring_buffer_pads_left_then_keeps_the_newest_243() -> None:
    buffer = RingBuffer(5)
    for i in range(3):
        buffer.push(i, np.full((17, 2), i), np.full(17, 0.5))
    poses, frames = buffer.window()
    assert frames.tolist() == [0, 0, 0, 1, 2]  # padded with the first pose, newest last
    assert poses[:, 0, 0].tolist() == [0, 0, 0, 1, 2]
    for i in range(3, 12):
        buffer.push(i, np.full((17, 2), i), np.full(17, 0.5))
    poses, frames = buffer.window()
    assert frames.tolist() == [7, 8, 9, 10, 11]
    assert poses[-1, 0].tolist() == [11, 11, 0.5]


def test_tracker_keeps_ids_of_people_that_move_and_swaps_nothing() -> None:
    tracker = Tracker()
    first = tracker.update(0, [_person(0, 0), _person(400, 0)])
    ids = [track.track_id for track, _ in first]
    assert ids == [0, 1]
    # both move 10 px, and the detector lists them in the other order
    second = tracker.update(1, [_person(410, 5), _person(10, 5)])
    assert [track.track_id for track, _ in second] == [1, 0]
    assert tracker.tracks[0].buffer.count == 2


def test_tracker_gives_a_new_id_to_someone_new_and_ends_lost_tracks() -> None:
    tracker = Tracker(max_missed=2)
    tracker.update(0, [_person(0, 0)])
    pairs = tracker.update(1, [_person(0, 0), _person(800, 300)])
    assert sorted(track.track_id for track, _ in pairs) == [0, 1]
    for frame in range(2, 6):
        tracker.update(frame, [_person(800, 300)])
    assert set(tracker.tracks) == {1}


def test_similarities() -> None:
    a, b = np.array([0, 0, 10, 10]), np.array([5, 0, 15, 10])
    assert iou(a, b) == pytest.approx(50 / 150)
    person = _person(0, 0)
    assert oks(person, person) == pytest.approx(1.0)
    assert oks(person, _person(300, 300)) < 0.01


def test_root_depth_is_the_median_of_valid_pixels() -> None:
    depth = np.full((100, 100), 2.0, dtype=np.float32)
    depth[40:60, 40:60] = 0.0  # a hole right at the pelvis
    depth[42, 50] = 9.0  # and a flying pixel near it
    assert metric.root_depth(depth, 50, 50, radius=12) == pytest.approx(2.0)
    assert metric.root_depth(depth, 50, 50, radius=6) is None  # nothing but the hole
    assert metric.root_depth(depth, 500, 50) is None


def test_place_back_projects_the_pelvis_and_scales_the_relative_pose() -> None:
    intrinsics = Intrinsics(640, 480, 600.0, 600.0, 320.0, 240.0)
    keypoints = np.zeros((17, 2), dtype=np.float32)
    keypoints[11], keypoints[12] = (90, 100), (110, 100)  # pelvis at (100, 100)
    depth = np.full((480, 640), 1.5, dtype=np.float32)
    relative = np.zeros((17, 3))
    relative[10] = (0.0, -0.5, 0.0)  # head: 0.5 units = 160 px above the pelvis
    root, skeleton = metric.place(relative, keypoints, depth, intrinsics)
    np.testing.assert_allclose(root, [-0.55, -0.35, 1.5], atol=1e-9)  # live-pose-anchors.md section 3
    np.testing.assert_allclose(skeleton[10] - root, [0, -160 * 1.5 / 600, 0], atol=1e-9)


def _tracked(frame: int) -> TrackedPerson:
    tracked = TrackedPerson(3, _person(frame, frame))
    tracked.pose3d = np.full((17, 3), 0.1 * frame)
    tracked.pose3d_frame, tracked.pose3d_age = frame, 0.05
    return tracked


def test_recorder_chunks_are_readable_before_close_and_consolidated_after(tmp_path) -> None:
    recorder = Recorder(tmp_path, 30.0, "test", chunk_frames=4)
    canvas = np.zeros((48, 64, 3), dtype=np.uint8)
    for index in range(10):
        frame = Frame(index, index / 30, canvas, received=100.0 + index)
        recorder.write(frame, [_tracked(index)] if index % 2 else [], canvas)
    recorder.sync()
    partial = load_recording(tmp_path)  # two chunks of 4 are durable, 2 frames still in memory
    assert partial["frame_index"].tolist() == list(range(8))
    assert partial["frame"].tolist() == [1, 3, 5, 7]
    recorder.close()
    data = load_recording(tmp_path)
    assert data["frame_index"].tolist() == list(range(10))
    assert data["track_id"].tolist() == [3] * 5
    np.testing.assert_allclose(data["pose3d"][:, 0, 0], [0.1, 0.3, 0.5, 0.7, 0.9], rtol=1e-6)
    np.testing.assert_allclose(data["received"], np.arange(10.0))
    assert np.isnan(data["metric3d"]).all()
    assert (tmp_path / "overlay.mp4").is_file() and not (tmp_path / "chunks").exists()
