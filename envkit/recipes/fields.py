"""The recipe's tables and fields, and the reader that takes typed values from them.

`Reader` collects a Problem per bad field instead of raising, so one load reports every problem; every
string passes `values.check_raw` (no control characters, sane length) before its own check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from envkit.errors import quoted
from envkit.problems import Problem
from envkit.recipes import values

Check = Callable[[str], "str | None"]
_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]{1,64}")  # a TOML bare key; any other key is shown quoted
RAW_FIX = "remove it: a recipe value is one line of printable text"
FREE_TABLES = ("env",)  # tables whose keys are the user's own names (environment variables)

# Allowed keys per table; anything else is reported as an unknown field (catches typos).
KEYS: dict[str, tuple[str, ...]] = {
    "": (
        "name",
        "description",
        "platform",
        "gpus",
        "shm_size",
        "display",
        "base",
        "cuda",
        "python",
        "torch",
        "openmmlab",
        "pip",
        "kernels",
        "realsense",
        "apt",
        "env",
        "models",
    ),
    "base": ("family", "devel", "runtime", "pip_constraint"),
    "cuda": ("version", "arch_list"),
    "python": ("version",),
    "torch": ("version", "cuda", "torchvision", "torchaudio", "index_url", "from_base"),
    "openmmlab": (
        "mmcv",
        "mmdet",
        "mmengine",
        "mmengine_git",
        "mmpose",
        "xtcocotools",
        "xtcocotools_build",
        "chumpy",
    ),
    "openmmlab.mmengine_git": ("url", "ref"),
    "pip": ("constraints", "build_tools", "packages"),
    "kernels": ("selective_scan",),
    "realsense": ("version", "build", "source_url", "source_sha256"),
    "apt": ("devel", "runtime"),
    "models.*": ("role", "config", "url", "sha256"),  # one [models.<name>] table per checkpoint
}


class Reader:
    """Reads typed fields from one table, collecting problems instead of raising."""

    def __init__(self, problems: list[Problem], table: dict[str, Any], prefix: str) -> None:
        self.problems = problems
        self.table = table
        self.prefix = prefix
        known = KEYS.get(prefix, KEYS.get(f"{prefix.rpartition('.')[0]}.*"))
        if known is not None:
            for key in table:
                if key not in known:
                    self.problem(key, "unknown field", f"remove it (known fields: {', '.join(known)})")

    def path(self, key: str) -> str:
        """The dotted field path; a key that is not a bare TOML key is shown quoted and escaped."""
        shown = key if _BARE_KEY.fullmatch(key) else quoted(key, limit=40)
        return f"{self.prefix}.{shown}" if self.prefix else shown

    def problem(self, key: str, reason: str, fix: str) -> None:
        self.problems.append(Problem(self.path(key), reason, fix))

    def _missing(self, key: str, required: bool, example: str) -> None:
        if required:
            self.problem(key, "missing required field", f"add {key} = {example}")

    def _missing_table(self, key: str, required: bool) -> None:
        if required:
            self.problem(key, "missing required table", f"add a [{self.path(key)}] table")

    def text(
        self,
        key: str,
        check: Check | None = None,
        *,
        required: bool = True,
        example: str = '"..."',
        fix: str | None = None,
    ) -> str | None:
        value = self.table.get(key)
        if value is None:
            self._missing(key, required, example)
            return None
        if not isinstance(value, str):
            self.problem(
                key, f"expected a string, got {type(value).__name__}", f"write it as {key} = {example}"
            )
            return None
        raw = values.check_raw(value)
        if raw:
            self.problem(key, raw, RAW_FIX)
            return None
        reason = check(value) if check else None
        if reason:
            self.problem(key, reason, fix or f"write it like {key} = {example}")
            return None
        return value

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = True) -> str | None:
        example = f'"{choices[0]}"'
        value = self.text(key, required=required, example=example)
        if value is not None and value not in choices:
            self.problem(
                key, f"{quoted(value)} is not one of {', '.join(choices)}", f"use one of {', '.join(choices)}"
            )
            return None
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            got = quoted(value) if isinstance(value, str) else type(value).__name__
            self.problem(key, f"expected true or false, got {got}", f"write {key} = true or {key} = false")
            return default
        return value

    def texts(
        self,
        key: str,
        check: Check | None = None,
        *,
        required: bool = False,
        example: str = '["..."]',
        fix: str | None = None,
    ) -> tuple[str, ...]:
        value = self.table.get(key)
        if value is None:
            self._missing(key, required, example)
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(key, "expected a list of strings", f"write it as {key} = {example}")
            return ()
        good = []
        for index, item in enumerate(value):
            raw = values.check_raw(item)
            reason = raw or (check(item) if check else None)
            if reason:
                fix_text = RAW_FIX if raw else fix
                self.problems.append(
                    Problem(f"{self.path(key)}[{index}]", reason, fix_text or f"write it like {example}")
                )
            else:
                good.append(item)
        return tuple(good)

    def table_at(self, key: str, *, required: bool = False) -> Reader | None:
        value = self.table.get(key)
        if value is None:
            self._missing_table(key, required)
            return None
        if not isinstance(value, dict):
            self.problem(key, "expected a table", f"write it as a [{self.path(key)}] table")
            return None
        return Reader(self.problems, value, self.path(key))


def field_paths() -> list[str]:
    """Every field a recipe can set, as dotted paths: `base.devel`, `models.*.url`, `env.*`."""
    paths: list[str] = []

    def walk(table: str) -> None:
        for key in KEYS[table]:
            path = f"{table}.{key}" if table else key
            if path in KEYS:
                walk(path)
            elif f"{path}.*" in KEYS:
                walk(f"{path}.*")
            else:
                paths.append(f"{path}.*" if path in FREE_TABLES else path)

    walk("")
    return paths
