# ruff: noqa: E501  (builder output as captured, one line each)
"""The build-output parser, on output captured from this machine's engine (docker 20.10 BuildKit, legacy)."""

from __future__ import annotations

from envkit.builder.steps import StepTracker, count_steps

# DOCKER_BUILDKIT=1 /usr/bin/docker build --progress=plain (20.10.24), a cached step and a failing one.
BUILDKIT = """\
#1 [internal] load build definition from Dockerfile
#1 sha256:3bbca1ef6bbca68ada5e9d1833ab20065043a60472c47b3b8b24a9add86c2971
#1 transferring dockerfile: 263B 0.0s done
#1 DONE 0.2s

#4 [runtime 1/3] FROM docker.io/local/debian:bookworm
#4 sha256:96d9777bacbff26bd1a5e5325b9c9b2f3afbac414f98b114cfc3a6fe9c149f92
#4 DONE 0.0s

#5 [runtime 2/3] RUN --mount=type=cache,target=/root/.cache/x echo hello && ls /root/.cache
#5 sha256:6fcad351d3b410f78876ecf644be4e9e25cac51671c8079d87db073afee15111
#5 CACHED

#6 [runtime 3/3] RUN echo two; echo "No space left on device" >&2; exit 3
#6 sha256:3d743b3071372f5eca783109509b28d893e13a185852d9f8ffe4d249eabca646
#6 0.728 two
#6 0.729 No space left on device
#6 ERROR: executor failed running [/bin/bash -o pipefail -c echo two; echo "No space left on device" >&2; exit 3]: exit code: 3
------
 > [runtime 3/3] RUN echo two; echo "No space left on device" >&2; exit 3:
------
executor failed running [/bin/bash -o pipefail -c echo two; echo "No space left on device" >&2; exit 3]: exit code: 3
"""

# The Docker SDK's legacy builder stream (client.api.build(decode=True) "stream" values).
LEGACY = """\
Step 1/3 : FROM local/debian:bookworm
 ---> 984ec4d78f66
Step 2/3 : RUN echo hello
 ---> Using cache
 ---> 1a2b3c4d5e6f
Step 3/3 : RUN pip install chumpy==0.70
 ---> Running in 0123456789ab
Collecting chumpy==0.70
ModuleNotFoundError: No module named 'pip'
"""


def test_buildkit_steps_cache_hits_and_the_failing_step_with_its_own_output() -> None:
    changes = []
    tracker = StepTracker(3, lambda step: changes.append((step.name[:16], step.status)))
    for line in BUILDKIT.splitlines():
        tracker.feed(line)
    assert [step.index for step in tracker.numbered_steps] == [1, 2, 3]
    assert tracker.total == 3 and tracker.finished == 2
    assert [step.name for step in tracker.cached] == [
        "[runtime 2/3] RUN --mount=type=cache,target=/root/.cache/x echo hello && ls /root/.cache"
    ]
    failed = tracker.failed
    assert failed is not None and failed.index == 3 and failed.stage == "runtime"
    assert failed.lines == ["two", "No space left on device"]
    assert failed.error.startswith("executor failed running") and failed.error.endswith("exit code: 3")
    assert ("[runtime 3/3] RU", "error") in changes


def test_padded_step_numbers_of_long_stages_are_parsed() -> None:
    tracker = StepTracker()
    tracker.feed("#20 [runtime  2/14] RUN apt-get update")
    step = tracker.numbered_steps[0]
    assert (step.stage, step.index, step.total) == ("runtime", 2, 14)


def test_legacy_builder_steps() -> None:
    tracker = StepTracker()
    for line in LEGACY.splitlines():
        tracker.feed(line)
    tracker.legacy_error("The command '/bin/sh -c pip install chumpy==0.70' returned a non-zero code: 1")
    assert [step.status for step in tracker.numbered_steps] == ["done", "cached", "error"]
    assert tracker.failed.lines[-1] == "ModuleNotFoundError: No module named 'pip'"
    assert "returned a non-zero code: 1" in tracker.failed.error


def test_count_steps_counts_what_buildkit_numbers() -> None:
    text = "FROM a AS b\nARG X\nRUN one \\\n  && two\nENV Y=1\nCOPY x /x\nLABEL z=1\nWORKDIR /w\nUSER 1\n"
    assert count_steps(text) == 4
