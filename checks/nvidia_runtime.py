"""Can containers get the GPU: an `nvidia` runtime in the daemon, or a CDI spec for nvidia.com/gpu?"""

import glob
import json

from _common import FAIL, OK, SKIP, expectation, gpus, result, run_tool

CHECK = {
    "id": "nvidia_runtime",
    "title": "NVIDIA container runtime or CDI spec",
    "scope": "host",
    "depends": ["docker_daemon"],
}

CDI_DIRS = ("/etc/cdi", "/var/run/cdi")
# env-anchors.md B.4 (nvidia-docker#1352, #1642): the error `docker run --gpus` gives without it.
NO_DRIVER = 'could not select device driver "" with capabilities: [[gpu]]'
FIX = (
    "install the NVIDIA Container Toolkit, then `sudo nvidia-ctk runtime configure --runtime=docker` "
    "and `sudo systemctl restart docker` (or `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`)"
)


def daemon_runtimes():
    try:
        import docker

        client = docker.from_env(timeout=5)
        runtimes = client.info().get("Runtimes") or {}
        client.close()
        return sorted(runtimes)
    except ImportError:
        code, out, _ = run_tool(["docker", "info", "--format", "{{json .Runtimes}}"], timeout=10)
        return sorted(json.loads(out) if code == 0 and out.strip() else {})


def cdi_specs():
    found = []
    for folder in CDI_DIRS:
        for path in sorted(glob.glob(folder + "/*.yaml") + glob.glob(folder + "/*.json")):
            try:
                with open(path) as handle:
                    if "nvidia.com/gpu" in handle.read():
                        found.append(path)
            except OSError:
                continue
    return found


def run(ctx):
    cards = gpus(ctx)
    if not cards and not expectation(ctx, "cuda"):
        return result(SKIP, "no NVIDIA GPU here and no CUDA recipe: containers run without one")
    runtimes = daemon_runtimes()
    specs = cdi_specs()
    details = "daemon runtimes: %s; CDI specs with nvidia.com/gpu: %s" % (runtimes, specs or "none")
    if "nvidia" in runtimes:
        return result(OK, "the daemon has the nvidia runtime", details)
    if specs:
        return result(OK, "CDI spec for nvidia.com/gpu: %s" % specs[0], details)
    return result(
        FAIL, "no nvidia runtime and no CDI spec: `docker run --gpus` fails with " + NO_DRIVER, details, FIX
    )
