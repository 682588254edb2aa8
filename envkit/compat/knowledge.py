"""The compatibility knowledge: TOML tables in envkit/compat/data, loaded once into typed rows."""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from envkit._toml import tomllib


@dataclass(frozen=True)
class GpuInfo:
    name: str
    aliases: tuple[str, ...]
    compute_capability: str
    min_cuda: str
    source: str


@dataclass(frozen=True)
class Toolkit:
    cuda: str
    min_driver: str
    source: str


@dataclass(frozen=True)
class TorchBuild:
    torch: str
    cuda: str  # "12.8" or "cpu"
    archs: tuple[str, ...]
    ptx: tuple[str, ...]
    torchvision: str
    torchaudio: str
    python: str  # a specifier, e.g. ">=3.10,<3.15"
    index: str
    source: str

    @property
    def arch_list(self) -> list[str]:
        """The build's archs as `TORCH_CUDA_ARCH_LIST` entries (PTX entries get `+PTX`)."""
        return [f"{arch}+PTX" if arch in self.ptx else arch for arch in self.archs] + [
            f"{arch}+PTX" for arch in self.ptx if arch not in self.archs
        ]

    def supports_python(self, python: str) -> bool:
        return Version(python) in SpecifierSet(self.python)


@dataclass(frozen=True)
class Family:
    name: str
    repositories: tuple[str, ...]
    python: str  # "distro" (apt python3 in a venv) or "image" (the image's own Python)
    toolkit: bool
    source: str


@dataclass(frozen=True)
class Distro:
    id: str
    tags: tuple[str, ...]
    python: str
    source: str


@dataclass(frozen=True)
class NgcRelease:
    tag: str
    cuda: str
    python: str
    torch: str
    distro: str
    platforms: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Guard:
    """When the pin of `when`'s package can fall in its range, the pin of `then` must lie inside."""

    id: str
    when: str
    then: str
    reason: str
    fix: str
    source: str


def _normalize_gpu_name(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


def cuda_key(cuda: str) -> tuple[int, int]:
    """ "12.8" -> (12, 8), for ordering CUDA versions."""
    major, _, minor = cuda.partition(".")
    return int(major), int(minor or 0)


class Knowledge:
    """All tables, with lookups. Get the shared instance through `envkit.compat.knowledge()`."""

    def __init__(self, tables: dict[str, dict[str, Any]]) -> None:
        self.gpus = [
            GpuInfo(**{**row, "aliases": tuple(row.get("aliases", []))}) for row in tables["gpus"]["gpu"]
        ]
        self.toolkits = [Toolkit(**row) for row in tables["cuda_drivers"]["toolkit"]]
        self.torch_builds = [
            TorchBuild(**{**row, "archs": tuple(row["archs"]), "ptx": tuple(row["ptx"])})
            for row in tables["torch"]["build"]
        ]
        bases = tables["bases"]
        self.families = [
            Family(**{**row, "repositories": tuple(row["repositories"])}) for row in bases["family"]
        ]
        self.distros = [Distro(**{**row, "tags": tuple(row["tags"])}) for row in bases["distro"]]
        self.ngc_releases = [
            NgcRelease(**{**row, "platforms": tuple(row["platforms"])}) for row in bases["ngc"]
        ]
        self.guards = [Guard(**row) for row in tables["packages"]["guard"]]
        self._gpu_index = {}
        for gpu in self.gpus:
            for key in (gpu.name, *gpu.aliases):
                self._gpu_index[_normalize_gpu_name(key)] = gpu

    def gpu(self, name_or_alias: str) -> GpuInfo | None:
        """The GPU row for a name or alias (case, spaces and dashes ignored), or None."""
        return self._gpu_index.get(_normalize_gpu_name(name_or_alias))

    def gpu_names(self) -> list[str]:
        return [gpu.name for gpu in self.gpus]

    def min_driver(self, cuda: str) -> str | None:
        """The minimum Linux driver for a CUDA toolkit "major.minor" (e.g. "12.8"), or None if unknown."""
        key = cuda_key(cuda)
        for toolkit in self.toolkits:
            if cuda_key(toolkit.cuda) == key:
                return toolkit.min_driver
        return None

    def torch_build(self, torch: str, cuda: str) -> TorchBuild | None:
        """The build row for a torch version and CUDA build ("12.8" or "cpu"), or None if unknown."""
        for build in self.torch_builds:
            if build.cuda == cuda and _same_version(build.torch, torch):
                return build
        return None

    def torch_cudas(self, torch: str) -> list[str]:
        """The CUDA builds known for a torch version."""
        return [build.cuda for build in self.torch_builds if _same_version(build.torch, torch)]

    def min_cuda_for_arch(self, capability: str) -> str | None:
        """The lowest toolkit that can target a compute capability (from the GPU table), or None."""
        floors = [gpu.min_cuda for gpu in self.gpus if gpu.compute_capability == capability]
        return min(floors, key=cuda_key) if floors else None

    def family(self, name: str) -> Family | None:
        return next((family for family in self.families if family.name == name), None)

    def distro_for_tag(self, tag: str) -> Distro | None:
        """The distribution named by an image tag ("12.8.1-cudnn-devel-ubuntu22.04", "bookworm")."""
        for distro in self.distros:
            for known in distro.tags:
                if tag == known or tag.endswith("-" + known) or tag.startswith(known + "-"):
                    return distro
        return None

    def distro(self, distro_id: str) -> Distro | None:
        return next((distro for distro in self.distros if distro.id == distro_id), None)

    def ngc_release(self, tag: str) -> NgcRelease | None:
        return next((release for release in self.ngc_releases if release.tag == tag), None)

    def as_json(self) -> dict[str, Any]:
        """The tables as plain JSON-able data (for checks that run without envkit)."""
        return {
            "gpus": [asdict(gpu) | {"aliases": list(gpu.aliases)} for gpu in self.gpus],
            "cuda_drivers": [asdict(toolkit) for toolkit in self.toolkits],
            "torch": [
                asdict(build) | {"archs": list(build.archs), "ptx": list(build.ptx)}
                for build in self.torch_builds
            ],
            "guards": [asdict(guard) for guard in self.guards],
        }


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


_TABLES = ("gpus", "cuda_drivers", "torch", "bases", "packages")


@functools.cache
def knowledge() -> Knowledge:
    """The knowledge tables, read once from envkit/compat/data/*.toml."""
    data = resources.files("envkit.compat") / "data"
    tables = {name: tomllib.loads((data / f"{name}.toml").read_text(encoding="utf-8")) for name in _TABLES}
    return Knowledge(tables)


def knowledge_json() -> dict[str, Any]:
    """The tables as plain JSON, for checks that run in other interpreters (checks/ cannot import envkit)."""
    return knowledge().as_json()
