"""envkit build / run / smoke against the real Docker engine: a CPU recipe rendered from the shared templates,
FROM the registry-free local/debian:bookworm base (.ci/setup.d/30-base-image.sh).

Images built here carry the label org.envkit.test=1 and are removed at the end; BuildKit's cache stays, so
a rerun takes seconds. The recipe file is copied to a temporary folder so its lock is written there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from envkit.builder import engines
from envkit.recipes import load_recipe
from tests.conftest import DOCKER_BASE, FIXTURES, skip_unless_docker_engine

pytestmark = [pytest.mark.docker, pytest.mark.slow]

BASE = DOCKER_BASE
TEST_LABEL = "org.envkit.test=1"


def docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def envkit(
    *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "envkit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def engine_ready() -> None:
    skip_unless_docker_engine()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, engine_ready: None) -> Iterator[Path]:
    """A folder with a copy of ci-minimal.toml (its lock lands beside it) and the build logs."""
    folder = tmp_path_factory.mktemp("build")
    shutil.copy(FIXTURES / "recipes" / "ci-minimal.toml", folder / "ci-minimal.toml")
    (folder / "logs").mkdir()
    yield folder
    images = docker("images", "-q", "--filter", f"label={TEST_LABEL}").stdout.split()
    if images:
        docker("image", "rm", "-f", *sorted(set(images)), timeout=300)


@pytest.fixture(scope="module")
def recipe_file(workspace: Path) -> str:
    return str(workspace / "ci-minimal.toml")


def build(workspace: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict | None, str]:
    """`envkit build ... --json`: exit code, the JSON summary (None when the command failed early), stderr."""
    done = envkit(
        "build",
        *args,
        "--label",
        TEST_LABEL,
        "--json",
        env={"ENVKIT_LOG_DIR": str(workspace / "logs"), **(env or {})},
    )
    try:
        summary = json.loads(done.stdout)
    except ValueError:
        summary = None
    return done.returncode, summary, done.stderr


@pytest.fixture(scope="module")
def built(workspace: Path, recipe_file: str) -> dict:
    code, summary, stderr = build(workspace, recipe_file, "--base", BASE)
    assert code == 0 and summary is not None, stderr[-3000:]
    return summary


def test_the_image_holds_envkit_labels_and_a_lock(built: dict, recipe_file: str, workspace: Path) -> None:
    recipe = load_recipe(recipe_file)
    assert built["tag"].startswith(f"envkit/ci-minimal:{recipe.hash}-")
    labels = json.loads(
        docker("image", "inspect", "--format", "{{json .Config.Labels}}", built["tag"]).stdout
    )
    assert labels["org.envkit.recipe"] == "ci-minimal"
    assert labels["org.envkit.recipe-hash"] == recipe.hash
    assert labels["org.envkit.base-override"] == BASE and labels["org.envkit.test"] == "1"
    lock = json.loads((workspace / "ci-minimal.lock.json").read_text())
    assert built["lock_written"] == str(workspace / "ci-minimal.lock.json")
    assert lock["schema"] == "envkit.lock/1" and lock["recipe_hash"] == recipe.hash
    assert lock["image"]["id"] == built["image_id"]
    base_id = docker("image", "inspect", "--format", "{{.Id}}", BASE).stdout.strip()
    assert lock["base_images"] == [{"ref": BASE, "id": base_id, "digests": []}]
    assert {"typer", "rich", "jinja2", "docker"} <= set(lock["pip"]["pins"])
    assert "envkit @ file:///opt/envkit/src" in lock["pip"]["freeze"]  # recorded, not pinned
    assert lock["apt"]["python3"].startswith("3.11")


def test_the_doctor_runs_inside_the_built_image(built: dict, recipe_file: str) -> None:
    done = envkit("doctor", "--image", built["tag"], "--recipe", recipe_file, "--json", timeout=300)
    document = json.loads(done.stdout)
    checks = {check["id"]: check for check in document["checks"]}
    assert (
        checks["python_version"]["status"] == "ok"
        and "as the recipe pins (3.11)" in (checks["python_version"]["summary"])
    )
    assert checks["python_version"]["where"] == f"image {built['tag']}"
    assert document["exit_code"] == done.returncode == 0, [
        c for c in document["checks"] if c["status"] == "fail"
    ]


def test_the_same_recipe_built_again_gets_the_same_tag_from_cache(
    built: dict, workspace: Path, recipe_file: str
) -> None:
    code, again, stderr = build(workspace, recipe_file, "--base", BASE)
    assert code == 0, stderr[-2000:]
    assert again["tag"] == built["tag"] and again["image_id"] == built["image_id"]
    assert again["cached_steps"] >= again["steps"] - 1  # every step (FROM may count as resolved, not cached)
    log = Path(again["log"]).read_text()
    assert log.count(" CACHED") >= again["cached_steps"]
    assert "steps from cache" in stderr


def test_a_locked_build_installs_the_lock_s_versions(built: dict, workspace: Path, recipe_file: str) -> None:
    lock_file = workspace / "ci-minimal.lock.json"
    lock = json.loads(lock_file.read_text())
    code, summary, stderr = build(workspace, recipe_file, "--base", BASE, "--lock", str(lock_file))
    assert code == 0, stderr[-3000:]
    assert summary["tag"] != built["tag"] and summary["locked_from"] == str(lock_file)
    dockerfile = Path(summary["log"]).with_suffix(".Dockerfile").read_text()
    assert f"typer=={lock['pip']['pins']['typer']} \\" in [line.strip() for line in dockerfile.splitlines()]
    constraints = docker("run", "--rm", summary["tag"], "cat", "/opt/envkit/constraints.txt").stdout
    assert f"rich=={lock['pip']['pins']['rich']}" in constraints.splitlines()
    assert summary["drift"] == [], summary["drift"]
    assert "the image holds exactly the lock's pip and apt versions" in stderr
    # Debian's venv seeds setuptools 66, outside the recipe's setuptools>=77.0.3,<82: recorded, not pinned.
    assert (
        f"left out (outside the recipe's own constraints): setuptools=={lock['pip']['pins']['setuptools']}"
        in (stderr)
    )
    assert json.loads(lock_file.read_text()) == lock  # a locked build never rewrites its lock


def test_a_lock_of_another_recipe_version_is_refused(built: dict, workspace: Path, tmp_path: Path) -> None:
    changed = tmp_path / "ci-minimal.toml"
    changed.write_text(
        (workspace / "ci-minimal.toml").read_text().replace('shm_size = "64m"', 'shm_size = "1g"')
    )
    code, _, stderr = build(workspace, str(changed), "--lock", str(workspace / "ci-minimal.lock.json"))
    assert code == 2 and "was made from recipe hash" in stderr and "Traceback" not in stderr


def test_a_real_failing_build_is_diagnosed_with_the_fix_first(
    built: dict, workspace: Path, recipe_file: str, tmp_path: Path
) -> None:
    """chumpy built with build isolation, as the seed's Dockerfile did (chumpy#56): the real pip error.

    Debian 12's venv pip (23.0) would fall back to `setup.py install` without isolation when `wheel` is
    absent; --use-pep517 builds in isolation as newer pips always do.
    """
    rendered = envkit("render", recipe_file, "--base-image", BASE).stdout
    first_copy = rendered.index("\nCOPY ")
    failing = rendered[:first_copy] + "\nRUN pip install --use-pep517 chumpy==0.70" + rendered[first_copy:]
    dockerfile = tmp_path / "chumpy.Dockerfile"
    dockerfile.write_text(failing)
    code, summary, stderr = build(workspace, recipe_file, "--base", BASE, "--dockerfile", str(dockerfile))
    assert code == 1
    assert summary["ok"] is False and "RUN pip install --use-pep517 chumpy==0.70" in summary["failing_step"]
    assert summary["diagnoses"][0]["id"] == "chumpy-needs-no-build-isolation"
    lines = [line for line in stderr.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("envkit: build failed"))
    report = lines[start:]
    assert report[1].startswith("failing step: [runtime") and "chumpy==0.70" in report[1]
    assert report[3].startswith("diagnosis: chumpy's setup.py imports pip")
    assert report[4].startswith("fix: install chumpy with `pip install --no-build-isolation chumpy==0.70`")
    assert report[-1] == f"full log: {summary['log']}"
    assert "ModuleNotFoundError: No module named 'pip'" in Path(summary["log"]).read_text()
    assert docker("images", "-q", summary["tag"]).stdout.strip() == ""


def test_the_sdk_builder_streams_steps_and_diagnoses_a_real_tls_failure(
    workspace: Path, recipe_file: str
) -> None:
    """apt over https without the CA bundle, through the SDK's legacy builder (no BuildKit)."""
    dockerfile = workspace / "tls.Dockerfile"
    dockerfile.write_text(
        f"FROM {BASE}\n"
        f"LABEL {TEST_LABEL}\n"  # the legacy builder keeps passing steps as images: labelled, removed
        "RUN echo 'deb https://deb.debian.org/debian bookworm main' > /etc/apt/sources.list"
        " && rm -f /etc/ssl/certs/ca-certificates.crt\n"
        "RUN apt-get update --error-on=any\n"
    )
    before = set(docker("ps", "-aq").stdout.split())
    code, summary, stderr = build(
        workspace, recipe_file, "--dockerfile", str(dockerfile), env={"ENVKIT_BUILDER": "sdk"}
    )
    assert code == 1, stderr[-2000:]
    assert summary["engine"] == "sdk"
    # The legacy builder numbers LABEL steps too (and the --label steps it appends): [4/6] here.
    assert re.fullmatch(r"\[4/\d+\] RUN apt-get update --error-on=any", summary["failing_step"])
    assert summary["diagnoses"][0]["id"] == "tls-certificate-verify-failed"
    assert "Certificate verification failed" in summary["diagnoses"][0]["line"]
    assert set(docker("ps", "-aq").stdout.split()) <= before, "the legacy builder left a container behind"


def test_run_shell_starts_the_container_as_the_host_user_with_the_output_folder(
    built: dict, recipe_file: str, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    done = envkit(
        "run", "shell", "--recipe", recipe_file, "--image", built["tag"], "--output", str(output),
        "--", "-c", "id -u > /out/uid && touch /out/made-in-container",
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    made = output / "made-in-container"
    assert made.exists() and made.stat().st_uid == os.getuid()
    assert (output / "uid").read_text().strip() == str(os.getuid())
    assert docker("ps", "-aq", "--filter", "label=org.envkit.run=shell").stdout.strip() == ""


def test_run_explains_a_container_that_does_not_start(built: dict, recipe_file: str, tmp_path: Path) -> None:
    """A GPU request on an engine without the NVIDIA runtime (this one): docker's own exit 125 and text."""
    if "nvidia" in docker("info", "--format", "{{json .Runtimes}}").stdout:
        pytest.skip("this engine has the NVIDIA runtime: the GPU request would succeed")
    done = envkit(
        "run", "shell", "--recipe", recipe_file, "--image", built["tag"], "--output", str(tmp_path / "out"),
        "--gpus", "--no-preflight", "--", "-c", "true",
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 125 and "Traceback" not in done.stderr
    docker_line = next(line for line in done.stderr.splitlines() if "could not select device driver" in line)
    lines = done.stderr[done.stderr.index(docker_line) :].splitlines()
    explained = next(line for line in lines if line.startswith("envkit: the container did not start"))
    assert "no NVIDIA runtime or CDI spec" in explained
    assert any(line.startswith("fix: install the NVIDIA Container Toolkit") for line in lines)


def test_run_explains_a_known_crash_and_leaves_unknown_ones_to_the_target(
    built: dict, recipe_file: str, tmp_path: Path
) -> None:
    # No GPU here: the crash text is CUDA's real message (env-anchors.md B.4), written by the target.
    message = "torch.AcceleratorError: CUDA error: no kernel image is available for execution on the device"
    crash = f"echo '{message}' >&2"
    runs = {}
    for name, script in (("known", f"{crash}; exit 1"), ("unknown", "echo 'my own error' >&2; exit 3")):
        runs[name] = envkit(
            "run", "shell", "--recipe", recipe_file, "--image", built["tag"],
            "--output", str(tmp_path / name), "--no-gpus", "--no-preflight", "--", "-c", script,
            timeout=300,
        )  # fmt: skip
    known, unknown = runs["known"], runs["unknown"]
    assert known.returncode == 1 and "no kernel image is available" in known.stderr
    assert "envkit: the container exited with code 1: " in known.stderr
    assert any(line.startswith("fix: ") for line in known.stderr.splitlines())
    assert unknown.returncode == 3 and "my own error" in unknown.stderr
    assert "envkit:" not in unknown.stderr, "a failure no signature knows is the target's own to explain"


def test_run_stops_at_a_failing_host_check_with_its_fix(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"gpus": [{"name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0",
                                           "driver": "535.104"}]}))  # fmt: skip
    done = envkit("run", "shell", "--recipe", "rtx5090", env={"ENVKIT_DOCTOR_FACTS": str(facts)}, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    line = next(line for line in done.stderr.splitlines() if "preflight:" in line)
    assert " — fix: " in line


def test_smoke_reports_each_step_in_one_json(built: dict, workspace: Path, recipe_file: str) -> None:
    summary_file = workspace / "smoke.json"
    done = envkit(
        "smoke", recipe_file, "--base", BASE, "--label", TEST_LABEL, "--json-out", str(summary_file),
        "--output", str(workspace / "smoke-out"),
        env={"ENVKIT_LOG_DIR": str(workspace / "logs")},
    )  # fmt: skip
    summary = json.loads(done.stdout)
    assert summary == json.loads(summary_file.read_text())
    assert summary["schema"] == "envkit.smoke/1" and summary["image"] == built["tag"]
    assert summary["output"] == str(workspace / "smoke-out")
    steps = {step["id"]: step for step in summary["steps"]}
    assert list(steps) == ["build", "doctor", "kernels", "live_pose"]
    assert steps["build"]["status"] == "ok" and steps["doctor"]["status"] == "ok"
    assert steps["kernels"]["status"] == "skip"
    assert steps["kernels"]["summary"] == "skipped: the recipe builds no selective-scan kernels"
    live = steps["live_pose"]
    assert live["status"] in ("ok", "skip") and (
        live["status"] == "ok" or live["summary"].startswith("skipped: ")
    )
    assert summary["exit_code"] == done.returncode == 0


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl_c", "sigterm"]
)
def test_ctrl_c_cancels_the_build_and_keeps_the_log(
    workspace: Path, recipe_file: str, tmp_path: Path, signum: int, code: int
) -> None:
    if engines.detect().kind == "sdk":
        pytest.skip("the SDK builder cannot be cancelled from the client; this tests the CLI engines")
    dockerfile = tmp_path / "slow.Dockerfile"
    dockerfile.write_text(f"FROM {BASE}\nRUN echo started-{os.getpid()} && sleep 120\n")
    logs = tmp_path / "logs"
    process = subprocess.Popen(
        [sys.executable, "-m", "envkit", "build", recipe_file, "--dockerfile", str(dockerfile), "--no-cache",
         "--label", TEST_LABEL],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "ENVKIT_LOG_DIR": str(logs)},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = list(logs.glob("*.log"))
        if found and f"started-{os.getpid()}" in found[0].read_text():
            break
        time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("the slow step never started")
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code and "Traceback" not in stderr
    log = found[0]
    assert f"the log so far: {log}" in stderr
    assert log.read_text().rstrip().endswith("# interrupted (Ctrl-C): the build was cancelled")
    stray = subprocess.run(["pgrep", "-f", f"build.*{dockerfile}"], capture_output=True, text=True).stdout
    assert stray.strip() == "", "the docker build process outlived envkit"


def test_ctrl_c_reaches_the_container_and_run_waits_for_it_to_finish(
    built: dict, recipe_file: str, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    script = "trap 'echo closed > /out/closed; exit 7' INT; echo ready > /out/ready; sleep 60 & wait"
    process = subprocess.Popen(
        [sys.executable, "-m", "envkit", "run", "shell", "--recipe", recipe_file, "--image", built["tag"],
         "--output", str(output), "--", "-c", script],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (output / "ready").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C: the whole foreground group
    _, stderr = process.communicate(timeout=60)
    assert (output / "closed").read_text().strip() == "closed"
    assert process.returncode == 7 and "Traceback" not in stderr


def test_a_smoke_step_that_fails_in_the_engine_is_diagnosed(
    built: dict, recipe_file: str, tmp_path: Path
) -> None:
    """A GPU request on an engine without the NVIDIA runtime (this one), as on a misconfigured runner."""
    from rich.console import Console

    from envkit.builder.plan import make_plan
    from envkit.launch.smoke import SmokeRun

    if "nvidia" in docker("info", "--format", "{{json .Runtimes}}").stdout:
        pytest.skip("this engine has the NVIDIA runtime: the GPU request would succeed")
    plan = make_plan(recipe_file, base=BASE, labels=[TEST_LABEL])
    assert plan.tag == built["tag"]
    run = SmokeRun(plan, Console(stderr=True), output=tmp_path, gpus=True)
    result = run._timed("live_pose", run.step_live_pose)
    assert result.status == "fail"
    assert result.details["diagnoses"][0]["id"] == "gpu-device-driver-missing"
    assert "nvidia-ctk runtime configure" in result.summary
    assert docker("ps", "-aq", "--filter", "label=org.envkit.smoke=1").stdout.strip() == ""
