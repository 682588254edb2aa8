"""envkit installed from its wheel, run from an unrelated folder: what a user gets from `pip install envkit`.

The data folders travel inside the wheel (pyproject force-include -> envkit/_data) and envkit.resources finds
them there; `envkit build` sends a source tree rebuilt from the installed files (envkit.builder.context), the
same files a checkout sends, and builds from it for real when a Docker engine answers; `envkit render --all
--write` never writes into the installed package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from posemamba import demo_model
from tests.conftest import DOCKER_BASE, FIXTURES, ROOT, skip_unless_docker_engine

pytestmark = pytest.mark.slow
TEST_LABEL = "org.envkit.test=1"


def _run(*args: str | Path, cwd: Path, env: dict | None = None, code: int = 0, timeout: float = 600):
    base = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        check=False,
        timeout=timeout,
    )
    assert done.returncode == code, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


class WheelInstall:
    """A venv with envkit installed from a wheel built from this checkout, and a folder outside both."""

    def __init__(self, folder: Path) -> None:
        self.venv = folder / "venv"
        self.elsewhere = folder / "elsewhere"
        self.cache = folder / "cache"  # ENVKIT_CACHE_DIR: the assembled build context lands here
        self.python = self.venv / "bin" / "python"

    def envkit(self, *args: str | Path, code: int = 0, timeout: float = 600, **env: str):
        env = {"ENVKIT_CACHE_DIR": str(self.cache), **env}
        command = self.venv / "bin" / "envkit"
        return _run(command, *args, cwd=self.elsewhere, code=code, timeout=timeout, env=env)

    def site(self) -> Path:
        probe = "import envkit, pathlib; print(pathlib.Path(envkit.__file__).parent)"
        return Path(_run(self.python, "-c", probe, cwd=self.elsewhere).stdout.strip())


@pytest.fixture(scope="module")
def wheel_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WheelInstall]:
    folder = tmp_path_factory.mktemp("wheel-install")
    wheels = folder / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", wheels, ROOT, cwd=folder)
    (wheel,) = wheels.glob("envkit-*.whl")
    install = WheelInstall(folder)
    _run(sys.executable, "-m", "venv", install.venv, cwd=folder)
    _run(install.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel, cwd=folder)
    install.elsewhere.mkdir()
    yield install


def test_wheel_install_finds_every_data_folder(wheel_install: WheelInstall) -> None:
    probe = (
        "import envkit, json; from envkit.resources import data_dir, project_root; "
        "print(json.dumps({'package': envkit.__file__, 'root': str(project_root()), "
        "**{name: str(data_dir(name)) for name in ('recipes', 'dockerfiles', 'checks', 'kernels')}}))"
    )
    found = json.loads(_run(wheel_install.python, "-c", probe, cwd=wheel_install.elsewhere).stdout)
    site = Path(found["package"]).parent
    assert str(ROOT) not in found["package"]
    assert found["root"] == "None"
    for name in ("recipes", "dockerfiles", "checks", "kernels"):
        assert Path(found[name]) == site / "_data" / name
    shipped = sorted(path.name for path in (site / "_data" / "recipes").glob("*.toml"))
    assert shipped == sorted(path.name for path in (ROOT / "recipes").glob("*.toml"))
    assert (site / "_data" / "dockerfiles" / "templates" / "Dockerfile.j2").is_file()
    assert (site / "compat" / "data" / "torch.toml").is_file()
    # The released training configs travel inside the posemamba package (`--config S`).
    assert (site.parent / "posemamba" / "configs" / "PoseMamba_train_h36m_S.yaml").is_file()
    # So do the demo lifter's weights (posemamba.load("demo"), the default of live-pose and lift).
    weights = Path("posemamba") / "weights" / demo_model.WEIGHTS.name
    assert (site.parent / weights).read_bytes() == (ROOT / weights).read_bytes()

    listed = wheel_install.envkit("recipes").stdout
    assert "rtx5090" in listed and "dgx-spark" in listed
    rendered = wheel_install.envkit("render", "rtx5090").stdout
    assert rendered == (ROOT / "dockerfiles" / "rtx5090.Dockerfile").read_text(encoding="utf-8")


def _checkout_context() -> set[str]:
    """The source files a checkout sends as its build context: what git keeps (committed or not ignored),
    filtered by .dockerignore (which docker itself always sends along; nothing COPYs it)."""
    from docker.utils import exclude_paths

    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    argv = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    listed = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    kept = set(listed.stdout.split())
    return {path for path in exclude_paths(str(ROOT), patterns) if path in kept} - {".dockerignore"}


def test_build_dry_run_from_a_wheel_sends_the_same_source_tree_as_a_checkout(
    wheel_install: WheelInstall,
) -> None:
    if subprocess.run(["git", "-C", str(ROOT), "status"], capture_output=True).returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout: the checkout's file list comes from git ls-files")
    out = wheel_install.envkit("build", "rtx5090", "--dry-run", ENVKIT_BUILDER="buildkit").stdout
    command = next(line for line in out.splitlines() if not line.startswith("#"))
    context = Path(command.split()[-1])
    assert context.parent == wheel_install.cache / "build-context", command
    sent = {str(path.relative_to(context)) for path in context.rglob("*") if path.is_file()}
    assert sent == _checkout_context()
    assert f"# lock: {wheel_install.cache / 'locks' / 'rtx5090.lock.json'}" in out
    again = wheel_install.envkit("build", "cpu", "--dry-run", ENVKIT_BUILDER="buildkit").stdout
    assert str(context) in again and len(list(context.parent.iterdir())) == 1, "one install, one context"


def test_render_all_never_writes_into_the_installed_package(wheel_install: WheelInstall) -> None:
    site = wheel_install.site()
    before = {path: path.stat().st_mtime_ns for path in (site / "_data" / "dockerfiles").glob("*.Dockerfile")}
    refused = wheel_install.envkit("render", "--all", "--write", code=2)
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("envkit: error: --all --write regenerates a checkout's committed Dockerfiles")
    assert line.endswith(" — fix: write them elsewhere with `envkit render --all -o DIR`")
    wheel_install.envkit("render", "--all", "-o", "dockerfiles")
    written = wheel_install.elsewhere / "dockerfiles"
    assert sorted(path.name for path in written.iterdir()) == sorted(path.name for path in before)
    assert (written / "cpu.Dockerfile").read_text() == (ROOT / "dockerfiles" / "cpu.Dockerfile").read_text()
    assert {path: path.stat().st_mtime_ns for path in before} == before


@pytest.mark.docker
def test_a_wheel_install_builds_an_image_for_real(wheel_install: WheelInstall, tmp_path: Path) -> None:
    """The CI recipe FROM the registry-free Debian base, built by the wheel install from an unrelated folder;
    envkit inside the image was installed from the assembled source tree and runs."""
    skip_unless_docker_engine()
    recipe = tmp_path / "ci-minimal.toml"
    recipe.write_text((FIXTURES / "recipes" / "ci-minimal.toml").read_text())
    tag = f"envkit-test/wheel-build:{os.getpid()}"
    try:
        options = ["--base", DOCKER_BASE, "--tag", tag, "--label", TEST_LABEL, "--json"]
        logs = str(tmp_path / "logs")
        done = wheel_install.envkit("build", recipe, *options, timeout=1200, ENVKIT_LOG_DIR=logs)
        summary = json.loads(done.stdout)
        assert summary["ok"] and summary["tag"] == tag
        assert summary["lock_written"] == str(tmp_path / "ci-minimal.lock.json")
        argv = ["docker", "run", "--rm", tag, "envkit", "recipes"]
        inside = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        assert inside.returncode == 0 and "rtx5090" in inside.stdout, inside.stderr
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=300)
