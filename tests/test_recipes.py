"""envkit.recipes: shipped recipes load and carry the pins the issue and the research require."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from envkit.compat.rules import check_recipe
from envkit.doctor.context import recipe_expectations
from envkit.errors import UsageError
from envkit.recipes import DEFAULT_RECIPE, RecipeError, load_recipe, recipe_names
from envkit.resources import data_dir

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_every_shipped_recipe_loads_and_passes_every_rule() -> None:
    names = recipe_names()
    assert {"rtx5090", "cpu"} <= set(names)
    assert DEFAULT_RECIPE in names
    for name in names:
        recipe = load_recipe(name)
        assert recipe.name == name
        failed = [o.rule.id for o in check_recipe(recipe) if o.status == "failed"]
        assert failed == []


def test_rtx5090_pins() -> None:
    recipe = load_recipe("rtx5090")
    assert recipe.platform == "linux/amd64"
    assert recipe.devel_image.startswith("nvidia/cuda:12.8.")
    assert recipe.devel_image.endswith("-cudnn-devel-ubuntu22.04")
    assert recipe.runtime_image == recipe.devel_image.replace("-devel-", "-runtime-")
    assert (recipe.python, recipe.torch) == ("3.10", "2.9.1")
    assert (recipe.torchvision, recipe.torchaudio) == ("0.24.1", "2.9.1")
    assert recipe.torch_index == "https://download.pytorch.org/whl/cu128"
    assert recipe.arch_list == ["12.0+PTX"]
    mm = recipe.openmmlab
    assert mm is not None
    assert (mm.mmcv, mm.mmdet, mm.mmpose, mm.chumpy) == ("2.1.0", "3.2.0", "1.3.2", "absent")
    assert mm.mmengine_git is not None and mm.mmengine == "0.11.0rc0"
    assert recipe.builds_kernels and recipe.realsense


def test_expectations_have_the_documented_keys() -> None:
    expectations = recipe_expectations(load_recipe("rtx5090"))
    assert set(expectations) == {
        "recipe", "python", "torch", "cuda", "arch_list", "gpus", "min_driver", "mmcv", "mmdet", "mmengine",
        "mmpose", "numpy", "builds_kernels", "shm_size_bytes", "realsense", "display",
    }  # fmt: skip
    assert expectations["min_driver"] == "570.26"
    assert expectations["numpy"] == "1.26.4"
    assert expectations["shm_size_bytes"] == 8 * 1024**3
    assert expectations["gpus"] == ["RTX 5090"]


def test_cpu_recipe_has_no_cuda() -> None:
    recipe = load_recipe("cpu")
    assert recipe.cuda is None and recipe.arch_list == [] and recipe.gpus == []
    assert recipe.torch_cuda == "cpu" and not recipe.builds_kernels
    assert recipe_expectations(recipe)["min_driver"] is None


def test_ci_minimal_fixture_has_no_optional_components() -> None:
    recipe = load_recipe(str(FIXTURES / "recipes" / "ci-minimal.toml"))
    assert recipe.family == "debian"
    assert recipe.torch is None and recipe.openmmlab is None
    assert not recipe.builds_kernels and not recipe.realsense


def test_load_by_path_equals_load_by_name(tmp_path: Path) -> None:
    copy = tmp_path / "mine.toml"
    shutil.copy(data_dir("recipes") / "rtx5090.toml", copy)
    by_path, by_name = load_recipe(str(copy)), load_recipe("rtx5090")
    assert by_path.hash == by_name.hash
    assert by_path.path == copy.resolve()


def test_hash_ignores_comments_and_follows_content(tmp_path: Path) -> None:
    original = (data_dir("recipes") / "rtx5090.toml").read_text()
    commented = tmp_path / "commented.toml"
    commented.write_text("# another comment\n" + original)
    changed = tmp_path / "changed.toml"
    changed.write_text(original.replace('shm_size = "8g"', 'shm_size = "16g"'))
    base = load_recipe("rtx5090").hash
    assert len(base) == 12 and int(base, 16) >= 0
    assert load_recipe(str(commented)).hash == base
    assert load_recipe(str(changed)).hash != base


def test_unknown_name_is_a_usage_error_naming_the_recipes() -> None:
    with pytest.raises(UsageError) as caught:
        load_recipe("rtx9090")
    assert caught.value.exit_code == 2
    assert "no recipe named 'rtx9090'" in caught.value.one_line()
    assert "rtx5090" in caught.value.one_line()


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_recipe(str(tmp_path / "nope.toml"))


def test_recipe_error_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "two.toml"
    text = (data_dir("recipes") / "rtx5090.toml").read_text()
    text = text.replace('mmcv = "2.1.0"', 'mmcv = "2.2.0"').replace('gpus = ["RTX 5090"]', 'gpus = ["X1"]')
    path.write_text(text)
    with pytest.raises(RecipeError) as caught:
        load_recipe(str(path))
    fields = [problem.field for problem in caught.value.problems]
    assert "gpus[0]" in fields and "openmmlab.mmcv" in fields
    assert len(caught.value.one_line().splitlines()) == len(caught.value.problems)


@pytest.mark.parametrize("name", ["rtx5090", "hopper", "dgx-spark"])
def test_gpu_recipes_pin_the_live_estimators_defaults(name: str) -> None:
    from posemamba.live.estimators.mmpose_topdown import DEFAULT_DET_CONFIG, DEFAULT_POSE_CONFIG

    recipe = load_recipe(name)
    det, pose2d = recipe.model("det"), recipe.model("pose2d")
    assert det is not None and pose2d is not None
    assert (det.config, pose2d.config) == (DEFAULT_DET_CONFIG, DEFAULT_POSE_CONFIG)
    assert det.file_name.endswith(f"-{det.sha256}.pth")
    assert f"-{pose2d.sha256}_" in pose2d.file_name


def test_cpu_recipe_fetches_no_checkpoints() -> None:
    """Tests build the cpu image from a local base with no route to download.openmmlab.com."""
    assert load_recipe("cpu").models == ()


def _with_pose_sha256(tmp_path: Path, sha256: str) -> Path:
    text = (data_dir("recipes") / "rtx5090.toml").read_text()
    path = tmp_path / "pinned.toml"
    path.write_text(text.replace('sha256 = "d8dd5ca4"', f'sha256 = "{sha256}"'))
    return path


def test_a_full_digest_must_start_with_the_file_names_hash(tmp_path: Path) -> None:
    full = "d8dd5ca4" + "0123456789abcdef" * 3 + "01234567"
    assert load_recipe(str(_with_pose_sha256(tmp_path, full))).model("pose2d").sha256 == full
    assert load_recipe(str(_with_pose_sha256(tmp_path, "d8dd5ca4e1"))).model("pose2d").full_digest is False
    with pytest.raises(RecipeError) as caught:
        load_recipe(str(_with_pose_sha256(tmp_path, "0" * 64)))
    assert [problem.field for problem in caught.value.problems] == ["models.rtmpose-m.sha256"]
    assert "d8dd5ca4" in caught.value.problems[0].reason
