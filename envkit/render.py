"""Render a recipe into a Dockerfile from the Jinja2 fragments in dockerfiles/templates/.

Every value that reaches the text was validated by envkit.recipes (values.py); the templates
additionally shell-quote values (`q`) and JSON-quote labels and ENV values (`dq`), and every rendered
Dockerfile is parsed back and compared with the template's instruction list (envkit.render_check).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import shlex
from pathlib import Path

import jinja2
from packaging.requirements import Requirement

from envkit import __version__, render_check
from envkit.compat import knowledge
from envkit.recipes import Recipe
from envkit.resources import data_dir

CONSTRAINTS_FILE = "/opt/envkit/constraints.txt"
MODELS_DIR = "/opt/envkit/models"  # the pinned checkpoints ([models]), one file each under its own name
# apt packages each component needs, so a recipe lists only its own extras.
_PYTHON_APT = {"devel": ["python3", "python3-venv", "python3-dev"], "runtime": ["python3", "python3-venv"]}
_REALSENSE_BUILD_APT = ["cmake", "curl", "ca-certificates", "pkg-config", "libusb-1.0-0-dev", "libudev-dev"]
_REALSENSE_RUNTIME_APT = ["libusb-1.0-0"]
_MODELS_APT = ["curl", "ca-certificates"]  # fetch-checkpoint's download (CUDA runtime images drop curl)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("dockerfiles") / "templates")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Dockerfile text, not HTML; values are validated and quoted per context
    )
    env.filters["q"] = lambda value: shlex.quote(str(value))
    env.filters["dq"] = lambda value: json.dumps(str(value))
    return env


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _torch_label(recipe: Recipe) -> str:
    return f"{recipe.torch}+{recipe.torch_local}" if recipe.torch else "none"


def _labels(recipe: Recipe) -> dict[str, str]:
    mm = recipe.openmmlab
    labels = {
        "org.opencontainers.image.title": f"envkit-{recipe.name}",
        "org.opencontainers.image.description": recipe.description or f"envkit recipe {recipe.name}",
        "org.opencontainers.image.version": __version__,
        "org.opencontainers.image.source": "https://github.com/envkit/envkit",
        "org.opencontainers.image.base.name": recipe.runtime_image,
        "org.envkit.recipe": recipe.name,
        "org.envkit.recipe-hash": recipe.hash,
        "org.envkit.platform": recipe.platform,
        "org.envkit.python": recipe.python,
        "org.envkit.cuda": recipe.cuda or "none",
        "org.envkit.arch-list": ";".join(recipe.arch_list) or "none",
        "org.envkit.gpus": ";".join(recipe.gpus) or "none",
        "org.envkit.torch": _torch_label(recipe),
    }
    if mm:
        labels |= {
            "org.envkit.mmcv": mm.mmcv,
            "org.envkit.mmdet": mm.mmdet,
            "org.envkit.mmengine": mm.mmengine,
            "org.envkit.mmpose": mm.mmpose,
        }
    labels["org.envkit.kernels"] = "selective_scan" if recipe.builds_kernels else "none"
    labels["org.envkit.realsense"] = recipe.realsense_spec.version if recipe.realsense_spec else "none"
    return labels


def _wheel_files(recipe: Recipe) -> list[str]:
    """Glob patterns of the wheels the devel stage leaves in /wheels."""
    files = []
    mm = recipe.openmmlab
    if mm:
        files.append(f"/wheels/mmcv-{mm.mmcv}-*.whl")
        if mm.xtcocotools_build != "wheel":
            files.append(f"/wheels/xtcocotools-{mm.xtcocotools}-*.whl")
        else:
            files.append(f"xtcocotools=={mm.xtcocotools}")
        if mm.mmengine_git:
            files.append("/wheels/mmengine-*.whl")
        else:
            files.append(f"mmengine=={mm.mmengine}")
    if recipe.builds_kernels:
        files.append("/wheels/posemamba_selective_scan-*.whl")
    return files


def _models(recipe: Recipe) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The checkpoints to fetch (each with its path in the image) and the ENV the live pipeline reads."""
    models, env = [], {}
    for pin in recipe.models:
        path = f"{MODELS_DIR}/{pin.file_name}"
        models.append(dataclasses.asdict(pin) | {"path": path})
        prefix = f"ENVKIT_{pin.role.upper()}"
        env |= {f"{prefix}_CHECKPOINT": path, f"{prefix}_CONFIG": pin.config}
    return models, env


def render_context(recipe: Recipe) -> dict[str, object]:
    """Everything the templates read, derived from the recipe (no other input)."""
    family = knowledge().family(recipe.family)
    assert family is not None  # the schema admits known families only
    distro_python = family.python == "distro"
    realsense_source = bool(recipe.realsense_spec and recipe.realsense_spec.build == "source")
    mm = recipe.openmmlab
    devel_needed = bool(mm or recipe.builds_kernels or realsense_source)
    pip_c = " ".join(
        f"-c {path}"
        for path in ([recipe.pip_constraint] if recipe.pip_constraint else []) + [CONSTRAINTS_FILE]
    )
    devel_apt = (_PYTHON_APT["devel"] if distro_python else []) + list(recipe.apt_devel)
    if mm and mm.mmengine_git:
        devel_apt.append("git")
    if realsense_source:
        devel_apt += _REALSENSE_BUILD_APT
    runtime_apt = (_PYTHON_APT["runtime"] if distro_python else []) + list(recipe.apt_runtime)
    if recipe.realsense_spec:
        runtime_apt += _REALSENSE_RUNTIME_APT
    if recipe.models:
        runtime_apt += _MODELS_APT
    models, model_env = _models(recipe)
    build_tools = list(recipe.build_tools)
    if mm and recipe.pinned_version("numpy"):
        build_tools.append(f"numpy=={recipe.pinned_version('numpy')}")  # headers for mmcv / xtcocotools
    # The runtime keeps the pinned pip and setuptools (mmengine <= 0.10.7 imports pkg_resources).
    runtime_tools = [spec for spec in recipe.build_tools if Requirement(spec).name in ("pip", "setuptools")]
    return {
        "recipe": recipe,
        "family": family,
        "envkit_version": __version__,
        "devel_needed": devel_needed,
        "devel_image": recipe.devel_image,
        "runtime_image": recipe.runtime_image,
        "devel_apt": _unique(devel_apt),
        "runtime_apt": _unique(runtime_apt),
        "python": "python" if distro_python else "python3",
        "pip": "pip" if distro_python else "python3 -m pip",
        "pip_c": pip_c,
        "constraints_file": CONSTRAINTS_FILE,
        "build_tools": build_tools,
        "runtime_tools": runtime_tools,
        "arch_list": " ".join(recipe.arch_list),
        "realsense_source": realsense_source,
        "wheel_files": _wheel_files(recipe),
        "models": models,
        "model_env": model_env,
        "labels": _labels(recipe),
    }


def template_text(recipe: Recipe) -> str:
    """The templates' output for `recipe`, trailing spaces trimmed; unchecked (render() checks it)."""
    text = _environment().get_template("Dockerfile.j2").render(**render_context(recipe))
    # Split on LF only, as BuildKit does: str.splitlines would also break a line at a value's U+2028.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return "\n".join(line.rstrip(" \t") for line in lines) + "\n"


def render(recipe: Recipe) -> str:
    """The Dockerfile text for `recipe` (a pure function of the recipe; re-basing it on another image
    is envkit.recipes.rebase_recipe's job, before this).

    RecipeError (exit 2) when a value would change the Dockerfile's instructions (render_check).
    """
    text = template_text(recipe)
    render_check.check(recipe, text, template_text)
    return text


def committed_dockerfile(name: str) -> Path:
    """Where the rendered Dockerfile of a shipped recipe is committed."""
    return data_dir("dockerfiles") / f"{name}.Dockerfile"
