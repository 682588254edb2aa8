"""`envkit smoke RECIPE`: the GPU runner's sequence in one command, one JSON summary (`envkit.smoke/1`).

Steps: build (or reuse the tagged image) -> `envkit doctor --image --json` -> the selective-scan kernel
against its reference inside the image -> a short headless live-pose run on a recorded clip inside the
image. A step that cannot run says "skipped: <reason>"; nothing is reported as passed that did not run.
"""

from __future__ import annotations

import datetime
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from envkit import __version__
from envkit.builder.plan import BuildPlan
from envkit.builder.report import build, failure_lines
from envkit.containers.devices import Devices, gpu_available
from envkit.containers.images import image_exists, remove_container
from envkit.containers.run import CONTAINER_HOME, CONTAINER_OUTPUT, RunOptions, docker_run_argv
from envkit.doctor.context import recipe_expectations
from envkit.failures.match import diagnose
from envkit.recipes import choose
from envkit.resources import cache_dir

SCHEMA = "envkit.smoke/1"
KERNEL_PROBE = (
    "import json\n"
    "from posemamba.scan import cuda_status\n"
    "print('ENVKIT-SMOKE ' + json.dumps(cuda_status.kernel_status(), default=str))\n"
)
# Is the live pipeline in the image, and does the image carry the recorded demo clip?
LIVE_PROBE = (
    "import json\n"
    "try:\n"
    "    import posemamba.live.pipeline\n"
    "    from posemamba.live.demo import find_demo_video\n"
    "except ImportError as error:\n"
    "    print('ENVKIT-SMOKE ' + json.dumps({'error': str(error)}))\n"
    "else:\n"
    "    clip = find_demo_video()\n"
    "    print('ENVKIT-SMOKE ' + json.dumps({'clip': str(clip) if clip else None}))\n"
)
CONTAINER_CLIP = "/opt/envkit-smoke/clip.mp4"
LIVE_FRAMES = 30


@dataclass
class StepResult:
    id: str
    status: str  # ok | fail | skip
    summary: str
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    raw: str = ""  # what the step printed; matched against the failure signatures, not in the JSON

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if key != "raw"}


@dataclass
class SmokeRun:
    plan: BuildPlan
    console: Console
    reuse: bool = False
    output: Path | None = None
    gpus: bool | None = None
    clip: Path | None = None  # a recorded clip on the host, mounted into the container
    steps: list[StepResult] = field(default_factory=list)

    # -- helpers ---------------------------------------------------------------------------------------
    def _timed(self, step_id: str, body: Callable[[], StepResult]) -> StepResult:
        started = time.monotonic()
        self.console.print(f"smoke: {step_id} ...", highlight=False)
        result = body()
        result.seconds = round(time.monotonic() - started, 1)
        if result.status == "fail" and result.raw:
            found = diagnose(result.raw)
            if found:
                first = found[0].signature
                result.summary += f" — {first.diagnosis}; fix: {first.fix}"
                result.details["diagnoses"] = [d.as_dict() for d in found]
        shown = result.summary if result.status == "skip" else f"{result.status}: {result.summary}"
        self.console.print(f"smoke: {step_id}: {shown}", highlight=False)
        self.steps.append(result)
        return result

    def _in_image(self, command: list[str], timeout: float, *, mounts: tuple[str, ...] = ()):
        """Run `command` in a container of the image with envkit run's options (headless, no camera)."""
        assert self.output is not None
        workdir = Path(tempfile.mkdtemp(prefix="envkit-smoke-"))
        options = RunOptions(
            image=self.plan.tag,
            command=tuple(command),
            expectations=recipe_expectations(self.plan.recipe),
            devices=Devices(gpus=self.gpus, display=False, camera=False),
            workdir=workdir,
            name=f"envkit-smoke-{secrets.token_hex(4)}",
            labels={"org.envkit.smoke": "1"},
            user=f"{os.getuid()}:{os.getgid()}",
            home=CONTAINER_HOME,
            output=self.output,
            mounts=mounts,
        )
        argv = docker_run_argv(options)
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            assert options.name
            remove_container(options.name)
            out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
            return subprocess.CompletedProcess(argv, 124, out, f"no answer within {timeout:.0f}s; stopped")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    # -- steps -----------------------------------------------------------------------------------------
    def step_build(self) -> StepResult:
        if self.reuse and image_exists(self.plan.tag):
            return StepResult(
                "build", "ok", f"reused {self.plan.tag} (already built)", details={"reused": True}
            )
        outcome = build(self.plan, self.console, quiet=True)
        result = outcome.result
        if result.ok:
            return StepResult(
                "build",
                "ok",
                f"built {self.plan.tag} in {result.seconds:.0f}s",
                details={"reused": False, "log": str(result.log_path), "lock": outcome.lock_path},
            )
        first = result.diagnoses[0].as_dict() if result.diagnoses else None
        return StepResult(
            "build",
            "fail",
            (first or {}).get("diagnosis") or f"build failed: {result.error}",
            details={
                "failing_step": result.failing_step.name if result.failing_step else None,
                "diagnoses": [d.as_dict() for d in result.diagnoses],
                "log": str(result.log_path),
                "report": failure_lines(result),
            },
        )

    def step_doctor(self) -> StepResult:
        recipe = str(self.plan.recipe.path)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "envkit",
                "doctor",
                "--image",
                self.plan.tag,
                "--recipe",
                recipe,
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        try:
            document = json.loads(done.stdout)
        except ValueError:
            return _no_answer("doctor", "doctor gave no JSON", done)
        counts = document.get("counts", {})
        failed = [check["id"] for check in document.get("checks", []) if check["status"] == "fail"]
        summary = ", ".join(f"{counts.get(key, 0)} {key}" for key in ("ok", "warn", "fail", "skip"))
        checks = [
            {key: check.get(key) for key in ("id", "status", "summary", "fix")}
            for check in document.get("checks", [])
        ]
        details = {"exit_code": done.returncode, "counts": counts, "failed": failed, "checks": checks}
        if done.returncode == 0:
            return StepResult("doctor", "ok", summary, details=details)
        return StepResult("doctor", "fail", f"{summary}; failed: {', '.join(failed)}", details=details)

    def step_kernels(self) -> StepResult:
        if not self.plan.recipe.builds_kernels:
            return StepResult("kernels", "skip", "skipped: the recipe builds no selective-scan kernels")
        done = self._in_image(["python3", "-c", KERNEL_PROBE], timeout=600)
        status = _tagged_json(done.stdout)
        if status is None:
            return _no_answer("kernels", "kernel_status() did not run", done)
        if not status.get("importable"):
            return StepResult("kernels", "fail", f"kernel not built: {status.get('reason')}", details=status)
        if status.get("runs_on_gpu") is None:
            return StepResult("kernels", "skip", "skipped: no CUDA GPU in the container", details=status)
        if status.get("available") and status.get("numerics_ok"):
            return StepResult(
                "kernels",
                "ok",
                f"matches the reference (max abs error {status.get('max_abs_error')})",
                details=status,
            )
        return StepResult("kernels", "fail", f"kernel check failed: {status.get('reason')}", details=status)

    def host_clip(self) -> Path | None:
        """--clip, else the demo clip the live-pose part caches on this host (posemamba/live/demo.py; not
        imported: `import posemamba` needs torch, which a runner that only builds and smokes may lack)."""
        if self.clip is not None:
            return self.clip
        cached = cache_dir() / "live-pose" / "sports2d" / "demo.mp4"
        return cached if cached.is_file() else None

    def step_live_pose(self) -> StepResult:
        probe = self._in_image(["python3", "-c", LIVE_PROBE], timeout=300)
        found = _tagged_json(probe.stdout)
        if found is None:
            return _no_answer("live_pose", "cannot ask the image", probe)
        if "error" in found:
            return StepResult(
                "live_pose", "skip", f"skipped: posemamba.live is not in the image ({found['error']})"
            )
        mounts: tuple[str, ...] = ()
        clip = found.get("clip")
        host = self.host_clip()
        if host is not None and (self.clip is not None or not clip):
            mounts, clip = (f"{host.resolve()}:{CONTAINER_CLIP}:ro",), CONTAINER_CLIP
        if not clip:
            return StepResult(
                "live_pose",
                "skip",
                "skipped: no recorded clip: the image has no demo video and none was given (--clip PATH)",
            )
        device = "cuda" if self.plan.recipe.cuda and self.gpus is not False and gpu_available() else "cpu"
        args = [
            "--source",
            clip,
            "--headless",
            "--max-frames",
            str(LIVE_FRAMES),
            "--out",
            f"{CONTAINER_OUTPUT}/live-pose",
        ]
        args += ["--device", device]
        done = self._in_image(["envkit", "run", "live-pose", "--native", *args], timeout=900, mounts=mounts)
        tail = (done.stdout + done.stderr).strip().splitlines()[-20:]
        details = {
            "args": args,
            "exit_code": done.returncode,
            "tail": tail,
            "recording": str(self.output / "live-pose"),
        }
        if done.returncode == 0:
            summary = next(
                (line for line in reversed(tail) if line.startswith("live-pose: ") and "frames" in line), ""
            )
            return StepResult(
                "live_pose", "ok", summary or f"{LIVE_FRAMES} frames of {clip}, headless", details=details
            )
        return StepResult(
            "live_pose",
            "fail",
            f"exit code {done.returncode}: {tail[-1] if tail else ''}",
            details=details,
            raw=done.stdout + done.stderr,
        )

    # -- the sequence ----------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        own_output = self.output is None
        if own_output:
            self.output = Path(tempfile.mkdtemp(prefix="envkit-smoke-out-"))
        built = self._timed("build", self.step_build)
        for step_id, body in (
            ("doctor", self.step_doctor),
            ("kernels", self.step_kernels),
            ("live_pose", self.step_live_pose),
        ):
            if built.status == "fail":
                self.steps.append(StepResult(step_id, "skip", "skipped: the build failed"))
            else:
                self._timed(step_id, body)
        gpus, source = choose.probe_gpus()
        code = 1 if any(step.status == "fail" for step in self.steps) else 0
        return {
            "schema": SCHEMA,
            "envkit": __version__,
            "recipe": self.plan.recipe.name,
            "recipe_hash": self.plan.recipe.hash,
            "image": self.plan.tag,
            "host": {"gpus": gpus, "gpu_source": source},
            "started": stamp,
            "seconds": round(time.monotonic() - started, 1),
            "output": str(self.output),
            "exit_code": code,
            "steps": [step.as_dict() for step in self.steps],
        }


def _no_answer(step: str, what: str, done: subprocess.CompletedProcess) -> StepResult:
    """A failed step whose command in the image gave no usable answer: its last output line says why."""
    lines = (done.stderr or done.stdout).strip().splitlines()
    last = lines[-1] if lines else f"exit code {done.returncode}"
    return StepResult(step, "fail", f"{what}: {last}", raw=done.stdout + done.stderr)


def _tagged_json(stdout: str) -> dict[str, Any] | None:
    for line in stdout.splitlines():
        if line.startswith("ENVKIT-SMOKE "):
            try:
                value = json.loads(line.removeprefix("ENVKIT-SMOKE "))
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None
