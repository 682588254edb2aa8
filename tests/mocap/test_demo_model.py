"""The demo lifter shipped in the package is what `python -m posemamba.train.demo --ship` makes.

The whole run takes tens of minutes on a 2-core CPU, too long for the suite; so the test checks what
decides the weights and can be checked quickly: the shipped file's recipe is the script's defaults
(seed, sizes, steps, learning rate) and its number of steps is the recipe's; the training data the script
renders now has the digest recorded in the file (same clips, cameras, noise); and the script's first
steps, one batch each of 27, 54 and 81 frames, reproduce the loss values the file recorded for them (a
different model init, data order, augmentation, loss or optimiser changes them at the first or second
step). Given those, the remaining steps are the same deterministic computation. The held-out error the
file records (and the README and the start line quote) is measured again on the shipped weights.
"""

from __future__ import annotations

import numpy as np
import pytest

import posemamba
from posemamba import demo_model
from posemamba.data.mocap_dataset import HELD_OUT
from posemamba.train.demo import Recipe, train_demo, training_data
from posemamba.train.mixed_windows import MixedBatches, MixedWindows

FIRST_STEPS = 3  # one batch of each window length


@pytest.fixture(scope="module")
def meta() -> dict:
    return demo_model.read_metadata()


def test_the_shipped_file_records_the_script_defaults(meta) -> None:
    recipe = Recipe()
    assert meta["recipe"] == recipe.as_dict()
    assert meta["steps"] == len(meta["losses"]) == recipe.epochs * recipe.steps_per_epoch
    model = posemamba.load("demo")
    assert (model.frames, model.dim, model.depth) == (max(recipe.windows), recipe.dim, recipe.depth)
    assert demo_model.WEIGHTS.stat().st_size < 2_000_000, "a few MB at most"
    # measured on the held-out motions only, every way the package runs it
    for method, by_noise in meta["errors"].items():
        assert {row[0] for row in by_noise["clean"]} == set(HELD_OUT), method
    assert {"lift", "live 27", "live 81", "mean", "flat"} == set(meta["errors"])


@pytest.mark.slow
def test_the_script_reproduces_the_recorded_data_and_first_steps(meta) -> None:
    recipe = Recipe()
    data = training_data(recipe)
    trained = train_demo(recipe, max_steps=FIRST_STEPS, data=data)
    assert trained.digest == meta["data_digest"]
    np.testing.assert_allclose(trained.losses, meta["losses"][:FIRST_STEPS], rtol=1e-4)


def test_the_recorded_held_out_error_is_the_shipped_weights_error(meta) -> None:
    """The error the README and the start line quote, measured again on the shipped weights (clean 2D,
    as `envkit lift` runs it, the same held-out cameras)."""
    from posemamba import mocap_eval
    from posemamba.data import mocap_baseline, mocap_dataset

    test = mocap_dataset.render("test", 16, seed=1, noise=None, noise_scale=None, fps=mocap_dataset.EVAL_FPS)
    errors = mocap_baseline.evaluate(mocap_eval.predict_lift(posemamba.load("demo"), test), test)
    recorded = {row[0]: row[2:] for row in meta["errors"]["lift"]["clean"]}
    for e in errors:
        np.testing.assert_allclose([e.mpjpe, e.p_mpjpe], recorded[e.motion], atol=0.06, err_msg=e.motion)


def test_batches_cycle_through_the_window_lengths_and_repeat_per_seed_and_epoch() -> None:
    from posemamba.data.mocap_dataset import render

    split = render("train", 1, seed=0)
    dataset = MixedWindows(split, (27, 54, 81), stride=9)
    sampler = MixedBatches(dataset, frames_per_batch=324, steps=6, seed=0)
    batches = list(sampler)
    lengths = [dataset[batch[0]][0].shape[0] for batch in batches]
    assert lengths == [27, 54, 81, 27, 54, 81]
    assert [len(batch) for batch in batches] == [12, 6, 4, 12, 6, 4]
    for batch in batches:  # one length per batch, numbers global (never repeated across lengths)
        assert {dataset[index][0].shape[0] for index in batch} == {dataset[batch[0]][0].shape[0]}
        assert all(dataset[index][2] == index for index in batch)
    assert batches == list(sampler), "the same batches for the same seed and epoch"
    sampler.set_epoch(1)
    assert batches != list(sampler)


def test_load_demo_names_the_shipped_weights_and_the_start_line_says_what_it_is(meta) -> None:
    model = posemamba.load("demo")
    same = posemamba.load(demo_model.WEIGHTS)
    for (name, a), (_, b) in zip(model.state_dict().items(), same.state_dict().items(), strict=True):
        assert bool((a == b).all()), name
    line = demo_model.describe()
    assert f"held-out mocap MPJPE {meta['mean_mpjpe_mm']['lift']:.0f} mm" in line
    assert "demo PoseMamba" in line and "github.com/nankingjing/PoseMamba" in line
