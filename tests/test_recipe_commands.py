"""`envkit recipes`, `envkit show`, `envkit check-recipe` on the shipped recipes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from envkit.cli import app
from envkit.doctor.context import recipe_expectations
from envkit.recipes import load_recipe, recipe_names

runner = CliRunner()


def test_recipes_lists_every_recipe_with_its_columns() -> None:
    result = runner.invoke(app, ["recipes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "GPUs", "arch", "CUDA", "torch", "base", "platform"]
    rows = {line.split()[0]: line for line in lines[1:] if line.strip()}
    assert set(rows) == set(recipe_names())
    assert "12.0+PTX" in rows["rtx5090"] and "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04" in rows["rtx5090"]
    assert "2.9.1 (cpu)" in rows["cpu"]


def test_show_prints_pins_and_rules() -> None:
    result = runner.invoke(app, ["show", "rtx5090"])
    assert result.exit_code == 0, result.output
    assert "mmcv                    2.1.0 (source build with ops)" in result.output
    assert "guard:mmdet-mmcv-window" in result.output
    assert not [line for line in result.output.splitlines() if line.startswith("failed")]


def test_show_json_carries_expectations_and_rule_statuses() -> None:
    result = runner.invoke(app, ["show", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["expectations"] == recipe_expectations(load_recipe("cpu"))
    statuses = {rule["id"]: rule["status"] for rule in data["rules"]}
    assert statuses["torch-python"] == "ok"
    assert statuses["arch-covers-gpus"] == "n/a"  # no GPUs on the CPU recipe
    assert set(statuses.values()) <= {"ok", "n/a"}


def test_check_recipe_ok_line() -> None:
    result = runner.invoke(app, ["check-recipe", "rtx5090"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("rtx5090.toml: ok (")


def test_recipes_marks_an_invalid_recipe_instead_of_failing(tmp_path, monkeypatch) -> None:
    from envkit.resources import data_dir

    shipped = data_dir("recipes")
    (tmp_path / "rtx5090.toml").write_text((shipped / "rtx5090.toml").read_text())
    (tmp_path / "broken.toml").write_text(
        (shipped / "rtx5090.toml").read_text().replace('mmcv = "2.1.0"', 'mmcv = "2.2.0"')
    )
    monkeypatch.setattr("envkit.recipes.loader.data_dir", lambda name: tmp_path)
    result = runner.invoke(app, ["recipes"])
    assert result.exit_code == 0, result.output
    broken = next(line for line in result.output.splitlines() if line.startswith("broken"))
    assert "invalid: mmcv 2.2.0 is outside" in broken
