"""Find the checks in checks/ and read their CHECK headers without importing them."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from envkit.errors import UsageError
from envkit.resources import data_dir

SCOPES = ("host", "env")
DEFAULT_TIMEOUT = 60.0  # seconds; a hung CUDA init must not hang the doctor


@dataclass(frozen=True)
class CheckSpec:
    """A check's header: what checks/<id>.py declares in its CHECK dict."""

    id: str
    title: str
    scope: str
    depends: tuple[str, ...] = field(default_factory=tuple)
    timeout: float = DEFAULT_TIMEOUT


def checks_dir() -> Path:
    return data_dir("checks")


def _header(path: Path) -> dict:
    """The literal CHECK = {...} of a check file (read with ast: nothing in the file runs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CHECK" for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"{path} has no CHECK = {{...}} header")


def discover(folder: Path | None = None) -> list[CheckSpec]:
    """Every check in the folder (files not starting with '_'), host scope first, then by file name."""
    specs = []
    for path in sorted((folder or checks_dir()).glob("*.py")):
        if path.name.startswith("_"):
            continue
        header = _header(path)
        if header.get("id") != path.stem or header.get("scope") not in SCOPES:
            raise ValueError(f"{path}: CHECK id must be {path.stem!r} and scope one of {SCOPES}")
        specs.append(
            CheckSpec(
                id=header["id"],
                title=header["title"],
                scope=header["scope"],
                depends=tuple(header.get("depends", ())),
                timeout=float(header.get("timeout", DEFAULT_TIMEOUT)),
            )
        )
    return sorted(specs, key=lambda spec: SCOPES.index(spec.scope))


def select(
    specs: list[CheckSpec], *, only: list[str] | None = None, skip: list[str] | None = None
) -> tuple[list[CheckSpec], set[str]]:
    """The checks to run (with --only, plus what they depend on) and the ids skipped by --skip."""
    by_id = {spec.id: spec for spec in specs}
    unknown = sorted((set(only or []) | set(skip or [])) - set(by_id))
    if unknown:
        raise UsageError(
            f"unknown check id(s): {', '.join(unknown)}",
            fix="`envkit doctor --list` shows the ids",
        )
    wanted = set(by_id) if not only else set()
    stack = list(only or [])
    while stack:
        check_id = stack.pop()
        if check_id not in wanted:
            wanted.add(check_id)
            stack.extend(by_id[check_id].depends)
    skipped = set(skip or [])
    return [spec for spec in specs if spec.id in wanted], skipped
