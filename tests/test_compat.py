"""envkit.compat: the knowledge tables, the same-major rule and the version-range relations."""

from __future__ import annotations

import json

import pytest
from packaging.specifiers import SpecifierSet

from envkit import compat
from envkit.compat.arch import ArchEntry
from envkit.compat.images import distro_of, family_of
from envkit.compat.specs import overlaps, within


@pytest.fixture(scope="module")
def kb() -> compat.Knowledge:
    return compat.knowledge()


def test_gpu_lookup_by_name_alias_and_nvidia_smi_spelling(kb: compat.Knowledge) -> None:
    assert kb.gpu("RTX 5090").compute_capability == "12.0"
    assert kb.gpu("NVIDIA GeForce RTX 5090").name == "RTX 5090"
    assert kb.gpu("rtx-5090").name == "RTX 5090"
    assert kb.gpu("NVIDIA GB10").compute_capability == "12.1"
    assert kb.gpu("NVIDIA H100 80GB HBM3").min_cuda == "11.8"
    assert kb.gpu("Voodoo 3") is None


def test_min_driver_per_toolkit(kb: compat.Knowledge) -> None:
    assert kb.min_driver("12.8") == "570.26"
    assert kb.min_driver("13.0") == "580.65.06"
    assert kb.min_driver("10.2") is None


def test_torch_build_lookup(kb: compat.Knowledge) -> None:
    build = kb.torch_build("2.9.1", "12.8")
    assert build is not None
    assert build.torchvision == "0.24.1"
    assert "12.0" in build.archs
    assert build.supports_python("3.10") and not build.supports_python("3.9")
    assert kb.torch_build("2.9.1", "11.8") is None
    assert kb.torch_build("2.6.0", "12.6").arch_list[-1] == "9.0"
    assert set(kb.torch_cudas("2.9.1")) == {"12.6", "12.8", "13.0", "cpu"}


def test_arch_entry_rejects_garbage() -> None:
    for bad in ("sm_120", "12", "12.0+ptx", "12.0;rm", ""):
        with pytest.raises(ValueError):
            ArchEntry.parse(bad)


def test_knowledge_json_is_plain_json(kb: compat.Knowledge) -> None:
    data = compat.knowledge_json()
    text = json.dumps(data)
    assert json.loads(text) == data
    assert {"gpus", "cuda_drivers", "torch"} <= set(data)
    rtx = next(row for row in data["gpus"] if row["name"] == "RTX 5090")
    assert rtx["compute_capability"] == "12.0"
    assert all(row["source"] for table in ("gpus", "cuda_drivers", "torch") for row in data[table])


def test_every_guard_has_reason_fix_and_source(kb: compat.Knowledge) -> None:
    assert len(kb.guards) >= 10
    for guard in kb.guards:
        assert guard.reason and guard.fix and guard.source, guard.id


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        ("==2.1.0", ">=2.0.0rc4,<2.2.0", True),
        ("==2.2.0", ">=2.0.0rc4,<2.2.0", False),
        (">=77.0.3,<82", "<82", True),
        (">=77.0.3", "<82", False),
        ("==0.11.0rc0", ">0.10.7", True),
        ("==0.10.7", ">0.10.7", False),
        ("==3.10", "<3.11", True),
        ("==3.12", "<3.11", False),
    ],
)
def test_within(inner: str, outer: str, expected: bool) -> None:
    assert within(SpecifierSet(inner), SpecifierSet(outer)) is expected


def test_overlaps() -> None:
    assert overlaps(SpecifierSet("==2.9.1"), SpecifierSet(">=2.6"))
    assert overlaps(SpecifierSet("==2.9.0a0"), SpecifierSet(">=2.6"))
    assert not overlaps(SpecifierSet("==2.5.1"), SpecifierSet(">=2.6"))
    assert overlaps(SpecifierSet("<4.12"), SpecifierSet(">=4.11"))


def test_image_families_and_distros(kb: compat.Knowledge) -> None:
    assert family_of("nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04", kb).name == "nvidia-cuda"
    assert family_of("nvcr.io/nvidia/pytorch:25.09-py3", kb).name == "ngc-pytorch"
    assert family_of("local/debian:bookworm", kb).name == "debian"
    assert family_of("ubuntu:22.04", kb).name == "debian"
    assert family_of("python:3.11-slim", kb) is None
    assert distro_of("nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04", kb).python == "3.10"
    assert distro_of("local/debian:bookworm", kb).python == "3.11"
    assert distro_of("nvcr.io/nvidia/pytorch:25.09-py3", kb).python == "3.12"
