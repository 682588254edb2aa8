"""Compatibility rules over a recipe. Each rule has a one-line reason, a fix and a source.

Rules are general: they read the recipe's fields and the knowledge tables, never a recipe's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from envkit.compat.arch import ArchEntry, arch_runs_on
from envkit.compat.images import ImageRef, distro_of, family_of
from envkit.compat.knowledge import Guard, Knowledge, knowledge
from envkit.compat.specs import overlaps, within
from envkit.recipes.problems import Problem

if TYPE_CHECKING:
    from envkit.recipes.model import Recipe


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    source: str
    applies: Callable[[Recipe], bool]
    check: Callable[[Recipe, Knowledge], list[Problem]]


@dataclass
class RuleOutcome:
    rule: Rule
    applies: bool
    problems: list[Problem] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.applies:
            return "n/a"
        return "failed" if self.problems else "ok"


def _cuda_key(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


# --- GPU, CUDA toolkit, driver (env-anchors B.1) -------------------------------------------------


def _gpus_known(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    return [
        Problem(f"gpus[{index}]", f"unknown GPU {name!r}", f"use one of: {', '.join(kb.gpu_names())}")
        for index, name in enumerate(recipe.gpus)
        if kb.gpu(name) is None
    ]


def _gpus_need_cuda(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    if recipe.gpus and recipe.cuda is None:
        return [
            Problem(
                "cuda", "the recipe names GPUs but has no [cuda] table", "add [cuda] version and arch_list"
            )
        ]
    if recipe.cuda is not None and not recipe.gpus:
        return [Problem("gpus", "a CUDA recipe must name the GPUs it targets", 'add gpus = ["RTX 5090"]')]
    problems = []
    for name in recipe.gpus:
        gpu = kb.gpu(name)
        if gpu and recipe.cuda and _cuda_key(recipe.cuda) < _cuda_key(gpu.min_cuda):
            problems.append(
                Problem(
                    "cuda.version",
                    f"CUDA {recipe.cuda} cannot target {gpu.name} "
                    f"(sm_{gpu.compute_capability.replace('.', '')} "
                    f"needs CUDA >= {gpu.min_cuda})",
                    f"use CUDA {gpu.min_cuda} or newer (base image and torch build)",
                )
            )
    return problems


def _driver_known(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.cuda
    if kb.min_driver(recipe.cuda) is None:
        known = ", ".join(toolkit.cuda for toolkit in kb.toolkits)
        return [
            Problem(
                "cuda.version",
                f"no minimum driver is known for CUDA {recipe.cuda}",
                f"use one of {known}, or add the toolkit to envkit/compat/data/cuda_drivers.toml",
            )
        ]
    return []


def _arch_covers_gpus(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    problems = []
    for name in recipe.gpus:
        gpu = kb.gpu(name)
        if gpu and not arch_runs_on(list(recipe.arch_list), gpu.compute_capability):
            problems.append(
                Problem(
                    "cuda.arch_list",
                    f"{', '.join(recipe.arch_list) or 'an empty list'} has no code that runs on {gpu.name} "
                    f"(compute capability {gpu.compute_capability})",
                    f'add "{gpu.compute_capability}" (same major, minor <= the GPU\'s) '
                    'or a lower "+PTX" entry',
                )
            )
    return problems


def _arch_target_only(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    """Each arch entry costs a full nvcc pass over mmcv and the kernels; keep the ones a GPU runs."""
    capabilities = [gpu.compute_capability for name in recipe.gpus if (gpu := kb.gpu(name))]
    if len(capabilities) != len(recipe.gpus):
        return []  # unknown GPUs are reported by gpu-known
    return [
        Problem(
            "cuda.arch_list",
            f"{entry} runs on none of the recipe's GPUs ({', '.join(recipe.gpus)}) "
            "and only lengthens every build",
            f"drop {entry}, or add the GPU it is for to gpus",
        )
        for entry in recipe.arch_list
        if not any(arch_runs_on([entry], capability) for capability in capabilities)
    ]


def _arch_in_toolkit(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.cuda
    problems = []
    for entry in recipe.arch_list:
        capability = str(ArchEntry.parse(entry).capability)
        floor = kb.min_cuda_for_arch(capability)
        if floor and _cuda_key(recipe.cuda) < _cuda_key(floor):
            problems.append(
                Problem(
                    "cuda.arch_list",
                    f"nvcc from CUDA {recipe.cuda} cannot compile for {entry} (needs CUDA >= {floor})",
                    f"use CUDA >= {floor} or drop {entry}",
                )
            )
    return problems


# --- torch build (env-anchors B.2) ---------------------------------------------------------------


def _torch_build_known(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.torch and recipe.torch_cuda
    if kb.torch_build(recipe.torch, recipe.torch_cuda):
        return []
    builds = kb.torch_cudas(recipe.torch)
    label = "cpu" if recipe.torch_cuda == "cpu" else f"CUDA {recipe.torch_cuda}"
    fix = (
        f"use one of its builds: {', '.join(builds)}"
        if builds
        else "use a torch version listed in envkit/compat/data/torch.toml"
    )
    return [
        Problem(
            "torch.cuda" if builds else "torch.version", f"torch {recipe.torch} has no {label} build", fix
        )
    ]


def _torch_runs_on_gpus(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.torch and recipe.torch_cuda
    build = kb.torch_build(recipe.torch, recipe.torch_cuda)
    if build is None:
        return []
    problems = []
    for name in recipe.gpus:
        gpu = kb.gpu(name)
        if gpu and not arch_runs_on(build.arch_list, gpu.compute_capability):
            sm = f"sm_{gpu.compute_capability.replace('.', '')}"
            ships = f"it ships {', '.join(build.arch_list)}" if build.arch_list else "a CPU build ships none"
            problems.append(
                Problem(
                    "torch.cuda" if recipe.torch_cuda == "cpu" else "torch.version",
                    f"torch {recipe.torch}+{recipe.torch_local} ships no kernels for {gpu.name} "
                    f"({sm}; {ships})",
                    "use a torch build whose arch list covers the GPU "
                    "(e.g. torch >= 2.7 with cu128 for sm_120)"
                    + (", or list no gpus" if not build.arch_list else ""),
                )
            )
    return problems


def _torch_python(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.torch and recipe.torch_cuda
    build = kb.torch_build(recipe.torch, recipe.torch_cuda)
    if build is None or build.supports_python(recipe.python):
        return []
    return [
        Problem(
            "python.version",
            f"Python {recipe.python} is outside torch {recipe.torch}'s supported range {build.python}",
            f"use a Python in {build.python} (and a base image that provides it)",
        )
    ]


def _torch_companions(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.torch and recipe.torch_cuda
    build = kb.torch_build(recipe.torch, recipe.torch_cuda)
    if build is None or recipe.torch_from_base:
        return []
    problems = []
    for key, pinned, expected in (
        ("torchvision", recipe.torchvision, build.torchvision),
        ("torchaudio", recipe.torchaudio, build.torchaudio),
    ):
        if pinned and expected and Version(pinned) != Version(expected):
            problems.append(
                Problem(
                    f"torch.{key}",
                    f"{key} {pinned} does not match torch {recipe.torch}",
                    f"use {key} {expected}",
                )
            )
    if recipe.torch_index and build.index and recipe.torch_index.rstrip("/") != build.index:
        problems.append(
            Problem(
                "torch.index_url",
                f"{recipe.torch_index} is not the index of torch's {build.cuda} build",
                f'use index_url = "{build.index}"',
            )
        )
    return problems


def _extension_toolkit(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    """Extensions (mmcv ops, selective-scan) need nvcc of the same major as torch's CUDA."""
    if recipe.torch_cuda == "cpu":
        if recipe.builds_kernels:
            return [
                Problem(
                    "kernels.selective_scan",
                    "the selective-scan kernels need a CUDA build of torch, but torch.cuda is 'cpu'",
                    "set selective_scan = false, or use a CUDA torch build and a [cuda] toolkit",
                )
            ]
        return []
    if recipe.cuda is None:
        return [
            Problem(
                "cuda",
                f"torch is a CUDA {recipe.torch_cuda} build but the recipe has no [cuda] toolkit "
                "to build extensions",
                f'add [cuda] version = "{recipe.torch_cuda}"',
            )
        ]
    assert recipe.torch_cuda
    if _cuda_key(recipe.cuda)[0] != _cuda_key(recipe.torch_cuda)[0]:
        return [
            Problem(
                "cuda.version",
                f"nvcc {recipe.cuda} and torch's CUDA {recipe.torch_cuda} differ in major version; "
                "extension builds fail ('The detected CUDA version mismatches')",
                f"use a CUDA {recipe.torch_cuda.split('.')[0]}.x toolkit, "
                f"or the torch build for CUDA {recipe.cuda}",
            )
        ]
    return []


# --- base images (env-anchors A.1, B.2; docker-feasibility.md) ----------------------------------


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


# --- platform, OpenMMLab, kernels ----------------------------------------------------------------


def _realsense_platform(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    assert recipe.realsense_spec
    if recipe.realsense_spec.build == "wheel" and recipe.platform == "linux/arm64":
        return [
            Problem(
                "realsense.build",
                "pyrealsense2 publishes no linux aarch64 wheels",
                'set build = "source" with a librealsense source_url',
            )
        ]
    return []


def _openmmlab_needs_torch(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    if recipe.torch is None:
        return [Problem("openmmlab", "the OpenMMLab stack needs torch", "add a [torch] table")]
    return []


def _models_need_mmpose(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    if recipe.openmmlab is None:
        return [
            Problem(
                "models",
                "the pinned checkpoints run with mmpose's configs, and the recipe has no [openmmlab] table",
                "add [openmmlab], or remove the [models] tables",
            )
        ]
    return []


def _kernels_need_torch(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    if recipe.torch is None or recipe.cuda is None:
        return [
            Problem(
                "kernels.selective_scan",
                "the selective-scan kernels need torch and a CUDA toolkit",
                "add [torch] and [cuda], or set selective_scan = false",
            )
        ]
    return []


# --- package guards (envkit/compat/data/packages.toml) -------------------------------------------


@dataclass(frozen=True)
class Pin:
    spec: SpecifierSet
    field: str
    text: str


def recipe_pins(recipe: Recipe) -> dict[str, Pin]:
    """Every version the recipe fixes, by canonical package name ("python" for the interpreter)."""
    pins: dict[str, Pin] = {
        "python": Pin(SpecifierSet(f"=={recipe.python}"), "python.version", recipe.python)
    }

    def add(name: str, spec: str, where: str) -> None:
        key = canonicalize_name(name)
        if key in pins:
            old = pins[key]
            if SpecifierSet(spec) == old.spec:
                return
            pins[key] = Pin(old.spec & SpecifierSet(spec), old.field, f"{old.text},{spec.removeprefix('==')}")
        else:
            pins[key] = Pin(SpecifierSet(spec), where, spec.removeprefix("=="))

    if recipe.torch:
        add("torch", f"=={recipe.torch}", "torch.version")
        if recipe.torchvision:
            add("torchvision", f"=={recipe.torchvision}", "torch.torchvision")
    mm = recipe.openmmlab
    if mm:
        for key in ("mmcv", "mmdet", "mmengine", "mmpose", "xtcocotools"):
            add(key, f"=={getattr(mm, key)}", f"openmmlab.{key}")
        if mm.chumpy_installed:
            add("chumpy", f"=={mm.chumpy}", "openmmlab.chumpy")
        # Pseudo-packages for how xtcocotools is built (packages.toml guards on them).
        if mm.xtcocotools_build == "wheel":
            add("xtcocotools-prebuilt", f"=={mm.xtcocotools}", "openmmlab.xtcocotools_build")
        elif mm.xtcocotools_build == "source":
            add("xtcocotools-unpatched-source", f"=={mm.xtcocotools}", "openmmlab.xtcocotools_build")
    for where, texts in (("pip.constraints", recipe.constraints), ("pip.build_tools", recipe.build_tools)):
        for text in texts:
            requirement = Requirement(text)
            add(requirement.name, str(requirement.specifier), where)
    return pins


_last_pins: tuple[Recipe, dict[str, Pin]] | None = None


def _pins_of(recipe: Recipe) -> dict[str, Pin]:
    """recipe_pins, remembered for the recipe being checked (every guard reads them twice)."""
    global _last_pins
    if _last_pins is None or _last_pins[0] is not recipe:
        _last_pins = (recipe, recipe_pins(recipe))
    return _last_pins[1]


def _pins_consistent(recipe: Recipe, kb: Knowledge) -> list[Problem]:
    return [
        Problem(
            pin.field, f"the pins for {name} ({pin.text}) allow no version", f"make the pins for {name} agree"
        )
        for name, pin in _pins_of(recipe).items()
        if not overlaps(pin.spec, pin.spec)
    ]


def _guard_rule(guard: Guard) -> Rule:
    when, then = Requirement(guard.when), Requirement(guard.then)
    when_key, then_key = canonicalize_name(when.name), canonicalize_name(then.name)

    def applies(recipe: Recipe) -> bool:
        pin = _pins_of(recipe).get(when_key)
        return pin is not None and overlaps(pin.spec, when.specifier)

    def check(recipe: Recipe, kb: Knowledge) -> list[Problem]:
        pins = _pins_of(recipe)
        trigger = pins[when_key]
        pin = pins.get(then_key)
        if pin is None:
            return [
                Problem(
                    "pip.constraints",
                    f"{then.name} is not pinned, but {when.name} {trigger.text} "
                    f"needs {then.name}{then.specifier}: "
                    f"{guard.reason}",
                    guard.fix,
                )
            ]
        if within(pin.spec, then.specifier):
            return []
        return [
            Problem(
                pin.field,
                f"{then.name} {pin.text} is outside {then.specifier} "
                f"required with {when.name} {trigger.text}: "
                f"{guard.reason}",
                guard.fix,
            )
        ]

    return Rule(f"guard:{guard.id}", guard.reason, guard.source, applies, check)


# --- the rule list -------------------------------------------------------------------------------

_B1 = "env-anchors.md B.1"
_B2 = "env-anchors.md B.2"

BASE_RULES: tuple[Rule, ...] = (
    Rule(
        "gpu-known",
        "every GPU is in the GPU table",
        f"{_B1}; envkit/compat/data/gpus.toml",
        lambda r: bool(r.gpus),
        _gpus_known,
    ),
    Rule(
        "gpu-cuda-floor",
        "the CUDA toolkit can target every GPU",
        f"{_B1} (cog gpu floors)",
        lambda r: bool(r.gpus) or r.cuda is not None,
        _gpus_need_cuda,
    ),
    Rule(
        "cuda-driver-known",
        "a minimum driver is known for the toolkit",
        f"{_B1} driver table",
        lambda r: r.cuda is not None,
        _driver_known,
    ),
    Rule(
        "arch-covers-gpus",
        "the arch list runs on every GPU (same-major rule)",
        f"{_B1}; pytorch#164596",
        lambda r: r.cuda is not None and bool(r.gpus),
        _arch_covers_gpus,
    ),
    Rule(
        "arch-target-only",
        "every arch entry runs on one of the recipe's GPUs (each entry is another nvcc pass)",
        "issue 2 (arch list for the target only); openmmlab-install.md (mmcv build ~25 min per pass)",
        lambda r: r.cuda is not None and bool(r.gpus),
        _arch_target_only,
    ),
    Rule(
        "arch-in-toolkit",
        "nvcc can compile every arch in the list",
        f"{_B1}; env-anchors B.4 (nvcc fatal)",
        lambda r: r.cuda is not None,
        _arch_in_toolkit,
    ),
    Rule(
        "torch-build-known",
        "the torch version has the chosen CUDA build",
        f"{_B2}; torch.toml",
        lambda r: r.torch is not None,
        _torch_build_known,
    ),
    Rule(
        "torch-runs-on-gpus",
        "torch's shipped archs run on every GPU",
        f"{_B2}; env-anchors B.4 (no kernel image)",
        lambda r: r.torch is not None and bool(r.gpus),
        _torch_runs_on_gpus,
    ),
    Rule(
        "torch-python",
        "Python is inside torch's supported range",
        f"{_B2} (PyTorch RELEASE.md)",
        lambda r: r.torch is not None,
        _torch_python,
    ),
    Rule(
        "torch-companions",
        "torchvision, torchaudio and the index match torch",
        f"{_B2} (cog torch_compatibility.json)",
        lambda r: r.torch is not None,
        _torch_companions,
    ),
    Rule(
        "extension-toolkit",
        "nvcc's major equals torch's CUDA major for extension builds",
        "env-anchors B.4 (state-spaces/mamba#772: detected CUDA version mismatches)",
        lambda r: r.torch is not None and (r.openmmlab is not None or r.builds_kernels),
        _extension_toolkit,
    ),
    Rule(
        "base-images",
        "base images belong to the family, one distribution, right CUDA tag and variant",
        "env-anchors A.1; docker-feasibility.md",
        lambda r: True,
        _base_images,
    ),
    Rule(
        "python-of-base",
        "Python is the one the base image provides",
        "bases.toml distro table",
        lambda r: True,
        _python_of_base,
    ),
    Rule(
        "ngc-release",
        "NGC: known release, its CUDA/platform, its torch kept, its pip constraints honoured",
        f"{_B2} (NGC 25.09, /etc/pip/constraint.txt)",
        lambda r: r.family == "ngc-pytorch",
        _ngc_release,
    ),
    Rule(
        "torch-from-base",
        "only an image that brings torch can provide it",
        f"{_B2}",
        lambda r: r.torch_from_base,
        _torch_from_base,
    ),
    Rule(
        "realsense-platform",
        "pyrealsense2 wheels exist for the platform",
        "env-anchors B.4; librealsense#11718, #12188",
        lambda r: r.realsense_spec is not None,
        _realsense_platform,
    ),
    Rule(
        "openmmlab-needs-torch",
        "the OpenMMLab stack has torch",
        "env-anchors B.3",
        lambda r: r.openmmlab is not None,
        _openmmlab_needs_torch,
    ),
    Rule(
        "models-need-mmpose",
        "pinned 2D checkpoints come with the OpenMMLab stack that loads them",
        "posemamba/live/estimators/mmpose_topdown.py (configs from mmpose/.mim)",
        lambda r: bool(r.models),
        _models_need_mmpose,
    ),
    Rule(
        "kernels-need-cuda-torch",
        "the kernels have torch and a toolkit",
        "kernels-feasibility.md",
        lambda r: r.builds_kernels,
        _kernels_need_torch,
    ),
)


PINS_RULE = Rule(
    "pins-consistent",
    "the pins for each package (constraints, build tools, versions) agree",
    "envkit/compat/data/packages.toml",
    lambda r: True,
    _pins_consistent,
)


def all_rules(kb: Knowledge | None = None) -> list[Rule]:
    """The structural rules, then pin consistency, then one rule per package guard."""
    kb = kb or knowledge()
    return [*BASE_RULES, PINS_RULE, *(_guard_rule(guard) for guard in kb.guards)]


def check_recipe(recipe: Recipe, kb: Knowledge | None = None) -> list[RuleOutcome]:
    """Run every rule; each outcome says whether it applied and what it found."""
    kb = kb or knowledge()
    outcomes = []
    for rule in all_rules(kb):
        applies = rule.applies(recipe)
        outcomes.append(RuleOutcome(rule, applies, rule.check(recipe, kb) if applies else []))
    return outcomes


def problems_of(recipe: Recipe, kb: Knowledge | None = None) -> list[Problem]:
    return [problem for outcome in check_recipe(recipe, kb) for problem in outcome.problems]
