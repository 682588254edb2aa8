"""What the hostile recipe tests share: a recipe with every field set, splicing a value into one field,
the control-character classes, and envkit's CLI run in-process (fast) or in a real process (exact bytes).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
import typer

from envkit import cli
from envkit._toml import tomllib
from envkit.errors import FIX_SEPARATOR, EnvkitError
from envkit.recipes.fields import field_paths
from envkit.resources import data_dir

FIELDS = field_paths()  # every field the schema knows: a new field is covered without editing the tests
NAME = "hostile.toml"

# One character per class that can end, continue or hide a line somewhere: C0 controls (NUL, the line
# breaks Python's splitlines honours, ESC), DEL, C1 controls (NEL is a line break to Python), the Unicode
# line and paragraph separators, format characters (a bidi override, zero-width space, BOM), and CRLF.
CONTROLS: dict[str, str] = {
    "nul": "\x00",
    "soh": "\x01",
    "bel": "\x07",
    "backspace": "\x08",
    "tab": "\t",
    "lf": "\n",
    "vt": "\x0b",
    "ff": "\x0c",
    "cr": "\r",
    "crlf": "\r\n",
    "esc": "\x1b",
    "fs": "\x1c",
    "us": "\x1f",
    "del": "\x7f",
    "c1-pad": "\x80",
    "nel": "\x85",
    "csi": "\x9b",
    "apc": "\x9f",
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
    "rlo": "\u202e",
    "zero-width-space": "\u200b",
    "bom": "\ufeff",
}


def full_recipe() -> dict[str, Any]:
    """The rtx5090 recipe plus the optional fields it leaves out: every field of the schema is set."""
    data = tomllib.loads((data_dir("recipes") / "rtx5090.toml").read_text(encoding="utf-8"))
    data["base"]["pip_constraint"] = "/etc/pip/constraint.txt"
    realsense = data["realsense"]
    realsense["source_url"] = (
        "https://github.com/IntelRealSense/librealsense/archive/refs/tags/v2.59.1.tar.gz"
    )
    realsense["source_sha256"] = "ab" * 32
    data["torch"]["from_base"] = False
    data["env"] = {"HF_HOME": "/data/hf"}
    return data


FULL = full_recipe()


def _walk(data: dict[str, Any], field: str) -> tuple[dict[str, Any], str, str]:
    """(table holding the field, its key, the path envkit names it by) for a path like models.*.url."""
    table, shown = data, []
    parts = field.split(".")
    for part in parts[:-1]:
        key = next(iter(table)) if part == "*" else part
        table, shown = table[key], [*shown, key]
    key = next(iter(table)) if parts[-1] == "*" else parts[-1]
    return table, key, ".".join([*shown, key])


def valid_value(field: str) -> object:
    """The full recipe's value of `field` (a list field: its first item)."""
    table, key, _ = _walk(FULL, field)
    value = table[key]
    return value[0] if isinstance(value, list) else value


def splice(field: str, value: str) -> tuple[dict[str, Any], str]:
    """The full recipe with `value` in `field` (a list field: as its first item), and the field's path."""
    data = copy.deepcopy(FULL)
    table, key, shown = _walk(data, field)
    if isinstance(table[key], list):
        table[key][0] = value
        return data, f"{shown}[0]"
    table[key] = value
    return data, shown


_SENTINEL = "envkit-hostile-value"


@functools.cache
def _spliced_template(field: str) -> str:
    return tomli_w.dumps(splice(field, _SENTINEL)[0])


def spliced_text(field: str, value: str) -> str:
    """The TOML text of splice(field, value)[0], without serialising the whole recipe again (the fuzzer)."""
    return _spliced_template(field).replace(f'"{_SENTINEL}"', tomli_w.dumps({"v": value})[4:-1], 1)


def splice_key(table_path: str, suffix: str) -> tuple[dict[str, Any], str]:
    """The full recipe with `suffix` appended to the first key of a table of user-named keys (env, models)."""
    data = copy.deepcopy(FULL)
    table = data[table_path]
    old = next(iter(table))
    table[old + suffix] = table.pop(old)
    return data, old


def write(folder: Path, data: dict[str, Any] | str, name: str = NAME) -> Path:
    """The recipe (a dict, or TOML text) written as `folder/name`."""
    path = folder / name
    path.write_text(data if isinstance(data, str) else tomli_w.dumps(data), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def error_lines(self) -> list[str]:
        return self.err.splitlines()


# typer rebuilds the click command on every app() call (~30 ms of annotation evaluation); the hostile
# suite runs the CLI thousands of times, so it builds it once and handles errors as cli.main does.
_COMMAND = typer.main.get_command(cli.app)


def envkit(*args: str) -> Run:
    """`envkit ARGS` in this process: envkit's click command, errors printed by cli.print_error."""
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            _COMMAND.main(list(args), prog_name="envkit")
        except EnvkitError as error:
            cli.print_error(error)
            code = error.exit_code
        except SystemExit as exited:
            code = exited.code
    return Run(code if isinstance(code, int) else 1, out.getvalue(), err.getvalue())


def envkit_process(*args: str, env: dict[str, str] | None = None) -> Run:
    """`python -m envkit ARGS` in a real process; stderr decoded as bytes arrive (no newline translation)."""
    done = subprocess.run(
        [sys.executable, "-m", "envkit", *args],
        capture_output=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    return Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def assert_one_line_error(run: Run, *needles: str) -> str:
    """Exit 2, nothing on stdout, exactly one `envkit: error:` line holding each needle and one fix."""
    assert run.code == 2, (run.code, run.err)
    assert run.out == ""
    assert "Traceback" not in run.err
    assert run.err.endswith("\n") and run.err.count("\n") == 1, repr(run.err)
    line = run.err[:-1]
    assert line.startswith("envkit: error: "), line
    assert line.count(FIX_SEPARATOR) == 1, line
    assert line.split(FIX_SEPARATOR)[1].strip(), line
    assert line.isprintable(), repr(line)
    for needle in needles:
        assert needle in line, (needle, line)
    return line
