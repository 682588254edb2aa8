"""The live-pose fixtures (the real demo video, MediaPipe present) for the hostile live-pose cases."""

from tests.live.conftest import demo_video, mediapipe_installed

__all__ = ["demo_video", "mediapipe_installed"]
