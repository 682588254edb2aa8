"""Host files that `envkit run train|eval` passes to the container: mounted read-only, paths rewritten.

`--data PATH`, `--checkpoint PATH` and `--config FILE` name host files; each one's folder is mounted
read-only at /mnt/envkit/<n> and the argument rewritten to the file's path there. The released config
names (S, B, L) and anything that is not an existing host path pass through unchanged.
"""

from __future__ import annotations

from pathlib import Path

MOUNT_ROOT = "/mnt/envkit"
PATH_OPTIONS = ("--data", "--checkpoint", "--config")


def data_mounts(argv: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """(argv with host paths rewritten, the HOST:CONTAINER:ro mounts for them)."""
    out: list[str] = []
    folders: dict[Path, str] = {}
    mounts: list[str] = []

    def container_path(value: str) -> str:
        path = Path(value).expanduser()
        if not path.exists():
            return value
        path = path.resolve()
        # A folder (a converted data folder) is mounted itself; a file through its folder.
        folder = path if path.is_dir() else path.parent
        if folder not in folders:
            folders[folder] = f"{MOUNT_ROOT}/{len(folders)}"
            mounts.append(f"{folder}:{folders[folder]}:ro")
        return folders[folder] if path.is_dir() else f"{folders[folder]}/{path.name}"

    items = iter(argv)
    for item in items:
        option, equals, value = item.partition("=")
        if option in PATH_OPTIONS and equals:
            out.append(f"{option}={container_path(value)}")
        elif item in PATH_OPTIONS:
            out.append(item)
            following = next(items, None)
            if following is not None:
                out.append(container_path(following))
        else:
            out.append(item)
    return out, tuple(mounts)
