"""Drawing with OpenCV: the 2D overlay, a rotatable 3D skeleton view and the status lines."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from posemamba.live.types import COCO_EDGES, H36M_EDGES, TrackedPerson

# Joints are drawn in one colour that nothing else uses, so a screenshot can find them (BGR).
JOINT_COLOUR = (255, 0, 255)
TRACK_COLOURS = ((0, 200, 255), (80, 220, 60), (255, 160, 0), (0, 90, 255), (200, 200, 0), (160, 80, 255))
TEXT_COLOUR = (255, 255, 255)
PANEL_BACKGROUND = (40, 32, 28)
MIN_SCORE = 0.3


def track_colour(track_id: int) -> tuple[int, int, int]:
    return TRACK_COLOURS[track_id % len(TRACK_COLOURS)]


def draw_overlay(image: np.ndarray, people: list[TrackedPerson], scale: float = 1.0) -> None:
    """Skeletons, boxes and ids onto `image` (in place); keypoints are scaled by `scale`."""
    thickness = max(1, round(2 * scale / 0.5)) if scale < 0.5 else 2
    for tracked in people:
        person, colour = tracked.person, track_colour(tracked.track_id)
        points = person.keypoints * scale
        for a, b in COCO_EDGES:
            if person.scores[a] >= MIN_SCORE and person.scores[b] >= MIN_SCORE:
                cv2.line(image, _pt(points[a]), _pt(points[b]), colour, thickness, cv2.LINE_AA)
        for j in range(17):
            if person.scores[j] >= MIN_SCORE:
                cv2.circle(image, _pt(points[j]), thickness + 2, JOINT_COLOUR, -1)
        x1, y1 = _pt(person.bbox[:2] * scale)
        label = f"#{tracked.track_id}"
        if not math.isnan(tracked.pose3d_age):
            label += f" 3D {tracked.pose3d_age * 1e3:.0f} ms old"
        origin = (x1, max(14, y1 - 6))
        cv2.putText(image, label, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)


@dataclass
class ViewAngles:
    """The 3D view's camera: azimuth and elevation in degrees (the user rotates these)."""

    azimuth: float = 30.0
    elevation: float = 15.0

    def rotate(self, d_azimuth: float, d_elevation: float) -> None:
        self.azimuth = (self.azimuth + d_azimuth) % 360
        self.elevation = float(np.clip(self.elevation + d_elevation, -89, 89))


def _rotation(angles: ViewAngles) -> np.ndarray:
    a, e = math.radians(angles.azimuth), math.radians(angles.elevation)
    yaw = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    pitch = np.array([[1, 0, 0], [0, math.cos(e), -math.sin(e)], [0, math.sin(e), math.cos(e)]])
    return pitch @ yaw


def skeletons_3d(people: list[TrackedPerson]) -> list[tuple[int, np.ndarray]]:
    """(track id, (17, 3) points in a y-up world) for everyone with a 3D pose.

    Metric poses stay where the camera saw them; root-relative ones are set side by side.
    """
    result = []
    for slot, tracked in enumerate(people):
        if tracked.metric3d is not None:
            points = tracked.metric3d.copy()
        elif tracked.pose3d is not None:
            points = tracked.pose3d * 1.0 + np.array([slot * 1.0, 0.0, 0.0])
        else:
            continue
        points = points * np.array([1.0, -1.0, 1.0])  # camera y is down; the view's is up
        result.append((tracked.track_id, points))
    return result


def draw_3d_view(people: list[TrackedPerson], angles: ViewAngles, size: int) -> np.ndarray:
    """A size x size panel with everyone's 3D skeleton, seen from `angles`, fitted to the panel."""
    panel = np.full((size, size, 3), PANEL_BACKGROUND, dtype=np.uint8)
    skeletons = skeletons_3d(people)
    cv2.putText(panel, f"3D  az {angles.azimuth:.0f}  el {angles.elevation:.0f}  (a/d w/s, drag)",
                (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, TEXT_COLOUR, 1, cv2.LINE_AA)  # fmt: skip
    if not skeletons:
        cv2.putText(panel, "no 3D pose yet", (8, size // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    TEXT_COLOUR, 1, cv2.LINE_AA)  # fmt: skip
        return panel
    every = np.concatenate([points for _, points in skeletons])
    centre = (every.max(axis=0) + every.min(axis=0)) / 2
    rotation = _rotation(angles)
    extent = max(float(np.abs((every - centre) @ rotation.T)[:, :2].max()), 1e-3)
    scale = 0.42 * size / extent
    # The floor axis under everyone: a cue for which way is up after rotating.
    ground = every[:, 1].min() - centre[1]
    floor = np.array([[-extent, ground, 0.0], [extent, ground, 0.0]])
    _polyline(panel, floor @ rotation.T, scale, size, (90, 90, 90))
    for track_id, points in skeletons:
        view = (points - centre) @ rotation.T
        colour = track_colour(track_id)
        for a, b in H36M_EDGES:
            _polyline(panel, view[[a, b]], scale, size, colour)
        for point in view:
            cv2.circle(panel, _screen(point, scale, size), 4, JOINT_COLOUR, -1)
    return panel


def draw_status(image: np.ndarray, lines: list[str]) -> None:
    """White text lines with a dark outline, top left."""
    for row, text in enumerate(lines):
        origin = (8, 20 + 20 * row)
        cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.5, TEXT_COLOUR, 1, cv2.LINE_AA)


def compose(frame_bgr: np.ndarray, people: list[TrackedPerson], angles: ViewAngles, status: list[str],
            height: int = 480) -> tuple[np.ndarray, float]:  # fmt: skip
    """The picture the window shows and the recorder stores: overlay | 3D view; returns it and the
    overlay's scale from frame pixels."""
    scale = height / frame_bgr.shape[0]
    width = round(frame_bgr.shape[1] * scale) // 2 * 2
    overlay = cv2.resize(frame_bgr, (width, height), interpolation=cv2.INTER_LINEAR)
    draw_overlay(overlay, people, scale)
    draw_status(overlay, status)
    return np.hstack([overlay, draw_3d_view(people, angles, height)]), scale


def _screen(point: np.ndarray, scale: float, size: int) -> tuple[int, int]:
    return round(size / 2 + point[0] * scale), round(size / 2 - point[1] * scale)


def _polyline(panel: np.ndarray, points: np.ndarray, scale: float, size: int, colour) -> None:
    cv2.line(panel, _screen(points[0], scale, size), _screen(points[1], scale, size), colour, 2, cv2.LINE_AA)


def _pt(point: np.ndarray) -> tuple[int, int]:
    return round(float(point[0])), round(float(point[1]))
