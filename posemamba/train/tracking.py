"""MLflow tracking of training and evaluation runs (only rank 0 tracks).

Default store: `sqlite:///<out>/mlflow.db`, with artifacts in `<out>/mlruns`. That is the pinned
MLflow's own default (3.17: DEFAULT_TRACKING_URI "sqlite:///mlflow.db", mlflow/store/tracking/
__init__.py; `mlflow ui` uses it unless ./mlruns already holds a file store), so `cd <out> && mlflow ui`
shows the runs with no flags. `--mlflow-uri` names any other tracking URI (a server, another file).

A training run logs every config key and the run options as params; per epoch the loss terms,
learning_rate, val_mpjpe, val_p_mpjpe, best_mpjpe, samples_per_s (the fork's metric names where it
has them, trevcong/PA-PoseMamba train.py:455-493); tags git_commit (of the posemamba source, when it
is a git checkout) and envkit_version (importlib.metadata, distribution "envkit"); artifacts: the
config at the start, best_epoch.bin and latest_epoch.bin at the end. The run id is kept in
<out>/mlflow_run.json so that --resume continues the same run.

A write to a database or file store finishes before a Ctrl-C or SIGTERM is let through: a
KeyboardInterrupt inside a SQLite transaction left the database locked, so marking the run KILLED then
failed ("database is locked") and training ended with that traceback instead of its exit code. A
tracking server's requests are not held: MLflow retries an unreachable one for minutes, and a request
cut short leaves nothing behind in this process.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from posemamba.files import atomic_write
from posemamba.stopping import interrupts_deferred

RUN_FILE = "mlflow_run.json"
DEFAULT_EXPERIMENT = "PoseMamba"
# Tracking URIs MLflow talks to over HTTP: the REST stores of _register_tracking_stores() in MLflow 3.17,
# mlflow/tracking/_tracking_service/utils.py (the others are SQLAlchemy databases and file stores).
SERVER_SCHEMES = frozenset({"http", "https", "databricks", "databricks-uc", "uc"})


def default_uri(folder: Path) -> str:
    """sqlite:///<folder>/mlflow.db, the store `mlflow ui` opens when run in `folder`."""
    return f"sqlite:///{Path(folder).resolve() / 'mlflow.db'}"


def envkit_version() -> str:
    try:
        return metadata.version("envkit")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit() -> str:
    """HEAD of the checkout posemamba is imported from ('unknown' for a wheel install)."""
    source = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 else "unknown"


class Tracker:
    """One MLflow run through MlflowClient (no global fluent state); every call is a no-op when off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.client = None
        self.run_id: str | None = None

    @classmethod
    def start(
        cls,
        uri: str | None,
        folder: Path,
        run_name: str,
        params: Mapping[str, Any],
        experiment: str = DEFAULT_EXPERIMENT,
        resume: bool = False,
    ) -> Tracker:
        """A new run (or, with `resume`, the run recorded in <folder>/mlflow_run.json) in store `uri`
        (None: the default store of `folder`)."""
        from mlflow.tracking import MlflowClient

        tracker = cls(True)
        tracker.client = MlflowClient(tracking_uri=uri or default_uri(folder))
        with tracker._writing():
            tracker._open_run(Path(folder), run_name, params, experiment, resume)
        return tracker

    def _writing(self) -> contextlib.AbstractContextManager:
        """What guards one write: stops held for a database or file store, not for a server."""
        local = urlparse(self.client.tracking_uri).scheme not in SERVER_SCHEMES
        return interrupts_deferred() if local else contextlib.nullcontext()

    def _open_run(
        self, folder: Path, run_name: str, params: Mapping[str, Any], experiment: str, resume: bool
    ) -> None:
        from mlflow.entities import Param

        uri = self.client.tracking_uri
        record = folder / RUN_FILE
        if resume and record.is_file():
            saved = json.loads(record.read_text())
            if saved.get("tracking_uri") == uri:
                self.run_id = saved["run_id"]
                self.client.update_run(self.run_id, status="RUNNING")
                return
        found = self.client.get_experiment_by_name(experiment)
        if found is not None:
            experiment_id = found.experiment_id
        else:
            # In our own store the artifacts go beside it; a server chooses its own place.
            local = uri == default_uri(folder)
            location = (folder.resolve() / "mlruns").as_uri() if local else None
            experiment_id = self.client.create_experiment(experiment, artifact_location=location)
        tags = {
            "git_commit": git_commit(),
            "envkit_version": envkit_version(),
            "mlflow.source.git.commit": git_commit(),
        }
        self.run_id = self.client.create_run(experiment_id, run_name=run_name, tags=tags).info.run_id
        items = [Param(str(k), str(v)[:6000]) for k, v in params.items()]
        for first in range(0, len(items), 100):  # MLflow takes at most 100 params per batch
            self.client.log_batch(self.run_id, params=items[first : first + 100])
        text = json.dumps({"tracking_uri": uri, "run_id": self.run_id})
        atomic_write(record, lambda handle: handle.write(text.encode()))

    def metrics(self, values: Mapping[str, float], step: int) -> None:
        if not self.enabled:
            return
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        batch = [Metric(key, float(value), now, step) for key, value in values.items()]
        with self._writing():
            self.client.log_batch(self.run_id, metrics=batch)

    def artifact(self, path: Path, folder: str | None = None) -> None:
        if self.enabled and Path(path).is_file():
            with self._writing():
                self.client.log_artifact(self.run_id, str(path), folder)

    def finish(self, status: str = "FINISHED") -> None:
        """End the run: FINISHED, KILLED (Ctrl-C) or FAILED."""
        if self.enabled and self.run_id is not None:
            with self._writing():
                self.client.set_terminated(self.run_id, status=status)

    def abandon(self, status: str) -> None:
        """End the run as KILLED or FAILED while another exception ends training: a store that fails
        now is one line on stderr, so the exception raised stays the one that ended the run."""
        try:
            self.finish(status)
        except Exception as error:  # whatever the store or its server raises, it must not mask the cause
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(f"posemamba.train: could not mark the MLflow run {status}: {reason}", file=sys.stderr)
