"""Run checks on request: one JSON line in on stdin per check, one JSON line out per result.

The doctor starts this with the environment's own python3 (a venv, a conda env, an image) and keeps
it for several checks, so torch is imported once per environment, not once per check. Stdlib only,
Python >= 3.8, no envkit import. Protocol (one line each, UTF-8 JSON):
  in:  {"id": "torch_cuda", "ctx": {...}}
  out: @@envkit-ready {"python": "3.11"}           (once, at start: the interpreter runs this file)
       @@envkit-start {"id": "torch_cuda"}      (before the check runs: a hang or a crash is pinned on it)
       @@envkit-result {"id": "torch_cuda", "status", "summary", "details", "fix", "seconds"}
Anything a check or a library prints goes to stderr: stdout carries only the protocol lines.
"""

import importlib.util
import json
import os
import sys
import time
import traceback

CHECKS_DIR = os.path.dirname(os.path.abspath(__file__))
STATUSES = ("ok", "warn", "fail", "skip", "info")


def _protocol_stream():
    """A private copy of stdout for protocol lines; fd 1 then points at stderr for everything else."""
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", buffering=1, encoding="utf-8")


def load_check(check_id):
    path = os.path.join(CHECKS_DIR, check_id + ".py")
    spec = importlib.util.spec_from_file_location("envkit_check_" + check_id, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_one(check_id, ctx):
    """The check's result dict, never an exception: a raising check is a failed check."""
    try:
        outcome = load_check(check_id).run(ctx)
        if not isinstance(outcome, dict) or outcome.get("status") not in STATUSES:
            raise TypeError("run() returned %r, not a result dict with a known status" % (outcome,))
    except BaseException as error:  # a check must never take the worker down
        if isinstance(error, KeyboardInterrupt):
            raise
        outcome = {
            "status": "fail",
            "summary": "the check itself raised %s: %s" % (type(error).__name__, str(error)[:200]),
            "details": traceback.format_exc(),
            "fix": "this is a bug in the check or an unexpected state; the details hold the traceback",
        }
    return {key: str(outcome.get(key) or "") for key in ("status", "summary", "details", "fix")}


def main():
    out = _protocol_stream()
    # Python puts a script's folder first on sys.path; the checks' helpers (_common, _x11) must not
    # shadow installed packages, so the folder moves to the end.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != CHECKS_DIR] + [CHECKS_DIR]
    out.write("@@envkit-ready " + json.dumps({"python": "%d.%d" % sys.version_info[:2]}) + "\n")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        check_id = request["id"]
        out.write("@@envkit-start " + json.dumps({"id": check_id}) + "\n")
        started = time.monotonic()
        outcome = run_one(check_id, request.get("ctx") or {})
        outcome.update(id=check_id, seconds=round(time.monotonic() - started, 3))
        out.write("@@envkit-result " + json.dumps(outcome) + "\n")


if __name__ == "__main__":
    main()
