"""envkit: pinned, diagnosed GPU environments for MMPose + PoseMamba, and a live 3D pose pipeline."""

__version__ = "0.1.0"
