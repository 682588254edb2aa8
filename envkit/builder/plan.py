"""A build plan: everything `envkit build` will do, decided before anything runs (--dry-run shows it)."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from envkit.builder import engines, lock
from envkit.builder.context import build_context
from envkit.builder.engines import Engine
from envkit.errors import UsageError, quoted
from envkit.recipes import Recipe, load_recipe, rebase_recipe
from envkit.recipes.values import check_raw
from envkit.render import render
from envkit.render_check import instructions
from envkit.resources import log_dir

# fullmatch, so a trailing newline is refused; the VALUE part is checked with check_raw (no control chars).
_BUILD_ARG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
_LABEL = re.compile(r"[a-z0-9][a-z0-9.\-_]*=.*", re.DOTALL)
_TAG = re.compile(r"[a-z0-9]+(?:[._\-/][a-z0-9]+)*(?::[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127})?")
_PLATFORM = re.compile(r"[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?")  # os/arch[/variant], as docker spells it


def default_tag(recipe: Recipe, variant: str = "") -> str:
    """`envkit/<recipe>:<recipe hash>`, plus a short hash of what else changes the image (base, lock)."""
    suffix = f"-{hashlib.sha256(variant.encode()).hexdigest()[:8]}" if variant else ""
    return f"envkit/{recipe.name}:{recipe.hash}{suffix}"


def _pairs(values: list[str], pattern: re.Pattern[str], what: str, example: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        if not pattern.fullmatch(value):
            raise UsageError(f"{what} {quoted(value)} is not KEY=VALUE", fix=f"write it like {example}")
        key, _, text = value.partition("=")
        reason = check_raw(text)
        if reason:
            raise UsageError(f"{what} {key}: {reason}", fix="give the value as one line of printable text")
        pairs[key] = text
    return pairs


def _read_dockerfile(path: Path) -> str:
    """The text of a --dockerfile: readable, UTF-8, no NUL, with at least one FROM (else UsageError)."""
    fix = "give a Dockerfile (`envkit render RECIPE -o FILE` writes one to edit)"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read --dockerfile {quoted(str(path))}: {error.strerror}", fix=fix) from None
    except UnicodeDecodeError:
        raise UsageError(f"--dockerfile {quoted(str(path))} is not UTF-8 text", fix=fix) from None
    if "\x00" in text or not any(item.keyword == "FROM" for item in instructions(text)):
        raise UsageError(f"--dockerfile {quoted(str(path))} is not a Dockerfile (no FROM)", fix=fix)
    return text


def _lock_exists(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError as error:
        raise UsageError(
            f"--locked: cannot look up {quoted(str(path))}: {error.strerror}", fix="use --lock-dir"
        ) from None


@dataclass
class BuildPlan:
    recipe: Recipe
    dockerfile: str
    tag: str
    context: Path
    engine: Engine
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    no_cache: bool = False
    lock_path: Path | None = None  # where the lock is written after a successful build
    locked_from: Path | None = None
    lock: dict | None = None
    base_override: str | None = None
    lock_skipped: list[str] = field(default_factory=list)  # lock pins outside the recipe's own constraints
    stamp: str = field(default_factory=lambda: datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))

    @property
    def log_path(self) -> Path:
        return log_dir() / f"build-{self.recipe.name}-{self.stamp}.log"

    @property
    def dockerfile_path(self) -> Path:
        return log_dir() / f"build-{self.recipe.name}-{self.stamp}.Dockerfile"

    @property
    def base_images(self) -> list[str]:
        """The images the Dockerfile starts FROM."""
        if self.base_override:
            return [self.base_override]
        return list(dict.fromkeys([self.recipe.devel_image, self.recipe.runtime_image]))

    def options(self) -> list[str]:
        """docker build options shared by every CLI engine."""
        options = []
        for key, value in self.build_args.items():
            options += ["--build-arg", f"{key}={value}"]
        for key, value in self.labels.items():
            options += ["--label", f"{key}={value}"]
        if self.no_cache:
            options.append("--no-cache")
        if self.platform:
            options += ["--platform", self.platform]
        return options

    def command(self) -> list[str] | None:
        """The docker CLI argv (None for the SDK engine)."""
        if not self.engine.buildkit:
            return None
        return engines.cli_command(
            self.engine,
            dockerfile=str(self.dockerfile_path),
            context=self.context,
            tag=self.tag,
            options=self.options(),
        )

    def shell_command(self) -> str:
        """The command as one shell line (environment included), for --dry-run and the log header."""
        argv = self.command()
        if argv is None:
            return (
                f"docker SDK: client.api.build(path={str(self.context)!r}, "
                f"dockerfile={str(self.dockerfile_path)!r}, tag={self.tag!r}, buildargs={self.build_args!r}, "
                f"labels={self.labels!r}, nocache={self.no_cache}, platform={self.platform!r}, "
                "rm=True, forcerm=True)"
            )
        env = " ".join(f"{key}={shlex.quote(value)}" for key, value in self.engine.env.items())
        return (env + " " if env else "") + shlex.join(argv)

    def summary(self) -> dict[str, object]:
        return {
            "recipe": self.recipe.name,
            "recipe_hash": self.recipe.hash,
            "tag": self.tag,
            "engine": self.engine.kind,
            "log": str(self.log_path),
            "lock": str(self.lock_path) if self.lock_path else None,
            "locked_from": str(self.locked_from) if self.locked_from else None,
        }


def make_plan(
    recipe_name: str,
    *,
    tag: str | None = None,
    base: str | None = None,
    build_args: list[str] | None = None,
    labels: list[str] | None = None,
    platform: str | None = None,
    no_cache: bool = False,
    lock_file: Path | None = None,
    locked: bool = False,
    lock_dir: Path | None = None,
    engine: Engine | None = None,
    dockerfile: Path | None = None,
) -> BuildPlan:
    """Validate the recipe and the options, render the Dockerfile, pick the engine and the tag."""
    recipe = load_recipe(recipe_name)
    if tag is not None and (len(tag) > 255 or not _TAG.fullmatch(tag)):  # docker's limit for a name
        raise UsageError(
            f"--tag {quoted(tag)} is not a valid image name", fix="use lowercase like envkit/mine:1"
        )
    if platform is not None and not _PLATFORM.fullmatch(platform):
        raise UsageError(f"--platform {quoted(platform)} is not OS/ARCH", fix="write it like linux/arm64")
    args = _pairs(build_args or [], _BUILD_ARG, "--build-arg", "--build-arg MAX_JOBS=8")
    extra_labels = _pairs(labels or [], _LABEL, "--label", "--label org.example.team=vision")
    lock_target = lock.default_path(recipe, lock_dir)
    if locked and lock_file is None:
        lock_file = lock_target
        if not _lock_exists(lock_file):
            raise UsageError(
                f"--locked: no lock at {lock_file}", fix="build once without --locked to write it"
            )
    document = lock.read_lock(lock_file, recipe) if lock_file is not None else None
    to_render = lock.locked_recipe(recipe, document) if document else recipe
    if base:
        to_render = rebase_recipe(to_render, base)
    text = _read_dockerfile(dockerfile) if dockerfile is not None else render(to_render)
    variant = {}
    if base:
        variant["base"] = base
    if document:
        variant["lock"] = document["pip"]["pins"]
    if dockerfile is not None:
        variant["dockerfile"] = text
    if platform and platform != recipe.platform:
        variant["platform"] = platform
    plan = BuildPlan(
        recipe=recipe,
        dockerfile=text,
        tag=tag or default_tag(recipe, json.dumps(variant, sort_keys=True) if variant else ""),
        context=build_context(),
        engine=engine or engines.detect(),
        build_args=args,
        labels=extra_labels,
        platform=platform,
        no_cache=no_cache,
        lock_path=lock_target,
        locked_from=lock_file,
        lock=document,
        base_override=base,
        lock_skipped=lock.usable_pins(recipe, document)[1] if document else [],
    )
    if variant:
        digest = hashlib.sha256(json.dumps(variant, sort_keys=True).encode()).hexdigest()[:8]
        plan.labels.setdefault("org.envkit.variant", digest)
    if base:
        plan.labels.setdefault("org.envkit.base-override", base)
    return plan
