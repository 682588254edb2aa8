"""How fast a recipe is rejected or rendered: load + validate + rules, render, hadolint.

Prints a table of medians over N runs (in one process, so the knowledge tables are cached after
the first load, as they are in a long-running command). Usage: python bench/recipes_bench.py [N]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from envkit.recipes import RecipeError, load_recipe, recipe_names
from envkit.render import render

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "fixtures" / "bad_recipes" / "mmcv-2.2.0.toml"


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def reject_bad() -> None:
    try:
        load_recipe(str(BAD))
    except RecipeError:
        return
    raise AssertionError("the bad recipe was accepted")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rows = [("reject mmcv-2.2.0.toml (load + schema + rules)", median_ms(reject_bad, runs))]
    for name in recipe_names():
        rows.append((f"load + validate {name}", median_ms(lambda name=name: load_recipe(name), runs)))
        recipe = load_recipe(name)
        rows.append((f"render {name}", median_ms(lambda recipe=recipe: render(recipe), runs)))
    hadolint = shutil.which("hadolint")
    if hadolint:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "Dockerfile"
            path.write_text(render(load_recipe("rtx5090")))
            command = [hadolint, "--no-color", "--config", str(ROOT / ".hadolint.yaml"), str(path)]
            rows.append(
                ("hadolint rtx5090 (subprocess)", median_ms(lambda: subprocess.run(command, check=True), 10))
            )
    width = max(len(label) for label, _ in rows)
    print(f"{'step':<{width}}  median ms  (n={runs})")
    for label, value in rows:
        print(f"{label:<{width}}  {value:9.2f}")


if __name__ == "__main__":
    main()
