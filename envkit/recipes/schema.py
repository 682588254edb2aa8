"""Recipe schema: turn parsed TOML into a `Recipe`, reporting every malformed field as a Problem.

Structure and value checks only; compatibility between fields is `envkit.compat.rules`' job.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from envkit.compat.arch import is_arch_entry
from envkit.errors import quoted
from envkit.problems import Problem
from envkit.recipes import values
from envkit.recipes.fields import Reader
from envkit.recipes.model import GitSource, ModelPin, OpenMMLab, Realsense, Recipe

PLATFORMS = ("linux/amd64", "linux/arm64")
FAMILIES = ("nvidia-cuda", "ngc-pytorch", "debian")
XTCOCOTOOLS_BUILDS = ("wheel", "source", "source-numpy2")
REALSENSE_BUILDS = ("wheel", "source")
MODEL_ROLES = ("det", "pose2d")
_CUDA_RE = re.compile(r"[1-9][0-9]?\.[0-9]")  # fullmatch, like every pattern in values.py
_PYTHON_RE = re.compile(r"3\.[0-9]{1,2}")


def _check_cuda(text: str) -> str | None:
    return None if _CUDA_RE.fullmatch(text) else f"{quoted(text)} is not a CUDA major.minor version"


def _check_python(text: str) -> str | None:
    return None if _PYTHON_RE.fullmatch(text) else f"{quoted(text)} is not a Python 3 major.minor version"


def _check_torch_cuda(text: str) -> str | None:
    return (
        None
        if text == "cpu" or _CUDA_RE.fullmatch(text)
        else f"{quoted(text)} is neither a CUDA version nor 'cpu'"
    )


def _check_arch(text: str) -> str | None:
    return None if is_arch_entry(text) else f"{quoted(text)} is not an arch entry"


def _check_chumpy(text: str) -> str | None:
    return None if text == "absent" else values.check_version(text)


def recipe_hash(data: dict[str, Any]) -> str:
    """12 hex chars of the sha256 of the recipe's content (comments and formatting don't count)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def parse_recipe(data: dict[str, Any], path: Path, problems: list[Problem]) -> Recipe | None:
    """Build a Recipe from parsed TOML; append a Problem per bad field; None when any field is bad."""
    top = Reader(problems, data, "")
    fields: dict[str, Any] = {
        **_parse_top(top),
        **_parse_base(top),
        **_parse_cuda(top),
        "python": _parse_python(top),
        **_parse_torch(top),
        "openmmlab": _parse_openmmlab(top),
        **_parse_pip(top),
        "builds_kernels": _parse_kernels(top),
        "realsense_spec": _parse_realsense(top),
        **_parse_apt(top),
        "env": _parse_env(top),
        "models": _parse_models(top),
    }
    if problems:
        return None
    required = ("name", "platform", "shm_size", "family", "devel_image", "runtime_image", "python")
    assert all(fields[key] for key in required), "a required field passed without a problem"
    return Recipe(path=path, hash=recipe_hash(data), **fields)


def _parse_top(top: Reader) -> dict[str, Any]:
    return {
        "name": top.text("name", values.check_name, example='"rtx5090"'),
        "description": top.text("description", values.check_text, required=False) or "",
        "platform": top.choice("platform", PLATFORMS),
        "gpus": list(top.texts("gpus", values.check_text, example='["RTX 5090"]')),
        "shm_size": top.text("shm_size", values.check_size, example='"8g"'),
        "display": top.flag("display", False),
    }


def _parse_base(top: Reader) -> dict[str, Any]:
    base = top.table_at("base", required=True)
    if not base:
        return {"family": None, "devel_image": None, "runtime_image": None, "pip_constraint": None}
    return {
        "family": base.choice("family", FAMILIES),
        "devel_image": base.text(
            "devel", values.check_image, example='"nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04"'
        ),
        "runtime_image": base.text(
            "runtime", values.check_image, example='"nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04"'
        ),
        "pip_constraint": base.text(
            "pip_constraint", values.check_path, required=False, example='"/etc/pip/constraint.txt"'
        ),
    }


def _parse_cuda(top: Reader) -> dict[str, Any]:
    cuda = top.table_at("cuda")
    if not cuda:
        return {"cuda": None, "arch_list": []}
    version = cuda.text("version", _check_cuda, example='"12.8"')
    arch_list = cuda.texts(
        "arch_list",
        _check_arch,
        required=True,
        example='["12.0+PTX"]',
        fix='use entries like "12.0" or "12.0+PTX"',
    )
    return {"cuda": version, "arch_list": list(arch_list)}


def _parse_python(top: Reader) -> str | None:
    table = top.table_at("python", required=True)
    return table.text("version", _check_python, example='"3.10"') if table else None


def _parse_torch(top: Reader) -> dict[str, Any]:
    table = top.table_at("torch")
    if not table:
        keys = ("torch", "torch_cuda", "torchvision", "torchaudio", "torch_index")
        return {**dict.fromkeys(keys), "torch_from_base": False}
    from_base = table.flag("from_base", False)
    return {
        "torch_from_base": from_base,
        "torch": table.text("version", values.check_version, example='"2.9.1"'),
        "torch_cuda": table.text("cuda", _check_torch_cuda, example='"12.8"'),
        "torchvision": table.text(
            "torchvision", values.check_version, required=not from_base, example='"0.24.1"'
        ),
        "torchaudio": table.text("torchaudio", values.check_version, required=False, example='"2.9.1"'),
        "torch_index": table.text(
            "index_url",
            values.check_url,
            required=not from_base,
            example='"https://download.pytorch.org/whl/cu128"',
        ),
    }


def _parse_pip(top: Reader) -> dict[str, Any]:
    pip = top.table_at("pip")
    if not pip:
        return {"constraints": (), "build_tools": (), "packages": ()}
    return {
        "constraints": pip.texts("constraints", values.check_requirement, example='["numpy==1.26.4"]'),
        "build_tools": pip.texts("build_tools", values.check_requirement, example='["ninja==1.13.0"]'),
        "packages": pip.texts("packages", values.check_requirement, example='["munkres==1.1.4"]'),
    }


def _parse_kernels(top: Reader) -> bool:
    kernels = top.table_at("kernels")
    return kernels.flag("selective_scan", False) if kernels else False


def _parse_apt(top: Reader) -> dict[str, Any]:
    apt = top.table_at("apt")
    if not apt:
        return {"apt_devel": (), "apt_runtime": ()}
    return {
        "apt_devel": apt.texts("devel", values.check_apt_name, example='["git"]'),
        "apt_runtime": apt.texts("runtime", values.check_apt_name, example='["libusb-1.0-0"]'),
    }


def _parse_env(top: Reader) -> dict[str, str]:
    env: dict[str, str] = {}
    table = top.table_at("env")
    if not table:
        return env
    for key in table.table:
        reason = values.check_env_name(key)
        if reason:
            table.problem(
                key, reason, "use up to 128 letters, digits and underscores, not starting with a digit"
            )
            continue
        text = table.text(key, values.check_env_value, fix="use letters, digits and . / : + , = @ % - only")
        if text is not None:
            env[key] = text
    return env


def _parse_openmmlab(top: Reader) -> OpenMMLab | None:
    table = top.table_at("openmmlab")
    if not table:
        return None
    versions = {
        key: table.text(key, values.check_version, example=example)
        for key, example in (
            ("mmcv", '"2.1.0"'),
            ("mmdet", '"3.2.0"'),
            ("mmengine", '"0.10.7"'),
            ("mmpose", '"1.3.2"'),
            ("xtcocotools", '"1.14.3"'),
        )
    }
    build = table.choice("xtcocotools_build", XTCOCOTOOLS_BUILDS)
    chumpy = table.text(
        "chumpy", _check_chumpy, example='"absent"', fix='use "absent" or a version like "0.70"'
    )
    git = None
    git_table = table.table_at("mmengine_git")
    if git_table:
        url = git_table.text("url", values.check_url, example='"https://github.com/open-mmlab/mmengine.git"')
        ref = git_table.text("ref", values.check_git_ref, example='"25434293"')
        if url and ref:
            git = GitSource(url, ref)
    if None in versions.values() or build is None or chumpy is None:
        return None
    return OpenMMLab(
        mmcv=versions["mmcv"] or "",
        mmdet=versions["mmdet"] or "",
        mmengine=versions["mmengine"] or "",
        mmpose=versions["mmpose"] or "",
        xtcocotools=versions["xtcocotools"] or "",
        xtcocotools_build=build,
        chumpy=chumpy,
        mmengine_git=git,
    )


def _parse_realsense(top: Reader) -> Realsense | None:
    table = top.table_at("realsense")
    if not table:
        return None
    version = table.text("version", values.check_version, example='"2.59.1.11053"')
    build = table.choice("build", REALSENSE_BUILDS)
    url = table.text(
        "source_url",
        values.check_url,
        required=build == "source",
        example='"https://github.com/IntelRealSense/librealsense/archive/refs/tags/v2.59.1.tar.gz"',
    )
    sha256 = table.text("source_sha256", values.check_sha256, required=False, example='"<64 hex digits>"')
    if version is None or build is None:
        return None
    return Realsense(version=version, build=build, source_url=url, source_sha256=sha256)


def _parse_models(top: Reader) -> tuple[ModelPin, ...]:
    """[models.<name>] tables: one checkpoint per role, its sha256 consistent with its file name."""
    table = top.table_at("models")
    if not table:
        return ()
    pins: list[ModelPin] = []
    for name in table.table:
        reason = values.check_model_name(name)
        if reason:
            table.problem(name, reason, "name it like [models.rtmpose-m]")
            continue
        model = table.table_at(name)
        if model is None:
            continue
        role = model.choice("role", MODEL_ROLES)
        config = model.text(
            "config",
            values.check_mim_path,
            example='"configs/body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py"',
        )
        url = model.text(
            "url", values.check_file_url, example='"https://download.openmmlab.com/.../x-d8dd5ca4.pth"'
        )
        sha256 = model.text(
            "sha256",
            values.check_sha256_or_prefix,
            example='"d8dd5ca4"',
            fix="write the full digest (sha256sum FILE) or its first 8+ hex digits",
        )
        if url and sha256:
            file_name = values.url_file_name(url)
            embedded = values.name_hash(file_name)
            common = min(len(sha256), len(embedded or ""))
            if embedded and sha256[:common] != embedded[:common]:
                model.problem(
                    "sha256",
                    f"{quoted(sha256)} disagrees with {embedded}, the sha256 prefix in the url's file name "
                    f"{file_name}",
                    f'write sha256 = "{embedded}" (or the full digest, which starts with it)',
                )
                sha256 = None
        if role and config and url and sha256:
            pins.append(ModelPin(name, role, config, url, sha256))
    # One line per problem: a role (or a file) pinned n times is one problem, not n²/2 (issue #18, item 6).
    first_of_role = _report_duplicates(table, pins, lambda pin: pin.role, "role", "pin one model per role")
    _report_duplicates(table, first_of_role, lambda pin: pin.file_name, "url", "pin two different files")
    return tuple(pins)


def _report_duplicates(
    table: Reader, pins: list[ModelPin], key: Callable[[ModelPin], str], field: str, fix: str
) -> list[ModelPin]:
    """One problem per value of `key` that several pins share; returns the first pin of each value."""
    groups: dict[str, list[ModelPin]] = {}
    for pin in pins:
        groups.setdefault(key(pin), []).append(pin)
    for value, group in groups.items():
        if len(group) < 2:
            continue
        what = f"{quoted(value)} is also the role of" if field == "role" else f"its file name {value} is also"
        owner = f"models.{group[0].name}" + ("" if field == "role" else "'s")
        more = group[2:]
        also = ""
        if more:
            names = ", ".join(f"models.{pin.name}" for pin in more[:3])
            also = f" (and {len(more)} more: {names}{', ...' if len(more) > 3 else ''})"
        table.problems.append(Problem(f"{table.path(group[1].name)}.{field}", f"{what} {owner}{also}", fix))
    return [group[0] for group in groups.values()]
