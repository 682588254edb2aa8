"""What `envkit build` decides before it runs: tags, options, the context, --dry-run."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envkit.builder import engines
from envkit.builder.plan import default_tag, make_plan
from envkit.cli import app
from envkit.errors import UsageError
from envkit.recipes import load_recipe
from envkit.resources import data_dir
from tests.conftest import FIXTURES, ROOT

CI_MINIMAL = str(FIXTURES / "recipes" / "ci-minimal.toml")
BUILDKIT = engines.Engine("buildkit", "/usr/bin/docker", {"DOCKER_BUILDKIT": "1"})
runner = CliRunner()


def test_the_same_recipe_always_gets_the_same_tag() -> None:
    first = make_plan("rtx5090", engine=BUILDKIT)
    again = make_plan("rtx5090", engine=BUILDKIT)
    assert first.tag == again.tag == f"envkit/rtx5090:{load_recipe('rtx5090').hash}"


def test_a_base_or_a_platform_gives_another_tag_and_labels_say_why() -> None:
    plain = make_plan(CI_MINIMAL, engine=BUILDKIT)
    swapped = make_plan(CI_MINIMAL, base="local/debian:bookworm", engine=BUILDKIT)
    assert plain.tag != swapped.tag and swapped.tag.startswith(plain.tag + "-")
    assert swapped.labels["org.envkit.base-override"] == "local/debian:bookworm"
    assert "FROM local/debian:bookworm AS runtime" in swapped.dockerfile
    assert make_plan(CI_MINIMAL, platform="linux/arm64", engine=BUILDKIT).tag not in (plain.tag, swapped.tag)


def test_the_rules_still_judge_a_swapped_base() -> None:
    with pytest.raises(UsageError, match=r"provides Python 3\.10, not 3\.11"):
        make_plan(CI_MINIMAL, base="ubuntu:22.04", engine=BUILDKIT)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"build_args": ["MAX_JOBS"]}, "--build-arg 'MAX_JOBS' is not KEY=VALUE"),
        ({"build_args": ["1X=2"]}, "is not KEY=VALUE"),
        ({"labels": ["Bad Label=1"]}, "--label 'Bad Label=1' is not KEY=VALUE"),
        ({"tag": "Envkit/UPPER:1"}, "is not a valid image name"),
        ({"locked": True}, "--locked: no lock at"),
    ],
)
def test_bad_options_are_usage_errors(options: dict, message: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        make_plan(CI_MINIMAL, engine=BUILDKIT, lock_dir=tmp_path, **options)


def test_cli_command_carries_every_option() -> None:
    plan = make_plan(
        "rtx5090", build_args=["MAX_JOBS=8"], platform="linux/amd64", no_cache=True, engine=BUILDKIT
    )
    argv = plan.command()
    assert argv[:4] == ["/usr/bin/docker", "build", "--progress=plain", "-f"]
    joined = " ".join(argv)
    for part in ("--build-arg MAX_JOBS=8", "--no-cache", "--platform linux/amd64", f"-t {plan.tag}"):
        assert part in joined
    assert argv[-1] == str(ROOT)
    assert plan.shell_command().startswith("DOCKER_BUILDKIT=1 /usr/bin/docker build")
    buildx = make_plan("rtx5090", engine=engines.Engine("buildx", "docker")).command()
    assert buildx[:4] == ["docker", "buildx", "build", "--load"]


def test_dry_run_prints_the_command_and_builds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_BUILDER", "sdk")
    result = runner.invoke(app, ["build", "cpu", "--dry-run", "--build-arg", "MAX_JOBS=8"])
    assert result.exit_code == 0, result.output
    assert "docker SDK: client.api.build(" in result.output and "'MAX_JOBS': '8'" in result.output
    assert "Dockerfile (not written in a dry run" in result.output
    path = re.search(r"prints it\): (/\S+\.Dockerfile)", result.output)
    assert path and not Path(path.group(1)).exists()


def test_the_sdk_builder_drops_cache_mounts_and_refuses_bind_mounts() -> None:
    legacy = engines.for_legacy_builder(make_plan(CI_MINIMAL, engine=BUILDKIT).dockerfile)
    assert (
        "--mount" not in legacy and "RUN pip install -c /opt/envkit/constraints.txt /opt/envkit/src" in legacy
    )
    with pytest.raises(UsageError, match="needs BuildKit"):
        engines.for_legacy_builder(make_plan("rtx5090", engine=BUILDKIT).dockerfile)


def test_unknown_builder_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_BUILDER", "kaniko")
    with pytest.raises(UsageError, match="ENVKIT_BUILDER='kaniko' is not a builder"):
        engines.detect()


def test_the_context_sends_what_the_dockerfiles_copy_and_nothing_else(tmp_path: Path) -> None:
    from docker.utils import exclude_paths

    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sent = set(exclude_paths(str(ROOT), patterns))
    copied = set()
    for dockerfile in data_dir("dockerfiles").glob("*.Dockerfile"):
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY ") and "--from" not in line:
                copied.update(line.split()[1:-1])
    assert copied, "no COPY in the committed Dockerfiles"
    for source in copied:
        assert source in sent, f"{source} is COPYed but left out of the context"
    assert not {path for path in sent if path.split("/")[0] in (".venv", ".git", "tests", "bench", "out")}
    assert not any(path.startswith("recipes/locks") for path in sent)
    assert not any("__pycache__" in path for path in sent)


def test_default_tag_is_lowercase_recipe_and_hash() -> None:
    recipe = load_recipe("dgx-spark")
    assert default_tag(recipe) == f"envkit/dgx-spark:{recipe.hash}"
    variant = hashlib.sha256(b"base=x").hexdigest()[:8]
    assert default_tag(recipe, "base=x") == f"envkit/dgx-spark:{recipe.hash}-{variant}"


def test_no_engine_is_one_line_with_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    result = runner.invoke(app, ["build", CI_MINIMAL])
    assert result.exit_code == 1 or getattr(result.exception, "exit_code", None) == 1
    assert str(result.exception).startswith("no Docker engine answers:")
    assert "systemctl start docker" in result.exception.fix


def test_the_engine_is_the_first_buildkit_capable_cli_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVKIT_BUILDER", raising=False)
    clis = engines.docker_clis()
    if not clis:
        pytest.skip("no docker CLI on PATH (.ci/setup.d/10-apt.sh installs docker.io)")
    engine = engines.detect()
    with_buildx = [cli for cli in clis if engines._buildx(cli)]
    builtin = [cli for cli in clis if (engines.client_major(cli) or 99) < 23]
    if with_buildx:
        assert (engine.kind, engine.docker) == ("buildx", with_buildx[0])
    elif builtin:
        # This machine: /usr/local/bin/docker 28.x (no buildx) first on PATH, Debian's 20.10 behind it.
        assert (engine.kind, engine.docker, engine.env) == ("buildkit", builtin[0], {"DOCKER_BUILDKIT": "1"})
    else:
        assert engine.kind == "sdk" and "no docker CLI with BuildKit" in engine.why
