"""MMPose top-down: RTMDet finds people, RTMPose places their COCO-17 keypoints (mmpose 1.3.x APIs).

Configs default to the ones that ship in the mmpose wheel (mmpose/.mim); a config is a file or a path
inside mmpose/.mim. Checkpoints are local files: the GPU images fetch pinned ones at build time and name
them in $ENVKIT_DET_CHECKPOINT / $ENVKIT_POSE2D_CHECKPOINT (the CLI's defaults). The value `random` for a
checkpoint initialises the model randomly: for tests and benchmarks of the plumbing, not for poses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posemamba.errors import PoseMambaError
from posemamba.live.types import Frame, Person2D

DEFAULT_POSE_CONFIG = "configs/body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py"
DEFAULT_DET_CONFIG = "demo/mmdetection_cfg/rtmdet_m_640-8xb32_coco-person.py"
RANDOM = "random"
PERSON = 0  # COCO category id of a person in the detector's labels
MAX_PEOPLE = 20  # the most confident boxes kept per frame (RTMPose runs once per box)


def _mim_file(relative: str) -> Path:
    """A config shipped in mmpose's wheel (mmpose/.mim/...)."""
    import mmpose

    path = Path(mmpose.__file__).parent / ".mim" / relative
    if not path.is_file():
        raise PoseMambaError(
            f"mmpose's bundled config {relative} is missing ({path})",
            fix="install mmpose from its wheel, not editable (an editable install has no mmpose/.mim), "
            "or pass --pose2d-config/--det-config",
        )
    return path


def _config(value: str | None, default: str, option: str) -> str:
    """The config to load: `value` as a file, else as a path inside mmpose/.mim (the images' ENV form)."""
    if not value:
        return str(_mim_file(default))
    path = Path(value).expanduser()
    if path.is_file():
        return str(path)
    if path.is_absolute():
        raise PoseMambaError(
            f"{option} {path} does not exist", fix=f"pass {option} PATH to an existing config"
        )
    return str(_mim_file(value))


def _checkpoint(value, option: str) -> str | None:
    """The local checkpoint path for mmpose/mmdet's init (None: random weights); PoseMambaError if absent."""
    if value is None:
        raise PoseMambaError(
            f"the mmpose estimator needs {option} (a local .pth)",
            fix=f"pass {option} PATH (in the GPU images it defaults to their pinned checkpoint), "
            f"or {option} {RANDOM} for random weights (plumbing tests only)",
        )
    if str(value) == RANDOM:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise PoseMambaError(f"{option} {path} does not exist", fix=f"pass {option} PATH to an existing .pth")
    return str(path)


class MMPoseTopDown:
    """RTMDet person boxes (score >= bbox_threshold, NMS) -> RTMPose keypoints per box."""

    name = "mmpose"

    def __init__(self, pose_config=None, pose_checkpoint=None, det_config=None, det_checkpoint=None,
                 device: str = "cpu", bbox_threshold: float = 0.3,
                 nms_threshold: float = 0.3) -> None:  # fmt: skip
        pose_weights = _checkpoint(pose_checkpoint, "--pose2d-checkpoint")
        det_weights = _checkpoint(det_checkpoint, "--det-checkpoint")
        try:
            from mmdet.apis import inference_detector, init_detector
            from mmpose.apis import inference_topdown, init_model
            from mmpose.evaluation.functional import nms
            from mmpose.utils import adapt_mmdet_pipeline
        except Exception as error:  # ImportError, or torchvision's RuntimeError (openmmlab-install.md 6c)
            raise PoseMambaError(
                f"the mmpose estimator cannot import the OpenMMLab stack: {type(error).__name__}: {error}",
                fix="run `envkit doctor --only mmcv_ext mm_versions torchvision_match` for the cause",
            ) from error
        self._inference_detector, self._inference_topdown, self._nms = (
            inference_detector,
            inference_topdown,
            nms,
        )
        pose_config = _config(pose_config, DEFAULT_POSE_CONFIG, "--pose2d-config")
        det_config = _config(det_config, DEFAULT_DET_CONFIG, "--det-config")
        self.detector = init_detector(det_config, det_weights, device=device)
        # The detector's test pipeline uses mmdet's transforms; run it in mmdet's registry scope
        # after the pose model set mmpose's (openmmlab-install.md row 6h).
        self.detector.cfg = adapt_mmdet_pipeline(self.detector.cfg)
        self.pose_model = init_model(pose_config, pose_weights, device=device)
        self.bbox_threshold, self.nms_threshold = bbox_threshold, nms_threshold

    def estimate(self, frame: Frame) -> list[Person2D]:
        detections = self._inference_detector(self.detector, frame.bgr).pred_instances.cpu().numpy()
        boxes = np.concatenate([detections.bboxes, detections.scores[:, None]], axis=1)
        boxes = boxes[(detections.labels == PERSON) & (detections.scores >= self.bbox_threshold)]
        if len(boxes) == 0:
            return []
        boxes = boxes[self._nms(boxes, self.nms_threshold)]
        boxes = boxes[np.argsort(-boxes[:, 4], kind="stable")[:MAX_PEOPLE]]
        people = []
        for box, sample in zip(boxes, self._inference_topdown(self.pose_model, frame.bgr, boxes[:, :4]),
                               strict=True):  # fmt: skip
            instances = sample.pred_instances
            keypoints = np.asarray(instances.keypoints[0], dtype=np.float32)
            scores = np.clip(np.asarray(instances.keypoint_scores[0], dtype=np.float32), 0.0, 1.0)
            people.append(Person2D(keypoints, scores, box[:4].astype(np.float32), float(box[4])))
        return people

    def close(self) -> None:
        pass
