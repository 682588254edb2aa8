"""Can this host back the /dev/shm that containers get (Docker's default is only 64 MiB)?"""

from _common import OK, WARN, expectation, result, size_text

CHECK = {"id": "host_shm", "title": "/dev/shm size for containers", "scope": "host", "depends": []}

DOCKER_DEFAULT = 64 * 1024**2  # env-anchors.md B.4 (pytorch#5040): Docker's default --shm-size
DATALOADER_MIN = 1024**3  # below about 1 GiB, DataLoader workers die with "Bus error" (B.4)


def mem_available():
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def run(ctx):
    wanted = expectation(ctx, "shm_size_bytes")
    available = mem_available()
    if not wanted:
        return result(
            OK,
            "containers get %s of /dev/shm unless started with --shm-size (envkit run passes the recipe's)"
            % size_text(DOCKER_DEFAULT),
            "memory available: %s" % (size_text(available) if available else "unknown"),
        )
    if wanted < DATALOADER_MIN:
        return result(
            WARN,
            "the recipe asks for --shm-size %s, below the ~1 GiB DataLoader workers need" % size_text(wanted),
            "",
            "raise shm_size in the recipe to 8g (or run with --ipc=host)",
        )
    if available is not None and available < wanted:
        return result(
            WARN,
            "the recipe's --shm-size %s exceeds the memory available now (%s)"
            % (size_text(wanted), size_text(available)),
            "/dev/shm is memory-backed: filling it competes with the processes",
            "free memory, or lower shm_size in the recipe",
        )
    return result(
        OK,
        "containers get --shm-size %s; %s of memory available"
        % (size_text(wanted), size_text(available or 0)),
    )
