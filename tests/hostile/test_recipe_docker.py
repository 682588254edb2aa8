"""The red team's injection against the real engine (issue #18, item 1): a checkpoint URL carrying
`\\nFROM\\t<image>\\nRUN\\t<cmd>` runs <cmd> when it reaches a Dockerfile, and can no longer reach one.

The control builds, through `envkit build --dockerfile`, the text the templates give for that URL (what
envkit rendered before the checks); BuildKit skips the template's own stage, which the injected final
stage does not need, and runs the injected RUN. The same URL in a recipe stops `envkit build` with one
line: no log, no image.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.builder import engines
from envkit.recipes import RecipeError, load_recipe
from envkit.recipes.model import ModelPin
from envkit.render import render, template_text
from tests.conftest import FIXTURES
from tests.hostile.recipe_cases import assert_one_line_error, envkit_process

pytestmark = [pytest.mark.docker, pytest.mark.slow]

BASE = os.environ.get("ENVKIT_BASE_TAG", "local/debian:bookworm")
CI_MINIMAL = FIXTURES / "recipes" / "ci-minimal.toml"


def docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def buildkit() -> None:
    if shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed (.ci/setup.d/10-apt.sh installs docker.io)")
    reason = engines.engine_answers()
    if reason:
        pytest.skip(f"no Docker engine answers ({reason}); .ci/setup.d/20-dockerd.sh starts one")
    if docker("image", "inspect", BASE).returncode != 0:
        pytest.skip(f"base image {BASE} is missing (.ci/setup.d/30-base-image.sh makes it)")
    if not engines.detect().buildkit:
        pytest.skip(
            "no BuildKit engine: the legacy builder runs every stage, so the control cannot show the run"
        )


def _payload(nonce: str) -> str:
    # $((6*7)) prints 42 only when a shell ran the line; the nonce keeps BuildKit's cache from answering.
    return f"https://download.openmmlab.com/x-235e8209.pth\nFROM\t{BASE}\nRUN\techo\tinjected-$((6*7))-{nonce}\t#"


def test_an_injected_url_ran_on_buildkit_and_is_now_refused(buildkit: None, tmp_path: Path) -> None:
    nonce = f"{os.getpid()}-{tmp_path.name}"
    logs = tmp_path / "logs"
    env = {**os.environ, "ENVKIT_LOG_DIR": str(logs)}
    recipe = load_recipe(str(CI_MINIMAL))
    pin = ModelPin("rtmdet-m", "det", "demo/x.py", _payload(nonce), "235e8209")
    injected = dataclasses.replace(recipe, models=(pin,))
    with pytest.raises(RecipeError, match=r"models\[0\]\.url"):
        render(injected)

    # Control: the templates' text for that value, built as a user's own Dockerfile.
    dockerfile = tmp_path / "injected.Dockerfile"
    dockerfile.write_text(template_text(injected))
    tag = f"envkit-hostile/control:{nonce}".lower()
    control = subprocess.run(
        [sys.executable, "-m", "envkit", "build", str(CI_MINIMAL), "--dockerfile", str(dockerfile),
         "--tag", tag, "--label", "org.envkit.test=1", "--quiet"],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    docker("image", "rm", "-f", tag)
    build_log = "".join(path.read_text(errors="replace") for path in logs.glob("*.log"))
    assert f"injected-42-{nonce}" in build_log, control.stderr[-3000:]

    # The same URL in a recipe: one line, exit 2, no build log, no image.
    refused_logs = tmp_path / "refused-logs"
    toml = CI_MINIMAL.read_text() + (
        '\n[models.rtmdet-m]\nrole = "det"\nconfig = "demo/x.py"\n'
        f'url = "{_payload(nonce).encode("unicode_escape").decode()}"\nsha256 = "235e8209"\n'
    )
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(toml)
    refused_tag = f"envkit-hostile/refused:{nonce}".lower()
    run = envkit_process(
        "build", str(hostile), "--base", BASE, "--tag", refused_tag, env={"ENVKIT_LOG_DIR": str(refused_logs)}
    )
    assert_one_line_error(run, "hostile.toml: models.rtmdet-m.url: ", "control character")
    assert not refused_logs.exists() or not any(refused_logs.iterdir())
    assert docker("image", "inspect", refused_tag).returncode != 0
