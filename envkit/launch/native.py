"""`envkit run TARGET --native`: the target in this environment (inside the image, or a machine that has the
stack). live-pose is a thin delegation to posemamba.live (owned by the live-pose part):
`config = posemamba.live.cli_options(argv)`, then `posemamba.live.run(config)` returns the exit code."""

from __future__ import annotations

import importlib
import os
import shutil

from envkit.errors import FailedError


def live_pose(argv: list[str]) -> int:
    try:
        live = importlib.import_module("posemamba.live")
    except ImportError as error:
        raise FailedError(
            f"posemamba.live is not importable: {error}",
            fix="install envkit with the live-pose extras in this environment, or run without --native "
            "(in the image)",
        ) from None
    missing = [name for name in ("cli_options", "run") if not hasattr(live, name)]
    if missing:
        raise FailedError(
            f"posemamba.live has no {' or '.join(missing)} (this install predates `envkit run --native`)",
            fix="update envkit",
        )
    code = live.run(live.cli_options(list(argv)))
    return int(code or 0)


def shell(argv: list[str]) -> int:
    program = os.environ.get("SHELL") or shutil.which("bash") or "/bin/sh"
    os.execvp(program, [program, *argv])
    return 0  # not reached


NATIVE = {"live-pose": live_pose, "shell": shell}
