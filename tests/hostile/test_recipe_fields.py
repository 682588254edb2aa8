"""Every recipe field x every control-character class (issue #18, items 1 and 2).

The value is spliced into a recipe with every field set (tests/hostile/recipe_cases.py), shaped like the
red team's injection (`<valid value><c>FROM<c>local/debian:bookworm<c>RUN<c>id`), plus a plain trailing
newline in every field. `envkit check-recipe` and `envkit render -o` must exit 2 with exactly one stderr
line naming the field and the fix, no traceback, and write nothing. The fields come from the schema
(envkit.recipes.fields.field_paths), so a new field is covered without editing this file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.recipe_cases import (
    CONTROLS,
    FIELDS,
    FULL,
    NAME,
    assert_one_line_error,
    envkit,
    envkit_process,
    splice,
    splice_key,
    valid_value,
    write,
)

CASES = [(field, name) for field in FIELDS for name in CONTROLS]
KEY_TABLES = ("env", "models")


def text_of(field: str) -> str:
    value = valid_value(field)
    return str(value).lower() if isinstance(value, bool) else str(value)


def injected(field: str, control: str) -> str:
    return control.join([text_of(field), "FROM", "local/debian:bookworm", "RUN", "id"])


def refused_everywhere(tmp_path: Path, data: dict, *needles: str) -> list[str]:
    """check-recipe and render -o both refuse the recipe in one line; nothing is written."""
    recipe = write(tmp_path, data)
    output = tmp_path / "out.Dockerfile"
    lines = [
        assert_one_line_error(envkit("check-recipe", str(recipe)), *needles),
        assert_one_line_error(envkit("render", str(recipe), "-o", str(output)), *needles),
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [recipe.name], "something was written"
    return lines


def test_the_full_recipe_is_valid_and_sets_every_field(tmp_path: Path) -> None:
    """The cases below fail because of the spliced value alone."""
    recipe = write(tmp_path, FULL)
    run = envkit("check-recipe", str(recipe))
    assert run.code == 0 and run.err == "", run.err
    assert len(FIELDS) >= 40 and "models.*.url" in FIELDS and "env.*" in FIELDS
    for field in FIELDS:
        valid_value(field)  # raises KeyError for a field the full recipe leaves out


@pytest.mark.parametrize(("field", "control"), CASES, ids=[f"{f}-{c}" for f, c in CASES])
def test_a_control_character_in_any_field_is_one_line_exit_2(
    tmp_path: Path, field: str, control: str
) -> None:
    data, shown = splice(field, injected(field, CONTROLS[control]))
    refused_everywhere(tmp_path, data, f"{NAME}: {shown}: ")


@pytest.mark.parametrize("field", FIELDS)
def test_a_trailing_newline_in_any_field_is_one_line_exit_2(tmp_path: Path, field: str) -> None:
    """`^...$` with re.match accepted 'value\\n' in 22 fields; every check is a full match now."""
    data, shown = splice(field, f"{text_of(field)}\n")
    for line in refused_everywhere(tmp_path, data, f"{NAME}: {shown}: "):
        assert "\\n" in line  # the echoed value, escaped


@pytest.mark.parametrize(("table", "control"), [(t, c) for t in KEY_TABLES for c in CONTROLS])
def test_a_control_character_in_a_user_named_key_is_one_line_exit_2(
    tmp_path: Path, table: str, control: str
) -> None:
    """[env] names and [models.<name>] names are user text too; the path shows the key quoted."""
    data, old = splice_key(table, CONTROLS[control] + "RUN id")
    refused_everywhere(tmp_path, data, f"{NAME}: {table}.'{old}")


# Every command that takes a recipe, with the arguments that stop it before it would do anything else.
RECIPE_COMMANDS = {
    "show": ["show", "{}"],
    "build": ["build", "{}", "--dry-run"],
    "doctor": ["doctor", "--recipe", "{}", "--json"],
    "run": ["run", "shell", "--recipe", "{}", "--print"],
    "smoke": ["smoke", "{}"],
}


@pytest.mark.parametrize("command", sorted(RECIPE_COMMANDS))
@pytest.mark.parametrize("field", ["models.*.url", "realsense.source_url", "description", "env.*"])
def test_every_command_that_loads_a_recipe_refuses_it_the_same_way(
    tmp_path: Path, field: str, command: str
) -> None:
    data, shown = splice(field, injected(field, "\n"))
    recipe = str(write(tmp_path, data))
    args = [recipe if arg == "{}" else arg for arg in RECIPE_COMMANDS[command]]
    assert_one_line_error(envkit(*args), f"{NAME}: {shown}: ", "control character")


@pytest.mark.parametrize(
    ("field", "control"),
    [("models.*.url", "lf"), ("description", "nul"), ("pip.constraints", "line-separator"),
     ("env.*", "cr"), ("openmmlab.mmengine_git.url", "nel")],
)  # fmt: skip
def test_a_real_process_prints_exactly_one_line(tmp_path: Path, field: str, control: str) -> None:
    """The console script's stderr, as bytes: one line, whatever the value held."""
    data, shown = splice(field, injected(field, CONTROLS[control]))
    run = envkit_process("check-recipe", str(write(tmp_path, data)))
    assert_one_line_error(run, f"{NAME}: {shown}: ", "control character")


def test_a_recipe_file_name_with_a_newline_is_refused_before_it_reaches_the_header(tmp_path: Path) -> None:
    """The file name is written into the Dockerfile's first comment."""
    recipe = write(tmp_path, FULL, name="x\nRUN id.toml")
    for run in (envkit("check-recipe", str(recipe)), envkit("render", str(recipe))):
        assert_one_line_error(run, "x\\nRUN id.toml", "control character")
