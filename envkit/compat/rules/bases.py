"""Base images: family, distribution, CUDA tag and variant, Python, NGC releases.

Sources: env-anchors.md A.1 and B.2, docker-feasibility.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from envkit.compat.images import ImageRef, distro_of, family_of
from envkit.compat.knowledge import Knowledge
from envkit.compat.rules.base import B2, Rule, registrar
from envkit.problems import Problem

if TYPE_CHECKING:
    from envkit.recipes.model import Recipe

RULES: list[Rule] = []
rule = registrar(RULES)


@rule(
    "base-images",
    "base images belong to the family, one distribution, right CUDA tag and variant",
    "env-anchors A.1; docker-feasibility.md",
)
def _base_images(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    problems = []
    for key, image in (("base.devel", recipe.devel_image), ("base.runtime", recipe.runtime_image)):
        family = family_of(image, kb)
        if family is None or family.name != recipe.family:
            problems.append(
                Problem(
                    key,
                    f"{image} is not a {recipe.family} image",
                    f"use an image of the {recipe.family} family, or change base.family",
                )
            )
            continue
        if distro_of(image, kb) is None:
            problems.append(
                Problem(
                    key,
                    f"cannot tell the distribution of {image} from its tag",
                    "use a tag that names it (e.g. ...-ubuntu22.04, bookworm)",
                )
            )
    if problems:
        return problems
    if distro_of(recipe.devel_image, kb) != distro_of(recipe.runtime_image, kb):
        problems.append(
            Problem(
                "base.runtime",
                f"{recipe.runtime_image} is a different distribution from {recipe.devel_image}; "
                "wheels built in "
                "one may not load in the other",
                "use the runtime image of the same release as the devel image",
            )
        )
    family = kb.family(recipe.family)
    assert family
    if recipe.cuda is not None and not family.toolkit:
        problems.append(
            Problem(
                "base.family",
                f"a {recipe.family} image has no CUDA toolkit",
                "use nvidia-cuda or ngc-pytorch",
            )
        )
    if recipe.family == "nvidia-cuda":
        problems.extend(_nvidia_cuda_tags(recipe))
    return problems


def _nvidia_cuda_tags(recipe: Recipe) -> list[Problem]:
    problems = []
    if recipe.cuda is None:
        return [Problem("cuda", "an nvidia/cuda base needs a [cuda] table", 'add [cuda] version = "12.8"')]
    for key, image, variant in (
        ("base.devel", recipe.devel_image, "devel"),
        ("base.runtime", recipe.runtime_image, "runtime"),
    ):
        tag = ImageRef.parse(image).tag
        if not tag.startswith(recipe.cuda + "."):
            problems.append(
                Problem(key, f"{image} is not a CUDA {recipe.cuda} image", f"use a {recipe.cuda}.x tag")
            )
        if f"-{variant}-" not in tag:
            problems.append(
                Problem(
                    key, f"{image} is not a -{variant}- image", f"use the -{variant}- variant of the same tag"
                )
            )
    return problems


@rule(
    "python-of-base",
    "Python is the one the base image provides",
    "bases.toml distro table",
)
def _python_of_base(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    family = kb.family(recipe.family)
    distro = distro_of(recipe.devel_image, kb)
    if family is None or distro is None:
        return []
    if family.python == "image":
        release = kb.ngc_release(ImageRef.parse(recipe.devel_image).tag)
        provided = release.python if release else None
    else:
        provided = distro.python
    if provided and provided != recipe.python:
        return [
            Problem(
                "python.version",
                f"the base image provides Python {provided}, not {recipe.python}",
                f'use python.version = "{provided}" or a base image with Python {recipe.python}',
            )
        ]
    return []


@rule(
    "ngc-release",
    "NGC: known release, its CUDA/platform, its torch kept, its pip constraints honoured",
    f"{B2} (NGC 25.09, /etc/pip/constraint.txt)",
    when=lambda r: r.family == "ngc-pytorch",
)
def _ngc_release(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    tag = ImageRef.parse(recipe.devel_image).tag
    release = kb.ngc_release(tag)
    if release is None:
        known = ", ".join(r.tag for r in kb.ngc_releases)
        return [
            Problem(
                "base.devel", f"NGC release {tag} is not known", f"use one of {known} or add it to bases.toml"
            )
        ]
    problems = []
    if recipe.runtime_image != recipe.devel_image:
        problems.append(
            Problem(
                "base.runtime",
                "NGC publishes no separate runtime image",
                f'use runtime = "{recipe.devel_image}"',
            )
        )
    if recipe.cuda != release.cuda:
        problems.append(
            Problem("cuda.version", f"NGC {tag} ships CUDA {release.cuda}", f'use version = "{release.cuda}"')
        )
    if recipe.platform not in release.platforms:
        problems.append(Problem("platform", f"NGC {tag} has no {recipe.platform} image", "use linux/arm64"))
    if recipe.torch is not None and (not recipe.torch_from_base or recipe.torch != release.torch):
        problems.append(
            Problem(
                "torch.version",
                f"NGC {tag}'s torch {release.torch} must not be replaced",
                f'set version = "{release.torch}", cuda = "{release.cuda}", from_base = true',
            )
        )
    if recipe.pip_constraint is None:
        problems.append(
            Problem(
                "base.pip_constraint",
                "NGC pins its packages in /etc/pip/constraint.txt; installs that ignore it can replace torch",
                'set pip_constraint = "/etc/pip/constraint.txt"',
            )
        )
    return problems


@rule(
    "torch-from-base",
    "only an image that brings torch can provide it",
    f"{B2}",
    when=lambda r: r.torch_from_base,
)
def _torch_from_base(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    family = kb.family(recipe.family)
    if family and family.python != "image":
        return [
            Problem(
                "torch.from_base",
                f"a {recipe.family} image brings no torch",
                "set from_base = false and give torchvision and index_url",
            )
        ]
    return []
