"""Package pins: every version the recipe fixes must agree, and the version guards of
envkit/compat/data/packages.toml (e.g. mmdet 3.2 wants mmcv < 2.2.0) must hold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from envkit.compat.knowledge import Guard, Knowledge
from envkit.compat.rules.base import Pin, Pins, Rule
from envkit.compat.specs import overlaps, within
from envkit.problems import Problem

if TYPE_CHECKING:
    from envkit.recipes.model import Recipe


def recipe_pins(recipe: Recipe) -> Pins:
    """Every version the recipe fixes, by canonical package name ("python" for the interpreter)."""
    pins: Pins = {"python": Pin(SpecifierSet(f"=={recipe.python}"), "python.version", recipe.python)}

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


def _pins_consistent(recipe: Recipe, kb: Knowledge, pins: Pins) -> list[Problem]:
    return [
        Problem(
            pin.field, f"the pins for {name} ({pin.text}) allow no version", f"make the pins for {name} agree"
        )
        for name, pin in pins.items()
        if not overlaps(pin.spec, pin.spec)
    ]


PINS_RULE = Rule(
    "pins-consistent",
    "the pins for each package (constraints, build tools, versions) agree",
    "envkit/compat/data/packages.toml",
    lambda recipe, pins: True,
    _pins_consistent,
)


def guard_rule(guard: Guard) -> Rule:
    """The rule for one version guard: when the recipe pins `guard.when`, its `guard.then` must hold."""
    when, then = Requirement(guard.when), Requirement(guard.then)
    when_key, then_key = canonicalize_name(when.name), canonicalize_name(then.name)

    def applies(recipe: Recipe, pins: Pins) -> bool:
        pin = pins.get(when_key)
        return pin is not None and overlaps(pin.spec, when.specifier)

    def check(recipe: Recipe, kb: Knowledge, pins: Pins) -> list[Problem]:
        trigger = pins[when_key]
        pin = pins.get(then_key)
        if pin is None:
            return [
                Problem(
                    "pip.constraints",
                    f"{then.name} is not pinned, but {when.name} {trigger.text} "
                    f"needs {then.name}{then.specifier}: {guard.reason}",
                    guard.fix,
                )
            ]
        if within(pin.spec, then.specifier):
            return []
        return [
            Problem(
                pin.field,
                f"{then.name} {pin.text} is outside {then.specifier} "
                f"required with {when.name} {trigger.text}: {guard.reason}",
                guard.fix,
            )
        ]

    return Rule(f"guard:{guard.id}", guard.reason, guard.source, applies, check)
