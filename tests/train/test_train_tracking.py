"""The MLflow tracker when a run is stopped: a real SQLite store that fails, a server that does not answer."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading
import time
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


def test_a_ctrl_c_is_not_held_while_a_tracking_server_does_not_answer() -> None:
    """MLflow retries an unanswering server for minutes; the user's Ctrl-C must not wait for that."""
    from mlflow.tracking import MlflowClient

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()  # connections complete in the backlog; no request is ever answered
        tracker = Tracker(True)
        tracker.client = MlflowClient(tracking_uri=f"http://127.0.0.1:{server.getsockname()[1]}")
        tracker.run_id = "0" * 32
        threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            tracker.metrics({"train_loss_total": 1.0}, step=1)
            pytest.fail("the request ended before the Ctrl-C")
    assert time.monotonic() - started < 30, "the Ctrl-C waited for MLflow's retries"
