"""MediaPipe's BlazePose (the Full model bundled in the mediapipe 0.10.21 wheel), mapped to COCO-17.

One person per frame (BlazePose tracks a single person: after the first detection it follows the
previous frame's landmarks). Runs on CPU with no download.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from posemamba.errors import PoseMambaError
from posemamba.live.estimators import bbox_of
from posemamba.live.types import Frame, Person2D

# BlazePose landmark index for each COCO-17 joint (both use the person's own left/right).
BLAZEPOSE_TO_COCO = np.array([0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28])
# The landmark model works on a 256x256 crop: a larger input only costs conversion time.
MAX_INPUT_SIDE = 640


class MediaPipePose:
    """`mp.solutions.pose.Pose` in video mode, model_complexity=1 (the only model in the wheel)."""

    name = "mediapipe"

    def __init__(self, min_detection_confidence: float = 0.5) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ INFO lines on every start
        try:
            from mediapipe.python.solutions import pose as mp_pose
        except ImportError as error:
            raise PoseMambaError(
                f"the mediapipe estimator needs mediapipe ({error})",
                fix="pip install 'envkit[mediapipe]' (mediapipe==0.10.21, the last release that ships "
                "its pose model in the wheel)",
            ) from error
        # model_complexity 0 and 2 download their models; 1 (Full) ships in the wheel.
        self._pose = mp_pose.Pose(
            static_image_mode=False,
            model_complexity=1,
            smooth_landmarks=True,
            enable_segmentation=False,
            min_detection_confidence=min_detection_confidence,
        )

    def estimate(self, frame: Frame) -> list[Person2D]:
        width, height = frame.size
        image = frame.bgr
        scale = MAX_INPUT_SIDE / max(width, height)
        if scale < 1:
            image = cv2.resize(
                image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_LINEAR
            )
        result = self._pose.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        if result.pose_landmarks is None:
            return []
        landmarks = np.array(
            [(lm.x, lm.y, lm.visibility) for lm in result.pose_landmarks.landmark], dtype=np.float32
        )[BLAZEPOSE_TO_COCO]
        keypoints = landmarks[:, :2] * np.array([width, height], dtype=np.float32)
        scores = np.clip(landmarks[:, 2], 0.0, 1.0)
        # BlazePose places every joint (occluded ones too): the box around all of them is the steady one.
        return [Person2D(keypoints, scores, bbox_of(keypoints, scores, 0.0), float(scores.mean()))]

    def close(self) -> None:
        self._pose.close()
