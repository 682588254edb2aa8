"""Compatibility knowledge as data (envkit/compat/data/*.toml) and the small rules that read it.

Public API (docs/interfaces.md): `knowledge()`, `arch_runs_on()`, `knowledge_json()`.
"""

from __future__ import annotations

from envkit.compat.arch import arch_runs_on
from envkit.compat.knowledge import GpuInfo, Knowledge, TorchBuild, knowledge, knowledge_json

__all__ = ["GpuInfo", "Knowledge", "TorchBuild", "arch_runs_on", "knowledge", "knowledge_json"]
