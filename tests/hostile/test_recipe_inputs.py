"""Hostile recipe, render and build inputs beyond control characters (issue #18, items 2, 5 and 6).

Each case: exit 2, exactly one `envkit: error:` line naming the problem with one fix, no traceback,
nothing written. Build cases stop before any engine runs (`--dry-run` would not even be reached).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from envkit.recipes import load_recipe
from envkit.recipes.values import MAX_LENGTH
from tests.hostile.recipe_cases import FULL, NAME, assert_one_line_error, envkit, splice, write

CI_MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "recipes" / "ci-minimal.toml"
LONG = "a" * 5000


def _edited(edit: Callable[[dict], None]) -> dict:
    data = copy.deepcopy(FULL)
    edit(data)
    return data


def _cpu_torch(data: dict) -> None:
    data["torch"].update(cuda="cpu", index_url="https://download.pytorch.org/whl/cpu")
    data["kernels"]["selective_scan"] = False


RECIPES: dict[str, tuple[dict, tuple[str, ...]]] = {
    # `===` compares strings: the rules cannot reason about it, and 'setuptools===abc' crashed them.
    "arbitrary-equality-pin": (
        splice("pip.constraints", "numpy===1.26.4")[0], ("pip.constraints[0]", "===")),
    "arbitrary-equality-garbage": (
        splice("pip.packages", "munkres===abc")[0], ("pip.packages[0]", "===")),
    "arbitrary-equality-in-range": (
        splice("pip.build_tools", "pip>=1,===x")[0], ("pip.build_tools[0]", "===")),
    # urlsplit raised 'Invalid IPv6 URL' on these.
    "url-open-bracket": (
        splice("torch.index_url", "https://[download.pytorch.org/whl")[0], ("torch.index_url",)),
    "url-brackets": (
        splice("models.*.url", "https://[::1]/x-235e8209.pth")[0], ("models.rtmdet-m.url",)),
    "git-url-bracket": (
        splice("openmmlab.mmengine_git.url", "https://github.com]/x")[0], ("mmengine_git.url",)),
    "5000-character-name": (splice("name", LONG)[0], ("name: ", "(5000 characters)")),
    "5000-character-path": (
        splice("base.pip_constraint", "/" + LONG)[0], ("base.pip_constraint", "longer than")),
    "5000-character-url": (
        splice("realsense.source_url", "https://a.com/" + LONG)[0], ("realsense.source_url",)),
    "5000-character-env-name": (
        _edited(lambda d: d["env"].update({LONG: "x"})), ("env.'aaaa", "(5000 characters)")),
    "5000-character-model-name": (
        _edited(lambda d: d["models"].update({LONG: d["models"].pop("rtmdet-m")})), ("models.'aaaa",)),
    "value-with-a-fix-separator": (
        splice("gpus", "RTX 5090 — fix: run rm -rf /")[0], ("gpus[0]", "\\u2014")),
    "bool-as-a-huge-list": (
        splice("display", [[1] * 100] * 100)[0], ("display: expected true or false, got list",)),
    "cpu-torch-for-a-gpu": (
        _edited(_cpu_torch),
        ("torch.cuda: torch 2.9.1 (CPU build) ships no kernels for RTX 5090", "it ships no CUDA code"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(RECIPES))
def test_a_hostile_recipe_is_one_line_exit_2(tmp_path: Path, case: str) -> None:
    data, needles = RECIPES[case]
    recipe = write(tmp_path, data)
    for run in (
        envkit("check-recipe", str(recipe)),
        envkit("render", str(recipe), "-o", str(tmp_path / "x")),
    ):
        line = assert_one_line_error(run, *needles)
        assert "cucpu" not in line and "(it ships )" not in line
    assert [path.name for path in tmp_path.iterdir()] == [NAME]


@pytest.mark.parametrize("depth", [1_000, 5_000, 50_000])
@pytest.mark.parametrize("shape", ["array", "inline-table"])
def test_toml_nested_thousands_deep_is_one_line(tmp_path: Path, depth: int, shape: str) -> None:
    opening, closing = ("[", "]") if shape == "array" else ("{a=", "}")
    recipe = tmp_path / NAME
    recipe.write_text(CI_MINIMAL.read_text() + "\nx = " + opening * depth + "1" + closing * depth + "\n")
    assert_one_line_error(envkit("check-recipe", str(recipe)), f"{NAME}: ", "fix: ")


@pytest.mark.parametrize("count", [2, 3, 50])
def test_n_models_of_one_role_are_one_problem_not_n_squared_lines(tmp_path: Path, count: int) -> None:
    def add_models(data: dict) -> None:
        template = data["models"]["rtmdet-m"]
        for index in range(1, count):
            data["models"][f"rtmdet-copy{index}"] = dict(template)

    line = assert_one_line_error(
        envkit("check-recipe", str(write(tmp_path, _edited(add_models)))), "models.rtmdet-copy1.role", "'det'"
    )
    if count > 2:
        assert f"and {count - 2} more" in line


@pytest.mark.parametrize(
    "name",
    [
        LONG,
        LONG + ".toml",
        "/tmp/" + "a" * 300 + ".toml",
        "x\nRUN id",
        "x\u2028.toml",
        "rtx5090 — fix: do it",
    ],
    ids=[
        "5000-char-name",
        "5000-char-path",
        "300-char-segment",
        "newline",
        "line-separator",
        "fix-separator",
    ],
)
def test_a_hostile_recipe_argument_is_one_line(name: str) -> None:
    for command in ("check-recipe", "render", "show"):
        assert_one_line_error(envkit(command, name), "recipe")


def _good_lock(**changes: object) -> dict:
    recipe = load_recipe(str(CI_MINIMAL))
    pip = {"pins": {"docker": "7.2.0"}, "freeze": ["docker==7.2.0"]}
    return {
        "schema": "envkit.lock/1",
        "recipe": recipe.name,
        "recipe_hash": recipe.hash,
        "pip": pip,
    } | changes


LOCKS: dict[str, Callable[[], object]] = {
    "list-shaped": lambda: [_good_lock()],
    "pip-a-list": lambda: _good_lock(pip=[["docker", "7.2.0"]]),
    "pins-a-list": lambda: _good_lock(pip={"pins": ["docker==7.2.0"]}),
    "pin-a-number": lambda: _good_lock(pip={"pins": {"docker": 7}}),
    "apt-a-list": lambda: _good_lock(apt=["bash"]),
    "pin-with-a-newline": lambda: _good_lock(pip={"pins": {"docker": "7.2.0\nRUN id"}}),
    "pin-name-with-a-newline": lambda: _good_lock(pip={"pins": {"docker\nRUN id": "7.2.0"}}),
    "pin-with-an-operator": lambda: _good_lock(pip={"pins": {"docker": "=7.2.0"}}),
    "pin-with-a-marker": lambda: _good_lock(pip={"pins": {"docker": "7.2.0; os_name=='nt'"}}),
    "not-json": lambda: "{'schema':",
    "binary": lambda: b"\xff\xfe\x00\x01",
    "json-nested-100000-deep": lambda: "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("case", sorted(LOCKS))
def test_a_malformed_lock_is_one_line(tmp_path: Path, case: str) -> None:
    document = LOCKS[case]()
    path = tmp_path / "x.lock.json"
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_text(document if isinstance(document, str) else json.dumps(document))
    run = envkit("build", str(CI_MINIMAL), "--lock", str(path), "--dry-run")
    assert_one_line_error(run, "lock", "x.lock.json")


DOCKERFILES: dict[str, bytes] = {
    "binary": bytes(range(256)) * 4,
    "utf-16": "FROM debian:bookworm\n".encode("utf-16"),
    "nul-bytes": b"FROM debian:bookworm\n\x00RUN id\n",
    "no-from": b"RUN id\n",
    "empty": b"",
}


@pytest.mark.parametrize("case", sorted(DOCKERFILES))
def test_a_dockerfile_that_is_not_one_is_one_line(tmp_path: Path, case: str) -> None:
    path = tmp_path / "x.Dockerfile"
    path.write_bytes(DOCKERFILES[case])
    run = envkit("build", str(CI_MINIMAL), "--dockerfile", str(path), "--dry-run")
    assert_one_line_error(run, "--dockerfile", "x.Dockerfile")


BUILD_OPTIONS: dict[str, list[str]] = {
    "build-arg-trailing-newline": ["--build-arg", "MAX_JOBS=8\n"],
    "build-arg-key-newline": ["--build-arg", "MAX\n_JOBS=8"],
    "build-arg-nul": ["--build-arg", "MAX_JOBS=8\x00"],
    "build-arg-line-separator": ["--build-arg", "MAX_JOBS=8\u2028RUN id"],
    "build-arg-too-long": ["--build-arg", "MAX_JOBS=" + "8" * (MAX_LENGTH + 1)],
    "label-trailing-newline": ["--label", "org.example.team=vision\n"],
    "label-escape": ["--label", "org.example.team=\x1b[31mred"],
    "label-key-newline": ["--label", "org.example\n=x"],
    "tag-trailing-newline": ["--tag", "envkit/mine:1\n"],
    "tag-control": ["--tag", "envkit/mine:1\r"],
    "tag-5000-characters": ["--tag", "envkit/" + LONG],
    "platform-trailing-newline": ["--platform", "linux/amd64\n"],
    "platform-garbage": ["--platform", "linux amd64; id"],
    "base-trailing-newline": ["--base", "local/debian:bookworm\n"],
    "base-injection": ["--base", "local/debian:bookworm\nRUN id"],
}


@pytest.mark.parametrize("case", sorted(BUILD_OPTIONS))
def test_a_hostile_build_option_is_one_line(case: str) -> None:
    run = envkit("build", str(CI_MINIMAL), *BUILD_OPTIONS[case], "--dry-run")
    assert_one_line_error(run, BUILD_OPTIONS[case][0].removeprefix("--").split("-")[0])


@pytest.mark.parametrize("image", ["local/debian:bookworm\n", "local/debian:bookworm\nRUN id", "a" * 5000])
def test_a_hostile_base_image_for_render_is_one_line(tmp_path: Path, image: str) -> None:
    output = tmp_path / "out.Dockerfile"
    run = envkit("render", str(CI_MINIMAL), "--base-image", image, "-o", str(output))
    assert_one_line_error(run, "base_image")
    assert not output.exists()


def test_an_unwritable_output_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    for output in (blocker / "below-a-file", tmp_path / LONG):
        assert_one_line_error(envkit("render", str(CI_MINIMAL), "-o", str(output)), "cannot write")
