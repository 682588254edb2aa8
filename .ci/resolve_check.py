#!/usr/bin/env python3
"""Fail when pip's resolver backtracks: more than one version of a package fetched for one install.

Backtracking is how `pip install ".[dev]"` once downloaded about 8 GB (49 rerun-sdk releases, 12 of jax,
7 of opencv-contrib-python: each newer release needed numpy 2, which mediapipe 0.10.21 cannot have; issue
#13). pip downloads a whole wheel to read its dependencies when the index offers no separate metadata, so
every candidate it tries costs its full size.

    resolve_check.py --log FILE              check the log of an install that ran (pip without -q)
    resolve_check.py [-c FILE] SPEC [SPEC..] resolve each SPEC alone (pip install --dry-run
                                             --ignore-installed, as into an empty venv) and check it
    resolve_check.py [-c FILE] --each-extra  the same for ".[EXTRA]", every extra in pyproject.toml
                                             but dev (which the install itself covers)

Prints one line per resolve (packages, MB fetched, seconds) and, for a backtracking one, each package with
the versions pip fetched. Exit 0 when every resolve took one version of each package, 1 otherwise, 2 when
pip itself failed. Runs with envkit installed (it reads pyproject.toml with envkit's tomllib).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from envkit._toml import tomllib

# What pip prints for each candidate it fetches: a download, a cache hit, or a local file (find-links).
_FETCHED = re.compile(
    r"^\s*(?:Downloading|Using cached|Processing|File was already downloaded)\s+(?P<file>\S+)"
    r"(?:\s+\((?P<size>[\d.]+)\s*(?P<unit>[kMG]?B)\))?"
)
_UNITS = {"B": 1e-6, "kB": 1e-3, "MB": 1.0, "GB": 1e3}
_BACKTRACKING = re.compile(r"pip is (?:still )?looking at multiple versions of (\S+)")


def _name_version(file: str) -> tuple[str, str] | None:
    name = file.rsplit("/", 1)[-1]
    try:
        if name.endswith(".whl"):
            parsed = parse_wheel_filename(name)
            return str(parsed[0]), str(parsed[1])
        if name.endswith((".tar.gz", ".zip")):
            parsed = parse_sdist_filename(name)
            return str(parsed[0]), str(parsed[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None  # a local project folder (`Processing /path/to/envkit`)


def fetched(log: str) -> tuple[dict[str, list[str]], float, set[str]]:
    """({package: versions fetched, in order}, MB downloaded, packages pip said it backtracked on)."""
    versions: dict[str, list[str]] = defaultdict(list)
    megabytes = 0.0
    for line in log.splitlines():
        match = _FETCHED.match(line)
        if not match:
            continue
        found = _name_version(match["file"])
        if found and found[1] not in versions[found[0]]:
            versions[found[0]].append(found[1])
        if match["size"] and line.lstrip().startswith("Downloading"):
            megabytes += float(match["size"]) * _UNITS[match["unit"]]
    backtracked = {name.lower() for name in _BACKTRACKING.findall(log)}
    return dict(versions), megabytes, backtracked


def verdict(what: str, log: str, seconds: float | None = None) -> bool:
    """Print the one-line verdict (and the culprits); True when nothing backtracked."""
    versions, megabytes, backtracked = fetched(log)
    several = {name: found for name, found in versions.items() if len(found) > 1}
    took = f", {seconds:.0f} s" if seconds is not None else ""
    print(f"resolve-check: {what}: {len(versions)} packages, {megabytes:.0f} MB downloaded{took}")
    for name, found in sorted(several.items()):
        print(f"resolve-check:   {name}: {len(found)} versions fetched ({', '.join(found)})")
    for name in sorted(backtracked - set(several)):
        print(f"resolve-check:   pip backtracked on {name}")
    if several or backtracked:
        print(f"resolve-check: {what}: FAILED — bound or pin the packages above (pyproject extras)")
        return False
    return True


def dry_run(spec: str, constraint: str | None) -> tuple[str, float]:
    """pip's output for resolving `spec` as into an empty environment, and the seconds it took."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--no-cache-dir",
        ]
        command += ["--report", str(Path(folder) / "report.json"), "--progress-bar", "off"]
        if constraint:
            command += ["-c", constraint]
        started = time.monotonic()
        done = subprocess.run([*command, spec], capture_output=True, text=True)
        seconds = time.monotonic() - started
    if done.returncode != 0:
        print(done.stdout[-3000:] + done.stderr[-3000:], file=sys.stderr)
        print(f"resolve-check: {spec}: pip failed (exit {done.returncode})", file=sys.stderr)
        sys.exit(2)
    return done.stdout + done.stderr, seconds


def extras(pyproject: Path) -> list[str]:
    """Every optional-dependency group of the project but dev, as ".[name]" specs."""
    groups = tomllib.loads(pyproject.read_text())["project"].get("optional-dependencies", {})
    return [f".[{name}]" for name in groups if name != "dev"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--log", type=Path, help="check the output of an install that ran")
    parser.add_argument("-c", "--constraint", help="pip constraints file for the dry runs")
    parser.add_argument("--each-extra", action="store_true", help="every extra of ./pyproject.toml but dev")
    parser.add_argument("specs", nargs="*", help='requirement specs, e.g. ".[mediapipe]"')
    args = parser.parse_args()
    if args.each_extra:
        args.specs += extras(Path("pyproject.toml"))
    if not args.log and not args.specs:
        parser.error("give --log FILE, --each-extra or at least one SPEC")
    ok = True
    if args.log:
        ok = verdict(str(args.log), args.log.read_text(errors="replace")) and ok
    for spec in args.specs:
        log, seconds = dry_run(spec, args.constraint)
        what = f"{spec}" + (f" -c {args.constraint}" if args.constraint else "")
        ok = verdict(what, log, seconds) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
