"""The recipe for this machine's GPU, from injected GPU facts (no GPU here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envkit.cli import app
from envkit.recipes.choose import pick, probe_gpus


@pytest.mark.parametrize(
    ("gpu", "capability", "machine", "recipe"),
    [
        ("NVIDIA GeForce RTX 5090", "12.0", "x86_64", "rtx5090"),
        ("NVIDIA GB10", "12.1", "aarch64", "dgx-spark"),
        ("NVIDIA H100 80GB HBM3", "9.0", "x86_64", "hopper"),
        ("NVIDIA H200", "9.0", "x86_64", "hopper"),
    ],
)
def test_a_listed_gpu_picks_its_recipe(gpu: str, capability: str, machine: str, recipe: str) -> None:
    choice = pick([{"name": gpu, "compute_capability": capability}], "injected facts", machine)
    assert choice.recipe == recipe
    assert f"listed in recipe {recipe}'s gpus" in choice.reason and gpu in choice.reason


def test_no_gpu_picks_cpu_and_says_why() -> None:
    choice = pick([], "no NVML (nvidia-ml-py) and no nvidia-smi", "x86_64")
    assert choice.recipe == "cpu" and "no NVIDIA GPU found" in choice.reason


def test_an_unlisted_gpu_uses_a_recipe_whose_arch_list_runs_on_it() -> None:
    # RTX 5080 (sm_120) is in no recipe's gpus; rtx5090's 12.0+PTX runs on it (same major).
    choice = pick([{"name": "NVIDIA GeForce RTX 5080", "compute_capability": "12.0"}], "nvidia-smi", "x86_64")
    assert choice.recipe == "rtx5090" and "arch list 12.0+PTX runs on it" in choice.reason


def test_a_gpu_no_recipe_covers_falls_back_to_cpu() -> None:
    choice = pick([{"name": "Tesla V100-SXM2-16GB", "compute_capability": "7.0"}], "nvidia-smi", "x86_64")
    assert choice.recipe == "cpu" and "compute capability 7.0" in choice.reason


def test_injected_facts_win_over_probes() -> None:
    gpus, source = probe_gpus({"gpus": [{"name": "NVIDIA H100", "compute_capability": "9.0"}]})
    assert source == "injected facts" and gpus[0]["name"] == "NVIDIA H100"


def test_build_without_a_recipe_names_the_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(
        json.dumps({"gpus": [{"name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"}]})
    )
    monkeypatch.setenv("ENVKIT_DOCTOR_FACTS", str(facts))
    result = CliRunner().invoke(app, ["build", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "recipe: rtx5090 (NVIDIA GeForce RTX 5090 (injected facts) is listed in recipe rtx5090's gpus)"
        in (result.output)
    )
    assert "-t envkit/rtx5090:" in result.output
