"""The validated recipe: typed fields read by the rules, the renderer, the doctor and the builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from envkit.recipes.values import size_bytes, url_file_name


@dataclass(frozen=True)
class GitSource:
    """A package installed from a pinned commit (when no PyPI release carries a needed fix)."""

    url: str
    ref: str

    def requirement(self, name: str) -> str:
        return f"{name} @ git+{self.url}@{self.ref}"


@dataclass(frozen=True)
class OpenMMLab:
    """The OpenMMLab stack: mmcv built from source with ops, mmdet, mmengine, mmpose and friends."""

    mmcv: str
    mmdet: str
    mmengine: str
    mmpose: str
    xtcocotools: str
    xtcocotools_build: str  # "wheel" | "source" | "source-numpy2"
    chumpy: str  # "absent" or a version installed with --no-build-isolation
    mmengine_git: GitSource | None = None

    @property
    def chumpy_installed(self) -> bool:
        return self.chumpy != "absent"


@dataclass(frozen=True)
class Realsense:
    """pyrealsense2: a PyPI wheel, or librealsense built from a source archive (no aarch64 wheels)."""

    version: str
    build: str  # "wheel" | "source"
    source_url: str | None = None
    source_sha256: str | None = None


@dataclass(frozen=True)
class ModelPin:
    """A checkpoint the image fetches at build time, checked against `sha256` (full or a prefix)."""

    name: str
    role: str  # "det" (RTMDet person detector) | "pose2d" (RTMPose body model)
    config: str  # relative to mmpose's .mim folder
    url: str
    sha256: str  # 64 hex digits, or a prefix of at least 8 (OpenMMLab's file names carry 8)

    @property
    def file_name(self) -> str:
        return url_file_name(self.url)

    @property
    def full_digest(self) -> bool:
        return len(self.sha256) == 64


@dataclass(frozen=True)
class Recipe:
    """A loaded, validated recipe. Attributes listed in docs/interfaces.md are the public contract."""

    name: str
    path: Path
    hash: str
    description: str
    platform: str
    gpus: list[str]
    shm_size: str
    display: bool
    family: str
    devel_image: str
    runtime_image: str
    pip_constraint: str | None
    cuda: str | None
    arch_list: list[str]
    python: str
    torch: str | None
    torch_cuda: str | None
    torchvision: str | None
    torchaudio: str | None
    torch_index: str | None
    torch_from_base: bool
    openmmlab: OpenMMLab | None
    constraints: tuple[str, ...]
    build_tools: tuple[str, ...]
    packages: tuple[str, ...]
    builds_kernels: bool
    realsense_spec: Realsense | None
    apt_devel: tuple[str, ...]
    apt_runtime: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    models: tuple[ModelPin, ...] = ()

    def model(self, role: str) -> ModelPin | None:
        """The pinned checkpoint for `role` ("det" | "pose2d"), else None."""
        return next((pin for pin in self.models if pin.role == role), None)

    @property
    def torch_local(self) -> str | None:
        """torch's local version label: "cu128" for a CUDA 12.8 build, "cpu" for the CPU build."""
        if not self.torch_cuda:
            return None
        return "cpu" if self.torch_cuda == "cpu" else f"cu{self.torch_cuda.replace('.', '')}"

    @property
    def realsense(self) -> bool:
        """True when the image carries pyrealsense2 (the camera source)."""
        return self.realsense_spec is not None

    @property
    def shm_size_bytes(self) -> int:
        return size_bytes(self.shm_size) or 0

    def pinned_version(self, package: str) -> str | None:
        """The exact version pinned for `package` in [pip].constraints (`name==X`), else None."""
        for text in self.constraints:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == canonicalize_name(package):
                specs = list(requirement.specifier)
                if len(specs) == 1 and specs[0].operator == "==":
                    return specs[0].version
        return None
