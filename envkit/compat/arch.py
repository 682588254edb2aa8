"""CUDA architecture lists: parsing `TORCH_CUDA_ARCH_LIST` entries and the same-major rule."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ARCH_RE = re.compile(r"(?P<major>[1-9][0-9]?)\.(?P<minor>[0-9])(?P<ptx>\+PTX)?")  # fullmatch


@dataclass(frozen=True, order=True)
class Capability:
    """A compute capability such as 12.0 (sm_120)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Capability:
        major, _, minor = text.partition(".")
        if not (major.isdigit() and minor.isdigit()):
            raise ValueError(f"not a compute capability: {text!r} (expected like '12.0')")
        return cls(int(major), int(minor))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class ArchEntry:
    """One `TORCH_CUDA_ARCH_LIST` entry: a cubin target, optionally with PTX for JIT."""

    capability: Capability
    ptx: bool

    @classmethod
    def parse(cls, text: str) -> ArchEntry:
        match = _ARCH_RE.fullmatch(text.strip())
        if not match:
            raise ValueError(f"not an arch entry: {text!r} (expected like '12.0' or '12.0+PTX')")
        return cls(Capability(int(match["major"]), int(match["minor"])), bool(match["ptx"]))

    def runs_on(self, device: Capability) -> bool:
        """Same-major rule: X.Y cubins run on X.Z with Z >= Y; PTX JIT-compiles for anything newer."""
        if self.ptx and device >= self.capability:
            return True
        return device.major == self.capability.major and device.minor >= self.capability.minor

    def __str__(self) -> str:
        return f"{self.capability}{'+PTX' if self.ptx else ''}"


def is_arch_entry(text: str) -> bool:
    """True when `text` is a valid `TORCH_CUDA_ARCH_LIST` entry."""
    return bool(_ARCH_RE.fullmatch(text))


def arch_runs_on(arch_list: list[str], capability: str) -> bool:
    """True when code built for `arch_list` runs on a device of `capability`.

    The same-major rule (env-anchors.md B.1, pytorch#164596): an `X.Y` cubin runs on `X.Z` with
    Z >= Y (sm_121 runs sm_120 code); a `+PTX` entry runs on any capability >= it (JIT).
    """
    device = Capability.parse(capability)
    return any(ArchEntry.parse(entry).runs_on(device) for entry in arch_list)
