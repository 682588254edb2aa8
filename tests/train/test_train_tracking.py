"""The MLflow tracker against a real SQLite store when the store fails at the end of a stopped run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from posemamba.train.tracking import Tracker, default_uri

pytest.importorskip("mlflow", reason="pip install 'envkit[train]' (MLflow)")
pytestmark = pytest.mark.slow  # MLflow waits out SQLite's 20 s busy timeout before it gives up


def test_a_store_that_fails_while_marking_killed_does_not_mask_the_stop(tmp_path: Path, capsys) -> None:
    tracker = Tracker.start(None, tmp_path, run_name="stopped", params={"epochs": 3})
    holder = sqlite3.connect(tmp_path / "mlflow.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database, as an interrupted one did
    try:
        with pytest.raises(KeyboardInterrupt):
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                tracker.abandon("KILLED")
                raise
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    said = capsys.readouterr().err.strip().splitlines()  # MLflow's own log lines come first
    ours = [line for line in said if line.startswith("posemamba.train:")]
    assert ours == [said[-1]], said[-5:]
    assert ours[0].startswith("posemamba.train: could not mark the MLflow run KILLED: ")
    assert "database is locked" in ours[0]
    tracker.finish("KILLED")  # the store answers again
    assert tracker.client.get_run(tracker.run_id).info.status == "KILLED"
    assert default_uri(tmp_path) == tracker.client.tracking_uri
