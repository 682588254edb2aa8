"""Locks: what a built image really holds (base image IDs, pip freeze, apt versions), and the pins a locked
build installs.

A lock is `recipes/locks/<recipe>.lock.json` for a shipped recipe in a checkout (`<cache>/locks/` when envkit
is installed from a wheel: never inside the installed package), `<recipe>.lock.json` beside a recipe given
by path, or `<lock dir>/<recipe>.lock.json` with --lock-dir. Schema `envkit.lock/1` (docs/build.md).
A locked build feeds the lock's `pip` pins into the recipe's pip constraints, which the templates write to
/opt/envkit/constraints.txt and pass to every pip command (`-c`). apt versions are recorded and compared
after a locked build, not pinned: Debian mirrors keep only the current version of a package.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import subprocess
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from envkit import __version__
from envkit.containers.devices import Devices
from envkit.containers.images import inspect_image
from envkit.containers.run import RunOptions, docker_run_argv
from envkit.errors import FailedError, UsageError, quoted
from envkit.recipes import Recipe
from envkit.recipes.values import check_requirement, check_version
from envkit.resources import cache_dir, data_dir, project_root

SCHEMA = "envkit.lock/1"
_SEPARATOR = "---envkit-apt---"
# Runs in the image as root without network: the image's python (the venv's first) and dpkg.
_INVENTORY = (
    "for p in python python3; do command -v $p >/dev/null && exec_py=$p && break; done; "
    '"$exec_py" -m pip freeze --all; '
    f"echo {_SEPARATOR}; "
    "dpkg-query -W -f='${Package}\\t${Version}\\n' 2>/dev/null || true"
)


def default_path(recipe: Recipe, lock_dir: Path | None = None) -> Path:
    """Where the lock of `recipe` lives (see the module docstring)."""
    if lock_dir is not None:
        return lock_dir / f"{recipe.name}.lock.json"
    shipped = data_dir("recipes")
    if recipe.path.resolve().parent == shipped.resolve():
        folder = shipped / "locks" if project_root() is not None else cache_dir() / "locks"
        return folder / f"{recipe.name}.lock.json"
    return recipe.path.with_name(f"{recipe.path.stem}.lock.json")


def parse_inventory(text: str) -> tuple[list[str], dict[str, str]]:
    """`pip freeze --all` lines and {apt package: version} from the inventory command's output."""
    freeze_part, _, apt_part = text.partition(_SEPARATOR)
    freeze = [line.strip() for line in freeze_part.splitlines() if line.strip()]
    apt = {}
    for line in apt_part.splitlines():
        name, _, version = line.partition("\t")
        if name.strip() and version.strip():
            apt[name.strip()] = version.strip()
    return freeze, apt


def pins_of(freeze: list[str]) -> dict[str, str]:
    """{canonical name: version} for `name==version` lines; `name @ url` lines are the recipe's own builds."""
    pins = {}
    for line in freeze:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        specs = list(requirement.specifier)
        if requirement.url is None and len(specs) == 1 and specs[0].operator == "==":
            pins[canonicalize_name(requirement.name)] = specs[0].version
    return pins


def inventory(image: str) -> tuple[list[str], dict[str, str]]:
    options = RunOptions(
        image=image,
        command=("-c", _INVENTORY),
        devices=Devices(gpus=False, display=False, camera=False),
        user="0",
        network="none",
        entrypoint="sh",
    )
    done = subprocess.run(docker_run_argv(options), capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise FailedError(
            f"cannot list what {image} holds: {lines[-1] if lines else 'docker run failed'}",
            fix="the image needs sh, python with pip, and dpkg-query",
        )
    return parse_inventory(done.stdout)


def make_lock(recipe: Recipe, image: str, base_images: list[str], *, locked_from: Path | None = None) -> dict:
    """The lock document for a freshly built `image` of `recipe`."""
    freeze, apt = inventory(image)
    built = inspect_image(image)
    return {
        "schema": SCHEMA,
        "recipe": recipe.name,
        "recipe_hash": recipe.hash,
        "envkit": __version__,
        "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "platform": recipe.platform,
        "image": {"tag": image, "id": built["id"]},
        "base_images": [inspect_image(ref) for ref in base_images],
        "locked_from": str(locked_from) if locked_from else None,
        "pip": {"pins": pins_of(freeze), "freeze": freeze},
        "apt": apt,
    }


def write_lock(document: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    temporary.replace(path)


def read_lock(path: Path, recipe: Recipe) -> dict:
    """A lock for `recipe`; UsageError when unreadable, malformed, of another schema, or for another recipe.

    Its pip pins reach the Dockerfile (the constraints file), so each one passes the recipe's own check.
    """
    fix = "give a lock file envkit build wrote, or build without --lock to make a new one"
    shown = quoted(str(path))
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:
        reason = error.strerror if isinstance(error, OSError) else type(error).__name__
        raise UsageError(f"cannot read lock {shown}: {reason}", fix=fix) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise UsageError(f"{shown} is not an {SCHEMA} lock", fix=fix)
    if document.get("recipe_hash") != recipe.hash:
        raise UsageError(
            f"lock {shown} was made from recipe hash {quoted(document.get('recipe_hash'))}, "
            f"recipe {recipe.name} is now {recipe.hash}",
            fix="build without --lock to make a new lock for the changed recipe",
        )
    pip, apt = document.get("pip"), document.get("apt", {})
    pins = pip.get("pins") if isinstance(pip, dict) else None
    if not _text_map(pins) or not _text_map(apt):
        raise UsageError(f"lock {shown}: pip.pins and apt must map names to version strings", fix=fix)
    for name, version in pins.items():
        if check_version(version) or check_requirement(f"{name}=={version}"):
            raise UsageError(f"lock {shown}: {quoted(name + '==' + version)} is not a valid pin", fix=fix)
    return document


def _text_map(value: object) -> bool:
    """True for a {str: str} dict."""
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def usable_pins(recipe: Recipe, lock: dict) -> tuple[list[str], list[str]]:
    """(pins a locked build adds, pins left out): a pin outside one of the recipe's own constraints is left
    out, since pip never installed it under those constraints (a venv's seeded setuptools, for one)."""
    ranges: dict[str, list[Requirement]] = {}
    for text in recipe.constraints:
        requirement = Requirement(text)
        ranges.setdefault(canonicalize_name(requirement.name), []).append(requirement)
    pins, skipped = [], []
    for name, version in sorted(lock["pip"]["pins"].items()):
        pin = f"{name}=={version}"
        limits = ranges.get(canonicalize_name(name), [])
        if all(r.specifier.contains(version, prereleases=True) for r in limits):
            pins.append(pin)
        else:
            skipped.append(pin)
    return pins, skipped


def locked_recipe(recipe: Recipe, lock: dict) -> Recipe:
    """The recipe with the lock's pip pins added to its constraints (every pip command honours them)."""
    pins, _ = usable_pins(recipe, lock)
    present = set(recipe.constraints)
    extra = tuple(pin for pin in pins if pin not in present)
    return dataclasses.replace(recipe, constraints=tuple(recipe.constraints) + extra)


def drift(lock: dict, fresh: dict) -> list[str]:
    """What differs between a lock and a new build's lock: pip pins and apt versions, one line each."""
    lines = []
    for kind, old, new in (
        ("pip", lock["pip"]["pins"], fresh["pip"]["pins"]),
        ("apt", lock.get("apt", {}), fresh.get("apt", {})),
    ):
        for name in sorted(set(old) | set(new)):
            if old.get(name) != new.get(name):
                was, now = old.get(name, "(absent)"), new.get(name, "(absent)")
                lines.append(f"{kind} {name}: lock {was}, image {now}")
    return lines
