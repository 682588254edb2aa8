"""Lock documents: what is pinned, what is only recorded, and when a lock is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envkit.builder import lock
from envkit.errors import UsageError
from envkit.recipes import load_recipe
from envkit.resources import data_dir
from tests.conftest import FIXTURES

CI_MINIMAL = FIXTURES / "recipes" / "ci-minimal.toml"
# `pip freeze --all; dpkg-query -W` as the inventory command prints them in an envkit image.
INVENTORY = """\
docker==7.2.0
envkit @ file:///opt/envkit/src
Jinja2==3.1.6
mmcv @ file:///wheels/mmcv-2.1.0-cp310-cp310-linux_x86_64.whl
pip==23.0.1
setuptools==66.1.1
---envkit-apt---
bash\t5.2.15-2+b7
python3\t3.11.2-1+b1
"""


def document(pins: dict[str, str], recipe_hash: str) -> dict:
    return {"schema": lock.SCHEMA, "recipe_hash": recipe_hash, "pip": {"pins": pins, "freeze": []}, "apt": {}}


def test_inventory_pins_exact_versions_and_only_records_local_builds() -> None:
    freeze, apt = lock.parse_inventory(INVENTORY)
    assert "envkit @ file:///opt/envkit/src" in freeze
    assert lock.pins_of(freeze) == {
        "docker": "7.2.0",
        "jinja2": "3.1.6",
        "pip": "23.0.1",
        "setuptools": "66.1.1",
    }
    assert apt == {"bash": "5.2.15-2+b7", "python3": "3.11.2-1+b1"}


def test_pins_outside_the_recipe_s_own_constraints_are_left_out() -> None:
    recipe = load_recipe(str(CI_MINIMAL))  # constraints: setuptools>=77.0.3,<82
    pins, skipped = lock.usable_pins(
        recipe, document({"setuptools": "66.1.1", "docker": "7.2.0"}, recipe.hash)
    )
    assert pins == ["docker==7.2.0"] and skipped == ["setuptools==66.1.1"]
    locked = lock.locked_recipe(recipe, document({"docker": "7.2.0"}, recipe.hash))
    assert locked.constraints == (*recipe.constraints, "docker==7.2.0") and locked.hash == recipe.hash


def test_lock_paths_for_shipped_and_given_recipes(tmp_path: Path) -> None:
    assert lock.default_path(load_recipe("rtx5090")) == data_dir("recipes") / "locks" / "rtx5090.lock.json"
    assert lock.default_path(load_recipe(str(CI_MINIMAL))) == CI_MINIMAL.with_name("ci-minimal.lock.json")
    assert lock.default_path(load_recipe("cpu"), tmp_path) == tmp_path / "cpu.lock.json"


def test_a_wheel_install_keeps_locks_of_shipped_recipes_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never inside the installed package (site-packages may be read-only, and a reinstall wipes it)."""
    monkeypatch.setattr(lock, "project_root", lambda: None)
    monkeypatch.setenv("ENVKIT_CACHE_DIR", str(tmp_path))
    assert lock.default_path(load_recipe("rtx5090")) == tmp_path / "locks" / "rtx5090.lock.json"
    assert lock.default_path(load_recipe(str(CI_MINIMAL))) == CI_MINIMAL.with_name("ci-minimal.lock.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot read lock"),
        (json.dumps({"schema": "other/1"}), "is not an envkit.lock/1 lock"),
        (json.dumps(document({}, "000000000000")), "was made from recipe hash .000000000000."),
        ("HASH", "is not a valid pin"),
    ],
)
def test_bad_locks_are_usage_errors(content: str, message: str, tmp_path: Path) -> None:
    recipe = load_recipe(str(CI_MINIMAL))
    if content == "HASH":
        content = json.dumps(document({"docker": "7.2.0; rm -rf /"}, recipe.hash))
    path = tmp_path / "x.lock.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=message):
        lock.read_lock(path, recipe)


def test_drift_lists_every_changed_version() -> None:
    old = document({"docker": "7.2.0", "rich": "15.0.0"}, "h") | {"apt": {"bash": "5.2"}}
    new = document({"docker": "7.3.0", "rich": "15.0.0"}, "h") | {"apt": {"bash": "5.2", "curl": "7.88"}}
    assert lock.drift(old, new) == [
        "pip docker: lock 7.2.0, image 7.3.0",
        "apt curl: lock (absent), image 7.88",
    ]
